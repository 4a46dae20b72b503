"""prometheus/rules/<service>.rules.yml: recording rules, then alert rules, one group per service."""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.model import conventions
from generators.model.types import Alert, Model, Service, Tier
from generators.outputs.prometheus import conditions


def alert_annotations(alert: Alert, tier: Tier) -> dict[str, str]:
    """The four annotations every alert carries; the description states the spec's threshold."""
    threshold = tier.threshold.describe()
    sentence = f"Threshold: {threshold}." if tier.threshold.op else f"Fires after {tier.threshold.for_text}." if tier.threshold.for_ else ""
    for key, value in tier.labels:
        if key == conventions.ESCALATION:
            sentence += f" Escalated: still firing {value.removeprefix('after-')} after the first notification."
    description = alert.description.rstrip(".") + "." + (f" {sentence}" if sentence else "")
    return {
        "summary": alert.summary,
        "description": description,
        "runbook_url": alert.runbook_url,
        "dashboard_url": alert.dashboard_url,
    }


def alert_rule(alert: Alert, tier: Tier, expr: str | None = None) -> dict[str, Any]:
    """One tier's rule; `expr` replaces the tier's own expression (one that reads the alert's shared recording)."""
    rule: dict[str, Any] = {"alert": alert.name, "expr": expr or tier.expr}
    if tier.for_:
        rule["for"] = tier.threshold.for_text
    labels = alert.labels(tier)
    rule["labels"] = dict(sorted(labels.items()))
    rule["annotations"] = alert_annotations(alert, tier)
    return rule


def group(service: Service) -> dict[str, Any]:
    """The service's recordings, the recordings its alerts' rules share (conditions.py), then the alert rules."""
    rules: list[dict[str, Any]] = [{"record": r.record, "expr": r.expr, "labels": dict(r.labels)} for r in service.recordings]
    alerts: list[dict[str, Any]] = []
    share = service.kind not in catalog.load() or catalog.kind(service.kind).get("shared_conditions", True)
    for alert in service.alerts:
        recording, exprs = conditions.shared(alert) if share else (None, [t.expr for t in alert.tiers])
        if recording:
            rules.append(recording)
        alerts.extend(alert_rule(alert, tier, expr) for tier, expr in zip(alert.tiers, exprs, strict=True))
    return {"name": service.name, "rules": rules + alerts}


def build(model: Model) -> dict[str, dict[str, Any]]:
    """Relative path -> document, one rule file per service that has rules."""
    out = {}
    for service in model.services:
        doc = group(service)
        if doc["rules"]:
            out[f"prometheus/{conventions.rule_file(service.name)}"] = {"groups": [doc]}
    return out

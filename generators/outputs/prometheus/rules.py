"""prometheus/rules/<service>.rules.yml: recording rules, then alert rules, one group per service."""

from __future__ import annotations

from typing import Any

from generators.model import conventions
from generators.model.types import Alert, Model, Service, Tier


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


def alert_rule(alert: Alert, tier: Tier) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": alert.name, "expr": tier.expr}
    if tier.for_:
        rule["for"] = tier.threshold.for_text
    labels = alert.labels(tier)
    rule["labels"] = dict(sorted(labels.items()))
    rule["annotations"] = alert_annotations(alert, tier)
    return rule


def group(service: Service) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [{"record": r.record, "expr": r.expr, "labels": dict(r.labels)} for r in service.recordings]
    for alert in service.alerts:
        rules.extend(alert_rule(alert, tier) for tier in alert.tiers)
    return {"name": service.name, "rules": rules}


def build(model: Model) -> dict[str, dict[str, Any]]:
    """Relative path -> document, one rule file per service that has rules."""
    out = {}
    for service in model.services:
        doc = group(service)
        if doc["rules"]:
            out[f"prometheus/{conventions.rule_file(service.name)}"] = {"groups": [doc]}
    return out

"""docs/runbooks/<AlertName>.md: one runbook per alert from the catalog's causes and checks plus spec notes."""

from __future__ import annotations

import functools
import posixpath

import jinja2

from generators import catalog
from generators.model import conventions
from generators.model.types import Alert, Model
from generators.outputs.prometheus.rules import alert_annotations


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    return env.from_string(catalog.template_text("runbook.md.j2"))


def receivers(model: Model, alert: Alert, severity: str, escalation: str | None) -> list[str]:
    """Channels an alert of this severity and team reaches: the same computation the route tests check."""
    from generators.outputs.alertmanager import alertmanager_routes

    return alertmanager_routes.channels_reached(model, alert, severity, escalation)


def _escalation_text(model: Model, alert: Alert) -> str:
    rules = [e for e in model.routing.escalations if (e.team in (None, alert.team))]
    lines = [
        f"- A {e.severity} alert still firing {e.label.removeprefix('after-')} after it started also notifies {', '.join(e.notify)}."
        for e in rules
    ]
    lines.append(f"- Owner: team `{alert.team}`. If you cannot resolve it, page the owning team's on-call.")
    return "\n".join(lines)


def render(model: Model, alert: Alert) -> str:
    tiers = []
    for tier in alert.tiers:
        esc = dict(tier.labels).get(conventions.ESCALATION)
        tiers.append(
            {
                "severity": tier.severity,
                "escalation": esc,
                "condition": tier.threshold.describe(),
                "receivers": ", ".join(receivers(model, alert, tier.severity, esc)) or "the default receiver",
            }
        )
    return _template().render(
        header=conventions.GENERATED_HEADER,
        alert=alert,
        tiers=tiers,
        expr=alert.tiers[0].expr,
        description=alert_annotations(alert, alert.tiers[0])["description"],
        spec_file=posixpath.basename(model.spec_file),
        alertmanager_url=model.stack.alertmanager_url,
        escalation=_escalation_text(model, alert),
    )


def build(model: Model) -> dict[str, str]:
    return {f"docs/runbooks/{alert.name}.md": render(model, alert) for alert in model.alerts}

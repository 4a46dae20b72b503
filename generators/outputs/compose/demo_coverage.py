"""Which services the demo app cannot play: one warning per service at its spec line.

The demo app (compose/demo-app/app.py, `make up` and `make demo`) answers for every target of a job no exporter
serves, but it exports the example's metric and label names only (catalog.kinds.DEMO_APP_SERVES). A service
whose rules read other names (its own `metrics:`, a histogram or gauge of the app, a business counter) gets
no series in the demo: its panels stay empty and its MetricAbsent alert fires. The render says so instead of
leaving the user to find out in Grafana.
"""

from __future__ import annotations

import re

from generators.catalog.kinds import DEMO_APP_SERVES
from generators.errors import Problem
from generators.model.types import Model, Service
from generators.outputs.compose import compose
from generators.spec.source import Source, dotted

_GENERATED = frozenset({"up", "scrape_samples_scraped"})  # series Prometheus writes itself for every target


def _selected(service: Service, job: str) -> list[str]:
    """The metric names the service's rules select from its job, in first-use order."""
    selector = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^{}]*\bjob="' + re.escape(job) + '"')
    exprs = [r.expr for r in service.recordings] + [t.expr for a in service.alerts for t in a.tiers]
    return list(dict.fromkeys(m for e in exprs for m in selector.findall(e) if m not in _GENERATED))


def _labels(service: Service) -> list[str]:
    """The label names the service's rules keep series apart by (its `*_label` metrics and `by:`)."""
    named = [str(v) for k, v in service.metrics.items() if k.endswith("_label")]
    return list(dict.fromkeys([*named, *service.by]))


def warnings(model: Model, source: Source) -> list[Problem]:
    roles = {job.name: role for job, role in compose.demo_jobs(model).items()}
    out = []
    for service in model.services:
        role = roles.get(service.job or "")
        if role is None or not service.path:
            continue
        metrics, labels = DEMO_APP_SERVES[role]
        missing = [m for m in _selected(service, service.job or "") if m not in metrics]
        missing += [f"label {label}" for label in _labels(service) if label not in labels]
        if not missing:
            continue
        absent = next((a.name for a in service.alerts if a.signal == "metric_absent"), "")
        if any(not m.startswith("label ") for m in missing):
            effect = f"its panels stay empty and {absent} fires" if absent else "its panels stay empty"
        else:
            effect = "its rules and panels see no series with that label"
        out.append(
            Problem(
                source.key_at(service.path),
                dotted(service.path),
                f"warning: the compose demo-app does not serve {', '.join(missing)}: it answers for job '{service.job}' "
                f"with the example's names only (in the demo {effect}; point the job's targets at "
                "your app, or give the metrics the names of compose/demo-app/app.py)",
            )
        )
    return out

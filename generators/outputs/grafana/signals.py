"""Alert -> panel: the panel that shows an alert's signal, with the spec's thresholds and the runbook link.

A dashboard family fills a `Board` with one `Section` per service. `Section.signal()` adds the panel for a
signal: its id is `conventions.panel_id(service, signal)`, so the `dashboard_url` annotation of the alert
(`?viewPanel=<id>`) opens it, and when the service has an alert on that signal the panel gets the alert's
threshold numbers as steps. Alerts a family does not lay out itself still get a panel (`Section.rest()`),
whose query is the alert expression without its comparison.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from generators import catalog
from generators.model import conventions
from generators.model.types import Alert, Model, Service
from generators.outputs.grafana.adapter import Link, Panel, Query, Row, Step

COLORS = {"critical": "red", "warning": "orange", "info": "blue"}
UNITS = {"percent": "percentunit", "seconds": "s", "per_second": "ops", "per_minute": "short", "count": "short"}
UP_MAPPINGS = (("0", "DOWN", "red"), ("1", "UP", "green"))
RATE_WINDOW = re.compile(r"\b(rate|irate|increase)\(([^\[\]()]*)\[5m\]\)")
RATIO = (Decimal(0), Decimal(1))  # 0..100% axes for utilisation-like ratios
STATE_STEPS = (Step("red", None), Step("green", Decimal(1)))  # state signals (up, reload ok, present)


def rate_interval(expr: str) -> str:
    """rate(x[5m]) -> rate(x[$__rate_interval]): Grafana picks a window that fits the scrape interval and zoom."""
    return RATE_WINDOW.sub(r"\1(\2[$__rate_interval])", expr)


def location(alert: Alert) -> tuple[str, int]:
    """(dashboard uid, panel id) that the alert's dashboard_url points to (computed once, by the model)."""
    return alert.panel


def steps(alert: Alert | None) -> tuple[Step, ...]:
    """Threshold steps with exactly the spec's numbers; bad side colored by severity."""
    if alert is None:
        return ()
    rank = {s: i for i, s in enumerate(conventions.SEVERITIES)}
    by_value: dict[Decimal, str] = {}
    for tier in sorted(alert.tiers, key=lambda t: rank.get(t.severity, 9)):
        if tier.threshold.value is not None:
            by_value.setdefault(tier.threshold.value, COLORS.get(tier.severity, "red"))
    if not by_value:
        return ()
    ordered = sorted(by_value.items())
    if alert.direction == "above":
        return (Step("green", None), *(Step(color, value) for value, color in ordered))
    colors = [color for _, color in ordered]
    above = [*colors[1:], "green"]  # from each threshold up, the next milder color
    return (Step(colors[0], None), *(Step(above[i], value) for i, (value, _) in enumerate(ordered)))


def describe(alert: Alert) -> str:
    tiers = "; ".join(f"{t.severity}: {t.threshold.describe()}" for t in alert.tiers if not t.labels)  # escalations repeat a tier
    return f"{alert.summary}. Alert {alert.name} ({tiers}), as set in monitoring.yaml at {alert.spec_path}."


def context(service: Service) -> dict[str, Any]:
    return {
        "job": service.job,
        "service": service.name,
        "m": service.metrics,
        "limit": service.limit,
        "by": list(service.by),
        "le": service.le,
    }


class Board:
    """The alerts one dashboard must show, and which of them already have a panel."""

    def __init__(self, model: Model, key: str) -> None:
        self.model = model
        self.info = conventions.DASHBOARDS[key]
        self.alerts = {(a.service, a.signal): a for a in model.alerts if location(a)[0] == self.info.uid}
        self.by_service: dict[str, list[tuple[str, Alert]]] = {}  # service -> [(signal, alert)], sorted by signal
        for (service, signal), alert in sorted(self.alerts.items()):
            self.by_service.setdefault(service, []).append((signal, alert))
        self.placed: set[tuple[str, str]] = set()
        self.rows: list[Row] = []

    def services(self, *kinds: str) -> list[Service]:
        return [s for s in self.model.services if s.kind in kinds]

    def section(self, service: Service) -> Section:
        return Section(self, service.name, context(service))

    def add(self, title: str, key: str, panels: Sequence[Panel]) -> None:
        if panels:
            self.rows.append(Row(title, conventions.panel_id(key, "row"), tuple(panels)))

    def firing_overview(self) -> None:
        """A top row: the firing alerts of the services selected in the `service` variable."""
        q = Query('sum by (service, alertname, severity) (ALERTS{alertstate="firing", service=~"$service"})', instant=True, table=True)
        pid = conventions.panel_id(self.info.uid, "firing")
        self.add(
            "Overview",
            f"{self.info.uid}/overview",
            [Panel(pid, "Firing alerts of the selected services", "table", (q,), width=24, height=6)],
        )

    def leftovers(self) -> None:
        """A row per service whose alerts point here but that no family section laid out."""
        for service in sorted({s for s, sig in self.alerts if (s, sig) not in self.placed}):
            section = Section(self, service, {})
            section.targets()
            self.add(f"{service}: alerts", f"{service}/alerts", section.rest())


class Section:
    """The panels of one service on one dashboard."""

    def __init__(self, board: Board, service: str, ctx: dict[str, Any]) -> None:
        self.board, self.service, self.ctx = board, service, ctx
        self.panels: list[Panel] = []

    def query(self, template: str, legend: str = "", instant: bool = False, table: bool = False) -> Query:
        return Query(catalog.render(template, **self.ctx), legend, instant, table)

    def panel(self, key: str, title: str, queries: Sequence[Query], unit: str = "short", kind: str = "timeseries", **kw: Any) -> Panel:
        panel = Panel(conventions.panel_id(self.service, key), title, kind, tuple(queries), unit, **kw)
        self.panels.append(panel)
        return panel

    def signal(self, signal: str, title: str, queries: Sequence[Query], unit: str, kind: str = "timeseries", **kw: Any) -> None:
        alert = self.board.alerts.get((self.service, signal))
        if kw.get("mappings"):
            kw.setdefault("steps", STATE_STEPS)  # 0/1 states: red below 1, green from 1, as the mappings say
        if alert is not None:
            self.board.placed.add((self.service, signal))
            kw.setdefault("steps", steps(alert))
            kw.setdefault("description", describe(alert))
            kw["links"] = (Link(f"Runbook: {alert.name}", alert.runbook_url),)
        self.panel(signal, title, queries, unit, kind, **kw)

    def targets(self) -> None:
        """Panels for the scrape-health signals every scraped service has."""
        for signal, title in (
            ("target_down", "Target state"),
            ("scrape_empty", "Samples per scrape"),
            ("metric_absent", "Required metric"),
        ):
            alert = self.board.alerts.get((self.service, signal))
            if alert is None:
                continue
            ctx = {**alert.test_context}
            if signal == "target_down":
                q = Query(catalog.render('min(up{job="{{ job }}"})', **ctx), "up")
                self.signal(signal, title, [q], "none", "stat", width=4, height=6, mappings=UP_MAPPINGS, steps=STATE_STEPS)
            elif signal == "scrape_empty":
                q = Query(catalog.render('scrape_samples_scraped{job="{{ job }}"}', **ctx), "{{instance}}")
                self.signal(signal, title, [q], "short", width=8, height=6, steps=STATE_STEPS)
            else:
                q = Query(catalog.render('count({{ m.required }}{job="{{ job }}"})', **ctx), "series")
                self.signal(
                    signal,
                    f"Series of {ctx['m']['required']}",
                    [q],
                    "short",
                    "stat",
                    width=4,
                    height=6,
                    steps=STATE_STEPS,
                    no_value="absent",
                )

    def rest(self) -> list[Panel]:
        """Panels for this service's alerts on this board that no family laid out, then all panels."""
        for signal, alert in self.board.by_service.get(self.service, ()):
            if (self.service, signal) in self.board.placed:
                continue
            expr = alert.value_expr
            if expr is None:  # a state signal no family lays out: show whether the alert fires
                q = Query(f'count(ALERTS{{alertname="{alert.name}", alertstate="firing"}}) or vector(0)', "firing")
                self.signal(signal, f"{alert.name} firing", [q], "none", "stat", width=4, height=6)
                continue
            title = signal.replace("_", " ").capitalize() if alert.kind != "custom" else alert.summary
            self.signal(signal, title, [Query(rate_interval(expr), _legend(alert))], UNITS.get(alert.unit, "short"))
        return self.panels


MAPPINGS = {"up": UP_MAPPINGS}
BOUNDS = {"ratio": RATIO}


def lay_out(section: Section, kind: str) -> None:
    """The panels of a kind's record (catalog kinds.<kind>.panels), in order; a signal panel without queries
    is left to `Section.rest()`, and a panel whose `requires` metric keys are unset is left out."""
    metrics = section.ctx["m"]
    for spec in catalog.record(kind).panels:
        if not spec.queries or not all(metrics.get(key) or section.ctx.get(key) for key in spec.requires):
            continue
        queries = [
            section.query(q.expr, f"{{{{{metrics[q.legend_label]}}}}}" if q.legend_label else q.legend, q.instant, q.table)
            for q in spec.queries
        ]
        title = catalog.render(spec.title, **section.ctx)
        kw: dict[str, Any] = {"width": spec.width, "height": spec.height, "stack": spec.stack, "bounds": BOUNDS.get(spec.bounds)}
        if spec.mappings:
            kw["mappings"] = MAPPINGS[spec.mappings]
        if spec.signal:
            section.signal(spec.signal, title, queries, spec.unit, spec.type, **kw)
        else:
            section.panel(spec.key, title, queries, spec.unit, spec.type, **kw)


def _legend(alert: Alert) -> str:
    return " ".join(f"{{{{{label}}}}}" for label in alert.by if label not in ("job",)) or alert.service

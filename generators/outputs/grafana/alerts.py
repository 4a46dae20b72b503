"""Alerts overview: firing and pending alerts by severity and service (from ALERTS), history, Watchdog, custom alerts."""

from __future__ import annotations

from decimal import Decimal

from generators.model.conventions import panel_id
from generators.outputs.grafana.adapter import Panel, Query, Step, Variable
from generators.outputs.grafana.signals import COLORS, Board

KEY = "alerts"
DESCRIPTION = (
    "Every alert of the stack from Prometheus' ALERTS series: firing and pending by severity and service, "
    "history, the Watchdog and custom alerts."
)
SEL = 'service=~"$service", severity=~"$severity"'


def _id(name: str) -> int:
    return panel_id("alerts-overview", name)


def summary() -> list[Panel]:
    panels = []
    for severity, color in COLORS.items():
        q = Query(f'count(ALERTS{{alertstate="firing", severity="{severity}", service=~"$service"}}) or vector(0)', severity)
        steps = (Step("green", None), Step(color, Decimal(1)))
        panels.append(Panel(_id(f"firing_{severity}"), f"Firing {severity}", "stat", (q,), "none", width=6, height=4, steps=steps))
    pending = Query(f'count(ALERTS{{alertstate="pending", {SEL}}}) or vector(0)', "pending")
    panels.append(Panel(_id("pending"), "Pending (waiting for `for`)", "stat", (pending,), "none", width=6, height=4))
    # pending ones too (alertstate column): what is about to page, per service and severity
    firing = Query(f"sum by (service, alertname, severity, alertstate) (ALERTS{{{SEL}}})", instant=True, table=True)
    panels.append(Panel(_id("firing_table"), "Firing and pending alerts by service", "table", (firing,), "short", width=24, height=8))
    by_severity = Query(f'count by (severity) (ALERTS{{alertstate="firing", {SEL}}})', "{{severity}}")
    panels.append(
        Panel(_id("history_severity"), "Firing alerts by severity (history)", "timeseries", (by_severity,), "short", width=12, stack=True)
    )
    by_service = Query(f'count by (service) (ALERTS{{alertstate="firing", {SEL}}})', "{{service}}")
    panels.append(
        Panel(_id("history_service"), "Firing alerts by service (history)", "timeseries", (by_service,), "short", width=12, stack=True)
    )
    return panels


def watchdog(board: Board) -> None:
    for service in board.services("watchdog"):
        s = board.section(service)
        q = s.query('count(ALERTS{alertname="Watchdog", alertstate="firing"})', "watchdog")
        s.signal(
            "watchdog",
            "Watchdog (must always fire)",
            [q],
            "none",
            "stat",
            width=6,
            height=4,
            mappings=(("1", "FIRING: pipeline OK", "green"),),
            no_value="NOT FIRING: alerting is broken",
        )
        board.add("Watchdog", service.name, s.rest())


def variables(board: Board) -> list[Variable]:
    return [
        Variable("service", "Service", query="label_values(ALERTS, service)"),
        Variable("severity", "Severity", values=("critical", "warning", "info")),
    ]


def rows(board: Board) -> None:
    board.add("Now", "alerts-overview/now", summary())
    watchdog(board)
    board.leftovers()  # custom alerts: their expression is the panel query

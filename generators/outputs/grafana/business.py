"""Business KPIs: the business counters the spec declares (`business:`)."""

from __future__ import annotations

from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import Board

KEY = "business"
DESCRIPTION = "The business counters declared under `business:` in monitoring.yaml: rate per minute and totals."


def variables(board: Board) -> list[Variable]:
    names = tuple(s.name for s in board.services("business"))
    return [Variable("service", "KPI", values=names)] if names else []


def rows(board: Board) -> None:
    board.firing_overview()
    for service in board.services("business"):
        s = board.section(service)
        per_minute = s.query('service:{{ m.counter | base }}:rate5m{service="{{ service }}"} * 60', "per minute")
        s.signal("rate_per_minute", f"{service.name} per minute", [per_minute], "short", width=12)
        total = s.query('sum(increase({{ m.counter }}{job="{{ job }}"}[$__range]))', "total")
        s.panel("total", f"{service.name} in the time range", [total], "short", "stat", width=4, height=8)
        s.targets()
        board.add(f"{service.name} ({service.team})", service.name, s.rest())
    board.leftovers()

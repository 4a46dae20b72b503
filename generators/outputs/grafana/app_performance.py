"""Application performance: one row per service of the kinds whose catalog record names this dashboard
(PostgreSQL, Redis, queue, external API, connections); each row's panels are the record's `panels:`."""

from __future__ import annotations

from generators import catalog
from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import Board, lay_out

KEY = "app-performance"
DESCRIPTION = "One row per dependency: PostgreSQL, Redis, job queues, external APIs and long-lived connections (SSE)."


def kinds() -> tuple[str, ...]:
    return tuple(k.name for k in catalog.records() if k.declared == "services" and k.dashboard == KEY)


def variables(board: Board) -> list[Variable]:
    names = tuple(s.name for s in board.services(*kinds()))
    return [Variable("service", "Service", values=names)] if names else []


def rows(board: Board) -> None:
    board.firing_overview()
    for service in board.services(*kinds()):
        s = board.section(service)
        s.targets()
        lay_out(s, service.kind)
        board.add(f"{catalog.record(service.kind).row}: {service.name} ({service.team})", service.name, s.rest())
    board.leftovers()

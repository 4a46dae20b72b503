"""Service health: per HTTP service uptime, traffic, errors, latency percentiles, status codes, endpoints, alerts."""

from __future__ import annotations

from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import Board, lay_out

KEY = "service-health"
DESCRIPTION = "Per HTTP service: uptime, request rate, error ratio, p50/p95/p99 latency, status codes, top endpoints and firing alerts."


def http(board: Board) -> None:
    for service in board.services("http"):
        s = board.section(service)
        s.targets()
        lay_out(s, "http")
        board.add(f"{service.name} ({service.team})", service.name, s.rest())


def variables(board: Board) -> list[Variable]:
    names = tuple(sorted({s for s, _ in board.alerts}))
    return [Variable("service", "Service", values=names)] if names else []


def rows(board: Board) -> None:
    board.firing_overview()
    http(board)
    board.leftovers()

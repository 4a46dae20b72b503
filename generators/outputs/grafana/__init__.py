"""grafana/: dashboards built with grafanalib (normalized to modern JSON) and Grafana provisioning."""

from __future__ import annotations

from typing import Any

from generators.model import conventions
from generators.model.types import Model
from generators.outputs.grafana import (
    adapter,
    alerts,
    app_performance,
    business,
    infrastructure,
    probes,
    provisioning,
    service_health,
    slo,
    stack,
)
from generators.outputs.grafana.signals import Board

FAMILIES = (service_health, infrastructure, app_performance, business, alerts, stack, probes, slo)
TAGS = ("generated", "monitoring-as-code")


def path(board: conventions.Dashboard) -> str:
    return f"grafana/dashboards/{board.folder}/{board.uid}.json"


# The last model's dashboards: grafana/ and kubernetes/ (ConfigMaps) both need them in one render, and
# building them is the most expensive step. The model is kept so its id cannot be reused.
_LAST: list[tuple[Model, dict[str, dict[str, Any]]]] = []


def dashboards(model: Model) -> dict[str, dict[str, Any]]:
    if _LAST and _LAST[0][0] is model:
        return _LAST[0][1]
    out = _dashboards(model)
    _LAST[:] = [(model, out)]
    return out


def _dashboards(model: Model) -> dict[str, dict[str, Any]]:
    out = {}
    for family in FAMILIES:
        board = Board(model, family.KEY)
        family.rows(board)
        description = f"{family.DESCRIPTION} {conventions.GENERATED_HEADER}"
        out[path(board.info)] = adapter.dashboard(board.info, description, TAGS, board.rows, family.variables(board))
    return out


def build(model: Model) -> dict[str, Any]:
    """Relative path -> document for every dashboard and provisioning file."""
    return {**dashboards(model), **provisioning.build(model)}

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


def dashboards(model: Model) -> dict[str, dict[str, Any]]:
    out = {}
    for family in FAMILIES:
        board = Board(model, family.KEY)
        family.rows(board)
        description = f"{family.DESCRIPTION} {conventions.GENERATED_HEADER}"
        out[path(board.info)] = adapter.dashboard(board.info, description, TAGS, board.rows, family.variables(board))
    return out


def build(model: Model, boards: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Relative path -> document for every dashboard (built once by the pipeline) and provisioning file."""
    return {**boards, **provisioning.build(model)}

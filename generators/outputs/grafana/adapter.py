"""grafanalib behind our own small API, and the normalizer that turns its legacy JSON into modern JSON.

grafanalib 0.7.1 is the builder (the project's choice) but emits schemaVersion 12, legacy keys (`rows`,
`style`, `sharedCrosshair`, `hideControls`, `__inputs`), nulls where Grafana's schema wants strings, the
string "null" as a threshold base and panel options of Grafana 7. `dashboard()` builds with grafanalib,
then `normalize()` rewrites the result into what Grafana >= 11 saves itself (schemaVersion below), so the
JSON validates against Grafana's own schema (`checks_schema.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from grafanalib import core as G

from generators.model import conventions
from generators.outputs.grafana.normalize import DATASOURCE, normalize, without_none


def json_number(value: Decimal) -> int | float:
    """The spec's Decimal as a JSON number with the same digits (0.05 -> 0.05, 1E+3 -> 1000)."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"{value} has no exact JSON number")
    return as_float


@dataclass(frozen=True)
class Step:
    """One threshold step: the color from `value` (None: the base, minus infinity) upwards."""

    color: str
    value: Decimal | None


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Panel:
    """What a dashboard family asks for; `build_panel` turns it into a grafanalib panel."""

    id: int
    title: str
    kind: str  # timeseries | stat | table
    queries: tuple[Query, ...]
    unit: str = "short"
    steps: tuple[Step, ...] = ()
    description: str = ""
    links: tuple[Link, ...] = ()
    width: int = 8
    height: int = 8
    stack: bool = False
    mappings: tuple[tuple[str, str, str], ...] = ()  # (value, text, color)
    no_value: str = ""
    bounds: tuple[Decimal, Decimal] | None = None  # axis min and max
    time_from: str = ""  # a relative time range of its own, e.g. "30d" (the dashboard's range otherwise)


@dataclass(frozen=True)
class Row:
    title: str
    id: int
    panels: tuple[Panel, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    query: str = ""  # PromQL label_values(...) for query variables
    values: tuple[str, ...] = ()  # custom variables
    multi: bool = True


def _thresholds(steps: Sequence[Step]) -> list[G.Threshold]:
    out = []
    for index, step in enumerate(steps or (Step("green", None),)):
        value = 0.0 if step.value is None else float(json_number(step.value))
        out.append(G.Threshold(step.color, index, value))
    return out


def _targets(panel: Panel) -> list[G.Target]:
    return [
        G.Target(
            expr=q.expr,
            legendFormat=q.legend,
            refId=chr(ord("A") + i),
            instant=q.instant,
            format="table" if q.table else "time_series",
            datasource=DATASOURCE,
        )
        for i, q in enumerate(panel.queries)
    ]


def build_panel(panel: Panel, pos: tuple[int, int, int, int]) -> Any:
    x, y, w, h = pos
    limits = {"min": json_number(panel.bounds[0]), "max": json_number(panel.bounds[1])} if panel.bounds else {}
    common: dict[str, Any] = {
        "id": panel.id,
        "title": panel.title,
        "description": panel.description,
        "dataSource": DATASOURCE,
        "targets": _targets(panel),
        "gridPos": G.GridPos(h=h, w=w, x=x, y=y),
        "links": [
            G.DashboardLink(title=link.title, uri=link.url, type="link", icon="doc", targetBlank=True, keepTime=False, tooltip=link.title)
            for link in panel.links
        ],
        "thresholds": _thresholds(panel.steps),
        # grafanalib takes int-only min/max (TimeSeries) or none (Stat): set the exact numbers as extra JSON
        "extraJson": {"fieldConfig": {"defaults": limits}} if limits else None,
        "timeFrom": panel.time_from or None,
    }
    items = [G.StatValueMappingItem(text, value, color, index) for index, (value, text, color) in enumerate(panel.mappings)]
    mappings = [G.StatValueMappings(*items)] if items else []
    if panel.kind == "timeseries":
        return G.TimeSeries(
            **common,
            unit=panel.unit,
            thresholdsStyleMode="line+area" if panel.steps else "off",
            fillOpacity=30 if panel.stack else 10,
            stacking={"mode": "normal", "group": "A"} if panel.stack else {"mode": "none", "group": "A"},
            legendDisplayMode="list",
            tooltipMode="multi",
            tooltipSort="desc",
            showPoints="never",
            mappings=mappings,
        )
    if panel.kind == "stat":
        return G.Stat(
            **common,
            format=panel.unit,
            colorMode="background" if panel.steps else "value",
            graphMode="area",
            reduceCalc="lastNotNull",
            noValue=panel.no_value or "No data",
            mappings=mappings,
        )
    if panel.kind == "table":
        return G.Table(**common, unit=panel.unit)
    raise ValueError(f"unknown panel kind {panel.kind}")


def layout(rows: Sequence[Row]) -> list[Any]:
    """Rows top to bottom; panels flow left to right and wrap at 24 columns (never overlapping)."""
    out: list[Any] = []
    y = 0
    for row in rows:
        out.append(G.RowPanel(id=row.id, title=row.title, gridPos=G.GridPos(h=1, w=24, x=0, y=y)))
        y += 1
        x, line_height = 0, 0
        for panel in row.panels:
            if x + panel.width > 24:
                x, y, line_height = 0, y + line_height, 0
            out.append(build_panel(panel, (x, y, panel.width, panel.height)))
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return out


def _variable(var: Variable) -> G.Template:
    if var.values:
        return G.Template(
            name=var.name,
            label=var.label,
            query=",".join(var.values),
            type="custom",
            default=None if var.multi else var.values[0],
            multi=var.multi,
            includeAll=var.multi,
        )
    return G.Template(
        name=var.name,
        label=var.label,
        query=var.query,
        dataSource=DATASOURCE,
        multi=var.multi,
        includeAll=var.multi,
        refresh=2,  # on time range change: new instances show up
    )


def dashboard(
    board: conventions.Dashboard, description: str, tags: Sequence[str], rows: Sequence[Row], variables: Sequence[Variable]
) -> dict[str, Any]:
    """A dashboard built with grafanalib and normalized to modern JSON."""
    # what panels, targets and query variables reference as ${datasource}: a fresh Grafana selects the provisioned uid
    datasource = G.Template(
        name=conventions.DATASOURCE_VARIABLE,
        label="Data source",
        query="prometheus",
        type="datasource",
        default=conventions.PROMETHEUS_DATASOURCE_UID,
    )
    built = G.Dashboard(
        title=board.title,
        uid=board.uid,
        description=description,
        tags=list(tags),
        panels=layout(rows),
        links=[
            G.DashboardLink(
                title="Generated dashboards", type="dashboards", tags=list(tags), asDropdown=True, keepTime=True, includeVars=False
            )
        ],
        templating=G.Templating(list=[datasource, *(_variable(v) for v in variables)]),
        time=G.Time("now-6h", "now"),
        refresh="1m",
        timezone="utc",
        graphTooltip=1,
        editable=False,
    )
    return normalize(_plain_without_none(built), nulls_dropped=True)


def _json_default(value: Any) -> Any:
    """What orjson cannot serialize itself: grafanalib objects (to_json_data) and other mappings."""
    if hasattr(value, "to_json_data"):
        return value.to_json_data()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def _plain_without_none(value: Any) -> Any:
    """plain() and normalize's dropping of null values in one round trip (one orjson.dumps, one parse)."""
    return json.loads(orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS), object_pairs_hook=without_none)


def plain(value: Any) -> Any:
    """grafanalib objects -> dicts/lists/scalars (what its JSON encoder would serialize).

    A round trip through orjson, which calls `to_json_data()` on each grafanalib object: the walk happens
    in C (a 1,000-service dashboard has about a million nodes)."""
    return orjson.loads(orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS))

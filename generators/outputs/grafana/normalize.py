"""Rewrite grafanalib 0.7.1's legacy dashboard JSON into the current model (schemaVersion >= 39).

Each rule below names what grafanalib writes and what Grafana's schema
(../shared/grafana-schema/dashboard.jsonschema.json and the panel plugin schemas) wants instead.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from generators.model import conventions

SCHEMA_VERSION = 41  # Grafana 12.0's model; >= 39 so Grafana 11 and 12 migrate nothing
# Prometheus through the dashboard's `datasource` variable, as Grafana saves a panel that uses it (never the
# import placeholder ${DS_...}); the variable's current value is the provisioned uid.
DATASOURCE = {"type": "prometheus", "uid": conventions.DATASOURCE_VARIABLE_REF}
ALERTMANAGER = {"type": "alertmanager", "uid": conventions.ALERTMANAGER_DATASOURCE_UID}

# Keys grafanalib writes that the current model does not have (or that only repeat a default).
LEGACY_DASHBOARD = ("__inputs", "rows", "sharedCrosshair", "hideControls", "style", "gnetId", "version")
LEGACY_PANEL = (
    "cacheTimeout", "editable", "error", "height", "minSpan", "span", "maxPerRow", "repeat", "repeatDirection",
    "columns", "fontSize", "mappings", "color", "styles", "maxDataPoints", "hideTimeOverride", "transparent",
    "interval", "timeShift",
)  # fmt: skip
# timeFrom is not legacy: kept when set (the SLO dashboard shows the budget over the whole SLO window).
LEGACY_TARGET = ("query", "target", "metric", "step", "intervalFactor", "hide", "interval")
LEGACY_VARIABLE = ("useTags", "tagsQuery", "tagValuesQuery", "auto", "auto_min", "auto_count")
ROW_KEYS = ("type", "collapsed", "title", "gridPos", "id", "panels")


def without_none(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {k: v for k, v in pairs if v is not None}


def _drop_none(value: Any) -> Any:
    """grafanalib writes null for every unset option; the schema wants the key absent (nulls inside lists
    stay). Parsed back from JSON so the walk over every node happens in the C parser."""
    return json.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS), object_pairs_hook=without_none)


def _number(value: Any) -> Any:
    """grafanalib takes float thresholds only: 1000.0 -> 1000 so the JSON shows the spec's digits."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Threshold steps keep color and value; the base is JSON null (minus infinity), not the string 'null'."""
    out = []
    for i, step in enumerate(steps):
        out.append({"color": step["color"], "value": None if i == 0 else _number(step["value"])})
    return out


def _datasource(ref: Any) -> dict[str, str]:
    """Prometheus through the variable; an Alertmanager reference keeps the provisioned uid (the variable
    lists Prometheus datasources only)."""
    if isinstance(ref, dict) and ref.get("type") == ALERTMANAGER["type"]:
        return dict(ALERTMANAGER)
    return dict(DATASOURCE)


def _target(target: dict[str, Any], panel_ref: Any) -> dict[str, Any]:
    out = {k: v for k, v in target.items() if k not in LEGACY_TARGET}
    out["datasource"] = _datasource(target.get("datasource", panel_ref))
    out["editorMode"] = "code"
    out["range"] = not out.get("instant", False)
    return out


def _field_config(panel_type: str, config: dict[str, Any]) -> dict[str, Any]:
    defaults = config.get("defaults", {})
    thresholds = defaults.get("thresholds", {"mode": "absolute", "steps": []})
    defaults["thresholds"] = {"mode": thresholds.get("mode", "absolute"), "steps": _steps(thresholds.get("steps", []))}
    if not defaults["thresholds"]["steps"]:
        defaults["thresholds"]["steps"] = [{"color": "green", "value": None}]
    for key in ("min", "max"):
        if key in defaults:
            defaults[key] = _number(defaults[key])
    custom = defaults.get("custom", {})
    if panel_type == "timeseries":
        scale = custom.get("scaleDistribution", {})
        if scale.get("type") == "linear":
            custom["scaleDistribution"] = {"type": "linear"}  # `log` only means something for log scales
        custom.setdefault("axisBorderShow", False)
        custom.setdefault("axisCenteredZero", False)
        custom.setdefault("axisColorMode", "text")
        custom.setdefault("insertNulls", False)
        custom.setdefault("lineStyle", {"fill": "solid"})
    elif panel_type == "table":
        # deprecated; its successor cellOptions {"type": "auto"} is the default, and spelled out it fails the
        # schema's oneOf (it matches the auto, data-links, actions and json-view branches alike): leave it out
        custom.pop("displayMode", None)
        custom.setdefault("inspect", False)
    if custom:
        defaults["custom"] = custom
    else:
        defaults.pop("custom", None)
    if panel_type == "stat" and "color" not in defaults:
        defaults["color"] = {"mode": "thresholds"}
    if panel_type == "table":
        defaults["color"] = {"mode": "thresholds"}
    return {"defaults": defaults, "overrides": config.get("overrides", [])}


def _options(panel_type: str, options: dict[str, Any]) -> dict[str, Any]:
    if panel_type == "timeseries":
        options["legend"] = {**options.get("legend", {}), "showLegend": True}
    elif panel_type == "stat":
        options.setdefault("wideLayout", True)
        options.setdefault("showPercentChange", False)
        options.setdefault("percentChangeColorMode", "standard")
    elif panel_type == "table":
        options.setdefault("frameIndex", 0)
        options.setdefault("cellHeight", "sm")
    return options


def _panel(panel: dict[str, Any]) -> dict[str, Any]:
    if panel.get("type") == "row":
        row = {k: panel[k] for k in ROW_KEYS if k in panel}
        row["panels"] = [_panel(p) for p in row.get("panels", [])]
        return row
    out = {k: v for k, v in panel.items() if k not in LEGACY_PANEL}
    mappings = panel.get("fieldConfig", {}).get("defaults", {}).get("mappings")
    out["datasource"] = _datasource(panel.get("datasource"))
    out["targets"] = [_target(t, panel.get("datasource")) for t in out.get("targets", [])]
    out["fieldConfig"] = _field_config(out["type"], out.get("fieldConfig", {}))
    if mappings:
        out["fieldConfig"]["defaults"]["mappings"] = mappings
    out["options"] = _options(out["type"], out.get("options", {}))
    if not out.get("description"):
        out.pop("description", None)
    return out


def _variable(var: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in var.items() if k not in LEGACY_VARIABLE}
    current = out.get("current") or {}
    out["current"] = {"text": current.get("text") or "", "value": current.get("value") or ""}
    if out.get("includeAll") and not current.get("value"):
        out["current"] = {"text": "All", "value": "$__all"}
    if out["type"] == "query":
        out["datasource"] = _datasource(out.get("datasource"))
        out["definition"] = out["query"]
    else:
        out.pop("datasource", None)
    if out["type"] == "custom":
        out["options"] = [{"selected": o["selected"], "text": o["text"], "value": o["value"]} for o in out.get("options", [])]
    return out


def normalize(raw: dict[str, Any], nulls_dropped: bool = False) -> dict[str, Any]:
    """grafanalib's Dashboard.to_json_data() (as plain dicts) -> modern dashboard JSON. nulls_dropped: raw holds
    no null value in any mapping already (adapter.dashboard parses it so)."""
    board: dict[str, Any] = {k: v for k, v in raw.items() if k not in LEGACY_DASHBOARD}
    if not nulls_dropped:
        board = _drop_none(board)
    board["schemaVersion"] = SCHEMA_VERSION
    board["id"] = None  # provisioning: Grafana assigns the numeric id, the uid is the identity
    board["panels"] = [_panel(p) for p in board.get("panels", [])]
    board["templating"] = {"list": [_variable(v) for v in board.get("templating", {}).get("list", [])]}
    picker = board.get("timepicker", {})
    board["timepicker"] = {k: v for k, v in picker.items() if k in ("hidden", "refresh_intervals")}
    board["annotations"] = {"list": board.get("annotations", {}).get("list", [])}
    return board

"""The signal parts of the spec's JSON Schema: `thresholds:` (one key per signal of a kind, each with an
example in the signal's own unit: a latency reads "> 2s for 10m", a queue depth "> 1000 for 15m", never
"> 5%" for all) and the `business:` entries (a counter's rate, or a ratio of two counters or of statuses).
"""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.model import conventions
from generators.spec.schema_fields import LABEL_NAME

# (above, below) examples per unit, for signals the catalog gives no default tiers.
_EXAMPLES = {
    "percent": ("> 5% for 5m", "< 95% for 10m"),
    "seconds": ("> 2s for 10m", "< 14d"),
    "per_second": ("> 100/s for 10m", "< 0.1/s for 15m"),
    "per_minute": ("> 1000/min for 10m", "< 10/min for 15m"),
    "count": ("> 1000 for 15m", "< 1 for 10m"),
}
# Scrape-target signals a service may set under its own thresholds (they watch the targets it declares).
TARGET = ("target_down", "scrape_empty", "metric_absent")


def example(signal: dict[str, Any]) -> str:
    """A threshold this signal accepts, as a user would write it: its first default tier, else one in its unit."""
    if not catalog.has_value(signal):
        return f"for {signal.get('for', '5m')}"
    defaults = signal.get("defaults") or {}
    if defaults:
        return str(next(iter(defaults.values())))
    above, below = _EXAMPLES[catalog.signal_unit(signal)]
    return below if signal.get("direction", "above") == "below" else above


def thresholds(kind: str, target: bool = False) -> dict[str, Any]:
    """The thresholds of a kind; with `target`, also the scrape-target signals (a service's own targets)."""
    signals = {**({s: catalog.signals("target")[s] for s in TARGET} if target else {}), **catalog.signals(kind)}
    props = {}
    for name, signal in signals.items():
        props[name] = {
            "type": ["object", "boolean"],
            "not": {"const": True},
            "description": f"{signal['summary']} (unit: {catalog.signal_unit(signal)}; false disables it)",
            "additionalProperties": False,
            "properties": {s: {"type": "string", "examples": [example(signal)]} for s in (*conventions.SEVERITIES, "none")},
        }
    return {"type": "object", "additionalProperties": False, "properties": props}


def business(name: dict[str, Any], team: dict[str, Any]) -> dict[str, Any]:
    """One `business:` entry: a counter (`metric`), and for a ratio either a second counter or its statuses."""
    props = {
        "name": name,
        "team": team,
        "job": name,
        "metric": {"type": "string", "examples": ["recommendations_served_total"], "x-string": "metric-name"},
        "numerator": {
            "type": "string",
            "description": "ratio: the counter of the events counted (metric: the counter of all of them)",
            "examples": ["payments_failed_total"],
            "x-string": "metric-name",
        },
        "status_label": {**LABEL_NAME, "description": "ratio: the label of metric that says how an event ended", "examples": ["status"]},
        "ratio_status": {
            "type": "string",
            "description": "ratio: regex of the status_label values counted (of all events of metric)",
            "examples": ["failed|declined"],
            "x-string": "status-regex",
        },
        "notes": {"type": "string"},
        "thresholds": thresholds("business"),
    }
    required = ["name", "team", "job", "metric", "thresholds"]
    return {"type": "object", "additionalProperties": False, "properties": props, "required": required}


def host_metrics() -> dict[str, Any]:
    """`hosts.metrics`: per signal the catalog marks `override:`, a gauge the host's targets export instead of
    node-exporter's (generators/model/host_metrics.py)."""
    props = {}
    for name, signal in catalog.signals("host").items():
        if "override" not in signal:
            continue
        sense = signal["override"]["sense"]
        props[name] = {
            "type": "object",
            "additionalProperties": False,
            "required": ["metric", "unit"],
            "description": f"{signal['summary']}: read this gauge instead of node-exporter's",
            "examples": [{"metric": f"system_{name.split('_')[0]}_usage_percent", "unit": "percent", "measures": "used"}],
            "properties": {
                "metric": {"type": "string", "x-string": "metric-name", "examples": [f"system_{name.split('_')[0]}_usage_percent"]},
                "unit": {"enum": ["percent", "ratio"], "description": "percent: the gauge goes 0-100; ratio: 0-1"},
                "measures": {"enum": ["used", "free"], "description": f"what the gauge counts (default {sense}, as the signal)"},
                "by": {
                    "type": "array",
                    "items": LABEL_NAME,
                    "minItems": 1,
                    "maxItems": 5,
                    "description": "the gauge's labels that get an alert of their own (default [instance]; job is always kept)",
                    "examples": [["instance"], ["instance", "mountpoint"]],
                },
            },
        }
    return {"type": "object", "additionalProperties": False, "properties": props}

"""Predict what Prometheus prints for the few Go-template forms our annotations use.

The generated promtool tests assert exact annotation text, so the expected strings are computed here
with the same formatting rules as Prometheus' template functions (humanize, humanizePercentage,
humanizeDuration; %.4g as in Go) and Go's default float printing for a bare $value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

_FORM = re.compile(
    r"\{\{\s*(?:\$value(?:\s*\|\s*(?P<fn>humanize|humanizePercentage|humanizeDuration))?|\$labels\.(?P<label>[a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}"
)


def _g4(value: float) -> str:
    return format(value, ".4g")


def humanize(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return _g4(value)
    prefix = ""
    if abs(value) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
        return f"{_g4(value)}{prefix}"
    return _small(value)


def _small(value: float) -> str:
    """|value| < 1 scaled up by thousands with SI prefixes (milli, micro as 'u', ...), as Go does."""
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return f"{_g4(value)}{prefix}"


def humanize_percentage(value: float) -> str:
    return f"{_g4(value * 100)}%"


def humanize_duration(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return _g4(value)
    if value == 0:
        return f"{_g4(value)}s"
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        value = abs(value)
        whole = int(value)
        seconds, minutes = whole % 60, (whole // 60) % 60
        hours, days = (whole // 3600) % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{_g4(value)}s"
    return f"{_small(value)}s"


def go_float(value: float) -> str:
    """Go's %v for float64 (strconv 'g', shortest): 3 -> '3', 0.25 -> '0.25'."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


_FUNCS = {None: go_float, "humanize": humanize, "humanizePercentage": humanize_percentage, "humanizeDuration": humanize_duration}


def expand(template: str, value: float, labels: Mapping[str, str]) -> str:
    """Expand the supported forms; a label the alert does not carry prints as Go does: <no value>."""

    def one(match: re.Match[str]) -> str:
        if match["label"]:
            return labels.get(match["label"], "<no value>")
        return _FUNCS[match["fn"]](value)

    return _FORM.sub(one, template)

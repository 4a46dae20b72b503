"""One evaluation of an alert's expression however many rules read it: severity tiers and escalation copies.

An alert with several rules (warning and critical tiers, an `escalation: after-30m` copy with a longer `for`)
would evaluate its expression once per rule. Instead its group records, once per evaluation, the series that
meet the alert's loosest condition, with the compared value:

    alert:HostHighCpuUsage:condition  =  <expression> > 0.75        (warning 75%, critical 90%)
    warning, its escalation copy:        alert:HostHighCpuUsage:condition{service="host"} > 0.75
    critical:                            alert:HostHighCpuUsage:condition{service="host"} > 0.9

Every tier is at least as strict as the recorded condition, so each rule returns the same series with the same
value ($value) and labels as its own expression would (the recording's `service` label is one the alert sets
anyway), at the same evaluation: a recording earlier in a group is appended before the next rule runs, and a
series that stops meeting the condition is marked stale at once. The recording holds only the series past the
threshold (usually none), so appending and reading it costs next to nothing, unlike a recording of every
series' value. Left alone: alerts with one rule, alerts whose rules differ in more than the threshold, tiers on
both sides of a threshold, and expressions that are a bare selector (reading it is what reading a recording
costs). Panels and runbooks keep the alert's own expression (model.Alert), not this recording.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from generators.model import conventions
from generators.model.types import Alert
from generators.model.values import number

_SELECTOR = re.compile(r"[A-Za-z_:][\w:]*(\{[^{}]*\})?")
_COMPARED = re.compile(r"(?P<left>.*) (?:==|!=|>=|<=|>|<) -?[0-9.]+(?:e[+-]?[0-9]+)?", re.S)
_SIDES = ({">", ">="}, {"<", "<="})


def _loosest(bounds: list[tuple[str, Decimal]]) -> tuple[str, Decimal] | None:
    """The comparison every tier's comparison implies: the lowest bound of `>`/`>=` tiers (the highest of
    `<`/`<=`), inclusive when any tier at that bound is; None when the tiers are not all on one side."""
    ops = {op for op, _ in bounds}
    for side in _SIDES:
        if ops <= side:
            edge = (min if side == _SIDES[0] else max)(value for _, value in bounds)
            inclusive = any(op.endswith("=") and value == edge for op, value in bounds)
            return (">=" if inclusive else ">") if side == _SIDES[0] else ("<=" if inclusive else "<"), edge
    return None


def _bare(expr: str) -> bool:
    match = _COMPARED.fullmatch(expr)
    return bool(_SELECTOR.fullmatch(match.group("left") if match else expr))


def shared(alert: Alert) -> tuple[dict[str, Any] | None, list[str]]:
    """(the recording rule its rules share or None, each tier's expression in tier order)."""
    exprs = [tier.expr for tier in alert.tiers]
    if len(exprs) < 2:
        return None, exprs
    record = conventions.condition_record(alert.name)
    selector = f'{record}{{{conventions.SERVICE}="{alert.service}"}}'
    labels = {conventions.SERVICE: alert.service}
    compared = {Alert.compared(tier) for tier in alert.tiers}
    bounds = [(t.threshold.op, t.threshold.value) for t in alert.tiers if t.threshold.op and t.threshold.value is not None]
    loosest = _loosest(bounds) if len(bounds) == len(exprs) else None
    if len(compared) == 1 and None not in compared and loosest:
        left = compared.pop()
        assert left is not None
        if _bare(left):
            return None, exprs
        recording = {"record": record, "expr": f"{left} {loosest[0]} {number(loosest[1])}", "labels": labels}
        return recording, [f"{selector} {op} {number(value)}" for op, value in bounds]
    if len(set(exprs)) == 1 and not _bare(exprs[0]):
        return {"record": record, "expr": exprs[0], "labels": labels}, [selector] * len(exprs)
    return None, exprs

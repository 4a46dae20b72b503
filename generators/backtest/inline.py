"""Replace every recording-rule selector in an expression by the recording's own expression, recursively.

Why inline instead of backfilling with `promtool tsdb create-blocks-from rules`: the backfill writes blocks
that only a local Prometheus holding the raw data too could query (not Thanos, Mimir or VictoriaMetrics),
and it cannot evaluate a recording that reads another recording in one pass (Prometheus' storage docs,
"Limitations"). Inlined, one query_range per alert rule runs on any Prometheus-compatible API, and the
recordings evaluated are those of the spec under test, not whatever an older spec recorded.

A selector `rec{m}` becomes the union (`or`) over every rule recording `rec` of
    label_replace(...label_replace(<expr>, "__name__", "rec", "", "") ..., "<label>", "<value>", "", "")
(the recorded name and the rule's labels, as Prometheus writes them), keeping only the rules whose
static labels pass the matchers; a matcher on a label the expression itself yields is applied in PromQL.
A range selector `rec{m}[w]` becomes the subquery `(<that>)[w:<interval>]`, sampled at the interval the
recording would have been written at. Offsets and `@` on recording selectors are refused (not generated).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import promql_parser as pp

from generators.backtest.common import BacktestError, duration_ms, show_duration

KEEP = "__backtest_keep"  # a marker label; the rendered rules never use a label starting with __backtest
_ONE = f'label_replace(vector(1), "{KEEP}", "1", "", "")'
EMPTY = "absent(vector(1))"  # an instant vector that is always empty: a selector no recording matches


@dataclass(frozen=True)
class Recording:
    name: str
    expr: str
    labels: tuple[tuple[str, str], ...]
    interval_ms: int
    group: str


def string(value: str) -> str:
    """A PromQL string literal (Go escapes: backslash, quote, control characters)."""
    return json.dumps(value, ensure_ascii=False)


def _matches(matcher: pp.Matcher, value: str) -> bool:
    op = matcher.op
    if op == pp.MatchOp.Equal:
        return value == matcher.value
    if op == pp.MatchOp.NotEqual:
        return value != matcher.value
    hit = re.fullmatch(matcher.value, value) is not None
    return hit if op == pp.MatchOp.Re else not hit


def _filter(body: str, matcher: pp.Matcher) -> str:
    """Keep the series of body whose label passes matcher (absent label = ""), in PromQL."""
    regex = matcher.value if matcher.op in (pp.MatchOp.Re, pp.MatchOp.NotRe) else re.escape(matcher.value)
    marked = f"label_replace({body}, {string(KEEP)}, {string('1')}, {string(matcher.name)}, {string(regex)})"
    if matcher.op in (pp.MatchOp.Equal, pp.MatchOp.Re):
        return f'label_replace({marked} and on ({KEEP}) {_ONE}, "{KEEP}", "", "", "")'
    return f"{marked} unless on ({KEEP}) {_ONE}"


class Inliner:
    def __init__(self, recordings: Sequence[Recording]) -> None:
        self.by_name: dict[str, list[Recording]] = {}
        for rec in recordings:
            self.by_name.setdefault(rec.name, []).append(rec)
        self.expand = cache(self._expand)

    def reads_recordings(self, expr: str) -> bool:
        found: list[str] = []
        pp.walk(_parse(expr), lambda n: found.append("") if isinstance(n, pp.VectorSelector) and self._target(n) else None)
        return bool(found)

    def _expand(self, expr: str, path: tuple[str, ...] = ()) -> str:
        """expr with every recording selector replaced (path: the recordings being expanded, for cycles)."""

        def visit(node: pp.Expr) -> pp.Expr | None:
            if isinstance(node, pp.MatrixSelector) and self._target(node.vector_selector):
                step = self._interval(node.vector_selector)
                body = self._selector(node.vector_selector, path)
                return _parse(f"({body})[{show_duration(int(node.range.total_seconds() * 1000))}:{show_duration(step)}]")
            if isinstance(node, pp.VectorSelector) and self._target(node):
                return _parse(f"({self._selector(node, path)})")
            return None

        return str(pp.transform(_parse(expr), pre_visit=visit))

    def _target(self, selector: pp.VectorSelector) -> list[Recording]:
        if selector.name is not None:
            return self.by_name.get(selector.name, [])
        names = [m for m in selector.matchers.matchers if m.name == "__name__"]
        hits = [r for name, rs in self.by_name.items() if names and all(_matches(m, name) for m in names) for r in rs]
        if hits:
            raise BacktestError(f"{selector}: selects recordings by a __name__ regex; name the recording instead")
        return []

    def _interval(self, selector: pp.VectorSelector) -> int:
        return min(r.interval_ms for r in self._target(selector))

    def _selector(self, selector: pp.VectorSelector, path: tuple[str, ...]) -> str:
        name = selector.name or ""
        if selector.offset is not None or selector.at is not None:
            raise BacktestError(f"{selector}: offset and @ on a recording are not supported; write them on the raw series")
        if selector.matchers.or_matchers:
            raise BacktestError(f"{selector}: 'or' inside a selector is not supported on a recording")
        if name in path:
            raise BacktestError(f"recording {name} reads itself through {' -> '.join(path)}")
        parts = []
        for rec in self.by_name[name]:
            static = dict(rec.labels)
            matchers = [m for m in selector.matchers.matchers if m.name != "__name__"]
            if not all(_matches(m, static[m.name]) for m in matchers if m.name in static):
                continue
            body = f'label_replace({self.expand(rec.expr, (*path, name))}, "__name__", {string(name)}, "", "")'
            for key, value in rec.labels:
                body = f'label_replace({body}, {string(key)}, {string(value)}, "", "")'
            for matcher in (m for m in matchers if m.name not in static):
                body = _filter(body, matcher)
            parts.append(body)
        return " or ".join(f"({p})" for p in parts) if parts else EMPTY


@cache
def _parse(expr: str) -> pp.Expr:
    try:
        return pp.parse(expr)
    except Exception as exc:  # the parser raises a bare ValueError/RuntimeError with its message
        raise BacktestError(f"cannot parse PromQL {expr!r}: {exc}") from None


def recordings_from(groups: Sequence[Mapping[str, object]], default_interval_ms: int) -> list[Recording]:
    out = []
    for group in groups:
        interval = duration_ms(str(group["interval"])) if group.get("interval") else default_interval_ms
        for rule in group["rules"]:  # type: ignore[attr-defined]
            if "record" in rule:
                labels = tuple(sorted((str(k), str(v)) for k, v in (rule.get("labels") or {}).items()))
                out.append(Recording(rule["record"], rule["expr"], labels, interval, str(group["name"])))
    return out

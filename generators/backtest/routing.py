"""The rendered alertmanager.yml as Alertmanager 0.25 reads it: route tree, time intervals, inhibit rules.

Ports of dispatch/route.go (NewRoute: children inherit receiver, group_by and the three timers, never the
time intervals; Match: first matching child wins unless it continues, a node no child takes matches
itself), timeinterval.ContainsTime and inhibit.Inhibitor.Mutes.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from generators.backtest.common import MINUTE, SECOND, BacktestError, Labels, duration_ms
from generators.outputs.alertmanager import alertmanager_routes

DEFAULTS = {"group_wait": 30 * SECOND, "group_interval": 5 * MINUTE, "repeat_interval": 240 * MINUTE}  # AM's DefaultRouteOpts
GROUP_BY_ALL = "..."

Matcher = tuple[str, str, str]  # (label, op, value), op one of = != =~ !~
_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$')


def parse_matcher(text: str) -> Matcher:
    found = _MATCHER.match(text)
    if not found:
        raise BacktestError(f'alertmanager.yml: matcher {text!r} does not parse (example: severity="critical")')
    quoted, bare = found.group(3), found.group(4)
    value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else (bare or "")
    return found.group(1), found.group(2), value


def matches(matcher: Matcher, lset: Mapping[str, str]) -> bool:
    return alertmanager_routes.evaluate(*matcher, lset)


def _matchers(node: Mapping[str, Any], prefix: str = "") -> tuple[Matcher, ...]:
    out = [parse_matcher(m) for m in node.get(f"{prefix}matchers") or ()]
    out += [(str(k), "=", str(v)) for k, v in (node.get(f"{prefix}match") or {}).items()]
    out += [(str(k), "=~", str(v)) for k, v in (node.get(f"{prefix}match_re") or {}).items()]
    return tuple(out)


@dataclass
class Route:
    path: str
    matchers: tuple[Matcher, ...]
    receiver: str
    group_by: frozenset[str] | None  # None: group by every label ('...')
    group_wait: int
    group_interval: int
    repeat_interval: int
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]
    continue_: bool
    routes: list[Route] = field(default_factory=list)

    def match(self, lset: Mapping[str, str]) -> list[Route]:
        if not all(matches(m, lset) for m in self.matchers):
            return []
        found: list[Route] = []
        for child in self.routes:
            hits = child.match(lset)
            found.extend(hits)
            if hits and not child.continue_:
                break
        return found or [self]

    def group_labels(self, lset: Labels) -> Labels:
        return tuple((k, v) for k, v in lset if self.group_by is None or k in self.group_by)

    def walk(self) -> list[Route]:
        return [self, *(r for child in self.routes for r in child.walk())]


def parse_route(node: Mapping[str, Any], parent: Route | None = None, path: str = "route") -> Route:
    def inherited(key: str) -> int:
        if node.get(key) is not None:
            return duration_ms(str(node[key]), f"{path}.{key}")
        return getattr(parent, key) if parent else DEFAULTS[key]

    group_by: frozenset[str] | None = parent.group_by if parent else frozenset()
    if node.get("group_by") is not None:
        names = [str(n) for n in node["group_by"]]
        group_by = None if GROUP_BY_ALL in names else frozenset(names)
    route = Route(
        path=path,
        matchers=_matchers(node),
        receiver=str(node.get("receiver") or (parent.receiver if parent else "")),
        group_by=group_by,
        group_wait=inherited("group_wait"),
        group_interval=inherited("group_interval"),
        repeat_interval=inherited("repeat_interval"),
        mute_time_intervals=tuple(node.get("mute_time_intervals") or ()),
        active_time_intervals=tuple(node.get("active_time_intervals") or ()),
        continue_=bool(node.get("continue", False)),
    )
    route.routes = [parse_route(child, route, f"{path}.routes[{i}]") for i, child in enumerate(node.get("routes") or ())]
    return route


# -- time intervals (timeinterval/timeinterval.go) ---------------------------------------------------------
_WEEKDAYS = {d: i for i, d in enumerate(("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"))}
_MONTHS = {m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august", "september",
                                            "october", "november", "december"))}  # fmt: skip


def _ranges(items: Sequence[Any], names: Mapping[str, int] | None = None) -> list[tuple[int, int]]:
    out = []
    for item in items:
        parts = str(item).lower().split(":")
        values = [names[p] if names and p in names else int(p) for p in parts]
        out.append((values[0], values[-1]))
    return out


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class TimeInterval:
    times: tuple[tuple[int, int], ...] | None
    weekdays: tuple[tuple[int, int], ...] | None
    days_of_month: tuple[tuple[int, int], ...] | None
    months: tuple[tuple[int, int], ...] | None
    years: tuple[tuple[int, int], ...] | None
    location: tzinfo

    def contains(self, ms: int) -> bool:
        t = datetime.fromtimestamp(ms / SECOND, self.location)
        minute = t.hour * 60 + t.minute
        if self.times is not None and not any(a <= minute < b for a, b in self.times):
            return False
        if self.days_of_month is not None and not any(self._day_in(t, a, b) for a, b in self.days_of_month):
            return False
        if self.months is not None and not any(a <= t.month <= b for a, b in self.months):
            return False
        weekday = (t.weekday() + 1) % 7  # Go: Sunday = 0
        if self.weekdays is not None and not any(a <= weekday <= b for a, b in self.weekdays):
            return False
        return self.years is None or any(a <= t.year <= b for a, b in self.years)

    @staticmethod
    def _day_in(t: datetime, begin: int, end: int) -> bool:
        days = calendar.monthrange(t.year, t.month)[1]
        begin = days + begin + 1 if begin < 0 else begin
        end = days + end + 1 if end < 0 else end
        if begin > days:
            return False
        begin, end = max(-days, min(begin, days)), max(-days, min(end, days))
        return begin <= t.day <= end


def _interval(spec: Mapping[str, Any]) -> TimeInterval:
    where = str(spec.get("location") or "UTC")
    location: tzinfo = UTC if where == "UTC" else ZoneInfo(where)

    def opt(key: str, names: Mapping[str, int] | None = None) -> tuple[tuple[int, int], ...] | None:
        return tuple(_ranges(spec[key], names)) if spec.get(key) else None

    times = tuple((_minutes(str(t["start_time"])), _minutes(str(t["end_time"]))) for t in spec["times"]) if spec.get("times") else None
    return TimeInterval(times, opt("weekdays", _WEEKDAYS), opt("days_of_month"), opt("months", _MONTHS), opt("years"), location)


def time_intervals(config: Mapping[str, Any]) -> dict[str, list[TimeInterval]]:
    out: dict[str, list[TimeInterval]] = {}
    for key in ("time_intervals", "mute_time_intervals"):
        for named in config.get(key) or ():
            out[str(named["name"])] = [_interval(spec) for spec in named.get("time_intervals") or ()]
    return out


def in_any(names: Sequence[str], intervals: Mapping[str, list[TimeInterval]], ms: int) -> bool:
    for name in names:
        if name not in intervals:
            raise BacktestError(f"alertmanager.yml: time interval {name!r} is not defined")
        if any(ti.contains(ms) for ti in intervals[name]):
            return True
    return False


# -- inhibition ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InhibitRule:
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]


def inhibit_rules(config: Mapping[str, Any]) -> list[InhibitRule]:
    return [
        InhibitRule(_matchers(r, "source_"), _matchers(r, "target_"), tuple(str(n) for n in r.get("equal") or ()))
        for r in config.get("inhibit_rules") or ()
    ]

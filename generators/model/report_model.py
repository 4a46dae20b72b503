"""Scheduled reports from the spec (`reports:`, docs/reports.md): channel, period, window and services checked.

A report is sent by Alertmanager, which cannot schedule: it is an always-firing alert routed with
`repeat_interval` = period - window and `active_time_intervals` = the window, so the first group_interval
tick inside each window sends it and no other tick of that window can. That holds when the window recurs once
per period (daily: every day it is open; weekly: one weekday), is shorter than the period, and holds two ticks.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from generators import catalog
from generators.model import conventions, routing_model
from generators.model.context import Context
from generators.model.types import Report, ReportLine, Routing, Service, Stack
from generators.model.values import ValueProblem, parse_duration
from generators.spec.source import Path

DAY, WEEK = Decimal(86_400), Decimal(604_800)
DEFAULT_WINDOW = "09:00-10:00"
_MIN_WINDOW = 2 * int(parse_duration(conventions.REPORT_GROUP_INTERVAL))
_WINDOW_KEYS = {"times": "at"}


def build(b: Context, raw_reports: Any, services: list[Service], routing: Routing, stack: Stack) -> tuple[Report, ...]:
    by_name = {s.name: s for s in services}
    out = []
    for name, raw in sorted((raw_reports or {}).items()):
        if isinstance(raw, dict):
            report = _report(b, ("reports", name), name, raw, by_name, routing, stack)
            if report:
                out.append(report)
    return tuple(out)


def _report(
    b: Context, path: Path, name: str, raw: dict[str, Any], services: Mapping[str, Service], routing: Routing, stack: Stack
) -> Report | None:
    ok = True
    channel = raw.get("channel")
    if channel not in (b.spec.get("channels") or {}):
        b.problem((*path, "channel"), routing_model.undefined_channel(str(channel), b.spec.get("channels") or {}))
        ok = False
    every = _every(b, (*path, "every"), raw.get("every"))
    location = raw.get("location", routing.business_hours.location if routing.business_hours else None) or "UTC"
    spec_window = {"at": raw.get("at", DEFAULT_WINDOW), "weekdays": raw.get("weekdays"), "location": location}
    window = routing_model.interval(b, path, spec_window, conventions.report_time_interval(name), _WINDOW_KEYS)
    seconds = _window_seconds(b, path, window.times if window else None, every)
    if every == WEEK and window and (not window.weekdays or ":" in window.weekdays or "," in window.weekdays):
        b.problem(
            (*path, "weekdays") if "weekdays" in raw else path,
            f"a weekly report is sent on one weekday{f', not {window.weekdays!r}' if window.weekdays else ''}: "
            "the window must recur once a week (e.g. weekdays: monday)",
        )
        ok = False
    lines = _lines(b, path, raw, services)
    if not (ok and every and window and seconds and lines):
        return None
    alert = conventions.report_alert(name)
    board = conventions.DASHBOARDS["alerts"]
    period = "24h" if every == DAY else "7d"
    return Report(
        name=name,
        alert=alert,
        title=raw.get("title") or name.replace("-", " ").capitalize(),
        channel=str(channel),
        every=every,
        window=window,
        window_seconds=seconds,
        lines=lines,
        runbook_url=conventions.runbook_url(stack.runbook_url, alert),
        dashboard_url=f"{stack.grafana_url.rstrip('/')}/d/{board.uid}/{board.slug}?from=now-{period}&to=now",
        path=path,
    )


def _every(b: Context, path: Path, text: Any) -> Decimal | None:
    try:
        seconds = parse_duration(text)
    except ValueProblem:
        return None  # the schema's x-duration reported it
    if seconds not in (DAY, WEEK):
        b.problem(path, f"'{text}' is not a day or a week: a report covers and is sent once per day or week (every: 24h, or every: 7d)")
        return None
    return seconds


def _window_seconds(b: Context, path: Path, times: str | None, every: Decimal | None) -> int | None:
    if times is None:
        return None  # interval() reported it
    if "," in times:
        b.problem((*path, "at"), f"'{times}' is several windows: a report is sent in one window per period (e.g. at: 09:00-10:00)")
        return None
    start, end = ([int(x) for x in t.split(":")] for t in times.split("-"))
    seconds = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) * 60
    if seconds < _MIN_WINDOW:
        b.problem(
            (*path, "at"),
            f"'{times}' is shorter than {_MIN_WINDOW // 60}m: the window must hold two of Alertmanager's "
            f"{conventions.REPORT_GROUP_INTERVAL} group_interval ticks, or a day can pass without a report (e.g. at: 09:00-10:00)",
        )
        return None
    return seconds if every else None


def _lines(b: Context, path: Path, raw: dict[str, Any], services: Mapping[str, Service]) -> tuple[ReportLine, ...] | None:
    contents: dict[str, Any] = catalog.reports()["contents"]
    wanted = list(raw.get("contents") or catalog.reports()["default_contents"])
    lines: list[ReportLine] = []
    used: set[str] = set()
    ok = True
    for i, name in enumerate(raw.get("services") or ()):
        service = services.get(name)
        if service is None:
            known = ", ".join(sorted(services))
            b.problem((*path, "services", i), f"no service is named '{name}' (services of this spec: {known})")
            ok = False
            continue
        applies = tuple(c for c in wanted if c in contents and _applies(contents[c], service.kind))
        if not applies:
            b.problem(
                (*path, "services", i),
                f"'{name}' is a {service.kind} service: none of {', '.join(wanted)} applies to it "
                f"(add alerts to contents:, which every service has, or drop the service)",
            )
            ok = False
            continue
        used.update(applies)
        context = {"job": service.job, "service": service.name, "m": dict(service.metrics)}
        lines.append(ReportLine(service.name, service.kind, applies, context))
    for i, name in enumerate(raw.get("contents") or ()):
        if ok and name in contents and name not in used:
            kinds = ", ".join(contents[name]["kinds"])
            b.problem((*path, "contents", i), f"{name} applies to no service of this report (it needs a service of kind {kinds})")
            ok = False
    return tuple(lines) if ok else None


def _applies(content: Mapping[str, Any], kind: str) -> bool:
    return content["kinds"] == "*" or kind in content["kinds"]

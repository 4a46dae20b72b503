"""Channels and routing from the spec: references checked, time intervals parsed, escalations applied."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from generators.model import conventions
from generators.model.context import Context
from generators.model.types import Channel, Escalation, Routing, Service, Tier, TimeInterval
from generators.model.values import ValueProblem, parse_duration
from generators.outputs.alertmanager import channels as channel_types
from generators.spec import schema
from generators.spec.source import Path

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")
WATCHDOG_CHANNEL_TYPE = "webhook"  # a dead man's switch: the Watchdog fires all the time and must never reach humans
_WATCHDOG_EXAMPLE = (
    'watchdog: deadmans-switch with deadmans-switch: {type: webhook, url: "http://snitch.example/ping", send_resolved: false}'
)


def undefined_channel(name: str, defined: Iterable[str]) -> str:
    """The message for a reference to a channel `channels:` does not define: the defined ones and an example of right."""
    known = sorted(defined)
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    fix = f"did you mean '{close[0]}'? Otherwise add it" if close else "add it"
    return (
        f"channel '{name}' is not defined under channels: (defined: {', '.join(known) or 'none'}); "
        f'{fix}, e.g. channels: {{{name}: {{type: webhook, url: "http://sink:8080/hook"}}}}'
    )


def build(b: Context) -> tuple[dict[str, Channel], Routing]:
    raw_channels = b.spec.get("channels") or {}
    channels = {}
    for name, raw in sorted(raw_channels.items()):
        if isinstance(raw, dict) and isinstance(raw.get("type"), str):
            settings = {k: v for k, v in sorted(raw.items()) if k not in ("type", "send_resolved")}
            channels[name] = Channel(name, raw["type"], settings, bool(raw.get("send_resolved", True)))
            channel_type = channel_types.TYPES.get(raw["type"])  # an unknown type is the schema's error
            for finding in channel_type.check(settings) if channel_type else ():
                (b.warn if finding.warning else b.problem)(("channels", name, *finding.path), finding.message)
    raw = b.spec.get("routing") or {}
    used: set[str] = set()

    def refs(path: Path, names: Any, scalar: bool = False) -> tuple[str, ...]:
        out = []
        for i, name in enumerate(names or ()):
            if name not in raw_channels:
                b.problem(path if scalar else (*path, i), undefined_channel(name, raw_channels))
            used.add(name)
            out.append(name)
        return tuple(out)

    severities = {s: refs(("routing", s), raw.get(s)) for s in conventions.SEVERITIES}
    watchdog = raw.get("watchdog")
    if watchdog is True:
        b.problem(
            ("routing", "watchdog"),
            "true names no channel: write the dead man's switch channel (e.g. watchdog: deadmans-switch), or false for none",
        )
        watchdog = None
    elif watchdog is False:  # said on purpose: no dead man's switch, and no warning about it on every render
        watchdog = None
    elif watchdog is not None:
        refs(("routing", "watchdog"), [watchdog], scalar=True)
        kind = channels[watchdog].type if watchdog in channels else None
        if kind in schema.CHANNEL_TYPES and kind != WATCHDOG_CHANNEL_TYPE:  # an unknown type is the schema's error
            b.problem(
                ("routing", "watchdog"),
                f"channel '{watchdog}' is a {kind} channel: the Watchdog fires all the time, so it must reach a dead man's switch, "
                f"never humans; use a {WATCHDOG_CHANNEL_TYPE} channel (example: {_WATCHDOG_EXAMPLE})",
            )
    else:
        b.warn(
            ("routing",),
            "no `watchdog:` channel: the Watchdog alert goes nowhere "
            "(e.g. watchdog: deadmans-switch, a webhook; watchdog: false says so on purpose)",
        )
    default = raw.get("default")
    if default is not None:
        refs(("routing", "default"), [default], scalar=True)
    teams: dict[str, dict[str, Any]] = {}
    known_teams = _spec_teams(b)
    for team, team_raw in sorted((raw.get("teams") or {}).items()):
        if team not in known_teams:
            b.problem(("routing", "teams", team), f"no service has team '{team}' (teams in this spec: {', '.join(sorted(known_teams))})")
        teams[team] = {
            **{s: refs(("routing", "teams", team, s), team_raw.get(s)) for s in conventions.SEVERITIES if s in team_raw},
            "continue": bool(team_raw.get("continue", False)),
        }
    escalations = []
    for i, esc in enumerate(raw.get("escalations") or ()):
        try:
            after = parse_duration(esc["after"])
        except ValueProblem as exc:
            b.problem(("routing", "escalations", i, "after"), str(exc))
            continue
        if esc.get("team") and esc["team"] not in known_teams:
            spec_teams = ", ".join(sorted(known_teams))
            b.problem(("routing", "escalations", i, "team"), f"no service has team '{esc['team']}' (teams in this spec: {spec_teams})")
        escalations.append(
            Escalation(esc["severity"], after, refs(("routing", "escalations", i, "notify"), esc["notify"]), esc.get("team"))
        )
    timings = {}
    for severity, values in (raw.get("timings") or {}).items():
        timings[severity] = {k: b.duration(("routing", "timings", severity, k), v, "5m") for k, v in values.items()}
    business_hours = interval(b, ("routing", "business_hours"), raw.get("business_hours"), "business-hours")
    maintenance = tuple(
        i
        for i in (interval(b, ("routing", "maintenance", n), m, m.get("name", "")) for n, m in enumerate(raw.get("maintenance") or ()))
        if i
    )
    used.update(str(r.get("channel")) for r in (b.spec.get("reports") or {}).values() if isinstance(r, dict))  # report_model checks them
    for name in sorted(set(raw_channels) - used):
        b.warn(("channels", name), f"channel '{name}' is defined but no route uses it")
    notifiers = {channels[c].type for c in used - {watchdog} if c in channels and channels[c].type in channel_types.TYPES}
    if len(notifiers) == 1:  # alertmanager_routes.avoiding() then finds no other channel for the failure alert
        kind = channel_types.TYPES[notifiers.pop()].config_key.removesuffix("_configs")
        b.warn(
            ("routing",),
            f"every channel is a {kind} channel: when {kind} notifications fail, AlertmanagerNotificationsFailing can reach nobody "
            "(add a channel of another type, e.g. email)",
        )
    routing = Routing(
        severities=severities,
        watchdog=watchdog,
        default=default,
        group_by=tuple(raw.get("group_by") or ("alertname", "service")),
        timings=timings,
        teams=teams,
        escalations=tuple(escalations),
        business_hours=business_hours,
        maintenance=maintenance,
    )
    return channels, routing


def _spec_teams(b: Context) -> set[str]:
    teams = {(b.spec.get("stack") or {}).get("team", "platform")}
    for key in ("hosts", "containers", "probes"):
        if isinstance(b.spec.get(key), dict):
            teams.add(b.spec[key].get("team", teams.copy().pop()))
    for raw in (b.spec.get("services") or {}).values():
        if isinstance(raw, dict) and raw.get("team"):
            teams.add(raw["team"])
    for raw in [*(b.spec.get("business") or []), *(b.spec.get("custom") or [])]:
        if isinstance(raw, dict) and raw.get("team"):
            teams.add(raw["team"])
    return teams


def interval(b: Context, path: Path, raw: Any, name: str, keys: Mapping[str, str] | None = None) -> TimeInterval | None:
    """A time interval of the spec, checked (problems at their keys); `keys` renames its spec keys (reports: at)."""
    if not isinstance(raw, dict):
        return None
    raw = {field: raw.get((keys or {}).get(field, field)) for field in ("weekdays", "times", "months", "days_of_month", "location")}
    path_of = {field: (*path, (keys or {}).get(field, field)) for field in raw}
    ok = True
    for part in _split(raw.get("weekdays")):
        days = part.split(":")
        if not all(d in _DAYS for d in days) or _DAYS.index(days[0]) > _DAYS.index(days[-1]):
            example = "day names, first day before last; examples: monday:friday, saturday, sunday"
            b.problem(path_of["weekdays"], f"'{raw['weekdays']}' is not a weekday range ({example})")
            ok = False
            break
    for part in _split(raw.get("times")):
        if not _TIME.match(part) or part.split("-")[0] >= part.split("-")[1]:
            b.problem(path_of["times"], f"'{raw['times']}' is not a time range (HH:MM-HH:MM, start before end; example: 09:00-18:00)")
            ok = False
            break
    for part in _split(raw.get("months")):
        if not all(m in _MONTHS or m.isdigit() for m in part.split(":")):
            b.problem(path_of["months"], f"'{raw['months']}' is not a month range (examples: december, 1:3)")
            ok = False
    for part in _split(raw.get("days_of_month")):
        if not all(re.fullmatch(r"-?\d{1,2}", d) for d in part.split(":")):
            b.problem(path_of["days_of_month"], f"'{raw['days_of_month']}' is not a day-of-month range (examples: 1:7, -1)")
            ok = False
    location = raw.get("location")
    if location is not None and not _valid_location(location):
        b.problem(path_of["location"], f"'{location}' is not a time zone (examples: UTC, Europe/Paris)")
        ok = False
    if not ok:
        return None
    return TimeInterval(name, raw.get("weekdays"), raw.get("times"), raw.get("days_of_month"), raw.get("months"), location)


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text).split(",")] if text is not None else []


def _valid_location(name: str) -> bool:
    import zoneinfo

    if name in ("UTC", "Local"):
        return True
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def escalate(b: Context, routing: Routing, services: list[Service]) -> None:
    """Add, for each escalation, a rule variant that fires `after` later with an escalation label.

    Threshold alerts only: SLO burn-rate alerts (model.slos) are exempt on purpose. Their tiers are the
    escalation ladder already (a burn that speeds up reaches a page tier, which inhibits the ticket), and a
    ticket tier means "budget gone in 10-30 days at this rate": time alone does not make it urgent. A ticket
    that must reach more people says so with the tier's `channels:`.
    """
    for i, service in enumerate(services):
        alerts = []
        for alert in service.alerts:
            extra: list[Tier] = []
            for esc in routing.escalations:
                if esc.team and esc.team != alert.team:
                    continue
                for tier in alert.tiers:
                    duplicate = any(t.severity == tier.severity and t.labels == ((conventions.ESCALATION, esc.label),) for t in extra)
                    if tier.severity == esc.severity and not tier.labels and not duplicate:
                        threshold = replace(tier.threshold, for_=tier.threshold.for_ + esc.after)
                        extra.append(Tier(tier.severity, threshold, tier.expr, ((conventions.ESCALATION, esc.label),)))
            alerts.append(replace(alert, tiers=alert.tiers + tuple(extra)) if extra else alert)
        services[i] = replace(service, alerts=tuple(alerts))

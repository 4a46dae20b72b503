"""alertmanager/alertmanager.yml, its templates and its route tests, from the spec's channels and routing.

The output is valid for Alertmanager 0.25 (the tested Debian binary) and >= 0.28: classic
`matchers` syntax with quoted values, top-level `time_intervals`, `*_file` secrets that 0.25 knows.
Only a webhook `url_secret` renders `url_file`, which needs Alertmanager >= 0.28 (warned at load; see channels/webhook.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generators.model import conventions
from generators.model.types import Channel, Model, Routing, TimeInterval
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.outputs.alertmanager import alertmanager_templates, report_routes
from generators.outputs.alertmanager import channels as channel_types
from generators.outputs.prometheus import slo_rules

CONFIG = "alertmanager/alertmanager.yml"
ROUTE_TESTS = "alertmanager/tests/routes.yml"
SECRETS_DIR = conventions.SECRETS_DIR
BUSINESS_HOURS = TimeInterval("business-hours", "monday:friday", "09:00-18:00", location="UTC")

# Per severity (overridable in routing.timings): pages fast and often, digests slowly and rarely.
TIMINGS: Mapping[str, Mapping[str, str]] = {
    "root": {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"},
    "critical": {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"},
    "warning": {"group_wait": "1m", "group_interval": "10m", "repeat_interval": "12h"},
    "info": {"group_wait": "5m", "group_interval": "1h", "repeat_interval": "24h"},
    "watchdog": {"group_wait": "0s", "group_interval": "1m", "repeat_interval": "1m"},
}


def _secret(name: str) -> str:
    return conventions.secret_path(name)


def channel_config(channel: Channel) -> tuple[str, dict[str, Any]]:
    """The `<type>_configs` entry of one spec channel (its type's renderer); secrets only as /run/secrets/<name> paths."""
    kind = channel_types.TYPES[channel.type]  # the schema rejects an unknown type first
    return kind.config_key, {"send_resolved": channel.send_resolved, **kind.render(channel.settings, _secret)}


def receiver(name: str, channels: Iterable[str], model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for channel in sorted(set(channels)):
        key, config = channel_config(model.channels[channel])
        out.setdefault(key, []).append(config)
    return out


def _timings(routing: Routing, severity: str) -> dict[str, str]:
    return {k: routing.timings.get(severity, {}).get(k, v) for k, v in TIMINGS[severity].items()}


def _matchers(**labels: str | None) -> list[str]:
    return [f'{k}="{v}"' for k, v in labels.items() if v is not None]


def routes(model: Model) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
    """Child routes in match order (watchdog, SLO tier extras, escalations, teams, severities) and their channel sets.

    An SLO tier with `channels:` gets a route with `continue: true` right after the watchdog, so the alert
    also goes on to the team and severity routes (a team route without `continue` would otherwise stop it).
    """
    routing = model.routing
    muted = [m.name for m in routing.maintenance]
    out: list[dict[str, Any]] = []
    used: list[tuple[str, ...]] = []

    def add(channels: tuple[str, ...], matchers: list[str], severity: str, cont: bool = False) -> None:
        route: dict[str, Any] = {"matchers": matchers, "receiver": am_routes.receiver_name(channels)}
        if cont:
            route["continue"] = True
        route.update(_timings(routing, severity))
        if severity == "info":
            route["active_time_intervals"] = [(routing.business_hours or BUSINESS_HOURS).name]
        if muted and severity != "watchdog":
            route["mute_time_intervals"] = muted
        out.append(route)
        used.append(channels)

    for name in am_routes.watchdog_names(model):
        add((routing.watchdog,) if routing.watchdog else (), _matchers(alertname=name), "watchdog")
    for report_route, report_channels in report_routes.routes(model):  # right after the Watchdog's: nothing else takes them
        out.append(report_route)
        used.append(report_channels)
    for alert in am_routes.delivery_alerts(model):  # failing notifications of one integration: to the others
        for tier in alert.tiers:
            labels = am_routes.rule_labels(alert, alert.labels(tier))
            for name in am_routes.integrations(model):
                instead = am_routes.avoiding(model, name, am_routes.expected(model, labels))
                if instead:
                    extra = {k: v for k, v in tier.labels}
                    matchers = _matchers(alertname=alert.name, severity=tier.severity, **extra, integration=name)
                    add(instead, matchers, tier.severity)
    for extra in slo_rules.extra_routes(model):
        add(tuple(extra["channels"]), list(extra["matchers"]), extra["severity"], cont=True)
    groups: dict[tuple[str, str], list[Any]] = {}
    for esc in routing.escalations:
        groups.setdefault((esc.severity, esc.label), []).append(esc)
    for (severity, label), escs in groups.items():
        shared = [c for e in escs if e.team is None for c in e.notify]
        for team in sorted({e.team for e in escs if e.team}):
            channels = shared + [c for e in escs if e.team == team for c in e.notify]
            add(tuple(dict.fromkeys(channels)), _matchers(escalation=label, severity=severity, team=team), severity)
        if shared:
            add(tuple(dict.fromkeys(shared)), _matchers(escalation=label, severity=severity), severity)
    for team, spec in sorted(routing.teams.items()):
        for severity in conventions.SEVERITIES:
            if spec.get(severity):
                add(tuple(spec[severity]), _matchers(team=team, severity=severity), severity, bool(spec.get("continue")))
    for severity in conventions.SEVERITIES:
        if routing.severities.get(severity):
            add(tuple(routing.severities[severity]), _matchers(severity=severity), severity)
    return out, used


def inhibit_rules(model: Model) -> list[dict[str, Any]]:
    """Critical mutes warning/info of the same alert and service; a faster SLO tier mutes the slower tiers of
    its SLO; an SLO page mutes the critical threshold alerts of the same fault; a target down mutes the rest
    of its instance."""
    rules: list[dict[str, Any]] = [
        {
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity=~"warning|info"'],
            "equal": ["alertname", "service"],
        }
    ]
    down = sorted({a.name for a in model.alerts if a.signal == "target_down"})
    if down:
        names = "|".join(down)
        rules.append(
            {
                "source_matchers": [f'alertname=~"{names}"'],
                # instance=~".+": alerts without an instance label must not count as "the same instance"
                "target_matchers": [f'alertname!~"{names}"', 'instance=~".+"'],
                "equal": ["instance"],
            }
        )
    # A faster burn-rate tier mutes the slower tiers of its SLO; an SLO page mutes the threshold page of its fault.
    return rules + slo_rules.inhibit_rules(model) + slo_rules.fault_inhibit_rules(model)


def time_interval(interval: TimeInterval) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if interval.weekdays:
        spec["weekdays"] = _split(interval.weekdays)
    if interval.times:
        spec["times"] = [dict(zip(("start_time", "end_time"), t.split("-"), strict=True)) for t in _split(interval.times)]
    if interval.days_of_month:
        spec["days_of_month"] = _split(interval.days_of_month)
    if interval.months:
        spec["months"] = _split(interval.months)
    if interval.location:
        spec["location"] = interval.location
    return {"name": interval.name, "time_intervals": [spec]}


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",")]


def config(model: Model) -> dict[str, Any]:
    routing = model.routing
    children, used = routes(model)
    default = am_routes.default_channels(routing)
    names: dict[str, tuple[str, ...]] = {}
    for channels in [default, *used]:
        names.setdefault(am_routes.receiver_name(channels), channels)
    intervals = list(routing.maintenance)
    if any(r.get("active_time_intervals") == [(routing.business_hours or BUSINESS_HOURS).name] for r in children):
        intervals.insert(0, routing.business_hours or BUSINESS_HOURS)
    intervals += report_routes.time_intervals(model)
    doc: dict[str, Any] = {
        "global": {"resolve_timeout": "5m"},
        "templates": [f"templates/{name}" for name in sorted(alertmanager_templates.FILES)],
        "route": {
            "receiver": am_routes.receiver_name(default),
            "group_by": list(routing.group_by),
            **_timings(routing, "root"),
            "routes": children,
        },
        "inhibit_rules": inhibit_rules(model),
        "receivers": [receiver(name, names[name], model) for name in sorted(names)],
    }
    if intervals:
        doc["time_intervals"] = [time_interval(i) for i in intervals]
    return doc


def build(model: Model) -> dict[str, Any]:
    doc = config(model)
    tests = am_routes.cases(model)
    report = am_routes.coverage(doc, tests)
    files: dict[str, Any] = {
        CONFIG: doc,
        ROUTE_TESTS: {
            "coverage": {k: v for k, v in report.items() if k != "mismatched"},
            "tests": tests,
        },
    }
    files.update({f"alertmanager/templates/{name}": text for name, text in alertmanager_templates.files(model).items()})
    return files

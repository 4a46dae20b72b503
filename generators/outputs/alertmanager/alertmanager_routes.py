"""Which receivers an alert must reach, computed from the spec's words, not from the rendered route tree.

Two independent answers meet in the route tests: `expected()` reads the spec's routing semantics
(watchdog, escalation, team, severity, default), while Alertmanager itself (amtool, or `simulate()`,
a port of Alertmanager's dispatch.Route.Match used for coverage) walks the rendered tree. A tree that
routes an alert elsewhere than the spec says fails `make check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from generators.model import conventions
from generators.model.types import Alert, Model, Routing
from generators.outputs.alertmanager import channels as channel_types
from generators.outputs.alertmanager import report_routes
from generators.outputs.prometheus import slo_rules

RECEIVER_SEPARATOR = "+"
ALERTNAME = "alertname"
NO_CHANNELS = "discard"  # only the Watchdog of a spec without `routing.watchdog` goes there (warned at load)


def receiver_name(channels: Sequence[str]) -> str:
    """One receiver per channel combination, named after its channels (sorted: order carries no meaning)."""
    return RECEIVER_SEPARATOR.join(sorted(set(channels))) or NO_CHANNELS


def default_channels(routing: Routing) -> tuple[str, ...]:
    """Unrouted alerts go to `routing.default`, else the warning channels, else the critical ones."""
    if routing.default:
        return (routing.default,)
    return routing.severities.get("warning") or routing.severities.get("critical") or ()


def watchdog_names(model: Model) -> tuple[str, ...]:
    return tuple(sorted(model.watchdog_names))


def rule_labels(alert: Alert, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels Alertmanager receives from one rule: the rule's labels plus alertname."""
    return {ALERTNAME: alert.name, **labels}


def integration(model: Model, channel: str) -> str:
    """Alertmanager's `integration` label for a channel's notifier: its receiver key without `_configs`."""
    return channel_types.TYPES[model.channels[channel].type].config_key.removesuffix("_configs")


def delivery_alerts(model: Model) -> tuple[Alert, ...]:
    """The stack's alerts about failing notifications of one integration (they carry its `integration` label)."""
    return tuple(a for a in model.alerts if a.kind == conventions.ALERTMANAGER_JOB and conventions.INTEGRATION in a.by)


def integrations(model: Model) -> tuple[str, ...]:
    return tuple(sorted({integration(model, c) for c in model.channels}))


def avoiding(model: Model, failing: str, reached: Sequence[tuple[str, ...]]) -> tuple[str, ...] | None:
    """Where an alert about `failing` notifications goes instead of `reached`: the same channels without those of
    the failing integration, else the first severity list (then the default) that has another one. None: `reached`
    has no channel of that integration (nothing to change); () when no channel of another integration exists."""
    channels = tuple(dict.fromkeys(c for group in reached for c in group))
    if not any(integration(model, c) == failing for c in channels):
        return None
    lists = [channels, *(model.routing.severities.get(s, ()) for s in conventions.SEVERITIES), default_channels(model.routing)]
    for candidates in lists:
        working = tuple(c for c in candidates if integration(model, c) != failing)
        if working:
            return working
    return ()


def expected(model: Model, labels: Mapping[str, str]) -> list[tuple[str, ...]]:
    """Channel sets (one per notification, in route order) the spec says an alert with these labels reaches."""
    reached = _expected(model, labels)
    failing = labels.get(conventions.INTEGRATION)
    if failing and labels.get(ALERTNAME) in {a.name for a in delivery_alerts(model)}:
        instead = avoiding(model, failing, reached)
        if instead:
            return [instead]
    return reached


def _expected(model: Model, labels: Mapping[str, str]) -> list[tuple[str, ...]]:
    routing = model.routing
    if labels.get(ALERTNAME) in model.watchdog_names:
        return [(routing.watchdog,)] if routing.watchdog else [()]
    report = report_routes.expected(model, labels)
    if report is not None:
        return report
    severity = labels.get(conventions.SEVERITY, "")
    team = labels.get(conventions.TEAM, "")
    escalation = labels.get(conventions.ESCALATION)
    extra = slo_channels(model, labels)
    if escalation:
        notify = [
            c for e in routing.escalations if e.label == escalation and e.severity == severity and e.team in (None, team) for c in e.notify
        ]
        return [*extra, tuple(dict.fromkeys(notify)) if notify else default_channels(routing)]
    out: list[tuple[str, ...]] = [*extra]
    team_spec = routing.teams.get(team, {})
    if team_spec.get(severity):
        out.append(tuple(team_spec[severity]))
        if not team_spec.get("continue"):
            return out
    if routing.severities.get(severity):
        out.append(tuple(routing.severities[severity]))
    return out if len(out) > len(extra) else [*out, default_channels(routing)]


def slo_channels(model: Model, labels: Mapping[str, str]) -> list[tuple[str, ...]]:
    """The `channels:` of the SLO tier these labels belong to (spec: slos.<name>.tiers.<tier>.channels), if any.

    They come first: that route continues, so the alert then goes where its severity and team send it.
    """
    return [
        tuple(tier.channels)
        for slo in model.slos
        if slo.id == labels.get(conventions.SLO)
        for tier in slo.tiers
        if tier.name == labels.get(conventions.SLO_TIER) and tier.channels
    ]


def expected_receivers(model: Model, labels: Mapping[str, str]) -> list[str]:
    return [receiver_name(channels) for channels in expected(model, labels)]


def channels_reached(model: Model, alert: Alert, severity: str, escalation: str | None) -> list[str]:
    """Every channel one tier of an alert notifies (for runbooks), in spec order without repeats."""
    tier_labels = {conventions.SEVERITY: severity, conventions.SERVICE: alert.service, conventions.TEAM: alert.team}
    if escalation:
        tier_labels[conventions.ESCALATION] = escalation
    return list(dict.fromkeys(c for channels in expected(model, rule_labels(alert, tier_labels)) for c in channels))


def cases(model: Model) -> list[dict[str, Any]]:
    """One route test per generated alert rule (tier, SLO burn-rate tiers included): its labels as rendered and the
    receivers it must reach."""
    out = []
    for alert in model.alerts:
        for tier in alert.tiers:
            labels = dict(sorted(rule_labels(alert, alert.labels(tier)).items()))
            out.append({"alert": alert.name, "labels": labels, "receivers": expected_receivers(model, labels)})
    for alert in delivery_alerts(model):  # one per integration the channels use: never routed to itself
        for tier in alert.tiers:
            for name in integrations(model):
                labels = dict(sorted(rule_labels(alert, {**alert.labels(tier), conventions.INTEGRATION: name}).items()))
                out.append({"alert": alert.name, "labels": labels, "receivers": expected_receivers(model, labels)})
    for labels in [*slo_rules.alert_label_sets(model), *report_routes.label_sets(model)]:  # SLO burn-rate tiers, reports
        labels = dict(sorted(labels.items()))
        out.append({"alert": labels[ALERTNAME], "labels": labels, "receivers": expected_receivers(model, labels)})
    return out


# -- Alertmanager's own matching, for coverage ------------------------------------------------------
_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')


def matches(matcher: str, labels: Mapping[str, str]) -> bool:
    """One `name op "value"` matcher as Alertmanager evaluates it (regexes anchored, missing label = "")."""
    found = _MATCHER.match(matcher)
    if not found:
        raise ValueError(f"unsupported matcher {matcher!r}")
    name, op, value = found.group(1), found.group(2), found.group(3).replace('\\"', '"').replace("\\\\", "\\")
    return evaluate(name, op, value, labels)


def evaluate(name: str, op: str, value: str, labels: Mapping[str, str]) -> bool:
    """A parsed matcher against a label set: regexes anchored, a missing label reads as ""."""
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    hit = re.fullmatch(value, actual) is not None
    return hit if op == "=~" else not hit


def simulate(route: Mapping[str, Any], labels: Mapping[str, str], path: str = "route") -> list[tuple[str, str]]:
    """(route path, receiver) of every route that handles the alert: Alertmanager's dispatch.Route.Match."""
    if not all(matches(m, labels) for m in route.get("matchers", ())):
        return []
    found: list[tuple[str, str]] = []
    for i, child in enumerate(route.get("routes", ())):
        inherited = {"receiver": route["receiver"], **child}
        hits = simulate(inherited, labels, f"{path}.routes[{i}]")
        found.extend(hits)
        if hits and not child.get("continue", False):
            break
    return found or [(path, route["receiver"])]


def route_paths(route: Mapping[str, Any], path: str = "route") -> list[str]:
    """Every child route of the tree (the root is the fallback, not counted)."""
    out = []
    for i, child in enumerate(route.get("routes", ())):
        out.append(f"{path}.routes[{i}]")
        out.extend(route_paths(child, f"{path}.routes[{i}]"))
    return out


def describe(route: Mapping[str, Any], path: str) -> str:
    node = route
    for index in re.findall(r"\[(\d+)\]", path):
        node = node["routes"][int(index)]
    return f"{path} ({', '.join(node.get('matchers', ()))} -> {node['receiver']})"


def coverage(config: Mapping[str, Any], tests: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Routes reached by the tested alerts, and the tests whose simulated receivers differ from the spec's."""
    reached: set[str] = set()
    mismatched = []
    for test in tests:
        hits = simulate(config["route"], test["labels"])
        reached.update(path for path, _ in hits)
        if [receiver for _, receiver in hits] != list(test["receivers"]):
            mismatched.append(test["alert"])
    paths = route_paths(config["route"])
    unreached = [describe(config["route"], p) for p in paths if p not in reached]
    return {
        "alert_rules_tested": len(tests),
        "routes": len(paths),
        "routes_reached": len(paths) - len(unreached),
        "unreached_routes": unreached,
        "mismatched": mismatched,
    }

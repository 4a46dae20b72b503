"""What Alertmanager 0.25 would have sent: a discrete-event port of its dispatcher and notification pipeline.

- An alert reaches Alertmanager when it fires (Prometheus sends firing alerts only, StartsAt = FiredAt) and
  again when it resolves (EndsAt = ResolvedAt); external labels are added unless the alert has them.
- Each route it matches puts it in the aggregation group (route, group_by labels). A new group flushes
  after group_wait, then every group_interval; a group left empty is removed by the dispatcher's
  maintenance, every 30s, so an alert arriving before that joins it and waits for the next tick.
- A flush runs the pipeline at the tick's time: inhibited alerts are dropped (a firing source alert with
  equal labels, never one that matches both sides), then nothing is sent outside the route's
  active_time_intervals or inside its mute_time_intervals; per integration, DedupStage.needsUpdate decides
  (new firing alert, all resolved, a resolved one for send_resolved, or repeat_interval passed). After the
  flush the resolved alerts leave the group, even when nothing was sent.
- The notification log's timestamp is the time of the send, a little after the tick, so a repeat is due at
  the first tick *more* than repeat_interval later: repeat = group_interval sends every second tick
  (prometheus/alertmanager#676). A flush and an alert arriving at the same millisecond: the flush goes first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generators.backtest.common import SECOND, Labels
from generators.backtest.routing import InhibitRule, Route, in_any, inhibit_rules, matches, parse_route, time_intervals

MAINTENANCE = 30 * SECOND
PAGER_TYPES = ("pagerduty", "opsgenie")  # integrations that wake someone up: their notifications are pages


@dataclass(frozen=True)
class Alert:
    labels: Labels
    starts_at: int
    ends_at: int | None  # None: still firing at the end of the window

    def firing(self, ms: int) -> bool:
        return self.starts_at <= ms and (self.ends_at is None or ms < self.ends_at)


@dataclass(frozen=True)
class Notification:
    at: int
    receiver: str
    integration: str  # e.g. "pagerduty[0]"
    route: str
    group: Labels
    firing: tuple[Labels, ...]
    resolved: tuple[Labels, ...]

    @property
    def page(self) -> bool:
        return self.integration.split("[")[0] in PAGER_TYPES and bool(self.firing)

    @property
    def alertnames(self) -> tuple[str, ...]:
        return tuple(sorted({dict(a)["alertname"] for a in (*self.firing, *self.resolved)}))


@dataclass(frozen=True)
class Integration:
    name: str  # "<type>[<index>]"
    send_resolved: bool


@dataclass
class _Entry:
    firing: frozenset[Labels]
    resolved: frozenset[Labels]
    at: int


@dataclass
class _Group:
    route: Route
    labels: Labels
    alerts: dict[Labels, Alert] = field(default_factory=dict)
    empty_since: int | None = None


def integrations(config: Mapping[str, Any]) -> dict[str, list[Integration]]:
    out: dict[str, list[Integration]] = {}
    for receiver in config.get("receivers") or ():
        found = []
        for key, items in receiver.items():
            if key.endswith("_configs"):
                kind = key.removesuffix("_configs")
                default = kind not in ("email", "slack")  # Alertmanager's per-integration default send_resolved
                found += [Integration(f"{kind}[{i}]", bool(item.get("send_resolved", default))) for i, item in enumerate(items)]
        out[str(receiver["name"])] = found
    return out


def needs_update(
    entry: _Entry | None, firing: frozenset[Labels], resolved: frozenset[Labels], repeat: int, send_resolved: bool, now: int
) -> bool:
    """notify.DedupStage.needsUpdate."""
    if entry is None:
        return bool(firing)
    if not firing <= entry.firing:
        return True
    if not firing:
        return bool(entry.firing)
    if send_resolved and not resolved <= entry.resolved:
        return True
    return entry.at + repeat < now


class Simulator:
    def __init__(self, config: Mapping[str, Any], start_ms: int) -> None:
        self.root = parse_route(config["route"])
        self.intervals = time_intervals(config)
        self.inhibit: list[InhibitRule] = inhibit_rules(config)
        self.receivers = integrations(config)
        self.start = start_ms

    def run(self, alerts: Iterable[Alert], end_ms: int) -> list[Notification]:
        self.alerts = sorted(alerts, key=lambda a: (a.starts_at, a.labels))
        self.sources = [[a for a in self.alerts if all(matches(m, dict(a.labels)) for m in rule.source)] for rule in self.inhibit]
        events: list[tuple[int, int, int, Any]] = []  # (time, 0 flush | 1 arrival, sequence, payload)
        for n, alert in enumerate(self.alerts):
            events.append((alert.starts_at, 1, n, alert))
            if alert.ends_at is not None:
                events.append((alert.ends_at, 1, n, alert))
        heapq.heapify(events)
        self.groups: dict[tuple[str, Labels], _Group] = {}
        self.log: dict[tuple[str, Labels, str, str], _Entry] = {}
        sent: list[Notification] = []
        sequence = len(events)
        while events:
            at, kind, _, payload = heapq.heappop(events)
            if at > end_ms:
                break
            if kind == 1:
                for group in self._arrive(payload, at):
                    sequence += 1
                    heapq.heappush(events, (at + group.route.group_wait, 0, sequence, group))
                continue
            if self._gone(payload, at):
                continue
            sent += self._flush(payload, at)
            sequence += 1
            heapq.heappush(events, (at + payload.route.group_interval, 0, sequence, payload))
        return sent

    def _gone(self, group: _Group, at: int) -> bool:
        """Removed by the dispatcher's maintenance: empty at a 30s tick."""
        if group.empty_since is None or group.alerts:
            return False
        return (at - self.start) // MAINTENANCE > (group.empty_since - self.start) // MAINTENANCE

    def _arrive(self, alert: Alert, at: int) -> list[_Group]:
        """Insert the alert in the group of every route it matches; the groups created now."""
        created = []
        for route in self.root.match(dict(alert.labels)):
            key = (route.path, route.group_labels(alert.labels))
            group = self.groups.get(key)
            if group is None or self._gone(group, at):
                group = self.groups[key] = _Group(route, key[1])
                created.append(group)
            group.alerts[alert.labels] = alert
            group.empty_since = None
        return created

    def _muted(self, lset: Labels, at: int) -> bool:
        target = dict(lset)
        for rule, sources in zip(self.inhibit, self.sources, strict=True):
            if not all(matches(m, target) for m in rule.target):
                continue
            two_sided = all(matches(m, target) for m in rule.source)
            for source in sources:
                if not source.firing(at):
                    continue
                other = dict(source.labels)
                if any(other.get(n, "") != target.get(n, "") for n in rule.equal):
                    continue
                if two_sided and all(matches(m, other) for m in rule.target):
                    continue
                return True
        return False

    def _flush(self, group: _Group, at: int) -> list[Notification]:
        if not group.alerts:
            return []
        snapshot = dict(group.alerts)
        route = group.route
        kept = [a for a in snapshot.values() if not self._muted(a.labels, at)]
        sent: list[Notification] = []
        active = not route.active_time_intervals or in_any(route.active_time_intervals, self.intervals, at)
        if kept and active and not in_any(route.mute_time_intervals, self.intervals, at):
            sent = self._send(group, kept, at)
        for key, alert in snapshot.items():  # resolved alerts leave the group after a flush, sent or not
            if alert.ends_at is not None and alert.ends_at <= at and group.alerts.get(key) is alert:
                del group.alerts[key]
        if not group.alerts:
            group.empty_since = at
        return sent

    def _send(self, group: _Group, alerts: Sequence[Alert], at: int) -> list[Notification]:
        route = group.route
        firing = frozenset(a.labels for a in alerts if a.firing(at))
        resolved = frozenset(a.labels for a in alerts if not a.firing(at))
        out = []
        for integration in self.receivers.get(route.receiver, []):
            key = (route.path, group.labels, route.receiver, integration.name)
            entry = self.log.get(key)
            if not needs_update(entry, firing, resolved, route.repeat_interval, integration.send_resolved, at):
                continue
            self.log[key] = _Entry(firing, resolved, at)
            shown_resolved = tuple(sorted(resolved)) if integration.send_resolved else ()
            if firing or shown_resolved:
                out.append(
                    Notification(at, route.receiver, integration.name, route.path, group.labels, tuple(sorted(firing)), shown_resolved)
                )
        return out


def flushes(notes: Iterable[Notification]) -> list[Notification]:
    """One notification per flush of a receiver (its pager integration's when it has one): a receiver with Slack and
    PagerDuty counts once, as a page."""
    out: dict[tuple[int, str, str, Labels], Notification] = {}
    for note in notes:
        key = (note.at, note.receiver, note.route, note.group)
        if key not in out or note.page:
            out[key] = note
    return list(out.values())


def with_external_labels(lset: Labels, external: Labels) -> Labels:
    """Prometheus' notifier adds each external label the alert does not carry already."""
    out = dict(external)
    out.update(lset)
    return tuple(sorted(out.items()))

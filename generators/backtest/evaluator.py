"""Prometheus' alerting-rule state machine, evaluation by evaluation (rules/alerting.go, AlertingRule.Eval, 2.42).

At each evaluation time the expression's result (one value per label set) is turned into alert label sets
(result labels without __name__, then the rule's labels, then alertname). A label set seen for the first
time, or again after it resolved, becomes pending with ActiveAt = now; it fires at the first evaluation
with now - ActiveAt >= for (so `for: 0` fires at once). A pending alert whose series is missing from one
evaluation is dropped (a gap resets `for`); a firing one resolves at that evaluation, unless
keep_firing_for holds it: it resolves at the first evaluation at least keep_firing_for after the series
first went missing, and its return before that resets the clock. Two result series that map to the same
alert label set make Prometheus fail that evaluation: no state changes then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generators.backtest.common import MINUTE, Labels

RESOLVED_RETENTION = 15 * MINUTE  # how long Prometheus keeps a resolved alert (and resends it) before forgetting it

PENDING, FIRING, INACTIVE = "pending", "firing", "inactive"


@dataclass(frozen=True)
class AlertRule:
    group: str
    name: str
    expr: str  # as rendered
    query: str  # with the recordings inlined: what the backtest sends to the source
    for_ms: int
    keep_firing_for_ms: int
    labels: Labels
    interval_ms: int

    @property
    def severity(self) -> str:
        return dict(self.labels).get("severity", "none")


@dataclass
class Episode:
    """One life of an alert: pending from active_at, firing from fired_at, over at ended_at (None: still on)."""

    labels: Labels
    active_at: int
    fired_at: int | None = None
    ended_at: int | None = None

    @property
    def fired(self) -> bool:
        return self.fired_at is not None


@dataclass
class _State:
    episode: Episode
    state: str = PENDING
    resolved_at: int | None = None
    keep_since: int | None = None


def alert_labels(rule: AlertRule, result: Labels) -> Labels:
    out = {k: v for k, v in result if k != "__name__"}
    out.update(rule.labels)
    out["alertname"] = rule.name
    return tuple(sorted(out.items()))


def evaluate(rule: AlertRule, times: Sequence[int], results: Mapping[int, Iterable[tuple[Labels, float]]]) -> list[Episode]:
    """Every episode (pending-only ones included) of the rule over the evaluation times, in start order."""
    active: dict[Labels, _State] = {}
    episodes: list[Episode] = []
    for ts in times:
        keys = [alert_labels(rule, labels) for labels, _ in results.get(ts, ())]
        if len(set(keys)) != len(keys):
            continue  # "vector contains metrics with the same labelset after applying alert labels"
        seen = set(keys)
        for key in keys:
            current = active.get(key)
            if current is not None and current.state != INACTIVE:
                continue
            active[key] = _State(Episode(key, ts))
            episodes.append(active[key].episode)
        for key, alert in list(active.items()):
            if key not in seen:
                keep = False
                if alert.state == FIRING and rule.keep_firing_for_ms > 0:
                    if alert.keep_since is None:
                        alert.keep_since = ts
                    keep = ts - alert.keep_since < rule.keep_firing_for_ms
                if alert.state == PENDING or (alert.resolved_at is not None and ts - alert.resolved_at > RESOLVED_RETENTION):
                    del active[key]
                if alert.state != INACTIVE and not keep:
                    alert.state, alert.resolved_at = INACTIVE, ts
                    alert.episode.ended_at = ts
                if not keep:
                    continue
            else:
                alert.keep_since = None
            if alert.state == PENDING and ts - alert.episode.active_at >= rule.for_ms:
                alert.state = FIRING
                alert.episode.fired_at = ts
    return episodes


def firing_intervals(episodes: Iterable[Episode]) -> dict[Labels, list[tuple[int, int | None]]]:
    """Label set -> [(fired_at, resolved_at or None)] of the episodes that fired."""
    out: dict[Labels, list[tuple[int, int | None]]] = {}
    for ep in episodes:
        if ep.fired_at is not None:
            out.setdefault(ep.labels, []).append((ep.fired_at, ep.ended_at))
    return out

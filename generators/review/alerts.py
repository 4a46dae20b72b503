"""Alerts of the two models: added, removed, renamed, and the tiers whose threshold or `for` changed.

An alert is renamed when one alert disappears and one appears that match on service and signal, or (a
service renamed, a custom alert renamed) on kind, signal, unit and every tier's threshold, `for` and, for
custom alerts, expression; only one-to-one matches count, anything else is a removal plus an addition.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from generators.model import conventions
from generators.model.types import Alert, Model, Tier
from generators.review import text


@dataclass(frozen=True)
class AlertDiff:
    added: tuple[Alert, ...]
    removed: tuple[Alert, ...]
    renamed: tuple[tuple[Alert, Alert], ...]  # (old, new)
    common: tuple[tuple[Alert, Alert], ...]  # (old, new), renamed ones included

    @property
    def renames(self) -> dict[str, str]:
        return {old.name: new.name for old, new in self.renamed}


def tier_name(tier: Tier) -> str:
    escalation = dict(tier.labels).get(conventions.ESCALATION)
    return f"{tier.severity} {escalation}" if escalation else tier.severity


def _tier_key(tier: Tier) -> tuple[str, tuple[tuple[str, str], ...]]:
    return tier.severity, tuple(sorted(tier.labels))


def _shape(alert: Alert) -> Hashable:
    tiers = tuple((t.severity, t.threshold.op, t.threshold.value, t.for_, t.expr if alert.kind == "custom" else "") for t in alert.tiers)
    return alert.kind, alert.signal if alert.kind != "custom" else "", alert.unit, tiers


def _pair(old: list[Alert], new: list[Alert], key: Callable[[Alert], Hashable]) -> list[tuple[Alert, Alert]]:
    a: dict[Hashable, list[Alert]] = {}
    b: dict[Hashable, list[Alert]] = {}
    for alert in old:
        a.setdefault(key(alert), []).append(alert)
    for alert in new:
        b.setdefault(key(alert), []).append(alert)
    return [(a[k][0], b[k][0]) for k in a if k in b and len(a[k]) == len(b[k]) == 1]


def compare(old: Model, new: Model) -> AlertDiff:
    before, after = {a.name: a for a in old.alerts}, {a.name: a for a in new.alerts}
    gone = [a for name, a in before.items() if name not in after]
    came = [a for name, a in after.items() if name not in before]
    renamed = []
    for key in (lambda a: (a.service, a.signal), _shape):
        pairs = _pair(gone, came, key)
        renamed += pairs
        gone = [a for a in gone if a.name not in {o.name for o, _ in pairs}]
        came = [a for a in came if a.name not in {n.name for _, n in pairs}]
    common = [(before[name], a) for name, a in after.items() if name in before]
    return AlertDiff(tuple(came), tuple(gone), tuple(renamed), (*common, *renamed))


def describe(alert: Alert) -> str:
    """'(service `api`, team `backend`): warning `> 2% for 10m`, critical `> 5% for 5m`'."""
    tiers = ", ".join(f"{tier_name(t)} {text.code(t.threshold.describe())}" for t in alert.tiers)
    return f"(service {text.code(alert.service)}, team {text.code(alert.team)}): {tiers}"


def tier_changes(old: Alert, new: Alert) -> list[str]:
    """'critical `> 5% for 5m` → `> 6% for 5m`', 'info added `< 30d`'. An escalation tier is named only when
    its own base tier did not change the same way (its copy of the threshold is in the landing places)."""
    a, b = {_tier_key(t): t for t in old.tiers}, {_tier_key(t): t for t in new.tiers}
    out, changed = [], set()
    for key in dict.fromkeys([*b, *a]):
        x, y = a.get(key), b.get(key)
        if x is not None and y is not None and x.threshold.describe() == y.threshold.describe():
            continue
        tier = y if y is not None else x
        assert tier is not None
        if tier.labels and (tier.severity, ()) in changed:
            continue  # the escalation copy of a tier already listed
        changed.add(key)
        if x is None or y is None:
            what = "added" if x is None else "removed"
            out.append(f"{tier_name(tier)} {what} {text.code(tier.threshold.describe())}")
        else:
            out.append(f"{tier_name(tier)} {text.change(x.threshold.describe(), y.threshold.describe())}")
    return out


def other_changes(old: Alert, new: Alert) -> list[str]:
    """Spec-level facts of an alert besides its tiers: team, service, where it is set."""
    out = []
    for name, x, y in (("team", old.team, new.team), ("service", old.service, new.service), ("set at", old.spec_path, new.spec_path)):
        if x != y:
            out.append(f"{name} {text.change(x, y)}")
    return out

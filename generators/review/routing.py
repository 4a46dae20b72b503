"""Routing: channels, receivers, route tree, inhibitions, and which alerts reach which channels.

"Who gets what" walks each side's rendered route tree with `alertmanager_routes.simulate` (Alertmanager's
own matching, ported) for every alert rule's label set (`alertmanager_routes.cases`); the route tests
already prove that this tree agrees with the spec's routing semantics (`alertmanager_routes.expected`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from generators.model.types import Channel
from generators.outputs.alertmanager import alertmanager_routes as routes
from generators.review import text
from generators.review.places import tier_of
from generators.review.sources import Side

CONFIG = "alertmanager/alertmanager.yml"
NOTHING = "nothing"
_REGEX = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)(=~|!~)"([A-Za-z0-9_:|.-]*)"$')  # a plain alternation


def _channels(receivers: list[str]) -> str:
    names = [c for r in receivers if r != routes.NO_CHANNELS for c in r.split(routes.RECEIVER_SEPARATOR)]
    return ", ".join(dict.fromkeys(names)) or NOTHING


def reached(side: Side, renames: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """(alert, tier) -> the channels it notifies, in route order, for every alert rule of one side."""
    tree = side.doc(CONFIG)["route"]
    out = {}
    for case in routes.cases(side.model):
        name = renames.get(case["alert"], case["alert"])
        out[(name, tier_of(case["labels"]))] = _channels([r for _, r in routes.simulate(tree, case["labels"])])
    return out


def who_gets_what(old: Side, new: Side, renames: Mapping[str, str]) -> list[str]:
    """One line per change of channels, listing the alert rules it applies to ('new' / 'removed' at the ends)."""
    before, after = reached(old, renames), reached(new, {})
    moves: dict[tuple[str, str], list[str]] = {}
    for key in dict.fromkeys([*after, *before]):
        x, y = before.get(key, "new"), after.get(key, "removed")
        if x != y:
            moves.setdefault((x, y), []).append(f"{text.code(key[0])} {key[1]}".rstrip())
    return [f"- {x} {text.ARROW} {y}: {', '.join(rules)}" for (x, y), rules in moves.items()]


def _settings(channel: Channel) -> dict[str, str]:
    out = {k: json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for k, v in sorted(channel.settings.items())}
    out["send_resolved"] = str(channel.send_resolved).lower()
    return out


def channels(old: Side, new: Side) -> list[str]:
    a, b = old.model.channels, new.model.channels
    out = [f"- added channel {text.code(n)} ({b[n].type})" for n in b if n not in a]
    out += [f"- removed channel {text.code(n)} ({a[n].type})" for n in a if n not in b]
    for name in (n for n in b if n in a):
        x, y = _settings(a[name]), _settings(b[name])
        if a[name].type != b[name].type:
            x["type"], y["type"] = a[name].type, b[name].type
        diffs = [f"{k} {text.change(x.get(k, ''), y.get(k, ''))}" for k in dict.fromkeys([*x, *y]) if x.get(k) != y.get(k)]
        if diffs:
            out.append(f"- channel {text.code(name)}: {'; '.join(diffs)}")
    return out


def _nodes(route: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, str]]]:
    """Every route of the tree, keyed by its matchers and its parents' (the root is `()`)."""
    yield path, {k: v if isinstance(v, str) else json.dumps(v) for k, v in route.items() if k not in ("routes", "matchers")}
    for child in route.get("routes") or ():
        yield from _nodes(child, (*path, ", ".join(child.get("matchers") or ())))


def _route_name(path: tuple[str, ...]) -> str:
    return text.code(" / ".join(path)) if path else "the root route"


def tree(old: Side, new: Side) -> list[str]:
    """Routes added, removed or changed (receiver, continue, timings, time intervals), and receivers."""
    a, b = dict(_nodes(old.doc(CONFIG)["route"])), dict(_nodes(new.doc(CONFIG)["route"]))
    out = [
        f"- added route {_route_name(p)} {text.ARROW} {text.code(b[p].get('receiver', ''))}"
        + (" (continue)" if b[p].get("continue") == "true" else "")
        for p in b
        if p not in a
    ]
    out += [f"- removed route {_route_name(p)} (was {text.ARROW} {text.code(a[p].get('receiver', ''))})" for p in a if p not in b]
    for path in (p for p in b if p in a):
        diffs = [
            f"{k} {text.change(a[path].get(k, '-'), b[path].get(k, '-'))}"
            for k in dict.fromkeys([*a[path], *b[path]])
            if a[path].get(k) != b[path].get(k)
        ]
        if diffs:
            out.append(f"- route {_route_name(path)}: {'; '.join(diffs)}")
    x = [r["name"] for r in old.doc(CONFIG).get("receivers") or ()]
    y = [r["name"] for r in new.doc(CONFIG).get("receivers") or ()]
    out += [f"- added receiver {text.code(n)}" for n in y if n not in x]
    out += [f"- removed receiver {text.code(n)}" for n in x if n not in y]
    ta, tb = _intervals(old), _intervals(new)
    out += [f"- added time interval {text.code(n)}" for n in tb if n not in ta]
    out += [f"- removed time interval {text.code(n)}" for n in ta if n not in tb]
    out += [f"- time interval {text.code(n)}: {text.change(ta[n], tb[n])}" for n in tb if n in ta and ta[n] != tb[n]]
    return out


def _intervals(side: Side) -> dict[str, str]:
    return {t["name"]: json.dumps(t.get("time_intervals"), sort_keys=True) for t in side.doc(CONFIG).get("time_intervals") or ()}


def _rule(rule: Mapping[str, Any]) -> str:
    src, dst = ", ".join(rule.get("source_matchers") or ()), ", ".join(rule.get("target_matchers") or ())
    return f"{text.code(src)} mutes {text.code(dst)} with equal {text.code(', '.join(rule.get('equal') or ()))}"


def _matcher_change(x: str, y: str) -> str:
    """How one matcher changed: the names an alternation gained and lost, else the changed part."""
    mx, my = _REGEX.match(x.replace(" ", "")), _REGEX.match(y.replace(" ", ""))
    if mx and my and mx.group(1, 2) == my.group(1, 2):
        old, new = mx.group(3).split("|"), my.group(3).split("|")
        parts = [f"adds {text.codes(n for n in new if n not in old)}"] if set(new) - set(old) else []
        parts += [f"drops {text.codes(n for n in old if n not in new)}"] if set(old) - set(new) else []
        return f"{text.code(mx.group(1) + mx.group(2))} " + ", ".join(parts)
    return text.span_text(x, y)


def inhibitions(old: Side, new: Side) -> list[str]:
    """Inhibit rules added, removed, or changed (a rule with the same `equal` and one counterpart each side)."""
    a, b = old.doc(CONFIG).get("inhibit_rules") or [], new.doc(CONFIG).get("inhibit_rules") or []
    gone, came = [r for r in a if r not in b], [r for r in b if r not in a]
    out = []
    for rule in list(came):
        twins = [r for r in gone if r.get("equal") == rule.get("equal")]
        if len(twins) != 1 or len([r for r in came if r.get("equal") == rule.get("equal")]) != 1:
            continue
        was = twins[0]
        parts = []
        for side_key, label in (("source_matchers", "source"), ("target_matchers", "target")):
            x, y = list(was.get(side_key) or ()), list(rule.get(side_key) or ())
            if x != y:
                if len(x) == len(y):
                    parts += [f"{label} {_matcher_change(m, n)}" for m, n in zip(x, y, strict=True) if m != n]
                else:
                    parts.append(f"{label} {text.change(', '.join(x), ', '.join(y))}")
        out.append(f"- changed (equal {text.code(', '.join(rule.get('equal') or ()))}): {'; '.join(parts)}")
        gone.remove(was)
        came.remove(rule)
    out += [f"- added: {_rule(r)}" for r in came]
    out += [f"- removed: {_rule(r)}" for r in gone]
    return out

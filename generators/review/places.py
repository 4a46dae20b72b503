"""Where a change lands: the rule, annotations, unit tests and runbook of an alert, compared render to render.

Every unit is found in the rendered documents and tied to the alert it belongs to by what the document
itself says (a rule's `alert:`, a test group's `alertname`, `docs/runbooks/<Alert>.md`, the `slo` label of
an SLO recording), never by searching for a number. The dashboards' part is in dashboards.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generators.model import conventions
from generators.review import text
from generators.review.sources import Side, differing

KINDS = ("rule", "annotation", "dashboard", "runbook", "unit test")  # the order a reviewer reads them in
RULES, TESTS, RUNBOOKS = "prometheus/rules/", "prometheus/tests/", "docs/runbooks/"
_ALERTNAME = re.compile(r'alertname="([^"]+)"')
_SLO = re.compile(rf'{conventions.SLO}="([^"]+)"')
_DIGITS = re.compile(r"\S*\d\S*")


@dataclass(frozen=True)
class Place:
    """One changed spot of one alert's rendered output: `text` says what changed there."""

    subject: str  # alert name on the working tree's side (SLO burn-rate alerts included)
    kind: str  # one of KINDS
    where: str  # a file, or dashboard › row › panel
    text: str


class Subjects:
    """Which alert a unit of one side belongs to, named as on the working tree's side (renames applied)."""

    def __init__(self, side: Side, renames: Mapping[str, str] | None = None) -> None:
        self.renames = dict(renames or {})
        self.slo_alerts = {slo.id: slo.alert for slo in side.model.slos}
        self.names = {a.name for a in side.model.alerts} | set(self.slo_alerts.values())

    def of(self, name: str) -> str | None:
        return self.renames.get(name, name) if name in self.names else None

    def raw(self, subject: str) -> str:
        return next((old for old, new in self.renames.items() if new == subject), subject)


def tier_of(labels: Mapping[str, str]) -> str:
    """'critical', 'warning after-30m', 'critical page-1h': how the review names one rule of an alert."""
    parts = (labels.get(conventions.SEVERITY), labels.get(conventions.SLO_TIER), labels.get(conventions.ESCALATION))
    return " ".join(p for p in parts if p)


def compare(old: Side, new: Side, renames: Mapping[str, str], common: set[str]) -> list[Place]:
    """Every changed rule, annotation, runbook line and unit test of the alerts both sides have."""
    was, now, among = Subjects(old, renames), Subjects(new), differing(old, new)
    out = _rules(old, new, was, now, common, among)
    out += _runbooks(old, new, was, common)
    out += _tests(old, new, was, now, common, among)
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _rule_units(side: Side, subjects: Subjects, among: frozenset[str]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """(alert, tier) -> (file, rule), for alert rules and for the recordings of an SLO's group."""
    out: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for path in side.paths(RULES, ".yml", among):
        for group in side.doc(path).get("groups") or ():
            for rule in group.get("rules") or ():
                labels = rule.get("labels") or {}
                if "alert" in rule:
                    subject, tier = subjects.of(rule["alert"]), tier_of(labels)
                else:
                    subject = subjects.of(subjects.slo_alerts.get(labels.get(conventions.SLO, ""), ""))
                    tier = f"recording {rule.get('record')}"
                if subject is not None:
                    out[(subject, tier)] = (path, rule)
    return out


def _fields(rule: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    out = {("rule", key): _scalar(rule[key]) for key in ("expr", "for", "keep_firing_for", "labels") if key in rule}
    out.update({("annotation", key): str(value) for key, value in (rule.get("annotations") or {}).items()})
    return out


def _rules(old: Side, new: Side, was: Subjects, now: Subjects, common: set[str], among: frozenset[str]) -> list[Place]:
    before, after = _rule_units(old, was, among), _rule_units(new, now, among)
    merged: dict[tuple[str, str, str, str], list[str]] = {}  # (alert, kind, file, change) -> tiers
    for key in dict.fromkeys([*before, *after]):
        subject, tier = key
        if subject not in common:
            continue
        path = (after.get(key) or before[key])[0]
        if key not in before or key not in after:
            merged.setdefault((subject, "rule", path, "rule added" if key in after else "rule removed"), []).append(tier)
            continue
        a, b = _fields(before[key][1]), _fields(after[key][1])
        for kind, name in dict.fromkeys([*a, *b]):
            x, y = a.get((kind, name)), b.get((kind, name))
            if x == y:
                continue
            if x is None or y is None:
                what = f"{name} added {text.code(str(y))}" if x is None else f"{name} removed"
            else:
                what = f"{name} {text.span_text(x, y)}"
            merged.setdefault((subject, kind, path, what), []).append(tier)
    return [Place(s, kind, path, f"{', '.join(tiers)} {what}") for (s, kind, path, what), tiers in merged.items()]


def line_changes(old: str, new: str) -> list[str]:
    """Changed parts of two texts, line by line: each replaced line's changed parts, added and removed lines;
    a change seen more than once is counted."""
    a, b = old.splitlines(), new.splitlines()
    items: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            items += [text.change(o, n) for x, y in zip(a[i1:i2], b[j1:j2], strict=True) for o, n in text.spans(x, y)]
            continue
        items += [f"removed line {text.code(x.strip())}" for x in a[i1:i2] if x.strip()]
        items += [f"added line {text.code(y.strip())}" for y in b[j1:j2] if y.strip()]
    return text.counted(items)


def _runbooks(old: Side, new: Side, was: Subjects, common: set[str]) -> list[Place]:
    out = []
    for subject in sorted(common):
        path, old_path = f"{RUNBOOKS}{subject}.md", f"{RUNBOOKS}{was.raw(subject)}.md"
        if path in new.files and old_path in old.files and new.files[path] != old.files[old_path]:
            out += [Place(subject, "runbook", path, item) for item in line_changes(old.doc(old_path), new.doc(path))]
    return out


def _group_alerts(group: Mapping[str, Any], subjects: Subjects) -> list[str]:
    """The alerts a test group checks: its alertname(s), ALERTS{alertname=...}, or the SLO its queries read."""
    names = [t.get("alertname", "") for t in group.get("alert_rule_test") or ()]
    exprs = " ".join(str(t.get("expr", "")) for t in group.get("promql_expr_test") or ())
    names += _ALERTNAME.findall(exprs)
    names += [subjects.slo_alerts[i] for i in _SLO.findall(exprs) if i in subjects.slo_alerts]
    return list(dict.fromkeys(name for name in names if name in subjects.names))


def _test_units(side: Side, subjects: Subjects, among: frozenset[str]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """(alert, the group's name with its numbers masked + occurrence) -> (file, test group)."""
    out: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for path in side.paths(TESTS, ".yml", among):
        for group in side.doc(path).get("tests") or ():
            for name in _group_alerts(group, subjects):
                subject = subjects.of(name) or name
                masked = _DIGITS.sub("#", str(group.get("name", "")).replace(name, "@"))
                n = 1
                while (subject, f"{masked} {n}") in out:
                    n += 1
                out[(subject, f"{masked} {n}")] = (path, group)
    return out


def _tests(old: Side, new: Side, was: Subjects, now: Subjects, common: set[str], among: frozenset[str]) -> list[Place]:
    """Renamed, added and removed groups one by one; groups that only changed inside counted by what changed."""
    before, after = _test_units(old, was, among), _test_units(new, now, among)
    named: dict[tuple[str, str], list[str]] = {}
    inside: dict[tuple[str, str], dict[str, int]] = {}
    for key in dict.fromkeys([*before, *after]):
        subject = key[0]
        if subject not in common:
            continue
        path = (after.get(key) or before[key])[0]
        a, b = (before[key][1] if key in before else None), (after[key][1] if key in after else None)
        if a is None or b is None:
            named.setdefault((subject, path), []).append(
                f"added {text.code(str(b['name']))}" if b is not None else f"removed {text.code(str(a['name']))}"  # type: ignore[index]
            )
        elif a["name"] != b["name"]:
            named.setdefault((subject, path), []).append(text.change(str(a["name"]), str(b["name"])))
        elif a != b:
            what = ", ".join(k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k))
            counts = inside.setdefault((subject, path), {})
            counts[what] = counts.get(what, 0) + 1
    out = []
    for subject, path in dict.fromkeys([*named, *inside]):
        items = named.get((subject, path), [])
        noun = "more group" if items else "group"
        items += [f"{what} in {text.plural(n, noun)}" for what, n in inside.get((subject, path), {}).items()]
        out += [Place(subject, "unit test", path, item) for item in items]
    return out

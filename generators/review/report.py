"""The review summary in Markdown: one section per kind of change, empty sections left out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from generators.pipeline import writer
from generators.review import alerts, dashboards, places, routing, slos, text
from generators.review.places import Place
from generators.review.sources import WORKING_TREE, Side


@dataclass
class _Places:
    """The changed places of every alert both sides have, and which alerts a section already explained."""

    by_subject: dict[str, list[Place]]
    explained: set[str] = field(default_factory=set)

    def under(self, subject: str) -> list[str]:
        """The places of one alert as sub-items ('  - rule `file`: change; change'), marking it explained."""
        self.explained.add(subject)
        grouped: dict[tuple[str, str], list[str]] = {}
        for place in _by_kind(self.by_subject.get(subject, [])):
            items = grouped.setdefault((place.kind, place.where), [])
            if place.text not in items:
                items.append(place.text)
        return [f"  - {kind} {text.code(where)}: {'; '.join(items)}" for (kind, where), items in grouped.items()]

    def rest(self) -> list[str]:
        """Places of alerts no section explained, one line per distinct change with the alerts it touches."""
        rest = (p for subject, found in self.by_subject.items() if subject not in self.explained for p in found)
        grouped: dict[tuple[str, str], list[str]] = {}
        for place in _by_kind(rest):
            label = f"{place.kind} {text.code(place.where)}" if place.kind == "dashboard" else place.kind
            subjects = grouped.setdefault((label, place.text), [])
            if place.subject not in subjects:
                subjects.append(place.subject)
        return [f"- {label}: {change}: {text.codes(subjects)}" for (label, change), subjects in grouped.items()]


def _by_kind(found: Iterable[Place]) -> list[Place]:
    return sorted(found, key=lambda p: places.KINDS.index(p.kind))


def _section(title: str, lines: list[str], intro: str = "") -> list[str]:
    if not lines:
        return []
    return ["", f"## {title}", "", *([intro, ""] if intro else []), *lines]


def _files(old: Side, new: Side) -> list[str]:
    a, b = set(old.files) - {writer.MANIFEST}, set(new.files) - {writer.MANIFEST}
    out = []
    for verb, paths in (
        ("changed", sorted(p for p in a & b if old.files[p] != new.files[p])),
        ("added", sorted(b - a)),
        ("removed", sorted(a - b)),
    ):
        if paths:
            out.append(f"- {verb} ({len(paths)}): {text.codes(paths)}")
    return out


def _header(old: Side, spec: str, base_generators: bool) -> list[str]:
    if base_generators:
        how = (
            f"The {old.label} side is rendered by {old.label}'s own generators, the {WORKING_TREE} by its own: generator changes show too."
        )
    else:
        how = f"Both specs are rendered by the {WORKING_TREE}'s generators: this shows what the spec change does, not a generator change."
    return [f"# Review: {text.code(spec)}, {old.label} {text.ARROW} {WORKING_TREE}", "", how]


def _alerts(diff: alerts.AlertDiff) -> list[str]:
    out = [f"- added {text.code(a.name)} {alerts.describe(a)}" for a in diff.added]
    out += [f"- removed {text.code(a.name)} {alerts.describe(a)}" for a in diff.removed]
    out += [f"- renamed {text.change(o.name, n.name)}" for o, n in diff.renamed]
    out += [f"- {text.code(n.name)}: {'; '.join(what)}" for o, n in diff.common if (what := alerts.other_changes(o, n))]
    return out


def _thresholds(diff: alerts.AlertDiff, found: _Places) -> list[str]:
    out = []
    for old, alert in diff.common:
        tiers = alerts.tier_changes(old, alert)
        if tiers:
            out.append(f"- {text.code(alert.name)} ({text.code(alert.spec_path)}): {'; '.join(tiers)}")
            out += found.under(alert.name)
    return out


def _slos(old: Side, new: Side, found: _Places) -> list[str]:
    added, removed, both = slos.compare(old.model, new.model)
    out = [f"- added SLO {text.code(s.id)} {slos.describe(s)}" for s in added]
    out += [f"- removed SLO {text.code(s.id)} {slos.describe(s)}" for s in removed]
    for was, slo in both:
        what = slos.changes(was, slo)
        if what:
            out.append(f"- {text.code(slo.id)}: {'; '.join(what)}")
            out += found.under(slo.alert)
    return out


def build(old: Side, new: Side, spec: str, base_generators: bool = False) -> str:
    diff = alerts.compare(old.model, new.model)
    _, _, both_slos = slos.compare(old.model, new.model)
    common = {n.name for _, n in diff.common} | {n.alert for o, n in both_slos if o.alert == n.alert}
    by_subject: dict[str, list[Place]] = {}
    for place in places.compare(old, new, diff.renames, common) + dashboards.compare(old, new, common):
        by_subject.setdefault(place.subject, []).append(place)
    # A rename, or a new service or team, changes every place of the alert by itself: the Alerts line says so.
    found = _Places(by_subject, {n.name for o, n in diff.common if o.name != n.name or alerts.other_changes(o, n)})
    out = _header(old, spec, base_generators)
    out += _section("Alerts", _alerts(diff))
    out += _section("Thresholds and `for`", _thresholds(diff, found), "Each change, then every place its number lands in the render.")
    slo_lines = _slos(old, new, found)  # before the rest: it claims the SLO alerts' places
    who = routing.who_gets_what(old, new, diff.renames)
    out += _section("Who gets what", who, f"Channels each alert rule reaches through the rendered route tree, before {text.ARROW} after.")
    out += _section("Channels, receivers and routes", routing.channels(old, new) + routing.tree(old, new))
    out += _section("Inhibitions", routing.inhibitions(old, new))
    out += _section("Dashboards", dashboards.summary(old, new))
    out += _section("Scrape jobs", slos.jobs(old.model, new.model))
    out += _section("SLOs", slo_lines)
    out += _section("Other rendered changes", found.rest(), "Changed output of alerts that the sections above do not explain.")
    files = _files(old, new)
    out += _section("Rendered files", files) if files else ["", "No rendered file differs."]
    return "\n".join(out) + "\n"

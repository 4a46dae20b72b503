"""Dashboards and panels: added, removed, renamed; and the panels where an alert's numbers land.

A panel belongs to an alert when the alert's `dashboard_url` opens it (`?viewPanel=<id>`) or the panel links
the alert's runbook; every panel of an SLO's row belongs to that SLO's alert. Layout (`gridPos`) is not
compared: panels move when others are added, which says nothing about what they show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from generators.review import text
from generators.review.places import Place, Subjects
from generators.review.sources import Side, differing

DASHBOARDS = "grafana/dashboards/"
SKIP = frozenset({"gridPos", "id", "panels"})
STEPS = ("fieldConfig", "defaults", "thresholds", "steps")
SEP = " › "


@dataclass(frozen=True)
class PanelAt:
    dashboard: str  # dashboard title
    row: str  # title of the row above the panel ('' before the first row)
    panel: Mapping[str, Any]

    @property
    def title(self) -> str:
        return str(self.panel.get("title", ""))

    @property
    def where(self) -> str:
        title = "" if self.panel.get("type") == "row" else self.title
        return SEP.join(p for p in (self.dashboard, self.row, title) if p)


def _walk(panels: list[Mapping[str, Any]], row: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for panel in panels:
        if panel.get("type") == "row":
            row = str(panel.get("title", ""))
            yield row, panel
            yield from _walk(panel.get("panels") or [], row)
        else:
            yield row, panel


def panels(side: Side, among: frozenset[str]) -> dict[tuple[str, int], PanelAt]:
    """(dashboard file, panel id) -> the panel, rows included, of the dashboards in `among`."""
    out = {}
    for path in side.paths(DASHBOARDS, ".json", among):
        board = side.doc(path)
        for row, panel in _walk(board.get("panels") or [], ""):
            out[(path, int(panel.get("id", 0)))] = PanelAt(str(board.get("title", path)), row, panel)
    return out


def _location(url: str) -> tuple[str, int] | None:
    parsed = urlparse(url)
    parts, panel = parsed.path.split("/"), parse_qs(parsed.query).get("viewPanel")
    return (parts[2], int(panel[0])) if len(parts) > 2 and parts[1] == "d" and panel else None


def _owners(side: Side, subjects: Subjects, found: Mapping[tuple[str, int], PanelAt]) -> dict[tuple[str, int], list[str]]:
    """Panel -> the alerts (as subjects) it shows."""
    uids = {path.rsplit("/", 1)[-1].removesuffix(".json"): path for path in side.paths(DASHBOARDS, ".json")}  # <folder>/<uid>.json
    urls = [(a.name, a.dashboard_url) for a in side.model.alerts] + [(s.alert, s.dashboard_url) for s in side.model.slos]
    out: dict[tuple[str, int], list[str]] = {}
    slo_rows: dict[tuple[str, str], str] = {}
    for name, url in urls:
        where = _location(url)
        if where and where[0] in uids and (uids[where[0]], where[1]) in found:
            key = (uids[where[0]], where[1])
            out.setdefault(key, []).append(name)
            if name in subjects.slo_alerts.values():
                slo_rows[(key[0], found[key].row)] = name
    for key, at in found.items():
        for link in at.panel.get("links") or ():
            name = str(link.get("url", "")).rsplit("/", 1)[-1].removesuffix(".md")
            if name in subjects.names and name not in out.get(key, []):
                out.setdefault(key, []).append(name)
        slo = slo_rows.get((key[0], at.row))
        if slo and slo not in out.get(key, []):
            out.setdefault(key, []).append(slo)
    return {key: [subjects.of(n) or n for n in names] for key, names in out.items()}


def _steps(panel: Mapping[str, Any]) -> list[tuple[str, str]]:
    node: Any = panel
    for key in STEPS:
        node = node.get(key) if isinstance(node, Mapping) else None
    return [(str(s.get("color")), "" if s.get("value") is None else str(s.get("value"))) for s in node or ()]


def _leaves(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if (not prefix and key in SKIP) or path == ".".join(STEPS):
                continue
            out.update(_leaves(item, path))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(_leaves(item, f"{prefix}[{i}]"))
        return out
    return {prefix: "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)}


def _field(path: str) -> str:
    if path.startswith("targets[") and path.endswith(".expr"):
        return "query"
    return path


def _steps_text(steps: list[tuple[str, str]]) -> str:
    return ", ".join(f"{color} {value}".strip() for color, value in steps)


def panel_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """What differs between two versions of a panel: threshold steps first, then every other field."""
    out = []
    old, new = _steps(a), _steps(b)
    if old != new:
        if [c for c, _ in old] == [c for c, _ in new]:
            out += [f"threshold {c} {text.change(x, y)}" for (c, x), (_, y) in zip(old, new, strict=True) if x != y]
        else:
            out.append(f"thresholds {text.change(_steps_text(old), _steps_text(new))}")
    x, y = _leaves(a), _leaves(b)
    for path in dict.fromkeys([*x, *y]):
        if x.get(path) != y.get(path):
            if path not in x or path not in y:
                out.append(f"{_field(path)} {'added' if path in y else 'removed'}")
            else:
                out.append(f"{_field(path)} {text.span_text(x[path], y[path])}")
    return out


def compare(old: Side, new: Side, common: set[str]) -> list[Place]:
    """The changed panels of the alerts both sides have (panels are keyed by id, which renames change anyway)."""
    among = differing(old, new)
    before, after = panels(old, among), panels(new, among)
    owners = _owners(new, Subjects(new), after)
    out = []
    for key, at in after.items():
        subjects = [s for s in owners.get(key, []) if s in common]
        if key not in before or not subjects:
            continue
        for change in panel_changes(before[key].panel, at.panel):
            out += [Place(subject, "dashboard", at.where, change) for subject in subjects]
    return out


def summary(old: Side, new: Side) -> list[str]:
    """Markdown lines: dashboards added/removed, panels added/removed per row, panels renamed."""
    lines = []
    boards_old, boards_new = set(old.paths(DASHBOARDS, ".json")), set(new.paths(DASHBOARDS, ".json"))
    for path in sorted(boards_new - boards_old):
        lines.append(f"- added dashboard {text.code(new.doc(path).get('title', path))} ({text.code(path)})")
    for path in sorted(boards_old - boards_new):
        lines.append(f"- removed dashboard {text.code(old.doc(path).get('title', path))} ({text.code(path)})")
    among = differing(old, new)
    before, after = panels(old, among), panels(new, among)
    for verb, side, keys, other in (
        ("added", after, after.keys() - before.keys(), boards_old),
        ("removed", before, before.keys() - after.keys(), boards_new),
    ):
        rows: dict[tuple[str, str], list[str]] = {}
        new_rows: set[tuple[str, str]] = set()
        order = {key: i for i, key in enumerate(side)}
        for key in sorted(keys, key=order.__getitem__):
            at = side[key]
            if key[0] not in other:
                continue  # the whole dashboard was added or removed
            if at.panel.get("type") == "row":
                new_rows.add((at.dashboard, at.row))
            else:
                rows.setdefault((at.dashboard, at.row), []).append(at.title)
        for (board, row), titles in rows.items():
            where = text.code(board) + (f", row {text.code(row)}" if row else "")
            if (board, row) in new_rows:
                where += f" ({'new' if verb == 'added' else 'removed'} row)"
            lines.append(f"- {where}: {verb} {text.plural(len(titles), 'panel')}: {text.codes(titles)}")
    for key in (k for k in after if k in before):
        a, b = before[key], after[key]
        if a.title != b.title and b.panel.get("type") != "row":
            lines.append(f"- {text.code(b.dashboard)}: panel {text.code(a.title)} renamed {text.code(b.title)}")
    return lines

"""Validators for grafana/: Grafana's JSON Schema, uids, titles, panel ids, layout, datasource references.

The schemas are Grafana's own (../shared/grafana-schema or $GRAFANA_SCHEMA_DIR, generated from its CUE kinds):
read at check time, never copied. When they are missing grafana_schemas raises SchemaMissing: render and check
skip it with one line, under CI=true check fails; the structure checks run either way.
"""

from __future__ import annotations

import functools
import heapq
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generators.model import conventions
from generators.validate import json_schema, tools

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(os.environ.get("GRAFANA_SCHEMA_DIR", PROJECT.parent / "shared" / "grafana-schema"))
MIN_SCHEMA_VERSION = 39


def schema_dir() -> Path:
    if not (SCHEMA_DIR / "dashboard.jsonschema.json").is_file():
        raise tools.SchemaMissing("Grafana JSON Schema", SCHEMA_DIR, "GRAFANA_SCHEMA_DIR")
    return SCHEMA_DIR


@functools.cache
def _validator(file: str, definition: str | None) -> json_schema.Validator:
    doc = json.loads((schema_dir() / file).read_text())
    schema = doc if definition is None else {**doc, "$ref": f"#/definitions/{definition}"}
    return json_schema.Validator(schema)


def _errors(file: str, definition: str | None, instance: Any, where: str) -> list[str]:
    out = []
    for absolute_path, message in _validator(file, definition).errors(instance):
        path = ".".join(str(p) for p in absolute_path)
        out.append(f"{where}{'.' + path if path else ''}: {message}")
    return out


def dashboards(root: Path) -> list[tuple[str, dict[str, Any]]]:
    base = root / "grafana" / "dashboards"
    return [(str(p.relative_to(root)), json.loads(p.read_text())) for p in sorted(base.glob("*/*.json"))]


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def schema_problems(name: str, board: dict[str, Any]) -> list[str]:
    """The dashboard against Grafana's Dashboard kind; each panel's options/custom/targets against its plugin."""
    problems = _errors("dashboard.jsonschema.json", None, board, name)
    for panel in panels(board):
        kind = panel.get("type", "")
        where = f"{name}: panel {panel.get('id')} ({kind})"
        if kind == "row":
            continue
        plugin = f"{kind}.jsonschema.json"
        if not (schema_dir() / plugin).is_file():
            problems.append(f"{where}: no schema for panel type {kind!r} in {schema_dir()}")
            continue
        definitions = _validator(plugin, None).schema["definitions"]
        problems += _errors(plugin, "Options", panel.get("options", {}), f"{where}.options")
        custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
        if "FieldConfig" in definitions:
            problems += _errors(plugin, "FieldConfig", custom or {}, f"{where}.fieldConfig.defaults.custom")
        elif custom:
            problems.append(f"{where}.fieldConfig.defaults.custom: panel type {kind} has no custom field config")
        for i, target in enumerate(panel.get("targets", [])):
            problems += _errors("prometheus.jsonschema.json", None, target, f"{where}.targets.{i}")
    return problems


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _overlap(a: dict[str, int], b: dict[str, int]) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def _span(start: int, size: int) -> tuple[int, int]:
    return min(start, start + size), max(start, start + size)


def overlapping(positions: list[dict[str, int]]) -> list[tuple[int, int]]:
    """(i, j), j < i, for every pair of positions that _overlap, sorted: a sweep down the rows, O(n log n) for a
    grid without overlaps (an all-pairs loop compared 25 M pairs at 1,000 services). Two boxes that _overlap also
    meet as closed spans on both axes, so the sweep keeps every such pair as a candidate; _overlap then decides."""
    boxes = [(*_span(p["y"], p["h"]), *_span(p["x"], p["w"])) for p in positions]
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    active: list[tuple[int, int]] = []  # heap of (bottom, index) of the boxes the sweep line is inside
    pairs = []
    for i in order:
        top, _, left, right = boxes[i]
        while active and active[0][0] < top:
            heapq.heappop(active)
        for _, j in active:
            if boxes[j][2] <= right and left <= boxes[j][3] and _overlap(positions[i], positions[j]):
                pairs.append((max(i, j), min(i, j)))
        heapq.heappush(active, (boxes[i][1], i))
    return sorted(pairs)


def structure_problems(name: str, board: dict[str, Any]) -> list[str]:
    """What the schema cannot say: uid length, schemaVersion, id, unique panel ids, grid, datasource refs."""
    problems = []
    if len(board.get("uid", "")) > 40:
        problems.append(f"{name}: uid {board['uid']!r} is longer than 40 characters")
    if board.get("schemaVersion", 0) < MIN_SCHEMA_VERSION:
        problems.append(f"{name}: schemaVersion {board.get('schemaVersion')} is below {MIN_SCHEMA_VERSION}")
    if board.get("id") is not None:
        problems.append(f"{name}: id must be null (Grafana assigns it; the uid is the identity)")
    placed = [(int(p.get("id", -1)), str(p.get("title", "")), p.get("gridPos", {})) for p in panels(board)]
    overlaps: dict[int, list[int]] = {}
    for i, j in overlapping([{k: pos.get(k, 0) for k in ("x", "y", "w", "h")} for _, _, pos in placed]):
        overlaps.setdefault(i, []).append(j)
    seen: dict[int, str] = {}
    for i, (pid, title, pos) in enumerate(placed):
        if pid in seen:
            problems.append(f"{name}: panel id {pid} used by {seen[pid]!r} and {title!r}")
        seen[pid] = title
        if pos.get("x", 0) + pos.get("w", 0) > 24:
            problems.append(f"{name}: panel {pid} ({title!r}) ends at column {pos['x'] + pos['w']}, past the 24-column grid")
        problems += [f"{name}: panel {pid} ({title!r}) overlaps {placed[j][1]!r}" for j in overlaps.get(i, ())]
    return problems + datasource_problems(name, board)


def _datasource_refs(board: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, reference) of every panel, target and query variable datasource."""
    for panel in panels(board):
        if panel.get("type") != "row":
            where = f"panel {panel.get('id')} ({str(panel.get('title', ''))!r})"
            for ref in [panel.get("datasource")] + [t.get("datasource") for t in panel.get("targets", [])]:
                yield where, ref
    for var in board.get("templating", {}).get("list", []):
        if var.get("type") == "query":
            yield f"variable ${var.get('name')}", var.get("datasource")


def _variable_problem(board: dict[str, Any]) -> str | None:
    """Why ${datasource} would not resolve to the provisioned Prometheus on a fresh Grafana (None: it does)."""
    name = conventions.DATASOURCE_VARIABLE
    found = [v for v in board.get("templating", {}).get("list", []) if v.get("name") == name]
    if not found:
        return f"the dashboard has no variable {name!r}"
    var = found[0]
    if (var.get("type"), var.get("query")) != ("datasource", "prometheus"):
        return f"its variable {name!r} has type {var.get('type')!r} and query {var.get('query')!r}"
    current = (var.get("current") or {}).get("value")
    if current != conventions.PROMETHEUS_DATASOURCE_UID:
        return f"its variable {name!r} has current value {current!r}"
    return None


def datasource_problems(name: str, board: dict[str, Any]) -> list[str]:
    """Prometheus as ${datasource} (backed by the dashboard's variable) or the provisioned uid; Alertmanager by
    its provisioned uid; never another uid or an import placeholder ${DS_...}."""
    uid, variable = conventions.PROMETHEUS_DATASOURCE_UID, conventions.DATASOURCE_VARIABLE_REF
    fixed = ({"type": "prometheus", "uid": uid}, {"type": "alertmanager", "uid": conventions.ALERTMANAGER_DATASOURCE_UID})
    problems: list[str] = []
    through_variable = 0
    for where, ref in _datasource_refs(board):
        if ref == {"type": "prometheus", "uid": variable}:
            through_variable += 1
        elif ref not in fixed:
            problems.append(f"{name}: {where} references datasource {ref}, neither {variable} nor the provisioned uid {uid!r}")
    why = _variable_problem(board) if through_variable else None
    if why:
        uses = "reference uses" if through_variable == 1 else "references use"
        problems.append(
            f"{name}: {through_variable} datasource {uses} {variable}, but {why} "
            f"(it needs type 'datasource', query 'prometheus' and current value {uid!r}, the provisioned uid)"
        )
    if any("${DS_" in text for text in _strings(board)):
        problems.append(f"{name}: contains an import placeholder ${{DS_...}}; reference the datasource as {variable} or by uid")
    return problems


def grafana_schemas(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Validator for render/check: every dashboard against Grafana's JSON Schema (SchemaMissing without it)."""
    del full, toolset  # 0.2 s at 1,000 services (jsonschema_rs decides the schema verdicts)
    boards = dashboards(root)
    if boards:
        schema_dir()
    return [problem for name, board in boards for problem in schema_problems(name, board)]


def grafana_dashboards(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Validator for render/check: structure, then uniqueness of uids and titles per folder (no schema needed)."""
    del full, toolset  # no promtool/amtool involved
    boards = dashboards(root)
    problems: list[str] = []
    uids: dict[str, str] = {}
    titles: dict[tuple[str, str], str] = {}
    for name, board in boards:
        problems += structure_problems(name, board)
        uid, folder = board.get("uid", ""), Path(name).parent.name
        if uid in uids:
            problems.append(f"{name}: uid {uid!r} is also used by {uids[uid]}")
        uids[uid] = name
        if (folder, board.get("title", "")) in titles:
            problems.append(f"{name}: title {board.get('title')!r} is also used in folder {folder} by {titles[(folder, board['title'])]}")
        titles[(folder, board.get("title", ""))] = name
        if Path(name).stem != uid:
            problems.append(f"{name}: file name must be the uid {uid!r}")
    return problems

"""Keys the schema accepts that would change nothing in this spec: each is an error at its line.

A key the spec accepts must have an effect. The schema cannot see these, because whether a key matters
depends on another one (a service's kind, its targets, the services present). Found by rendering a spec
with and without each optional key and comparing the bytes (the audit behind tests/hostile/).
"""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.errors import Problem
from generators.model import conventions
from generators.spec.source import Path, Source, dotted

_ALWAYS = ("target", "prometheus", "alertmanager", "watchdog")  # kinds every spec has: the stack's own


def check(source: Source) -> list[Problem]:
    data = source.data if isinstance(source.data, dict) else {}
    problems: list[Problem] = []

    def refuse(path: Path, message: str) -> None:
        problems.append(Problem(source.key_at(path), dotted(path), message))

    services = _mapping(data, "services")
    for name, raw in services.items():
        if not isinstance(raw, dict):
            continue
        path: Path = ("services", name)
        if "limit" in raw and raw.get("kind") != "connections":
            refuse((*path, "limit"), "`limit` is read by connections services only (the most connections allowed); remove it here")
        if "metrics_path" in raw and not raw.get("targets"):
            job = raw.get("job", name)
            refuse(
                (*path, "metrics_path"),
                f"`metrics_path` belongs with `targets`: without them this service scrapes nothing and reads job '{job}'; "
                "set metrics_path on the service that scrapes it",
            )
    teams = _mapping(_mapping(data, "routing"), "teams")
    for team, raw in teams.items():
        if isinstance(raw, dict) and not any(raw.get(s) for s in conventions.SEVERITIES):
            refuse(
                ("routing", "teams", team),
                f"team '{team}' routes no severity, so this entry changes nothing; "
                f"give it channels, e.g. {team}: {{warning: [backend-slack]}}",
            )
    custom = data.get("custom")
    for i, raw in enumerate(custom if isinstance(custom, list) else ()):
        test = raw.get("test") if isinstance(raw, dict) else None
        if isinstance(test, dict) and "warmup" in test and not test.get("series"):
            refuse(("custom", i, "test", "warmup"), "`warmup` needs `series`: without input series no test is generated")
    present = _kinds(data)
    defaults = _mapping(data, "defaults")
    for kind in defaults:
        if kind in catalog.load() and kind not in present:
            refuse(
                ("defaults", kind),
                f"no {kind} in this spec uses these defaults, so they change nothing; remove them or add a {kind} service",
            )
    return problems


def _kinds(data: dict[str, Any]) -> set[str]:
    kinds = set(_ALWAYS)
    kinds.update(kind for key, kind in catalog.BLOCK_KINDS.items() if isinstance(data.get(key), dict))
    kinds.update(str(raw.get("kind")) for raw in _mapping(data, "services").values() if isinstance(raw, dict))
    if data.get("business"):
        kinds.add("business")
    return kinds


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}

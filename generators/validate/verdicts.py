"""Whole-tree verdicts by content: a rendered tree that passed every validator is not validated again while its
bytes, the generators' code and data, the schemas and every tool binary the validators ran are the same.

This is promtool_cache's argument for the whole suite: the validators are deterministic functions of those inputs,
so a pass recorded under their hash stays true (`make render` with nothing changed: 167 s -> about the time of
rendering, at 1,000 services). Only passes are kept, with what the validators printed, which is printed again.
A pass with a tool missing is not kept. The record lives beside promtool's (conventions.cache_folder()); CI starts
with an empty folder and runs everything.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from generators.model import conventions
from generators.pipeline import writer
from generators.validate import promtool_cache

MAX_ENTRIES = 64
FILE = "verdicts.json"
GENERATORS = Path(__file__).resolve().parents[1]


def _digest_files(digest: hashlib._Hash, base: Path, files: Iterable[Path]) -> None:
    for path in sorted(files):
        digest.update(f"\0{path.relative_to(base).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def key(root: Path, full: bool, validators: Iterable[str], inputs: Iterable[Path] = ()) -> str | None:
    """Hash of the rendered folders (those MANIFEST lists), the validators' names, the generators package and
    `inputs` (schema folders); None when root has no MANIFEST (nothing says which folders are the rendered output)."""
    try:
        listed = (root / writer.MANIFEST).read_text().splitlines()
    except OSError:
        return None
    digest = hashlib.sha256(b"full" if full else b"quick")
    digest.update("\0".join(validators).encode())
    folders = sorted({line.split("/", 1)[0] for line in listed if "/" in line})
    try:
        _digest_files(digest, root, [root / writer.MANIFEST])
        for folder in folders:
            _digest_files(digest, root, (p for p in (root / folder).rglob("*") if p.is_file()))
        _digest_files(digest, GENERATORS, (p for p in GENERATORS.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
        for extra in inputs:
            digest.update(f"\0{extra}\0".encode())
            if extra.is_dir():
                _digest_files(digest, extra, (p for p in extra.rglob("*") if p.is_file()))
    except OSError:
        return None
    return digest.hexdigest()


def tool_identities(tools: Iterable[str]) -> dict[str, str]:
    """Tool as the validators named it -> the identity of the binary it resolves to now (promtool_cache.binary)."""
    return {tool: promtool_cache.binary(shutil.which(tool) or tool) for tool in sorted(set(tools))}


class Record:
    """The passes, loaded once; `passed(key)` -> what the validators printed, or None."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or Path(conventions.cache_folder())) / FILE
        try:
            data = json.loads(self.path.read_text())
            self.entries: dict[str, dict[str, object]] = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.entries = {}

    def passed(self, digest: str) -> str | None:
        entry = self.entries.get(digest)
        if not isinstance(entry, dict) or not isinstance(entry.get("tools"), dict) or not isinstance(entry.get("log"), str):
            return None
        tools: Mapping[str, str] = entry["tools"]  # type: ignore[assignment]
        if tool_identities(tools) != dict(tools):
            return None
        return str(entry["log"])

    def add(self, digest: str, log: str, tools: Iterable[str]) -> None:
        entry: dict[str, object] = {"log": log, "tools": tool_identities(tools)}
        self.entries.pop(digest, None)
        self.entries[digest] = entry

        def merged(text: str) -> str:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            entries: dict[str, object] = data if isinstance(data, dict) else {}
            entries.pop(digest, None)
            entries[digest] = entry
            return json.dumps(dict(list(entries.items())[-MAX_ENTRIES:]), sort_keys=True)

        promtool_cache.rewrite(self.path, merged)  # what another process recorded meanwhile is kept

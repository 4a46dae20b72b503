"""The only module that serializes and writes files.

Rendering produces {relative path: document}; this module turns documents into deterministic bytes,
writes them into a scratch tree, and, once everything validated, swaps them into the output tree,
removing files an earlier render produced that this one no longer does (tracked in MANIFEST).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import yaml

from generators.model import conventions

MANIFEST = ".generated-files"


# A string is written plain (no quotes) only when YAML reads it back as the same string: no indicator
# first, no ': ' or ' #', and PyYAML's own implicit resolvers say str (not a bool, number, null,
# timestamp). Anything else is JSON-quoted, which is a valid YAML double-quoted scalar.
# tests/test_writer.py round-trips every rendered document through yaml.safe_load.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_RESOLVER = yaml.resolver.Resolver()
_UNSAFE = re.compile(r": |:$| #|[\x00-\x1f\x7f\u2028\u2029\ufeff]")


def _plain(value: str) -> bool:
    if not value or value[0] in _INDICATORS or value[0].isspace() or value[-1].isspace() or _UNSAFE.search(value):
        return False
    return bool(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str")  # type: ignore[no-untyped-call]


def _quoted(value: str) -> str:
    return value if _plain(value) else json.dumps(value, ensure_ascii=False)


# label values, durations, names: the same strings over and over
_short_string = functools.lru_cache(maxsize=65536)(_quoted)


def _string(value: str) -> str:
    # dashboard JSON in ConfigMaps: megabytes, seen once; not worth caching
    return _quoted(value) if len(value) > 256 else _short_string(value)


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):  # bool cannot be subclassed: handled above
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str):
        return _string(str(value))
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Block-style YAML in the layout PyYAML uses (lists not indented under their key)."""
    append = out.append
    if isinstance(value, dict):
        for key, item in value.items():
            key_text = _string(key) if type(key) is str else _scalar(str(key))
            if type(item) is str:  # most values: skip the container checks
                append(f"{indent}{key_text}: {_string(item)}\n")
            elif item and isinstance(item, (dict, list)):
                append(f"{indent}{key_text}:\n")
                _emit(item, indent + ("  " if isinstance(item, dict) else ""), out)
            else:
                append(f"{indent}{key_text}: {_flow_empty(item)}\n")
        return
    dash = f"{indent}- "
    for item in value:
        if type(item) is str:
            append(dash + _string(item) + "\n")
        elif item and isinstance(item, (dict, list)):
            first = len(out)  # the item's first line starts with its indent: replace that with the dash
            _emit(item, indent + "  ", out)
            out[first] = dash + out[first][len(indent) + 2 :]
        else:
            append(f"{dash}{_flow_empty(item)}\n")


def _flow_empty(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump_yaml(doc: Any) -> str:
    out: list[str] = []
    _emit(doc, "", out)
    return "".join(out)


def serialize(path: str, doc: Any) -> bytes:
    """Deterministic bytes for one output file, with a 'generated' marker where the format allows."""
    if isinstance(doc, bytes):
        return doc
    if path.endswith((".yml", ".yaml")):
        return (f"# {conventions.GENERATED_HEADER}\n" + dump_yaml(doc)).encode()
    if path.endswith(".json"):
        # Same bytes as json.dumps(indent=2, sort_keys=True, ensure_ascii=False) but for float exponents
        # (1e-7, not 1e-07), about 30x faster (a 1,000-service dashboard is 9 MB); tests/test_writer.py.
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    if isinstance(doc, str):
        return doc.encode()
    raise TypeError(f"cannot serialize {path}")


def to_bytes(files: Mapping[str, Any]) -> dict[str, bytes]:
    return with_manifest({path: serialize(path, doc) for path, doc in files.items()})


def with_manifest(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files sorted by path, then MANIFEST: the list of them (itself excluded)."""
    out = dict(sorted(files.items()))
    out[MANIFEST] = "".join(f"{p}\n" for p in out).encode()
    return out


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    made: set[Path] = set()
    for rel, data in files.items():
        if rel.startswith("/") or ".." in rel.split("/"):  # generated paths come from checked names; a bug must not escape
            raise UnsafePath(f"{rel!r} is not a path inside {root}")
        target = root / rel
        if target.parent not in made:  # one mkdir per folder, not per file (thousands at 1,000 services)
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)


def scratch(out: Path) -> Path:
    """A temporary folder beside the output (same filesystem, so the swap is a rename per file)."""
    out.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".render-", dir=out))


class UnsafePath(Exception):
    """A path the writer would delete or write that is not inside the output folder."""


def outside(out: Path, rel: str, folders: dict[str, str] | None = None) -> str:
    """Why out/rel is not a file path inside out ('' when it is): absolute, '..', empty parts, a symlinked folder.

    folders caches the symlink verdict per folder (resolving is a system call per path component).
    """
    if not rel or "\x00" in rel:
        return "is not a path"
    if rel.startswith("/"):
        return "is an absolute path"
    parts = rel.split("/")
    if ".." in parts:
        return "leaves the folder through '..'"
    if any(part in ("", ".") for part in parts):
        return "is not a plain relative path (empty or '.' parts)"
    cache = {} if folders is None else folders
    folder = rel.rpartition("/")[0]
    if folder not in cache:
        root = out.resolve()
        resolved = (out / folder).resolve()  # follows every symlinked folder on the way
        cache[folder] = "" if resolved.is_relative_to(root) else f"goes through a symlink to {resolved}, outside the output folder"
    return cache[folder]


def previous(out: Path) -> list[str]:
    """The files the last render wrote (MANIFEST); UnsafePath when an entry is not a path inside out.

    The manifest is data in the output folder, which a pull request can plant: a line like ../victim.txt or
    /etc/passwd must never make a render delete that file.
    """
    manifest = out / MANIFEST
    if not manifest.is_file():
        return []
    entries = []
    folders: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(errors="replace").splitlines(), 1):
        if not line:
            continue
        why = outside(out, line, folders)
        if why:
            shown = repr(line) if len(line) <= 80 else repr(line[:77]) + "..."
            raise UnsafePath(
                f"{manifest}:{number}: {shown} {why}; nothing was written or removed. "
                f"{MANIFEST} lists what earlier renders wrote: remove that line (or the file) if no render of yours put it there"
            )
        entries.append(line)
    return entries


def check_targets(out: Path, files: Mapping[str, bytes]) -> None:
    """UnsafePath unless every file would land inside out (no generated path through a symlinked folder)."""
    folders: dict[str, str] = {}
    for rel in files:
        why = outside(out, rel, folders)
        if why:
            raise UnsafePath(f"{out / rel}: {rel!r} {why}; nothing was written or removed")


def swap(tmp: Path, out: Path, files: Mapping[str, bytes]) -> list[str]:
    """Move the validated files into out; delete stale generated files. Returns the removed paths."""
    removed = []
    stale = previous(out)
    check_targets(out, files)
    for rel in stale:
        if rel not in files and (out / rel).is_file():
            (out / rel).unlink()
            removed.append(rel)
            _prune(out, (out / rel).parent)
    made: set[Path] = set()
    for rel in sorted(files):
        target = out / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if target.is_file() and target.read_bytes() == files[rel]:
            continue
        os.replace(tmp / rel, target)
    shutil.rmtree(tmp, ignore_errors=True)
    return removed


def _prune(out: Path, folder: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def drift(out: Path, files: Mapping[str, bytes]) -> list[str]:
    """Paths whose committed bytes differ from a fresh render (missing, stale or changed)."""
    problems = []
    for rel, data in sorted(files.items()):
        target = out / rel
        if not target.is_file():
            problems.append(f"{rel}: missing (run make render)")
        elif target.read_bytes() != data:
            problems.append(f"{rel}: differs from a fresh render (run make render)")
    for rel in previous(out):
        if rel not in files and (out / rel).exists():
            problems.append(f"{rel}: stale, the spec no longer produces it (run make render)")
    return problems

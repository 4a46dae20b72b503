"""The only module that serializes and writes files.

Rendering produces {relative path: document}; this module turns documents into deterministic bytes,
writes them into a scratch tree, and, once everything validated, swaps them into the output tree,
removing files an earlier render produced that this one no longer does (tracked in MANIFEST).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from generators import conventions

MANIFEST = ".generated-files"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block style, no aliases, multi-line strings as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000)


def serialize(path: str, doc: Any) -> bytes:
    """Deterministic bytes for one output file, with a 'generated' marker where the format allows."""
    if isinstance(doc, bytes):
        return doc
    if path.endswith((".yml", ".yaml")):
        return (f"# {conventions.GENERATED_HEADER}\n" + dump_yaml(doc)).encode()
    if path.endswith(".json"):
        return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if isinstance(doc, str):
        return doc.encode()
    raise TypeError(f"cannot serialize {path}")


def to_bytes(files: Mapping[str, Any]) -> dict[str, bytes]:
    out = {path: serialize(path, doc) for path, doc in sorted(files.items())}
    out[MANIFEST] = ("".join(f"{p}\n" for p in sorted(out))).encode()
    return out


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def scratch(out: Path) -> Path:
    """A temporary folder beside the output (same filesystem, so the swap is a rename per file)."""
    out.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".render-", dir=out))


def previous(out: Path) -> list[str]:
    manifest = out / MANIFEST
    if not manifest.is_file():
        return []
    return [line for line in manifest.read_text().splitlines() if line]


def swap(tmp: Path, out: Path, files: Mapping[str, bytes]) -> list[str]:
    """Move the validated files into out; delete stale generated files. Returns the removed paths."""
    removed = []
    for rel in previous(out):
        if rel not in files and (out / rel).is_file():
            (out / rel).unlink()
            removed.append(rel)
            _prune(out, (out / rel).parent)
    for rel in sorted(files):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
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

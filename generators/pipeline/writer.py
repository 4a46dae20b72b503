"""The only module that writes files: a scratch tree, then a swap into the output tree.

Once everything validated, the scratch tree is swapped into the output tree, removing files an earlier
render produced that this one no longer does (tracked in MANIFEST). Bytes come from pipeline/serialize.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from generators.pipeline.serialize import MANIFEST, dump_yaml, serialize, to_bytes, with_manifest

__all__ = ["MANIFEST", "drift", "dump_yaml", "previous", "scratch", "serialize", "swap", "to_bytes", "with_manifest", "write_tree"]


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    made: set[Path] = set()
    for rel, data in files.items():
        target = root / rel
        if target.parent not in made:  # one mkdir per folder, not per file (thousands at 1,000 services)
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
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

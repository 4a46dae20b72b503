"""The only module that writes files: a scratch tree, then a swap into the output tree.

Once everything validated, the scratch tree is swapped into the output tree, removing files an earlier
render produced that this one no longer does (tracked in MANIFEST). Bytes come from pipeline/serialize.py.

Only changed files are written: a file whose bytes the output already holds is hard-linked into the scratch
tree for the validators (who only read it) and left alone by the swap. Creating a file costs this project's
build machine about 1 ms of kernel time, a link a twentieth of that: a 1,000-service render creates 8,828.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from generators.pipeline.serialize import MANIFEST, dump_yaml, serialize, to_bytes, with_manifest

__all__ = [
    "MANIFEST",
    "drift",
    "dump_yaml",
    "previous",
    "scratch",
    "serialize",
    "stage",
    "swap",
    "to_bytes",
    "unchanged",
    "with_manifest",
    "write_tree",
]


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


def unchanged(out: Path, files: Mapping[str, bytes]) -> frozenset[str]:
    """The paths whose regular file in out already holds exactly these bytes (the size first, then the bytes)."""
    same = []
    for rel, data in files.items():
        try:
            info = os.lstat(out / rel)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISREG(info.st_mode) and info.st_size == len(data) and (out / rel).read_bytes() == data:
            same.append(rel)
    return frozenset(same)


def stage(tmp: Path, out: Path, files: Mapping[str, bytes], same: frozenset[str], complete: bool = True) -> None:
    """The scratch tree: every changed file written; with complete, every unchanged one hard-linked from out
    (copied where the filesystem refuses links), so the validators see the whole tree."""
    write_tree(tmp, {rel: data for rel, data in files.items() if rel not in same})
    if not complete:
        return
    made: set[Path] = set()
    for rel in same:
        target = tmp / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(out / rel, target, follow_symlinks=False)
        except OSError:  # a filesystem without hard links (or across devices): the bytes instead
            target.write_bytes(files[rel])


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


def swap(tmp: Path, out: Path, files: Mapping[str, bytes], same: frozenset[str]) -> list[str]:
    """Move the validated files into out, except those in same (out holds their bytes: see unchanged); delete
    stale generated files. Returns the removed paths."""
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
        if rel in same:  # unchanged(): out already holds these bytes; every other file differs
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

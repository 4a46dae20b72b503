"""Which promtool unit-test files already passed, by content: a test file is run again only when its bytes,
the bytes of a rule file it loads, or the promtool binary changed.

`promtool test rules` is deterministic for the same files and binary, so a pass recorded under the hash of
all three stays true. The record lives outside the repository (conventions.cache_folder(), like Jinja's
bytecode); a clean machine, as in CI, starts empty and runs everything. Editing one service's threshold then
re-runs that service's tests only (`make render` on the example: 14 s -> about 4 s).

The same record keeps amtool route-test passes (alertmanager_check: config bytes, labels, receivers, amtool
binary). Each version set's binary is a different key, so both sets' verdicts are kept side by side.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from generators.model import conventions

MAX_ENTRIES = 20_000  # about 1.3 MB; oldest entries go first
RULE_FILES = re.compile(r"^rule_files:\n((?:- .*\n)+)", re.MULTILINE)


def binary(promtool: str = "promtool") -> str:
    """The promtool binary's identity: path, size and modification time (an upgrade changes them)."""
    path = shutil.which(promtool) or promtool
    try:
        stat = os.stat(path)
    except OSError:
        return path
    return f"{os.path.realpath(path)}:{stat.st_size}:{stat.st_mtime_ns}"


def key(root: Path, test: str, tool: str) -> str | None:
    """Hash of the test file, its rule files and the binary (`binary()`); None when a rule file cannot be read."""
    text = (root / test).read_bytes()
    found = RULE_FILES.search(text.decode("utf-8", "replace"))
    if not found:
        return None
    digest = hashlib.sha256(tool.encode() + b"\0" + text)
    for line in found.group(1).splitlines():
        rule_file = (root / test).parent / line[2:].strip().strip("'\"")
        try:
            digest.update(b"\0" + rule_file.read_bytes())
        except OSError:
            return None
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def rewrite(path: Path, update: Callable[[str], str]) -> None:
    """Write update(what path holds now) in its place, under a lock and by an atomic rename: writers at the same
    time (both version sets' validator processes, two renders) keep each other's entries, and no reader ever sees
    a torn file. Unreadable contents read as ''. Only a cache: a failure to write is ignored."""
    tmp = None
    try:
        with _locked(path):
            try:
                text = path.read_text()
            except (OSError, ValueError):  # missing, unreadable or not text
                text = ""
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
            with os.fdopen(fd, "w") as handle:
                handle.write(update(text))
            os.replace(tmp, path)
            tmp = None
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


class Passed:
    """The set of keys that passed, loaded once; save() merges this run's new keys into what the file holds then
    (rewrite: the two version sets' workers save at the same time, and each keeps the other's passes)."""

    def __init__(self, folder: Path | None = None, name: str = "promtool-passed.txt") -> None:
        self.path = (folder or Path(conventions.cache_folder())) / name
        try:
            self.keys = self.path.read_text().split()
        except (OSError, ValueError):  # missing, unreadable or not text: start over
            self.keys = []
        self.known = set(self.keys)
        self.new: list[str] = []

    def __contains__(self, item: object) -> bool:
        return item in self.known

    def add(self, keys: Iterable[str | None]) -> None:
        for k in keys:
            if k is not None and k not in self.known:
                self.known.add(k)
                self.keys.append(k)
                self.new.append(k)

    def save(self) -> None:
        if not self.new:
            return
        new = self.new

        def merged(text: str) -> str:
            keys = text.split()
            kept = set(keys)
            keys += [k for k in new if k not in kept]
            return "".join(f"{k}\n" for k in keys[-MAX_ENTRIES:])

        rewrite(self.path, merged)
        self.new = []

"""`make tools`: bring the current version set (catalog/versions.yaml) into .cache/tools/<component>-<version>/.

Debian unstable's packages, fetched with the ordinary client through a private apt configuration: a sources
list of our own naming the archive the machine's apt already uses (asked from `apt-get indextargets`, never
written in the repository) with suite `unstable`, and our own state, cache and lists folders under
.cache/tools/apt/. The machine's sources, lists and dpkg database are never touched. Each package is
unpacked with `dpkg-deb -x`; a component whose folder is complete is skipped, so a warm run only reads the table.

Exit codes: 0 ok, 1 a pinned version is not in the archive (the message names the versions it has), 3 the
machine cannot fetch (no apt-get, no Debian archive configured, network).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from generators.catalog import versions

SUITE = "unstable"
LISTS_MAX_AGE = 6 * 3600  # unstable changes daily; older lists are refreshed before a fetch
COMPLETE = ".complete"  # written last into a component folder: its content is the Debian version unpacked


class FetchError(Exception):
    def __init__(self, message: str, code: int = 3) -> None:
        super().__init__(message)
        self.code = code


def _entries(text: str) -> list[dict[str, str]]:
    """`apt-get indextargets` output: paragraphs of `Key: value`."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields:
            out.append(fields)
    return out


def archive(indextargets: str) -> tuple[str, str | None]:
    """(URI, Signed-By or None) of the machine's main Debian archive: a `deb` source of component main whose
    suite is a release (bookworm, not bookworm-security or bookworm-updates)."""
    for entry in _entries(indextargets):
        release = entry.get("Release", "")
        if entry.get("Target-Of") != "deb" or entry.get("Component") != "main" or "-" in release or "/" in release:
            continue
        if entry.get("Origin", "Debian") != "Debian":
            continue
        return entry["Repo-URI"], _signed_by(entry.get("Sourcesentry", ""))
    raise FetchError("make tools: the machine's apt sources name no Debian archive with component main (see /etc/apt/sources.list.d/)")


def _signed_by(where: str) -> str | None:
    """The Signed-By keyring file of the source entry at `file:line` (deb822 paragraph or one-line `[signed-by=]`)."""
    path, _, line = where.rpartition(":")
    try:
        lines = Path(path).read_text().splitlines()
        number = int(line)
    except (OSError, ValueError):
        return None
    if path.endswith(".sources"):
        start = number - 1
        while start > 0 and lines[start - 1].strip():
            start -= 1
        for text in lines[start:]:
            if not text.strip():
                break
            if text.lower().startswith("signed-by:") and text.split(":", 1)[1].strip().startswith("/"):
                return text.split(":", 1)[1].strip()
        return None
    found = re.search(r"signed-by=([^\s\]]+)", lines[number - 1] if 0 < number <= len(lines) else "")
    return found.group(1) if found else None


class PrivateApt:
    """apt-get/apt-cache with every folder and the sources list our own (command-line -o beats the machine's conf)."""

    def __init__(self, folder: Path) -> None:
        folder = folder.resolve()  # apt reads a relative Dir::State::lists below Dir::State, and Dir below /
        self.folder = folder
        for sub in ("lists/partial", "cache/archives/partial", "sources.list.d", "preferences.d", "debs"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / "status").touch()
        self.options = [
            f"-oDir::Etc::sourcelist={folder / 'sources.list'}",
            f"-oDir::Etc::sourceparts={folder / 'sources.list.d'}",
            f"-oDir::Etc::preferences={folder / 'preferences'}",
            f"-oDir::Etc::preferencesparts={folder / 'preferences.d'}",
            f"-oDir::State={folder}",
            f"-oDir::State::lists={folder / 'lists'}",
            f"-oDir::State::status={folder / 'status'}",
            f"-oDir::Cache={folder / 'cache'}",
            "-oAcquire::Languages=none",
            "-oAPT::Sandbox::User=" + ("root" if os.geteuid() == 0 else os.environ.get("USER", "root")),
        ]

    def configure(self, uri: str, signed_by: str | None) -> None:
        option = f" [signed-by={signed_by}]" if signed_by else ""
        (self.folder / "sources.list").write_text(f"deb{option} {uri} {SUITE} main\n")

    def _run(self, tool: str, args: Sequence[str], cwd: Path | None = None) -> str:
        proc = subprocess.run([tool, *self.options, *args], capture_output=True, text=True, cwd=cwd, check=False)
        if proc.returncode != 0:
            last = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()][-1:] or ["no output"]
            raise FetchError(f"make tools: {tool} {' '.join(args[:2])} failed: {last[0]}")
        return proc.stdout

    def lists_age(self) -> float:
        found = list((self.folder / "lists").glob(f"*_dists_{SUITE}_InRelease"))
        return time.time() - found[0].stat().st_mtime if found else float("inf")

    def update(self) -> None:
        self._run("apt-get", ["update", "-qq"])

    def available(self, package: str) -> list[str]:
        """Debian versions of `package` in the lists, newest first (apt-cache madison order)."""
        out = self._run("apt-cache", ["madison", package])
        return [line.split("|")[1].strip() for line in out.splitlines() if line.count("|") >= 2]

    def download(self, pins: Sequence[str]) -> None:
        self._run("apt-get", ["download", "-qq", *pins], cwd=self.folder / "debs")


def upstream(debian_version: str) -> str:
    """3.5.3+ds1-6 -> 3.5.3; 1:2.0-1 -> 2.0 (epoch, revision and +ds/+dfsg/~ suffixes dropped)."""
    version = debian_version.split(":", 1)[-1].rsplit("-", 1)[0]
    return re.split(r"[+~]", version, maxsplit=1)[0]


def choose(component: versions.Component, available: Sequence[str]) -> str:
    """The newest Debian version of the pinned upstream version; FetchError naming what the archive has."""
    for debian in available:
        if upstream(debian) == component.current:
            return debian
    have = ", ".join(available) or "none"
    raise FetchError(
        f"{versions.VERSIONS_FILE.name}: {component.name} {component.current} is not in Debian {SUITE} "
        f"(package {component.package} has: {have}); pin one of those as `current`",
        code=1,
    )


def missing(table: versions.Table, folder: Path) -> list[versions.Component]:
    return [c for c in table.components.values() if not (versions.unpacked(c, folder) / COMPLETE).is_file()]


def fetch(table: versions.Table, folder: Path) -> list[str]:
    """Fetch and unpack every component not yet complete; returns one line per component unpacked."""
    todo = missing(table, folder)
    if not todo:
        return []
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise FetchError("make tools: needs apt-get and dpkg-deb (a Debian machine) to fetch the current version set")
    apt = PrivateApt(folder / "apt")
    # --no-release-info: every configured source, also when the machine has no lists (apt-get update never ran)
    indextargets = subprocess.run(["apt-get", "indextargets", "--no-release-info"], capture_output=True, text=True, check=False).stdout
    apt.configure(*archive(indextargets))
    if apt.lists_age() > LISTS_MAX_AGE:
        apt.update()
    try:
        pins = {c.name: choose(c, apt.available(c.package)) for c in todo}
    except FetchError:  # the lists may predate the pin: refresh once before calling it gone
        apt.update()
        pins = {c.name: choose(c, apt.available(c.package)) for c in todo}
    debs = apt.folder / "debs"
    for old in debs.glob("*.deb"):
        old.unlink()
    apt.download([f"{c.package}={pins[c.name]}" for c in todo])
    done = [_unpack(c, pins[c.name], debs, folder) for c in todo]
    _prune(table, folder)
    return done


def _prune(table: versions.Table, folder: Path) -> None:
    """Remove the folders of versions no longer pinned (prometheus-3.5.2 after a bump to 3.5.3)."""
    keep = {versions.unpacked(c, folder).name for c in table.components.values()}
    for name in table.components:
        for path in folder.glob(f"{name}-*"):
            if re.fullmatch(rf"{re.escape(name)}-\d[^/]*", path.name) and path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)


def _unpack(component: versions.Component, debian: str, debs: Path, folder: Path) -> str:
    found = sorted(debs.glob(f"{component.package}_*.deb"))
    if len(found) != 1:
        raise FetchError(f"make tools: apt-get download left {len(found)} files for {component.package}")
    target = versions.unpacked(component, folder)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", str(found[0]), str(partial)], check=True, capture_output=True)
    for binary in component.binaries:
        if not (partial / "usr" / "bin" / binary).is_file():
            raise FetchError(f"make tools: {found[0].name} has no usr/bin/{binary} ({versions.VERSIONS_FILE.name} names it)")
    (partial / COMPLETE).write_text(f"{component.package} {debian}\n")
    partial.rename(target)
    found[0].unlink()
    return f"{component.name} {component.current} ({component.package} {debian}) -> {target}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generators.stack.fetch_tools", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=None, help=f"cache folder (default: ${versions.TOOLS_DIR_VARIABLE} or .cache/tools)")
    parser.add_argument("--print-path", action="store_true", help="print the current set's bin folders as a PATH prefix (make e2e)")
    args = parser.parse_args(argv)
    folder: Path = (args.dir or versions.tools_dir()).resolve()
    if args.print_path:
        print(":".join(str(versions.unpacked(c, folder) / "usr" / "bin") for c in versions.table().components.values()))
        return 0
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two make runs at once: the second waits, then finds everything done
        try:
            done = fetch(versions.table(), folder)
        except FetchError as exc:
            print(exc, file=sys.stderr)
            return exc.code
    for line in done:
        print(f"unpacked {line}")
    total = len(versions.table().components)
    print(f"make tools: current set complete in {folder} ({len(done)} of {total} fetched, {time.perf_counter() - start:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

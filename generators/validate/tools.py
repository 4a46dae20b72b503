"""Run the owners' validators (promtool, amtool, docker-compose) and report their verdicts.

Every Prometheus-side tool exists in two version sets (catalog/versions.yaml): `stable`, Debian's packages on
PATH, and `current`, Debian unstable's, unpacked by `make tools` into .cache/tools/. A call names its set.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generators.catalog import versions

STABLE, CURRENT, SETS = versions.STABLE, versions.CURRENT, versions.SETS


class ToolMissing(Exception):
    """A validator binary is not installed."""


class SchemaMissing(ToolMissing):
    """Reference schemas (Grafana's JSON Schema, prometheus-operator's CRDs) are not found. Outside CI the
    checks that need them are skipped with one line (render and check); under CI=true it is a failure."""

    def __init__(self, what: str, where: Path, variable: str) -> None:
        super().__init__(f"{what} not found in {where} (set {variable} or put ../shared/ beside the project)")
        self.what, self.where, self.variable = what, where, variable

    def __reduce__(self) -> tuple[type[SchemaMissing], tuple[str, Path, str]]:
        """Rebuilt from its fields: validate.runner's worker processes hand it back pickled (the default, from the
        message alone, fails and leaves the pool waiting)."""
        return type(self), (self.what, self.where, self.variable)


@dataclass(frozen=True)
class Result:
    ok: bool
    output: str


_PACKAGES = {"promtool": "prometheus", "amtool": "prometheus-alertmanager", "docker-compose": "docker-compose"}


def which(name: str, toolset: str = STABLE) -> str:
    """Path of `name` in the set: on PATH for stable, under .cache/tools for current. Raises ToolMissing."""
    if toolset == CURRENT:
        return _current(name)
    path = shutil.which(name, path=_stable_path())
    if path is None:
        raise ToolMissing(f"{name} is not installed (Debian: apt-get install -y {_PACKAGES.get(name, name)})")
    return path


def _stable_path() -> str:
    """PATH without the current set's folders (make e2e puts them first so the native stack runs that set): those
    under tools_dir() and any `<component>-<current version>/usr/bin` of an unpack elsewhere (another checkout's)."""
    cache = str(versions.tools_dir())
    unpacks = tuple(f"/{c.name}-{c.current}/usr/bin" for c in versions.table().components.values() if c.current)
    folders = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return os.pathsep.join(p for p in folders if p and not p.startswith(cache) and not p.rstrip("/").endswith(unpacks))


def _current(name: str) -> str:
    component = versions.table().owner(name)
    path = versions.unpacked(component) / "usr" / "bin" / name
    if not path.is_file():
        raise ToolMissing(f"{name} {component.current} (current set) is not in {versions.tools_dir()}: run make tools")
    return str(path)


def label(toolset: str) -> str:
    """How a message names a set: `current set (promtool 3.5.3, amtool 0.33.1)`."""
    table = versions.table()
    promtool, amtool = table.owner("promtool"), table.owner("amtool")
    return f"{toolset} set (promtool {promtool.version(toolset)}, amtool {amtool.version(toolset)})"


def _env(checking: bool = False) -> dict[str, str]:
    """The tools' environment; scratch files in RAM where the machine has a tmpfs (promtool test rules opens a
    TSDB per test group: half the wall time and a quarter of the system time on this disk). A check runs on one
    Go thread (GOMAXPROCS=1, unless set): the validators run several tools at once on the 2 cores, and Go's own
    threads cost promtool 30-40 % more CPU for the same verdict (check config on 1,000 services' rules, test rules)."""
    env = dict(os.environ)
    if checking:
        env.setdefault("GOMAXPROCS", "1")
    if os.path.isdir(_TMPFS) and os.access(_TMPFS, os.W_OK):
        env["TMPDIR"] = _TMPFS
    return env


_TMPFS = "/dev/shm"
_CHECKS = {"check", "test", "check-config", "config", "template"}  # promtool's and amtool's verdicts


# The tools run in this process (validate.verdicts keeps a pass only while they stay the same): a stable tool by
# name (resolved on PATH again), a current one by its path under .cache/tools.
USED: set[str] = set()


def run(tool: str, args: Sequence[str], cwd: Path, timeout: int = 300, toolset: str = STABLE) -> Result:
    """The tool's verdict; TimeoutError (an OSError: the CLI prints one line, exit 3) when it runs past timeout."""
    binary = which(tool, toolset)
    USED.add(tool if toolset == STABLE else binary)
    try:
        checking = bool(args) and args[0] in _CHECKS
        proc = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=_env(checking))
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        command = " ".join([tool, *args[:2]])
        raise TimeoutError(
            errno.ETIMEDOUT, f"{command} did not finish in {timeout} s and was stopped (a spec this large needs fewer services or entries)"
        ) from None
    return Result(proc.returncode == 0, (proc.stdout + proc.stderr).strip())


def promtool(args: Sequence[str], cwd: Path, toolset: str = STABLE) -> Result:
    return run("promtool", args, cwd, toolset=toolset)

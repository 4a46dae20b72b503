"""Run the owners' validators (promtool, amtool, docker-compose) and report their verdicts."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class ToolMissing(Exception):
    """A validator binary is not installed."""


@dataclass(frozen=True)
class Result:
    ok: bool
    output: str


def which(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(f"{name} is not installed (Debian: apt-get install -y {_PACKAGES.get(name, name)})")
    return path


_PACKAGES = {"promtool": "prometheus", "amtool": "prometheus-alertmanager", "docker-compose": "docker-compose"}


def _env() -> dict[str, str]:
    """The tools' environment; scratch files in RAM where the machine has a tmpfs (promtool test rules opens a
    TSDB per test group: half the wall time and a quarter of the system time on this disk)."""
    env = dict(os.environ)
    if os.path.isdir(_TMPFS) and os.access(_TMPFS, os.W_OK):
        env["TMPDIR"] = _TMPFS
    return env


_TMPFS = "/dev/shm"


USED: set[str] = set()  # the tools run in this process (validate.verdicts keeps a pass only while they stay the same)


def run(tool: str, args: Sequence[str], cwd: Path, timeout: int = 300) -> Result:
    """The tool's verdict; TimeoutError (an OSError: the CLI prints one line, exit 3) when it runs past timeout."""
    binary = which(tool)
    USED.add(tool)
    try:
        proc = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=_env())
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        command = " ".join([tool, *args[:2]])
        raise TimeoutError(
            errno.ETIMEDOUT, f"{command} did not finish in {timeout} s and was stopped (a spec this large needs fewer services or entries)"
        ) from None
    return Result(proc.returncode == 0, (proc.stdout + proc.stderr).strip())


def promtool(args: Sequence[str], cwd: Path) -> Result:
    return run("promtool", args, cwd)

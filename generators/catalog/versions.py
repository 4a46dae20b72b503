"""The version table (versions.yaml): per component its Debian package, binaries, stable and current
versions and compose image; where each set's binaries are; which version a binary says it is."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

VERSIONS_FILE = Path(__file__).with_name("versions.yaml")
PROJECT = Path(__file__).resolve().parents[2]
STABLE, CURRENT = "stable", "current"
SETS = (STABLE, CURRENT)
TOOLS_DIR_VARIABLE = "GENERATORS_TOOLS_DIR"
_VERSION = re.compile(r"\d+\.\d+\.\d+")


@dataclass(frozen=True)
class Component:
    name: str
    package: str
    binaries: tuple[str, ...]
    stable: str | None  # None: the stable set leaves the component out
    current: str
    image: str | None

    def version(self, toolset: str) -> str | None:
        return self.stable if toolset == STABLE else self.current


@dataclass(frozen=True)
class Table:
    components: dict[str, Component]

    def owner(self, binary: str) -> Component:
        """The component that ships `binary` (amtool -> alertmanager)."""
        for component in self.components.values():
            if binary in component.binaries:
                return component
        raise KeyError(f"{binary} is not a binary of any component in {VERSIONS_FILE.name}")

    def images(self) -> dict[str, str]:
        """Compose image per component that has one: `<image>:v<current>`, the version the tests run."""
        return {c.name: f"{c.image}:v{c.current}" for c in self.components.values() if c.image}


def parse(text: str) -> Table:
    data = yaml.safe_load(text)
    components = {
        str(name): Component(
            name=str(name),
            package=str(entry["package"]),
            binaries=tuple(str(b) for b in entry["binaries"]),
            stable=None if entry["stable"] is None else str(entry["stable"]),
            current=str(entry["current"]),
            image=str(entry["image"]) if entry.get("image") else None,
        )
        for name, entry in data["components"].items()
    }
    return Table(components)


@functools.cache
def table() -> Table:
    return parse(VERSIONS_FILE.read_text())


def tools_dir() -> Path:
    """Where `make tools` unpacks the current set: $GENERATORS_TOOLS_DIR, else .cache/tools in the project."""
    return Path(os.environ.get(TOOLS_DIR_VARIABLE) or PROJECT / ".cache" / "tools").resolve()


def unpacked(component: Component, folder: Path | None = None) -> Path:
    """The folder the current version of `component` is unpacked into (dpkg-deb -x: usr/bin/... inside)."""
    return (folder or tools_dir()) / f"{component.name}-{component.current}"


def reported_version(binary: str) -> str:
    """The x.y.z a binary prints for --version (Go programs print it to stdout or stderr; '' when none)."""
    proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=False)
    found = _VERSION.search(proc.stdout + proc.stderr)
    return found.group(0) if found else ""

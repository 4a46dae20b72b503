"""The two sides of a review: the spec at a git revision and the working tree's, each mapped and rendered.

Both are rendered in this process with the working tree's generators, so the review shows what the spec
change does and nothing of a generator change. With `base_generators` the base side's files come from the
revision's own generators instead (a checkout of REV renders them in a child process), so a generator change
shows in the landing places and the file list too; the model-level comparison still reads both specs with the
working tree's model, the only one this process has.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from generators.errors import Location, Problem, SpecError
from generators.model import build_model
from generators.model.types import Model
from generators.pipeline import render, writer
from generators.spec import source

WORKING_TREE = "working tree"


class ReviewError(Exception):
    """A revision, file or tool problem: one line, exit 2."""


@dataclass
class Side:
    """One side of the review: its model and every rendered file, parsed on demand."""

    label: str
    model: Model
    files: Mapping[str, bytes]
    _parsed: dict[str, Any] = field(default_factory=dict, repr=False)

    def doc(self, path: str) -> Any:
        """The parsed document: YAML and JSON as data (JSON numbers exact), anything else as text."""
        if path not in self._parsed:
            raw = self.files[path]
            if path.endswith(".json"):
                self._parsed[path] = json.loads(raw, parse_float=Decimal)
            elif path.endswith((".yml", ".yaml")):
                self._parsed[path] = yaml.load(raw, Loader=_LOADER)  # the safe loader (C when built)
            else:
                self._parsed[path] = raw.decode("utf-8")
        return self._parsed[path]

    def paths(self, prefix: str, suffix: str = "", among: Collection[str] | None = None) -> list[str]:
        """Files under prefix ending in suffix; only those in `among` when given."""
        return sorted(p for p in self.files if p.startswith(prefix) and p.endswith(suffix) and (among is None or p in among))


def differing(old: Side, new: Side) -> frozenset[str]:
    """Files whose bytes differ, or that one side lacks: the only ones a comparison needs to read (a unit in a
    file both sides render the same is the same unit on both sides)."""
    return frozenset(p for p in {*old.files, *new.files} if old.files.get(p) != new.files.get(p))


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise ReviewError("git is not installed") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or [f"git exited with {done.returncode}"]
        raise ReviewError(lines[0].removeprefix("fatal: "))
    return done.stdout


def spec_at(rev: str, spec: Path) -> bytes:
    """The spec's bytes at a git revision (`git show REV:./<spec>` beside the spec)."""
    return _git(["show", f"{rev}:./{spec.name}"], spec.resolve().parent)


def model_of(name: str, raw: bytes, shown_as: str | None = None) -> Model:
    """Map spec bytes to the model; problems are located in `shown_as` (e.g. HEAD:monitoring.yaml).

    `name` is what the model records as its spec file, the same on both sides, so the generated headers
    and runbooks that name it do not differ between them.
    """
    try:
        model, _warnings = build_model.build(source.load(name, raw))
    except SpecError as exc:
        if shown_as is None:
            raise
        raise SpecError([_relocated(p, name, shown_as) for p in exc.problems]) from None
    return model


def _relocated(problem: Problem, name: str, shown_as: str) -> Problem:
    loc = problem.location
    if loc is None or loc.file != name:
        return problem
    return Problem(Location(shown_as, loc.line, loc.column), problem.path, problem.message)


def rendered(label: str, model: Model) -> Side:
    return Side(label, model, render.documents(model))


def working(spec: Path) -> Side:
    try:
        raw = spec.read_bytes()
    except OSError as exc:
        raise SpecError([Problem(Location(str(spec), 1, 1), "", f"cannot read the spec: {exc.strerror}")]) from None
    return rendered(WORKING_TREE, model_of(str(spec), raw))


def base(rev: str, spec: Path, base_generators: bool = False) -> Side:
    model = model_of(str(spec), spec_at(rev, spec), f"{rev}:{spec}")
    if not base_generators:
        return rendered(rev, model)
    return Side(rev, model, _render_at(rev, spec))


def _render_at(rev: str, spec: Path) -> dict[str, bytes]:
    """Every file REV's own generators render from REV's spec (`render --skip-validation` in a checkout)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], spec.resolve().parent).decode().strip())
    relative = spec.resolve().relative_to(top)
    with tempfile.TemporaryDirectory(prefix="review-") as tmp:
        tree, out = Path(tmp) / "tree", Path(tmp) / "out"
        with tarfile.open(fileobj=io.BytesIO(_git(["archive", "--format=tar", rev], top))) as archive:
            archive.extractall(tree, filter="data")
        command = [sys.executable, "-m", "generators", "render", "--skip-validation", "--spec", str(relative), "--out", str(out)]
        done = subprocess.run(command, cwd=tree, capture_output=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise ReviewError(f"{rev}'s generators could not render {relative} (exit {done.returncode}): {last}")
        manifest = (out / writer.MANIFEST).read_text().split()
        return {rel: (out / rel).read_bytes() for rel in [*manifest, writer.MANIFEST]}

"""Read a spec file into the model: the one entry point the CLI and the tests use."""

from __future__ import annotations

from pathlib import Path

from generators import build_model, source
from generators.errors import Location, Problem, SpecError
from generators.model import Model


def load(path: str | Path) -> tuple[Model, list[Problem]]:
    """Model and warnings; SpecError with every problem found otherwise."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError([Problem(Location(name, 1, 1), "", f"cannot read the spec: {exc.strerror}")]) from None
    return build_model.build(source.load(name, raw))

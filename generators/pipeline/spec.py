"""Read a spec file into the model: the one entry point the CLI and the tests use."""

from __future__ import annotations

from pathlib import Path

from generators.errors import Location, Problem, SpecError
from generators.model import build_model
from generators.model.types import Model
from generators.outputs.compose import demo_coverage
from generators.spec import schema, schema_errors, source
from generators.validate import promql


def load(path: str | Path) -> tuple[Model, list[Problem]]:
    """Model and warnings; SpecError with every problem found otherwise."""
    name = str(path)
    try:
        raw = source.read_capped(name)
    except OSError as exc:
        raise SpecError([Problem(Location(name, 1, 1), "", f"cannot read the spec: {exc.strerror}")]) from None
    loaded = source.load(name, raw)
    source.check_is_spec(loaded, schema.build()["properties"])
    too_many = schema_errors.check_sizes(loaded)
    if too_many:
        raise SpecError(too_many)
    model, warnings = build_model.build(loaded, lambda model: promql.custom_problems(model, loaded))
    return model, warnings + demo_coverage.warnings(model, loaded)  # services the demo app cannot play

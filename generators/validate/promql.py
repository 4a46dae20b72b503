"""Ask promtool whether PromQL expressions parse, all in one call, and map errors back to each one."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from generators.errors import Problem
from generators.model.types import Model
from generators.pipeline import writer
from generators.spec.source import Source, dotted
from generators.validate import tools

_ERROR = re.compile(r'group "g(\d+)", rule \d+, "[^"]*": (.*)$')


def parse_errors(exprs: Sequence[str]) -> dict[int, str]:
    """Index -> promtool's message for every expression that does not parse. Raises ToolMissing."""
    if not exprs:
        return {}
    tools.which("promtool")
    groups = [{"name": f"g{i}", "rules": [{"record": f"check:expr{i}", "expr": e}]} for i, e in enumerate(exprs)]
    with tempfile.TemporaryDirectory(prefix="promql-") as tmp:
        path = Path(tmp) / "exprs.yml"
        writer.write_tree(Path(tmp), {"exprs.yml": writer.serialize("exprs.yml", {"groups": groups})})
        result = tools.promtool(["check", "rules", path.name], Path(tmp))
    if result.ok:
        return {}
    errors = {}
    for line in result.output.splitlines():
        match = _ERROR.search(line)
        if match:
            errors[int(match[1])] = match[2]
    if not errors:
        raise tools.ToolMissing(f"promtool check rules failed without a per-rule error:\n{result.output}")
    return errors


def custom_problems(model: Model, source: Source) -> tuple[list[Problem], list[Problem]]:
    """Custom expressions must parse: promtool says so before rendering, at the `expr` line of the spec.

    (problems, warnings); without promtool the expressions are rendered unparsed, with a warning."""
    exprs = [(alert, alert.tiers[0].expr) for alert in model.alerts if alert.kind == "custom" and alert.tiers]
    try:
        errors = parse_errors([e for _, e in exprs])
    except tools.ToolMissing as exc:
        return [], [Problem(source.at(("custom",)), "custom", f"warning: {exc}; custom expressions were not parsed before rendering")]
    problems = []
    for index, message in sorted(errors.items()):
        alert, expr = exprs[index]
        where = (*alert.path, "expr")
        problems.append(Problem(source.at(where), dotted(where), f"does not parse as PromQL: {message} (rendered: {expr})"))
    return problems, []

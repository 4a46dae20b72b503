"""Ask promtool whether PromQL expressions parse, all in one call, and map errors back to each one."""

from __future__ import annotations

import functools
import hashlib
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from generators.errors import Problem
from generators.model.types import Model
from generators.pipeline import writer
from generators.spec.source import Source, dotted
from generators.validate import promtool_cache, tools

_ERROR = re.compile(r'group "g(\d+)", rule \d+, "[^"]*": (.*)$')


def parse_errors(exprs: Sequence[str]) -> dict[int, str]:
    """Index -> promtool's message for every expression that does not parse on a version set (the message
    names the set when the other parses it; a set not installed is left to render's validation). Raises
    ToolMissing when no promtool is installed."""
    found: dict[str, dict[int, str]] = {}
    for toolset in tools.SETS:
        try:
            found[toolset] = _parse_errors(exprs, toolset)
        except tools.ToolMissing:
            if toolset == tools.STABLE:
                raise
    errors: dict[int, str] = {}
    for toolset, messages in found.items():
        for index, message in messages.items():
            alone = len(found) == 2 and index not in found[tools.CURRENT if toolset == tools.STABLE else tools.STABLE]
            errors.setdefault(index, f"{message} (on the {tools.label(toolset)})" if alone else message)
    return errors


def _parse_errors(exprs: Sequence[str], toolset: str) -> dict[int, str]:
    if not exprs:
        return {}
    return dict(_verdict(tuple(exprs), tools.which("promtool", toolset), toolset))


@functools.lru_cache(maxsize=256)
def _verdict(exprs: tuple[str, ...], binary: str, toolset: str) -> tuple[tuple[int, str], ...]:
    """One promtool call per distinct list of expressions and binary in a process (the same spec is loaded
    again and again by a test run, the demo, a render and its validation), and none across runs for a list
    that passed on the same binary (two promtool starts, 0.17 s of every render of the example)."""
    key = hashlib.sha256("\0".join([promtool_cache.binary(binary), *exprs]).encode()).hexdigest()
    passed = promtool_cache.Passed(name="promql-passed.txt")
    if key in passed:
        return ()
    groups = [{"name": f"g{i}", "rules": [{"record": f"check:expr{i}", "expr": e}]} for i, e in enumerate(exprs)]
    with tempfile.TemporaryDirectory(prefix="promql-") as tmp:
        path = Path(tmp) / "exprs.yml"
        writer.write_tree(Path(tmp), {"exprs.yml": writer.serialize("exprs.yml", {"groups": groups})})
        result = tools.promtool(["check", "rules", path.name], Path(tmp), toolset)
    if result.ok:
        passed.add([key])
        passed.save()
        return ()
    errors = {}
    for line in result.output.splitlines():
        match = _ERROR.search(line)
        if match:
            errors[int(match[1])] = match[2]
    if not errors:
        raise tools.ToolMissing(f"promtool check rules failed without a per-rule error:\n{result.output}")
    return tuple(sorted(errors.items()))


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

"""Run suite.VALIDATORS on a rendered tree: on both cores, and not at all when the same bytes already passed.

The validators are independent and mostly Python (YAML and JSON walks) or waiting on promtool/amtool, so two
forked worker processes take them one at a time, the slowest first. What each prints is captured and printed
in VALIDATORS order, and its problems are returned in that order: the output does not depend on which finished
first. A tree that passed before with the same inputs is answered from verdicts.Record.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
from pathlib import Path
from typing import TextIO

from generators.validate import grafana_checks, scaling_validate, suite, tools, verdicts

Outcome = tuple[list[str], str, str | None, list[str]]  # problems, what it printed, ToolMissing message, tools run

# Slowest first (1,000 services), so the other worker is not left with a long one at the end; others follow.
_FIRST = ("prometheus", "kubernetes", "grafana_queries", "validate", "grafana_dashboards")
_job: tuple[Path, bool] | None = None


def _one(index: int) -> Outcome:
    assert _job is not None
    root, full = _job
    validator = suite.VALIDATORS[index]
    printed = io.StringIO()
    tools.USED.clear()
    missing = None
    with contextlib.redirect_stderr(printed):
        try:
            found = validator(root, full)
        except tools.ToolMissing as exc:
            found, missing = [], str(exc)
    return found, printed.getvalue(), missing, sorted(tools.USED)


def _order(count: int) -> list[int]:
    rank = {name: i for i, name in enumerate(_FIRST)}
    return sorted(range(count), key=lambda i: (rank.get(getattr(suite.VALIDATORS[i], "__name__", ""), len(rank)), i))


def outcomes(root: Path, full: bool) -> list[Outcome]:
    """Every validator's outcome, in VALIDATORS order."""
    global _job
    _job = (root, full)
    count = len(suite.VALIDATORS)
    try:
        if count < 2 or not hasattr(os, "fork"):
            return [_one(i) for i in range(count)]
        order = _order(count)
        with multiprocessing.get_context("fork").Pool(2) as pool:
            done = dict(zip(order, pool.imap(_one, order, chunksize=1), strict=True))
        return [done[i] for i in range(count)]
    finally:
        _job = None


def run(root: Path, strict: bool, log: TextIO, full: bool) -> list[str]:
    """Problems of every validator (missing tools are problems when strict, warnings otherwise)."""
    names = [f"{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', '')}" for v in suite.VALIDATORS]
    ours = all(name.startswith("generators.") and "<" not in name for name in names)  # code the key hashes
    digest = verdicts.key(root, full, names, [grafana_checks.SCHEMA_DIR, scaling_validate.K8S_SCHEMA]) if ours else None
    record = verdicts.Record()
    replay = record.passed(digest) if digest else None
    if replay is not None:
        log.write(replay)
        return []
    problems: list[str] = []
    printed: list[str] = []
    used: set[str] = set()
    complete = True
    for validator, (found, output, missing, ran) in zip(suite.VALIDATORS, outcomes(root, full), strict=True):
        printed.append(output)
        used.update(ran)
        if missing is not None:
            complete = False
            if strict:
                problems.append(missing)
            else:
                printed.append(f"warning: {missing}; skipped {getattr(validator, '__name__', 'a')} validation\n")
        problems.extend(found)
    log.write("".join(printed))
    if digest and complete and not problems:
        record.add(digest, "".join(printed), used)
    return problems

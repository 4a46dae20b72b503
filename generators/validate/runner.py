"""Run suite.VALIDATORS on a rendered tree: on both cores, and not at all when the same bytes already passed.

The validators are independent and mostly Python (YAML and JSON walks) or waiting on promtool/amtool, so two
forked worker processes take them one (validator, version set) pair at a time, the slowest first; each set's
problems are merged by suite.merged (a problem one set alone reports names it). What each prints is captured and printed
in VALIDATORS order, and its problems are returned in that order: the output does not depend on which finished
first. A tree that passed before with the same inputs is answered from verdicts.Record.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from generators.validate import grafana_checks, scaling_validate, suite, tools, verdicts

Outcome = tuple[list[str], str, tools.ToolMissing | None, list[str]]  # problems, what it printed, what was missing, tools run
Job = tuple[int, str]  # index in VALIDATORS, version set

# Slowest first (1,000 services), so the other worker is not left with a long one at the end; others follow.
_FIRST = ("prometheus", "kubernetes", "panel_metrics", "crd_schemas", "panel_queries", "validate", "grafana_dashboards")
_job: tuple[Path, bool] | None = None


def _cpu() -> float:
    """CPU seconds of this process and the tools it waited for."""
    own, tools_run = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + tools_run.ru_utime + tools_run.ru_stime


def _one(job: Job) -> Outcome:
    assert _job is not None
    root, full = _job
    index, toolset = job
    validator = suite.VALIDATORS[index]
    printed = io.StringIO()
    tools.USED.clear()
    missing = None
    start, cpu = time.perf_counter(), _cpu()
    with contextlib.redirect_stderr(printed):
        try:
            found = validator(root, full, toolset)
        except tools.ToolMissing as exc:
            found, missing = [], exc
    if os.environ.get("GENERATORS_TIMINGS") == "1":  # opt-in: where validation's time goes, per job
        name = getattr(validator, "__name__", "?")
        seconds = f"{time.perf_counter() - start:.2f} s wall, {_cpu() - cpu:.2f} s CPU"
        print(f"timing: {name} [{toolset}]: {seconds}", file=sys.__stderr__, flush=True)
    return found, printed.getvalue(), missing, sorted(tools.USED)


def jobs() -> list[Job]:
    """Every (validator, set) pair, in VALIDATORS order, each validator's sets in suite.sets order."""
    return [(i, toolset) for i, validator in enumerate(suite.VALIDATORS) for toolset in suite.sets(validator)]


def _order(todo: Iterable[Job]) -> list[Job]:
    rank = {name: i for i, name in enumerate(_FIRST)}
    return sorted(todo, key=lambda j: (rank.get(getattr(suite.VALIDATORS[j[0]], "__name__", ""), len(rank)), j))


def outcomes(root: Path, full: bool) -> dict[Job, Outcome]:
    """Every job's outcome."""
    global _job
    _job = (root, full)
    todo = jobs()
    try:
        if len(todo) < 2 or not hasattr(os, "fork"):
            return {j: _one(j) for j in todo}
        order = _order(todo)
        with multiprocessing.get_context("fork").Pool(2) as pool:
            return dict(zip(order, pool.imap(_one, order, chunksize=1), strict=True))
    finally:
        _job = None


def run(root: Path, strict: bool, log: TextIO, full: bool) -> list[str]:
    """Problems of every validator on its sets. A missing tool is a problem when strict, one warning otherwise;
    missing reference schemas (tools.SchemaMissing) are one line, except strict under CI=true."""
    names = [f"{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', '')}" for v in suite.VALIDATORS]
    ours = all(name.startswith("generators.") and "<" not in name for name in names)  # code the key hashes
    digest = verdicts.key(root, full, names, [grafana_checks.SCHEMA_DIR, scaling_validate.K8S_SCHEMA]) if ours else None
    record = verdicts.Record()
    replay = record.passed(digest) if digest else None
    if replay is not None:
        log.write(replay)
        return []
    done = outcomes(root, full)
    problems: list[str] = []
    printed: list[str] = []
    used: set[str] = set()
    skipped: dict[str, list[str]] = {}  # message -> validators it stopped, in order
    schemas: dict[str, tools.SchemaMissing] = {}
    for index, validator in enumerate(suite.VALIDATORS):
        found: dict[str, list[str]] = {}
        for toolset in suite.sets(validator):
            problems_of_set, output, missing, ran = done[(index, toolset)]
            printed.append(output)
            used.update(ran)
            if isinstance(missing, tools.SchemaMissing) and not (strict and os.environ.get("CI") == "true"):
                schemas.setdefault(missing.what, missing)
            elif missing is not None:
                skipped.setdefault(str(missing), []).append(getattr(validator, "__name__", "a"))
            else:
                found[toolset] = problems_of_set
        problems.extend(suite.merged(validator, found))
    for message, stopped in skipped.items():
        if strict:
            problems.append(message)
        else:
            printed.append(f"warning: {message}; skipped {', '.join(dict.fromkeys(stopped))} validation\n")
    if schemas:
        where = "; ".join(f"{e.what}: not in {e.where}, set {e.variable}" for e in schemas.values())
        printed.append(f"warning: skipped the schema checks ({where}; docs/versions.md#schemas says where to get them)\n")
    log.write("".join(printed))
    if digest and not skipped and not schemas and not problems:
        record.add(digest, "".join(printed), used)
    return problems

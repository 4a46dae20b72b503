"""validate.runner: validators on two worker processes, problems and output in VALIDATORS order, passes replayed."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest

from generators.pipeline import render, spec, writer
from generators.validate import runner, suite, tools
from tests.conftest import ROOT, require_shared, require_tool


def slow(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    time.sleep(0.5)  # the other worker takes the next two meanwhile
    print("slow printed", file=sys.stderr)
    return [f"slow in {os.getpid()}"]


def quick(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    print(f"quick printed full={full}", file=sys.stderr)
    return [f"quick in {os.getpid()}"]


def missing(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    print("missing printed before it gave up", file=sys.stderr)
    raise tools.ToolMissing("sometool is not installed")


@pytest.fixture
def three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite, "VALIDATORS", [slow, quick, missing])
    monkeypatch.setattr(suite, "ONE_SET", (slow, quick, missing))  # one job each; both sets: the test below


def _where(problem: str) -> int:
    return int(problem.rsplit(" ", 1)[1])


def test_problems_and_output_come_in_validator_order_from_two_processes(three: None, tmp_path: Path) -> None:
    log = io.StringIO()
    problems = runner.run(tmp_path, strict=False, log=log, full=True)
    assert [p.split(" in ")[0] for p in problems] == ["slow", "quick"]
    assert _where(problems[0]) != _where(problems[1]) and os.getpid() not in {_where(p) for p in problems}
    assert log.getvalue().splitlines() == [
        "slow printed",
        "quick printed full=True",
        "missing printed before it gave up",
        "warning: sometool is not installed; skipped missing validation",
    ]


def test_a_missing_tool_is_a_problem_when_strict(three: None, tmp_path: Path) -> None:
    problems = runner.run(tmp_path, strict=True, log=io.StringIO(), full=False)
    assert [p.split(" in ")[0] for p in problems] == ["slow", "quick", "sometool is not installed"]


def test_an_error_in_a_worker_reaches_the_caller(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
        raise ValueError("a bug in a validator")

    monkeypatch.setattr(suite, "VALIDATORS", [quick, broken])
    with pytest.raises(ValueError, match="a bug in a validator"):
        runner.run(tmp_path, strict=False, log=io.StringIO(), full=False)


def test_each_validator_runs_on_both_sets_and_a_problem_one_set_alone_has_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def judged(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
        print(f"judged on {toolset}", file=sys.stderr)
        return ["both say so"] + (["only the current set says so"] if toolset == tools.CURRENT else [])

    monkeypatch.setattr(suite, "VALIDATORS", [judged])
    monkeypatch.setattr(suite, "ONE_SET", ())
    log = io.StringIO()
    assert runner.run(tmp_path, strict=False, log=log, full=False) == [
        "both say so",
        f"{tools.label(tools.CURRENT)}: only the current set says so",
    ]
    assert log.getvalue().splitlines() == [f"judged on {tools.STABLE}", f"judged on {tools.CURRENT}"]


def test_a_tree_that_passed_is_answered_from_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for tool in ("promtool", "amtool", "docker-compose"):
        require_tool(tool)
    require_shared("grafana-schema/dashboard.jsonschema.json")
    require_shared("k8s-schema/monitoring.coreos.com_prometheusrules.yaml")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "out"
    writer.write_tree(root, render.documents(spec.load(ROOT / "tests" / "fixtures" / "good.yaml")[0]))
    first = io.StringIO()
    assert runner.run(root, strict=True, log=first, full=False) == []

    def refuse(*args: object, **kwargs: object) -> tools.Result:
        raise AssertionError("a tool ran although this tree passed before")

    monkeypatch.setattr(tools, "run", refuse)
    again = io.StringIO()
    assert runner.run(root, strict=True, log=again, full=False) == []
    assert again.getvalue() == first.getvalue()
    with pytest.raises(AssertionError, match="a tool ran"):  # the full level has not passed yet
        runner.run(root, strict=True, log=io.StringIO(), full=True)
    rules = root / "prometheus" / "rules" / "api.rules.yml"
    rules.write_text(rules.read_text() + "\n")
    with pytest.raises(AssertionError, match="a tool ran"):  # one byte changed
        runner.run(root, strict=True, log=io.StringIO(), full=False)

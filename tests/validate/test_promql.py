"""promql: custom expressions are parsed by every version set's promtool; a list that passed on a binary is
not sent to it again, in this process or the next; a failure always is."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.validate import promql, tools
from tests.conftest import require_tool

GOOD = ['sum(rate(http_requests_total{job="api"}[5m])) > 1', "up == 0"]


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    require_tool("promtool")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[tuple[str, ...]] = []
    real = tools.promtool

    def counting(args: list[str], cwd: Path, toolset: str = tools.STABLE) -> tools.Result:
        seen.append((toolset, *args))
        return real(args, cwd, toolset)

    monkeypatch.setattr(tools, "promtool", counting)
    promql._verdict.cache_clear()
    return seen


def sets_installed() -> int:
    count = 0
    for toolset in tools.SETS:
        try:
            tools.which("promtool", toolset)
            count += 1
        except tools.ToolMissing:
            pass
    return count


def test_a_passing_list_reaches_each_promtool_once_across_processes(calls: list[tuple[str, ...]]) -> None:
    assert promql.parse_errors(GOOD) == {}
    assert len(calls) == sets_installed()
    promql._verdict.cache_clear()  # what a new process starts with
    assert promql.parse_errors(GOOD) == {}
    assert len(calls) == sets_installed(), "the passes were on record"
    assert promql.parse_errors([*GOOD, "up > 1"]) == {}  # another list: judged again
    assert len(calls) == 2 * sets_installed()


def test_a_failure_is_judged_every_time(calls: list[tuple[str, ...]]) -> None:
    for _ in range(2):
        promql._verdict.cache_clear()
        errors = promql.parse_errors(["up ==", "up == 0"])
        assert list(errors) == [0] and "unexpected end of input" in errors[0]
    assert len(calls) == 2 * sets_installed()


def test_another_binary_is_judged_again(calls: list[tuple[str, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    assert promql.parse_errors(GOOD) == {}
    promql._verdict.cache_clear()
    monkeypatch.setattr(promql.promtool_cache, "binary", lambda path="promtool": f"{path}:upgraded")
    assert promql.parse_errors(GOOD) == {}
    assert len(calls) == 2 * sets_installed()

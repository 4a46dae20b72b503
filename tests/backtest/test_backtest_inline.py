"""Inlining recording rules changes no verdict: promtool runs the generated unit tests against rules whose alert
expressions are the backtest's inlined queries (the recordings stay, for the annotations that query them).

The chosen files cover nested recordings (api), matchers on labels the recorded expression yields
(status_code on api and llm-provider), job filters (host) and range selectors over recordings, which
become subqueries (the SLO page tier, under `make e2e`: slow). A broken inliner (dropping those matchers) fails the same tests.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from generators.backtest import inline
from generators.backtest.common import BacktestError, duration_ms
from tests.conftest import ROOT, require_tool

# test file -> (alert, the generated test groups whose names start with one of these); promtool is slow here, so a
# sample of the cases per kind of inlining, each with its fires / pending / silent tests
FILES = {
    "api": ("ApiHighErrorRate", ("ApiHighErrorRate critical", "ApiHighErrorRate warning silent")),
    "llm-provider": ("LlmProviderRateLimited", ("LlmProviderRateLimited warning fires", "LlmProviderRateLimited warning silent")),
    "host": ("HostHighCpuUsage", ("HostHighCpuUsage warning fires", "HostHighCpuUsage warning silent")),
}
SLO = {
    "slo-api-availability-page-1h": ("ApiAvailabilityErrorBudgetBurn", ("api-availability page-1h fires", "api-availability page-1h stays"))
}


def _inlined_tree(tmp_path: Path, files: dict[str, tuple[str, tuple[str, ...]]]) -> list[str]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    tests = []
    for name, (alert, prefixes) in files.items():
        test = yaml.safe_load((ROOT / "prometheus" / "tests" / f"{name}.test.yml").read_text())
        test["tests"] = [t for t in test["tests"] if t["name"].startswith(prefixes)]
        step = duration_ms(test["evaluation_interval"])
        for rule_file in test["rule_files"]:
            source = (ROOT / "prometheus" / "tests" / rule_file).resolve()
            groups = yaml.safe_load(source.read_text())["groups"]
            inliner = inline.Inliner(inline.recordings_from(groups, step))
            for group in groups:
                group["rules"] = [r for r in group["rules"] if r.get("alert", alert) == alert]  # its recordings and its tiers
                for rule in group["rules"]:
                    if "alert" in rule:
                        rule["expr"] = inliner.expand(rule["expr"])
            (tmp_path / "rules" / source.name).write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        (tmp_path / "tests" / f"{name}.test.yml").write_text(yaml.safe_dump(test, sort_keys=False))
        tests.append(f"tests/{name}.test.yml")
    return tests


def _promtool(tmp_path: Path, tests: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("promtool"), "test", "rules", *tests], cwd=tmp_path, capture_output=True, text=True, check=False)


def test_generated_unit_tests_pass_on_the_inlined_expressions(tmp_path: Path) -> None:
    result = _promtool(tmp_path, _inlined_tree(tmp_path, FILES))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.stdout.count("SUCCESS") == len(FILES)


@pytest.mark.e2e  # promtool evaluates each subquery afresh at every step: about 10s on two cores
def test_slo_subqueries_pass_the_generated_unit_tests(tmp_path: Path) -> None:
    result = _promtool(tmp_path, _inlined_tree(tmp_path, SLO))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_a_broken_inliner_fails_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inline, "_filter", lambda body, matcher: body)  # forget status_code=~"5.." on a recording
    result = _promtool(tmp_path, _inlined_tree(tmp_path, {"api": FILES["api"]}))
    assert result.returncode == 1
    assert "ApiHighErrorRate critical silent at 0.045" in result.stdout + result.stderr


def _inliner(*recordings: tuple[str, str, dict[str, str]]) -> inline.Inliner:
    return inline.Inliner([inline.Recording(name, expr, tuple(sorted(lbl.items())), 15_000, "g") for name, expr, lbl in recordings])


def test_a_selector_no_recording_matches_is_empty() -> None:
    inl = _inliner(("a:b:c", "sum(x)", {"service": "api"}))
    assert inl.expand('a:b:c{service="web"} > 1') == "(absent(vector(1))) > 1"


def test_range_selectors_become_subqueries_at_the_recording_interval() -> None:
    inl = _inliner(("a:b:c", "sum(x)", {}))
    assert inl.expand("sum_over_time(a:b:c[1h])") == 'sum_over_time(((label_replace(sum(x{}), "__name__", "a:b:c", "", "")))[1h:15s])'


@pytest.mark.parametrize(
    ("expr", "recordings", "message"),
    [
        (
            "a:b:c offset 5m",
            [("a:b:c", "sum(x)", {})],
            "a:b:c{} offset 5m: offset and @ on a recording are not supported; write them on the raw series",
        ),
        ("a:b:c", [("a:b:c", "d:e:f", {}), ("d:e:f", "a:b:c", {})], "recording a:b:c reads itself through a:b:c -> d:e:f"),
        (
            '{__name__=~"a:.*"}',
            [("a:b:c", "sum(x)", {})],
            '{__name__=~"a:.*"}: selects recordings by a __name__ regex; name the recording instead',
        ),
        ("sum(", [], "cannot parse PromQL 'sum(': "),
    ],
    ids=["offset on a recording", "a recording cycle", "recordings by name regex", "bad PromQL"],
)
def test_what_cannot_be_inlined_says_why(expr: str, recordings: list[tuple[str, str, dict[str, str]]], message: str) -> None:
    with pytest.raises(BacktestError) as err:
        _inliner(*recordings).expand(expr)
    assert str(err.value).startswith(message)

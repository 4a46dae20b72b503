"""The backtest's `for` / keep_firing_for state machine, judged by promtool on the same series.

Each case is one series sampled every minute (a number, "stale" for a staleness marker as Prometheus writes
when a target vanishes, "_" for no sample) and one rule `x > 0.5`. The evaluator's states at every minute
become one promtool test: exp_alerts where it says firing, ALERTS{alertstate="pending"} where it says
pending, nothing elsewhere. promtool passing means Prometheus agrees at every evaluation.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml

from generators.backtest import evaluator
from generators.backtest.common import MINUTE, Labels
from tests.conftest import require_tool

LOOKBACK = 5  # minutes: Prometheus' default query.lookback-delta


@dataclass(frozen=True)
class Case:
    name: str
    values: tuple[float | str, ...]
    for_m: int
    keep_m: int = 0


CASES = [
    Case("fires on the first evaluation with for elapsed", (0, 1, 1, 1, 1, 1, 1, 0, 0), 3),
    Case("for 0 fires at once and resolves at the first evaluation without a result", (0, 1, 1, 0, 0, 1, 0), 0),
    Case("pending resets on a gap (stale marker)", (1, 1, "stale", 1, 1, 1, 1, 1, 0), 3),
    Case("a missing sample inside the lookback does not reset pending", (1, 1, "_", 1, 1, 1, 0, 0), 3),
    Case("a value back under the threshold resets pending", (1, 1, 0, 1, 1, 1, 1, 0), 3),
    Case("resolves at the first evaluation under the threshold, fires again after a full for", (1, 1, 1, 0, 1, 1, 1, 1, 0), 2),
    Case("a firing alert resolves on a gap, then needs its for again", (1, 1, 1, 1, "stale", 1, 1, 1, 1), 2),
    Case("keep_firing_for holds a firing alert through a short dip", (1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0), 2, keep_m=3),
    Case("keep_firing_for resolves keep_firing_for after the dip began", (1, 1, 1, 0, 0, 0, 0, 0, 0), 1, keep_m=2),
    Case("keep_firing_for does not hold a pending alert", (1, 1, 0, 1, 1, 1, 0), 2, keep_m=5),
]


def _rule(case: Case, n: int) -> evaluator.AlertRule:
    return evaluator.AlertRule("g", f"Case{n}", f"x{n} > 0.5", f"x{n} > 0.5", case.for_m * MINUTE, case.keep_m * MINUTE,
                               (("severity", "warning"),), MINUTE)  # fmt: skip


def _results(case: Case, n: int) -> dict[int, list[tuple[Labels, float]]]:
    """Instant query `x > 0.5` at each minute: the latest sample within the lookback, unless it is a stale marker."""
    out: dict[int, list[tuple[Labels, float]]] = {}
    series = (("__name__", f"x{n}"), ("job", "t"))
    for minute in range(len(case.values)):
        recent = [(m, v) for m, v in enumerate(case.values[: minute + 1]) if v != "_" and minute - m <= LOOKBACK]
        if recent and recent[-1][1] != "stale" and float(recent[-1][1]) > 0.5:
            out[minute * MINUTE] = [(series, float(recent[-1][1]))]
    return out


def _states(episodes: list[evaluator.Episode], minute: int) -> tuple[bool, bool]:
    """(pending, firing) at that minute."""
    t = minute * MINUTE
    live = [e for e in episodes if e.active_at <= t and (e.ended_at is None or t < e.ended_at)]
    return any(e.fired_at is None or t < e.fired_at for e in live), any(e.fired_at is not None and e.fired_at <= t for e in live)


def _promtool_case(case: Case, n: int, episodes: list[evaluator.Episode]) -> dict[str, object]:
    labels = {"job": "t", "severity": "warning"}
    alerts, exprs = [], []
    for minute in range(len(case.values)):
        pending, firing = _states(episodes, minute)
        alerts.append({"eval_time": f"{minute}m", "alertname": f"Case{n}", "exp_alerts": [{"exp_labels": labels}] if firing else []})
        sample = f'ALERTS{{alertname="Case{n}", alertstate="pending", job="t", severity="warning"}}'
        exprs.append({"expr": f'ALERTS{{alertname="Case{n}", alertstate="pending"}}', "eval_time": f"{minute}m",
                      "exp_samples": [{"labels": sample, "value": 1}] if pending else []})  # fmt: skip
    values = " ".join(str(v) for v in case.values)
    return {"name": case.name, "interval": "1m", "input_series": [{"series": f'x{n}{{job="t"}}', "values": values}],
            "alert_rule_test": alerts, "promql_expr_test": exprs}  # fmt: skip


def _promtool(tmp_path: Path, cases: list[Case], rules: list[evaluator.AlertRule]) -> subprocess.CompletedProcess[str]:
    groups = [{"name": "cases", "rules": []}]
    tests = []
    for n, (case, rule) in enumerate(zip(cases, rules, strict=True)):
        entry: dict[str, object] = {"alert": f"Case{n}", "expr": f"x{n} > 0.5", "for": f"{case.for_m}m", "labels": {"severity": "warning"}}
        if case.keep_m:
            entry["keep_firing_for"] = f"{case.keep_m}m"
        groups[0]["rules"].append(entry)  # type: ignore[attr-defined]
        tests.append(_promtool_case(case, n, evaluator.evaluate(rule, [m * MINUTE for m in range(len(case.values))], _results(case, n))))
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": groups}))
    (tmp_path / "test.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}))
    return subprocess.run(
        [require_tool("promtool"), "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )


def test_every_case_agrees_with_promtool(tmp_path: Path) -> None:
    rules = [_rule(c, n) for n, c in enumerate(CASES)]
    result = _promtool(tmp_path, CASES, rules)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        (lambda r: replace(r, for_ms=r.for_ms + MINUTE), "fires one evaluation late"),
        (lambda r: replace(r, keep_firing_for_ms=0), "ignores keep_firing_for"),
    ],
    ids=["a for one evaluation too long", "keep_firing_for dropped"],
)
def test_promtool_rejects_a_wrong_state_machine(tmp_path: Path, broken: object, why: str) -> None:
    """The judge discriminates: expectations from a subtly wrong evaluator fail promtool."""
    cases = [c for c in CASES if c.keep_m] if "keep" in why else CASES[:1]
    rules = [broken(_rule(c, n)) for n, c in enumerate(cases)]  # type: ignore[operator]
    result = _promtool(tmp_path, cases, rules)
    assert result.returncode == 1, why
    assert "FAILED" in result.stdout + result.stderr


def test_the_episodes_of_one_case() -> None:
    """The raw output on the first case: pending from minute 1, firing at 4 (= 1 + for 3m), resolved at 7."""
    rule = _rule(CASES[0], 0)
    episodes = evaluator.evaluate(rule, [m * MINUTE for m in range(9)], _results(CASES[0], 0))
    labels = (("alertname", "Case0"), ("job", "t"), ("severity", "warning"))
    assert episodes == [evaluator.Episode(labels, 1 * MINUTE, 4 * MINUTE, 7 * MINUTE)]


def test_duplicate_label_sets_fail_that_evaluation() -> None:
    """Two series that become one alert label set: Prometheus fails the evaluation, no state changes then."""
    rule = evaluator.AlertRule("g", "A", "x", "x", 0, 0, (), MINUTE)
    twins = [((("__name__", "a"), ("job", "t")), 1.0), ((("__name__", "b"), ("job", "t")), 1.0)]
    episodes = evaluator.evaluate(rule, [0, MINUTE], {0: twins, MINUTE: twins[:1]})
    assert [(e.active_at, e.fired_at) for e in episodes] == [(MINUTE, MINUTE)]

"""The report on a hand-made result: one warning alert that fired twice, one critical that paged (exact lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.backtest import report, rules, timeline
from generators.backtest.common import DAY, HOUR, MINUTE
from generators.backtest.evaluator import AlertRule, Episode
from generators.backtest.notify import Notification
from generators.backtest.run import Result
from tests.conftest import ROOT

START = 1_767_571_200_000


@pytest.fixture(scope="module")
def deployment() -> rules.Deployment:
    return rules.load(ROOT / "monitoring.yaml")


def _rule(dep: rules.Deployment, name: str, severity: str) -> AlertRule:
    return next(r for r in dep.rules if r.name == name and r.severity == severity and "escalation" not in dict(r.labels))


def _alert(rule: AlertRule) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({**dict(rule.labels), "alertname": rule.name}.items()))


def _result(dep: rules.Deployment, queue_warnings: int) -> Result:
    warn, crit = _rule(dep, "WorkerQueueBacklog", "warning"), _rule(dep, "ApiHighErrorRate", "critical")
    episodes = {r: [] for r in dep.rules}
    episodes[warn] = [
        Episode(_alert(warn), START + i * HOUR, START + i * HOUR + 15 * MINUTE, START + i * HOUR + 45 * MINUTE)
        for i in range(queue_warnings)
    ]
    episodes[crit] = [Episode(_alert(crit), START, START + 5 * MINUTE, START + 2 * HOUR)]
    notes = [
        Notification(START + i * HOUR + 16 * MINUTE, "backend-slack", "slack[0]", "route.routes[3]", (), (_alert(warn),), ())
        for i in range(queue_warnings)
    ]
    for integration in ("slack[0]", "pagerduty[0]"):
        notes.append(Notification(START + 6 * MINUTE, "alerts-slack+oncall-pager", integration, "route.routes[4]", (), (_alert(crit),), ()))
    return Result(dep, START, START + 7 * DAY, episodes, notes)


def test_markdown_tables(deployment: rules.Deployment) -> None:
    text = report.markdown(_result(deployment, 2))
    assert "| alerts-slack+oncall-pager (#alerts, PagerDuty) | 1 | 0.1 | 1 | 0.1 |" in text
    assert "| backend-slack (#backend-alerts) | 2 | 0.3 | 0 | 0.0 |" in text
    assert "| ApiHighErrorRate | critical | 1 | 1h55m | 1h55m | alerts-slack+oncall-pager 1 | 0.1 | 1.0 |" in text
    assert "| WorkerQueueBacklog | warning | 2 | 1h | 30m | backend-slack 2 | 0.0 | 0.0 |" in text
    tiers = len({report.tier_key((*r.labels, ("alertname", r.name))) for r in deployment.rules})
    assert f"{tiers - 2} other alert tiers never fired." in text


def test_compare_says_what_the_change_does(deployment: rules.Deployment) -> None:
    text = report.compare(_result(deployment, 14), _result(deployment, 2))
    assert "This change: 14 → 2 warning notifications/week on backend-slack (#backend-alerts); 1 → 1 pages/week." in text
    assert "| WorkerQueueBacklog | warning | 14 | 2 | 7h | 1h |" in text


def test_timeline_png(deployment: rules.Deployment, tmp_path: Path) -> None:
    rows = timeline.draw(_result(deployment, 2), tmp_path / "t.png", [("incident", START, START + HOUR)])
    assert rows == 3  # two alert tiers and the incident
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

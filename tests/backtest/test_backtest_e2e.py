"""End to end (make e2e): the backtest against Prometheus itself, and the alert quality figures on the corpus.

1. The native stack (tests/e2e_stack.py: the example spec, 1s scrapes and evaluations) runs its rules live
   while faults are injected; then the backtest evaluates the same rules over the same window from the
   same Prometheus' history. Every firing interval Prometheus recorded (its raw ALERTS samples) must be
   in the backtest, starting and ending within one evaluation interval, and nothing else may fire.
2. The corpus: no notification on a benign trace, every incident detected within its bound.
"""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import pytest

from generators.backtest import corpus, quality, rules, run, source, tsdb
from generators.backtest.common import SECOND, Labels
from tests import e2e_stack as e2e

pytestmark = pytest.mark.e2e


def _live_intervals(url: str, start: float, end: float, step_ms: int) -> dict[Labels, list[tuple[int, int | None]]]:
    """ALERTS{alertstate="firing"} as Prometheus wrote it: consecutive evaluations joined into intervals."""
    window = int(end - start) + 1
    query = urllib.parse.urlencode({"query": f'ALERTS{{alertstate="firing"}}[{window}s]', "time": f"{end:.3f}"})
    out: dict[Labels, list[tuple[int, int | None]]] = {}
    for series in e2e.get(f"{url}/api/v1/query?{query}")["data"]["result"]:
        key = tuple(sorted((k, v) for k, v in series["metric"].items() if k not in ("__name__", "alertstate")))
        times = [round(float(ts) * SECOND) for ts, _ in series["values"] if float(ts) >= start]
        spans: list[list[int]] = []
        for ts in times:
            if spans and ts - spans[-1][1] <= 1.5 * step_ms:
                spans[-1][1] = ts
            else:
                spans.append([ts, ts])
        last = round(end * SECOND)
        out[key] = [(a, b + step_ms if last - b > 1.5 * step_ms else None) for a, b in spans]
    return out


def test_backtest_reports_the_firing_intervals_prometheus_recorded(tmp_path: Path) -> None:
    stack, model = e2e.start(tmp_path)
    try:
        url = stack.url("prometheus")
        # A group's first evaluation writes no ALERTS sample (Prometheus restores `for` state first): the window
        # starts one evaluation before the Watchdog's first sample, when the rules began to be evaluated.
        e2e.wait_for("the first ALERTS sample", lambda: e2e.query(stack, 'ALERTS{alertname="Watchdog"}'), 30)
        # The subquery's 1s steps may not reach the newest sample yet: ask until it does.
        first = e2e.wait_for(
            "the first ALERTS sample in a subquery",
            lambda: e2e.query(stack, 'min_over_time(timestamp(ALERTS{alertname="Watchdog"})[1m:1s])'),
            10,
        )
        started = float(first[0]["value"][1]) - e2e.seconds(model.stack.evaluation_interval)
        time.sleep(5)
        e2e.fault(stack, error_rate=1.0)
        time.sleep(30)
        e2e.reset(stack)
        e2e.fault(stack, queue_depth=6000)
        time.sleep(12)
        e2e.reset(stack)
        time.sleep(20)
        end = time.time() - 2
        deployment = rules.load(e2e.write_spec(tmp_path))
        step = deployment.evaluation_interval_ms
        live = _live_intervals(url, started, end, step)
        result = run.backtest(
            deployment, source.Source(url, e2e.auth_headers(stack)), round(started * SECOND), round(end * SECOND), progress=False
        )
    finally:
        stack.stop()
    backtest: dict[Labels, list[tuple[int, int | None]]] = {}
    for episodes in result.episodes.values():
        for ep in episodes:
            if ep.fired_at is not None:
                backtest.setdefault(ep.labels, []).append((ep.fired_at, ep.ended_at))
    names = {dict(k)["alertname"] for k in live}
    assert {"Watchdog", "ApiHighErrorRate", "WorkerQueueBacklog"} <= names, names
    assert set(backtest) == set(live), set(backtest) ^ set(live)
    off = []
    for key, spans in live.items():
        mine = backtest[key]
        if len(mine) != len(spans):
            off.append((dict(key)["alertname"], spans, mine))
            continue
        for (a, b), (c, d) in zip(spans, mine, strict=True):
            ends_apart = (b is None) != (d is None) or (b is not None and d is not None and abs(b - d) > step)
            if abs(a - c) > step or ends_apart:
                off.append((dict(key)["alertname"], spans, mine))
    assert off == []


def test_corpus_quality_meets_the_goal() -> None:
    """0 notifications on benign traces (so 0 pages), every incident detected within its bound."""
    built = corpus.build()
    deployment = rules.load(e2e.ROOT / "monitoring.yaml")
    with tsdb.serve(tsdb.blocks()) as url:
        result = run.backtest(deployment, source.Source(url), built.start_ms, built.end_ms, progress=False)
    scored = quality.score(result, built.incidents)
    late = [(d.incident.name, d.delay_ms, d.bound_ms) for d in scored.detections if not d.within]
    assert late == []
    assert [(n.at, n.receiver, n.alertnames) for n in scored.false] == []
    assert sum(n.page for n in scored.true) >= len(built.incidents) - 2  # the two warning-tier incidents do not page

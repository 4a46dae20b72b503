"""One backtest: query every alert rule's expression over the window, run the state machine, route the alerts."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tqdm import tqdm

from generators.backtest import evaluator, notify, source
from generators.backtest.evaluator import AlertRule, Episode
from generators.backtest.rules import Deployment

WORKERS = 2  # queries in flight: the source is often a Prometheus on the same two cores


@dataclass(frozen=True)
class Result:
    deployment: Deployment
    start_ms: int
    end_ms: int
    episodes: dict[AlertRule, list[Episode]]
    notifications: list[notify.Notification]

    @property
    def days(self) -> float:
        return max(self.end_ms - self.start_ms, 1) / 86_400_000

    def alerts(self) -> list[notify.Alert]:
        """What Prometheus would have sent to Alertmanager: every episode that fired, external labels added."""
        out = []
        for eps in self.episodes.values():
            for ep in eps:
                if ep.fired_at is not None:
                    labels = notify.with_external_labels(ep.labels, self.deployment.external_labels)
                    out.append(notify.Alert(labels, ep.fired_at, ep.ended_at))
        return out


def backtest(deployment: Deployment, src: source.Source, start_ms: int, end_ms: int, progress: bool = True) -> Result:
    queries = deployment.queries()
    total = sum(len(list(source.chunks(start_ms, end_ms, interval))) for _, interval in queries)
    bar = tqdm(
        total=total, unit="query", desc=f"backtest {deployment.spec_path}", disable=not progress or None, file=sys.stderr, leave=False
    )

    def run(item: tuple[tuple[str, int], list[AlertRule]]) -> dict[AlertRule, list[Episode]]:
        (query, interval), rules = item
        series = src.query_range(query, start_ms, end_ms, interval, tick=lambda: bar.update())
        results = source.present(series)
        times = source.steps(start_ms, end_ms, interval)
        return {rule: evaluator.evaluate(rule, times, results) for rule in rules}

    episodes: dict[AlertRule, list[Episode]] = {}
    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for part in pool.map(run, queries.items()):
                episodes.update(part)
    finally:
        bar.close()
    ordered = {rule: episodes[rule] for rule in deployment.rules}
    partial = Result(deployment, start_ms, end_ms, ordered, [])
    notifications = notify.Simulator(deployment.alertmanager, start_ms).run(partial.alerts(), end_ms)
    return Result(deployment, start_ms, end_ms, ordered, notifications)

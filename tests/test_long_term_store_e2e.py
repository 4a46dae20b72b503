"""End to end (make e2e): an HA pair writes to a native VictoriaMetrics; losing one replica leaves one correct view.

The stack is the e2e spec with `ha: {replicas: 2}` and `long_term_store: {}` (tests/e2e_stack.py, demo_store.py):
prometheus-0 and prometheus-1 run the rendered replica configs, both remote_write to Debian's victoria-metrics
with the replica label dropped, which runs with -dedup.minScrapeInterval = the scrape interval. The single
Prometheus is stopped first, so only the pair writes. prometheus-1 is then killed (SIGKILL) for two minutes and
started again. Over that whole window the store's sum(rate()) of the demo app's request counter must equal the
surviving replica's at every step within 2 %: a gap would drop it, a double count (the replica label reaching
the store, or no deduplication) would double it. While prometheus-1 is down, every dashboard panel query must
return data through the store exactly when it does through prometheus-0.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from generators.model import conventions
from generators.stack import demo
from tests import e2e_stack as e2e
from tests.conftest import ROOT, require_tool

pytestmark = pytest.mark.e2e
COUNTER = 'sum(rate(http_requests_total{job="api"}[1m]))'  # the demo app serves 5 requests/s (compose/demo-app)
OUTAGE_S = 120  # prometheus-1 is down this long
WARM_UP_S = 70  # the first compared step's [1m] window holds only samples both wrote
AFTER_S = 15  # compared after prometheus-1 is back
LATENCY_OFFSET_S = 31  # VictoriaMetrics hides the newest 30s of samples (-search.latencyOffset), so wait past it
STEP_S = 5
TOLERANCE = 0.02


@dataclass
class Live:
    stack: demo.Stack
    store: str
    replica: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    for tool in (*e2e.BINARIES, "victoria-metrics"):
        require_tool(tool)
    stack, _ = e2e.start(tmp_path_factory.mktemp("lts"), {"ha": {"replicas": 2}, "long_term_store": {}})
    try:
        stack.stop_one("prometheus")  # only the HA pair writes to the store from here on
        yield Live(stack, stack.url(conventions.LONG_TERM_STORE_SERVICE), stack.url("prometheus-0"))
    finally:
        stack.stop()


def _range(base: str, expr: str, start: float, end: float) -> dict[float, float]:
    params = {"query": expr, "start": start, "end": end, "step": STEP_S}
    result: list[dict[str, Any]] = e2e.get(f"{base}/api/v1/query_range?" + urllib.parse.urlencode(params), timeout=15)["data"]["result"]
    assert len(result) <= 1, result
    return {float(t): float(v) for t, v in result[0]["values"]} if result else {}


def _panels_with_data(base: str, at: float) -> set[str]:
    return {title for title, expr in e2e.panel_queries(ROOT) if e2e.query_at(base, expr, time=at)}


def test_the_store_counts_once_through_a_two_minute_replica_loss(live: Live) -> None:
    e2e.wait_for("the store to hold the counter", lambda: e2e.query_at(live.store, 'http_requests_total{job="api"}'), timeout=60)
    time.sleep(WARM_UP_S)
    killed = time.time()
    live.stack.kill("prometheus-1")
    time.sleep(LATENCY_OFFSET_S)
    at = killed + 20  # every panel's window reaches into the outage; the store's data there is prometheus-0's alone
    via_store, via_replica = _panels_with_data(live.store, at), _panels_with_data(live.replica, at)
    print(f"\n{len(via_replica)} panels with data through prometheus-0, {len(via_store)} through the store")
    assert sorted(via_store) == sorted(via_replica), json.dumps(
        {"only_store": sorted(via_store - via_replica), "only_replica": sorted(via_replica - via_store)}
    )
    time.sleep(max(0.0, killed + OUTAGE_S - time.time()))
    back = time.time()
    live.stack.start_one("prometheus-1")
    time.sleep(AFTER_S + LATENCY_OFFSET_S)

    start = (killed - 10) // STEP_S * STEP_S
    end = back + AFTER_S
    store, replica = _range(live.store, COUNTER, start, end), _range(live.replica, COUNTER, start, end)
    ratios = {t: store.get(t, 0.0) / v for t, v in replica.items() if v}
    worst = max(ratios.items(), key=lambda item: abs(item[1] - 1)) if ratios else (start, 0.0)
    print(
        f"{len(ratios)} steps of {STEP_S}s over {end - start:.0f}s (prometheus-1 down {back - killed:.0f}s): "
        f"store/replica {min(ratios.values(), default=0):.4f}..{max(ratios.values(), default=0):.4f}, "
        f"replica {min(replica.values(), default=0):.3f}..{max(replica.values(), default=0):.3f}/s"
    )
    assert len(ratios) >= (end - start) // STEP_S, f"prometheus-0 has {len(ratios)} steps of {(end - start) // STEP_S}"
    assert sorted(store) == sorted(replica), "the store has a gap: " + str(sorted(set(replica) - set(store))[:5])
    assert abs(worst[1] - 1) <= TOLERANCE, f"at {worst[0] - killed:+.0f}s from the kill: store/replica {worst[1]:.4f}"

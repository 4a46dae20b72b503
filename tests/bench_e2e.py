"""`make bench`, part 2: breach -> notification latency on the native stack, next to its theoretical bound.

Each run injects a queue backlog above the critical threshold (a gauge: no rate window to fill), waits for
the PagerDuty sink's trigger, removes the fault and waits for the resolve, so every run is a new group.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from generators.stack import demo
from generators.stack.sinks import Received
from tests import e2e_stack as e2e

RUNS = 5
ALERT = "WorkerQueueBacklog"


def one_run(stack: demo.Stack, bound: float) -> float:
    """Seconds from the fault to the page; returns once the resolve arrived too (the next run is a new group)."""
    since = time.time()
    e2e.fault(stack, queue_depth=6000)
    page = e2e.wait_for("the page", lambda: e2e.pagerduty(stack, ALERT, since=since), timeout=bound + 30)[0]
    e2e.reset(stack)
    key = page.body["dedup_key"]

    def resolved() -> list[Received]:
        return [
            r for r in stack.sinks.received("pagerduty", since=since) if r.body["dedup_key"] == key and r.body["event_action"] == "resolve"
        ]

    e2e.wait_for("the resolve", resolved, timeout=60)
    return page.at - since


def main(runs: int = RUNS) -> int:
    missing = [b for b in e2e.BINARIES if shutil.which(b) is None]
    if missing:
        print(f"breach -> notification: skipped ({', '.join(missing)} not installed)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stack, model = e2e.start(Path(tmp))
        try:
            bound = e2e.breach_bound(model, ALERT, "critical", window_fill=0.0)
            latencies = [one_run(stack, sum(bound.values())) for _ in range(runs)]
        finally:
            stack.stop()
    terms = ", ".join(f"{k} {v:g}s" for k, v in bound.items() if v)
    print(f"breach -> PagerDuty ({ALERT} critical, {runs} runs): median {statistics.median(latencies):.1f}s, max {max(latencies):.1f}s")
    print(f"  theoretical bound {sum(bound.values()):g}s = {terms}")
    print(f"  runs: {', '.join(f'{x:.1f}s' for x in latencies)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

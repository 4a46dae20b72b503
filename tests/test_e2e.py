"""End to end (make e2e): the native stack from a threshold breach to what the notification sinks receive.

One stack for the module (tests/e2e_stack.py: the example spec with second-scale timings), scenarios in
file order; each uses its own alert group so the others' leftovers cannot be mistaken for its result.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from generators.catalog import versions
from generators.model.types import Model
from generators.outputs.grafana import infrastructure
from generators.stack import demo
from tests import e2e_stack as e2e
from tests.conftest import ROOT, require_tool

pytestmark = pytest.mark.e2e
RUNBOOKS = "https://github.com/acme/monitoring/blob/main/docs/runbooks"
# Panels allowed to show no data on the native stack, and why. Anything else without data fails.
CADVISOR = "cAdvisor has no Debian package: the native stack has no container metrics"
EXPECTED_EMPTY = {
    **{
        f"infrastructure: {title}": CADVISOR
        for title in (
            "Target state",
            "Samples per scrape",
            "Series of container_cpu_usage_seconds_total",
            "CPU per container (cores)",
            "Memory working set",
            "Memory used of limit",
            "CPU throttled periods",
            "Restarts (15m window)",
        )
    },
    "app-performance: Replication lag": "Debian's postgres-exporter 0.11 has no replication collector "
    "(pg_replication_lag_seconds: >= 0.12), and the demo PostgreSQL has no replica",
}
# Allowed empty only while the query beside them returns nothing (the reason).
EMPTY_WHILE = {
    "synthetic-probes: TLS certificate time left": ('probe_success{job="blackbox"} == 1', "no probe reached its https URL (no internet)"),
    "service-health: Firing alerts": ('ALERTS{alertstate="firing", service="api"}', "no api alert fires at the moment"),
    "service-health: Endpoint error ratio": ('http_requests_total{status_code=~"5.."}', "no api request failed yet"),
    "infrastructure: Filesystem time until full (6h trend)": (
        f"deriv(node_filesystem_avail_bytes{{{infrastructure.FS}}}[6h]) < 0",
        "no filesystem of this machine is filling up at the moment (the panel lists only those that are)",
    ),
}


@dataclass
class Live:
    stack: demo.Stack
    model: Model
    started: float
    notes: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    for tool in e2e.BINARIES:
        require_tool(tool)
    stack, model = e2e.start(tmp_path_factory.mktemp("e2e"))
    try:
        yield Live(stack, model, time.time())
    finally:
        stack.stop()


def test_a_breach_pages_once_with_labels_and_annotations_within_the_bound(live: Live) -> None:
    stack = live.stack
    injected = time.time()
    e2e.fault(stack, error_rate=1)
    # 100% errors into a 5m window: the ratio passes 5% after at most 5% of the window (15s).
    bound = e2e.breach_bound(live.model, "ApiHighErrorRate", "critical", window_fill=0.05 * 300)
    first = e2e.wait_for("the PagerDuty trigger", lambda: e2e.pagerduty(stack, "ApiHighErrorRate"), timeout=sum(bound.values()) + 30)[0]
    latency = first.at - injected
    live.notes["breach"] = (latency, bound)
    print(f"\nbreach -> PagerDuty {latency:.1f}s; bound {sum(bound.values()):.0f}s = {bound}")
    assert latency <= sum(bound.values())

    event = first.body
    assert (event["routing_key"], event["payload"]["severity"]) == ("oncall-pager", "critical")
    assert event["payload"]["summary"] == "ApiHighErrorRate (api): api: too many requests fail"
    details = event["payload"]["custom_details"]["firing"]
    for line in (
        " - alertname = ApiHighErrorRate",
        " - service = api",
        " - severity = critical",
        " - team = backend",
        f" - runbook_url = {RUNBOOKS}/ApiHighErrorRate.md",
        " - dashboard_url = http://localhost:3000/d/service-health/service-health?var-service=api&viewPanel=571727082",
    ):
        assert line in details.splitlines(), details
    described = re.search(r" - description = ([\d.]+)% of api requests answered 5\.\. over the last 5m\. Threshold: > 5% for 5s\.", details)
    assert described is not None and float(described.group(1)) > 5, details
    e2e.wait_for("the #alerts Slack message", lambda: e2e.slack(stack, "alerts-slack", "ApiHighErrorRate"), timeout=10)

    # The warning tier fires too (> 2% for 20s) but the critical one inhibits it: wait until it would have
    # been sent (firing + group_wait), and until the second Alertmanager would have sent a duplicate page.
    e2e.wait_for("the warning tier to fire", lambda: e2e.firing(stack, "ApiHighErrorRate", "warning"), timeout=60)
    time.sleep(max(e2e.seconds(live.model.routing.timings["warning"]["group_wait"]) + 3, first.at + e2e.PEER_TIMEOUT + 3 - time.time()))
    for channel in ("backend-slack", "warnings-slack"):
        assert e2e.slack(stack, channel, "ApiHighErrorRate") == [], channel
    assert len(e2e.pagerduty(stack, "ApiHighErrorRate")) == 1
    assert len(e2e.slack(stack, "alerts-slack", "ApiHighErrorRate")) == 1
    live.notes["dedup_key"] = event["dedup_key"]


def test_watchdog_reaches_the_dead_mans_switch(live: Live) -> None:
    def watchdog() -> list[Any]:
        return [r for r in live.stack.sinks.received("webhook", "deadmans-switch") if r.body["commonLabels"]["alertname"] == "Watchdog"]

    # 75s: when the very first send races the Alertmanagers' start, Prometheus resends after 1m.
    first = e2e.wait_for("the Watchdog webhook", watchdog, timeout=75)[0].body
    assert (first["version"], first["status"], first["receiver"]) == ("4", "firing", "deadmans-switch")
    assert first["commonLabels"] == {
        "alertname": "Watchdog",
        "cluster": "demo",
        "environment": "production",
        "service": "monitoring",
        "severity": "none",
        "team": "platform",
    }


def test_removing_the_fault_sends_resolved_notifications(live: Live) -> None:
    stack = live.stack
    assert "dedup_key" in live.notes, "needs the breach scenario"
    # The 5m window still holds the errors: healthy traffic at 3000/s dilutes them below 2% within seconds.
    e2e.fault(stack, error_rate=0, rps=3000)
    try:

        def resolved() -> list[Any]:
            return [
                r
                for r in stack.sinks.received("pagerduty")
                if r.body["event_action"] == "resolve" and r.body["dedup_key"] == live.notes["dedup_key"]
            ]

        e2e.wait_for("the PagerDuty resolve", resolved, timeout=60)
        e2e.wait_for("the [RESOLVED] Slack message", lambda: e2e.slack(stack, "alerts-slack", "ApiHighErrorRate", "RESOLVED"), timeout=15)
        # (While the ratio passes between the tiers, the no longer inhibited warning may notify: that is right.)
    finally:
        e2e.reset(stack)


def test_one_notification_per_group_when_an_alertmanager_dies_mid_incident(live: Live) -> None:
    stack = live.stack
    e2e.fault(stack, queue_depth=6000)
    try:
        e2e.wait_for("WorkerQueueBacklog to fire", lambda: e2e.firing(stack, "WorkerQueueBacklog", "critical"), timeout=30, every=0.1)
        stack.kill("alertmanager-1")  # before its group_wait (2s) ends: the peer must take over
        killed = time.time()
        e2e.wait_for("the page from the surviving peer", lambda: e2e.pagerduty(stack, "WorkerQueueBacklog"), timeout=e2e.PEER_TIMEOUT + 30)
        time.sleep(max(5.0, killed + e2e.PEER_TIMEOUT + 5 - time.time()))  # past the point where a duplicate could come
        pages, messages = e2e.pagerduty(stack, "WorkerQueueBacklog"), e2e.slack(stack, "alerts-slack", "WorkerQueueBacklog")
        print(f"\npeer loss: page {pages[0].at - killed:.1f}s after the kill")
        assert (len(pages), len(messages)) == (1, 1)
    finally:
        e2e.reset(stack)
        stack.start_one("alertmanager-1")


def test_a_failing_pagerduty_delays_the_page_and_fires_the_self_monitoring_alert(live: Live) -> None:
    stack = live.stack
    outage = 30.0
    stack.sinks.fail_pagerduty(outage)
    recovered = time.time() + outage
    e2e.fault(stack, quota=0.97)
    try:
        slack = e2e.wait_for(
            "the Slack message (not blocked)", lambda: e2e.slack(stack, "alerts-slack", "LlmProviderQuotaNearlyExhausted"), timeout=30
        )
        assert slack[0].at < recovered
        e2e.wait_for(
            "AlertmanagerNotificationsFailing", lambda: e2e.firing(stack, "AlertmanagerNotificationsFailing"), timeout=outage + 30, every=1
        )
        pages = e2e.wait_for(
            "the page after recovery", lambda: e2e.pagerduty(stack, "LlmProviderQuotaNearlyExhausted"), timeout=outage + 40
        )
        assert stack.sinks.pagerduty_failures > 0
        assert pages[0].at >= recovered
        assert {p.body["dedup_key"] for p in pages} == {pages[0].body["dedup_key"]}  # retries of one incident
        failing = e2e.query(stack, 'ALERTS{alertname="AlertmanagerNotificationsFailing", alertstate="firing"}')
        assert {a["metric"]["integration"] for a in failing} == {"pagerduty"}
        # the stack's alert about it reaches Slack, never the integration that fails (alertmanager_routes.avoiding)
        e2e.wait_for(
            "AlertmanagerNotificationsFailing on Slack",
            lambda: e2e.slack(stack, "alerts-slack", "AlertmanagerNotificationsFailing"),
            timeout=15,
        )
        assert e2e.pagerduty(stack, "AlertmanagerNotificationsFailing") == []
        print(f"\nreceiver outage: {stack.sinks.pagerduty_failures} answers 500, page {pages[0].at - recovered:.1f}s after recovery")
    finally:
        stack.sinks.fail_pagerduty(0)
        e2e.reset(stack)


def test_a_silence_survives_an_alertmanager_restart(live: Live) -> None:
    stack = live.stack
    now = time.time()
    silence = {
        "matchers": [{"name": "alertname", "value": "E2ESilenceProbe", "isRegex": False, "isEqual": True}],
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60)),
        "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600)),
        "createdBy": "e2e",
        "comment": "must survive a restart",
    }
    created = e2e.post(f"{stack.url('alertmanager-1')}/api/v2/silences", silence)["silenceID"]

    def silences(peer: str) -> list[dict[str, Any]]:
        found = e2e.get(f"{stack.url(peer)}/api/v2/silences?" + urllib.parse.urlencode({"filter": 'alertname="E2ESilenceProbe"'}))
        return [s for s in found if s["id"] == created and s["status"]["state"] == "active"]

    e2e.wait_for("the silence to reach the peer", lambda: silences("alertmanager-2"), timeout=20)
    stack.stop_one("alertmanager-2")
    stack.stop_one("alertmanager-1")
    stack.start_one("alertmanager-1")  # alone: the silence can only come from its storage
    assert [s["comment"] for s in silences("alertmanager-1")] == ["must survive a restart"]
    stack.start_one("alertmanager-2")
    assert [s["createdBy"] for s in silences("alertmanager-2")] == ["e2e"]


def test_every_dashboard_panel_has_data_except_the_listed_ones(live: Live) -> None:
    """Last: by now the faults of the scenarios above have produced errors and alerts too."""
    empty: dict[str, str] = {}
    checked = set()
    for title, expr in e2e.panel_queries(ROOT):
        checked.add(title)
        if not e2e.query(live.stack, expr) and title not in empty:
            empty[title] = expr
    time.sleep(3)  # a series that just appeared or vanished (an alert changing state) gets a second look
    empty = {title: expr for title, expr in empty.items() if not e2e.query(live.stack, expr)}
    print(f"\n{len(checked)} panels checked; {len(checked) - len(empty)} with data; without data:")
    for title, expr in sorted(empty.items()):
        print(f"  {title}: {expr}")
    allowed = dict(EXPECTED_EMPTY)
    exporter = require_tool("prometheus-postgres-exporter")  # the version on PATH: make e2e runs the current set
    if tuple(int(n) for n in versions.reported_version(exporter).split(".")) >= (0, 12):
        allowed.pop("app-performance: Replication lag")  # the replication collector came with 0.12
    allowed |= {title: why for title, (expr, why) in EMPTY_WHILE.items() if not e2e.query(live.stack, expr)}
    print("\n".join(f"  {title}: {why}" for title, why in sorted(allowed.items()) if title in empty))
    assert sorted(empty) == sorted(allowed), json.dumps(empty, indent=1)

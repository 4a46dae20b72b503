"""The Alertmanager simulation: routing judged by amtool, timers and muting against hand-computed timelines.

The expected timelines are worked out from Alertmanager 0.25's rules (docs/backtest.md lists them), not
copied from the simulator: group_wait then group_interval ticks, a repeat at the first tick more than
repeat_interval after the last send, inhibition and time intervals checked at the tick, resolved alerts
dropped from the group after a flush, empty groups removed at the 30s maintenance.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.backtest import notify, rules
from generators.backtest.common import HOUR, MINUTE, SECOND, labels
from generators.backtest.routing import Route, matches
from tests.conftest import ROOT, require_tool

MONDAY = 1_767_571_200_000  # 2026-01-05 00:00 UTC
SATURDAY = MONDAY + 5 * 24 * HOUR
SUNDAY = MONDAY + 6 * 24 * HOUR


@pytest.fixture(scope="module")
def deployment() -> rules.Deployment:
    return rules.load(ROOT / "monitoring.yaml")


def _routing_label_sets(dep: rules.Deployment) -> list[dict[str, str]]:
    """Every rendered alert rule's labels as Alertmanager gets them, one per combination of matcher outcomes in the
    tree (two label sets that every matcher treats alike are routed alike)."""
    root = notify.parse_route(dep.alertmanager["route"])
    matchers = [m for route in root.walk() for m in route.matchers]
    seen, out = set(), []
    for rule in dep.rules:
        lset = dict(notify.with_external_labels((*rule.labels, ("alertname", rule.name)), dep.external_labels))
        key = tuple(matches(m, lset) for m in matchers)
        if key not in seen:
            seen.add(key)
            out.append(lset)
    return out


def _amtool(config: Path, lset: dict[str, str]) -> list[str]:
    argv = [require_tool("amtool"), "config", "routes", "test", f"--config.file={config}", *(f"{k}={v}" for k, v in sorted(lset.items()))]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    return out.split(",")


def _receivers(root: Route, lset: dict[str, str]) -> list[str]:
    return [r.receiver for r in root.match(lset)]


def test_routes_agree_with_amtool(deployment: rules.Deployment, tmp_path: Path) -> None:
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump(dict(deployment.alertmanager)))
    root = notify.parse_route(deployment.alertmanager["route"])
    cases = _routing_label_sets(deployment)
    with ThreadPoolExecutor(max_workers=4) as pool:
        judged = list(pool.map(lambda lset: _amtool(config, lset), cases))
    disagree = [
        (lset["alertname"], _receivers(root, lset), want)
        for lset, want in zip(cases, judged, strict=True)
        if _receivers(root, lset) != want
    ]
    assert len(cases) >= 10
    assert disagree == []
    # among the cases, one that only a walk honouring `continue` gets right (the SLO tier's extra channel)
    slo = [c for c in cases if c.get("tier") == "page-1h" and c.get("slo") == "api-availability"]
    assert [_amtool(config, c) for c in slo] == [["backend-slack", "alerts-slack+oncall-pager"]]


CONFIG: dict[str, Any] = {
    "route": {"receiver": "team", "group_by": ["alertname"], "group_wait": "30s", "group_interval": "5m", "repeat_interval": "1h"},
    "receivers": [{"name": "team", "webhook_configs": [{"url": "http://sink", "send_resolved": True}]}],
}


def _with(**route: Any) -> dict[str, Any]:
    return {**CONFIG, "route": {**CONFIG["route"], **route}}


def A(start: int, end: int | None = None, **extra: str) -> notify.Alert:
    return notify.Alert(labels({"alertname": "A", **extra}), start, end)


def _sent(config: dict[str, Any], alerts: list[notify.Alert], start: int, end: int) -> list[tuple[int, list[str], list[str]]]:
    """(seconds after start, firing alertnames, resolved alertnames) of every notification."""
    notes = notify.Simulator(config, start).run(alerts, end)
    show = lambda group: sorted(f"{dict(a)['alertname']}{dict(a).get('n', '')}" for a in group)  # noqa: E731
    return [((n.at - start) // SECOND, show(n.firing), show(n.resolved)) for n in notes]


S = SECOND
TIMELINES = [
    ("first notification after group_wait", CONFIG, [A(10 * S)], 20 * MINUTE, [(40, ["A"], [])]),
    ("a second alert of the group waits for the group_interval tick", CONFIG, [A(10 * S, n="1"), A(100 * S, n="2")], 20 * MINUTE,
     [(40, ["A1"], []), (340, ["A1", "A2"], [])]),
    ("resolved at the next tick", CONFIG, [A(10 * S, 200 * S)], 20 * MINUTE, [(40, ["A"], []), (340, [], ["A"])]),
    ("send_resolved false: no resolved message", {**CONFIG, "receivers": [{"name": "team", "webhook_configs": [{"url": "http://s", "send_resolved": False}]}]},
     [A(10 * S, 200 * S)], 20 * MINUTE, [(40, ["A"], [])]),
    ("an alert gone before group_wait ends is never sent", CONFIG, [A(10 * S, 20 * S)], 20 * MINUTE, []),
    ("repeat at the first tick more than repeat_interval after the last send", CONFIG, [A(10 * S)], 3 * HOUR,
     [(40, ["A"], []), (3940, ["A"], []), (7840, ["A"], [])]),
    ("repeat_interval equal to group_interval: every second tick", _with(group_wait="0s", group_interval="1m", repeat_interval="1m"),
     [A(0)], 5 * MINUTE, [(0, ["A"], []), (120, ["A"], []), (240, ["A"], [])]),
    ("re-fired before the empty group is removed: waits for its tick", CONFIG, [A(10 * S, 100 * S), A(350 * S)], 20 * MINUTE,
     [(40, ["A"], []), (340, [], ["A"]), (640, ["A"], [])]),
    ("re-fired after the maintenance removed the group: a new group_wait", CONFIG, [A(10 * S, 100 * S), A(400 * S)], 20 * MINUTE,
     [(40, ["A"], []), (340, [], ["A"]), (430, ["A"], [])]),
]  # fmt: skip


@pytest.mark.parametrize(("config", "alerts", "length", "want"), [t[1:] for t in TIMELINES], ids=[t[0] for t in TIMELINES])
def test_timers(config: dict[str, Any], alerts: list[notify.Alert], length: int, want: list[Any]) -> None:
    assert _sent(config, alerts, 0, length) == want


INHIBIT = {
    **_with(group_by=["alertname", "severity"]),
    "inhibit_rules": [{"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'], "equal": ["alertname"]}],
}


def test_inhibited_warning_notifies_once_the_critical_resolves() -> None:
    """C (critical) at 0s, W (warning, same alertname) at 10s: W's ticks at 40s and 340s are muted while C fires;
    C resolves at 400s (sent at its 630s tick); W's next tick, 640s, sends it."""
    alerts = [A(0, 400 * S, severity="critical", n="C"), A(10 * S, severity="warning", n="W")]
    assert _sent(INHIBIT, alerts, 0, 20 * MINUTE) == [(30, ["AC"], []), (630, [], ["AC"]), (640, ["AW"], [])]


def test_an_alert_matching_both_sides_does_not_mute_itself() -> None:
    config = {**CONFIG, "inhibit_rules": [{"source_matchers": ['team="x"'], "target_matchers": ['team="x"'], "equal": ["alertname"]}]}
    assert _sent(config, [A(0, team="x")], 0, 2 * MINUTE) == [(30, ["A"], [])]


def test_active_time_intervals_hold_the_notification_until_business_hours() -> None:
    """Fired Saturday 10:00; ticks every 5m from 10:00:30; the first tick inside Monday 09:00-18:00 is 09:00:30."""
    config = {
        **_with(routes=[{"matchers": ['alertname="A"'], "receiver": "team", "active_time_intervals": ["business"]}]),
        "time_intervals": [{"name": "business", "time_intervals": [{"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "18:00"}]}]}],
    }  # fmt: skip
    notes = notify.Simulator(config, SATURDAY).run([A(SATURDAY + 10 * HOUR)], SATURDAY + (2 * 24 + 9) * HOUR + 30 * MINUTE)
    assert [(n.at - SATURDAY) // SECOND for n in notes] == [(2 * 24 + 9) * 3600 + 30]


def test_a_resolve_during_a_mute_window_is_never_sent() -> None:
    """Fired Sunday 01:55 (sent 01:55:30), resolved 02:10 inside the 02:00-04:00 mute: the flush drops it unsent."""
    config = {
        **_with(routes=[{"matchers": ['alertname="A"'], "receiver": "team", "mute_time_intervals": ["night"]}]),
        "time_intervals": [{"name": "night", "time_intervals": [{"weekdays": ["sunday"], "times": [{"start_time": "02:00", "end_time": "04:00"}]}]}],
    }  # fmt: skip
    alerts = [A(SUNDAY + 115 * MINUTE, SUNDAY + 130 * MINUTE)]
    notes = notify.Simulator(config, SUNDAY).run(alerts, SUNDAY + 6 * HOUR)
    assert [((n.at - SUNDAY) // SECOND, len(n.firing), len(n.resolved)) for n in notes] == [(115 * 60 + 30, 1, 0)]


def test_continue_notifies_both_receivers_and_pages_count_pager_integrations() -> None:
    config = {
        "route": {"receiver": "chat", "group_wait": "10s", "routes": [
            {"matchers": ['severity="critical"'], "receiver": "chat", "continue": True},
            {"matchers": ['severity="critical"'], "receiver": "pager"},
        ]},
        "receivers": [{"name": "chat", "slack_configs": [{"channel": "#a", "send_resolved": True}]},
                      {"name": "pager", "pagerduty_configs": [{"routing_key_file": "/k"}]}],
    }  # fmt: skip
    notes = notify.Simulator(config, 0).run([A(0, severity="critical")], MINUTE)
    assert [(n.receiver, n.integration, n.page) for n in notes] == [("chat", "slack[0]", False), ("pager", "pagerduty[0]", True)]

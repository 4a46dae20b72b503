"""The stack's alert about failing notifications of one integration never goes to that integration (amtool judges)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.pipeline import spec, writer
from generators.validate import alertmanager_check
from tests.conftest import ROOT, require_tool

EXAMPLE = (ROOT / "monitoring.yaml").read_text()
FAILING = "AlertmanagerNotificationsFailing"
LABELS = {"alertname": FAILING, "service": "alertmanager", "severity": "critical", "team": "platform"}


def variant(old: str, new: str) -> str:
    assert old in EXAMPLE, f"monitoring.yaml no longer contains {old!r}"
    return EXAMPLE.replace(old, new)


SLACK_ONLY_PAGES = variant("  critical: [oncall-pager, alerts-slack]\n", "  critical: [alerts-slack]\n")
NO_OTHER_TYPE = (
    variant("  critical: [oncall-pager, alerts-slack]\n", "  critical: [alerts-slack]\n")
    .replace("  info: [digest-email]\n", "  info: [warnings-slack]\n")
    .replace("    channel: digest-email\n", "    channel: warnings-slack\n")
)  # the scheduled reports' channel too


@pytest.mark.parametrize(
    ("text", "failing", "receivers"),
    [
        pytest.param(EXAMPLE, "pagerduty", ["alerts-slack"], id="PagerDuty failing: the critical page goes to Slack only"),
        pytest.param(EXAMPLE, "slack", ["oncall-pager"], id="Slack failing: to PagerDuty only"),
        pytest.param(EXAMPLE, "email", ["alerts-slack+oncall-pager"], id="email failing: its route has no email channel, unchanged"),
        pytest.param(EXAMPLE, "webhook", ["alerts-slack+oncall-pager"], id="the Watchdog's webhook failing: unchanged"),
        pytest.param(SLACK_ONLY_PAGES, "slack", ["digest-email"], id="no other channel on the route: the first severity list with one"),
        pytest.param(NO_OTHER_TYPE, "slack", ["alerts-slack"], id="no channel of another type anywhere: where it went (warned)"),
    ],
)
def test_a_failing_integration_is_routed_around(tmp_path: Path, text: str, failing: str, receivers: list[str]) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    model, _ = spec.load(path)
    labels = {**LABELS, "integration": failing}
    assert am_routes.expected_receivers(model, labels) == receivers
    files = {k: v for k, v in alertmanager.build(model).items() if k != alertmanager.ROUTE_TESTS}  # what amtool reads
    writer.write_tree(tmp_path / "out", writer.to_bytes(files))
    require_tool("amtool")
    verdict = alertmanager_check.route_test(tmp_path / "out", {"alert": FAILING, "labels": labels, "receivers": receivers})
    assert verdict is None


def test_every_integration_the_channels_use_has_a_route_test() -> None:
    model = spec.load(ROOT / "monitoring.yaml")[0]
    tested = [c["labels"].get("integration") for c in am_routes.cases(model) if c["alert"] == FAILING]
    assert tested == [None, "email", "pagerduty", "slack", "webhook"]  # the rule's own tier, then one per integration
    assert [r["matchers"] for r in alertmanager.config(model)["route"]["routes"] if 'integration="pagerduty"' in r["matchers"]] == [
        ['alertname="AlertmanagerNotificationsFailing"', 'severity="critical"', 'integration="pagerduty"']
    ]


def test_a_spec_whose_channels_are_all_one_integration_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(NO_OTHER_TYPE)  # the Watchdog's webhook does not count: it reaches a dead man's switch, not people
    _, warnings = spec.load(path)
    assert [str(w).split(": ", 1)[1] for w in warnings if "NotificationsFailing" in str(w)] == [
        "routing: warning: every channel is a slack channel: when slack notifications fail, AlertmanagerNotificationsFailing "
        "can reach nobody (add a channel of another type, e.g. email)"
    ]

"""SLO burn-rate tiers in Alertmanager: tier inhibition, extra channel routes, route tests judged by amtool.

The spec below has two SLOs on one service, a team route without `continue` for warnings, and two tiers
with extra channels. Receivers were worked out by hand from the routing semantics:
extra route first (continue), then team, then severity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.model import build_model
from generators.model.types import Model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.outputs.prometheus import slo_rules
from generators.pipeline import spec, writer
from generators.spec import source
from generators.validate import alertmanager_check
from tests.conftest import ROOT, require_tool
from tests.outputs.alertmanager.test_alertmanager import inhibited

SPEC = """\
version: 1
channels:
  pager: {type: webhook, url: "http://sink/pager"}
  extra: {type: webhook, url: "http://sink/extra"}
  team: {type: webhook, url: "http://sink/team"}
routing:
  critical: [pager]
  warning: [extra]
  teams:
    backend: {warning: [team]}
services:
  api:
    team: backend
    kind: http
    targets: ["api:8000"]
    metrics: {status_label: status_code}
    slos:
      availability:
        sli: availability
        objective: "99.5%"
        window: 30d
        tiers: {page-1h: {channels: [team]}, ticket-1d: {channels: [pager]}, ticket-3d: false}
      latency: {sli: latency, le: "0.5", objective: "95%", window: 30d}
"""
AVAILABILITY = "ApiAvailabilityErrorBudgetBurn"
LATENCY = "ApiLatencyErrorBudgetBurn"


@pytest.fixture(scope="module")
def model() -> Model:
    return build_model.build(source.load("spec.yaml", SPEC.encode()))[0]


@pytest.fixture(scope="module")
def config(model: Model) -> dict[str, Any]:
    return alertmanager.config(model)


def slo_cases(model: Model) -> list[dict[str, Any]]:
    return [case for case in am_routes.cases(model) if "slo" in case["labels"]]


def tier(model: Model, slo: str, name: str) -> dict[str, str]:
    (labels,) = [s for s in slo_rules.alert_label_sets(model) if (s["slo"], s["tier"]) == (slo, name)]
    return labels


def test_every_slo_tier_has_a_route_test_with_the_receivers_the_spec_implies(model: Model) -> None:
    assert [(c["alert"], c["labels"]["tier"], c["receivers"]) for c in slo_cases(model)] == [
        (AVAILABILITY, "page-1h", ["team", "pager"]),  # extra channel, then critical (backend has no critical route)
        (AVAILABILITY, "page-6h", ["pager"]),
        (AVAILABILITY, "ticket-1d", ["pager", "team"]),  # extra channel, then the team route stops it
        (LATENCY, "page-1h", ["pager"]),
        (LATENCY, "page-6h", ["pager"]),
        (LATENCY, "ticket-1d", ["team"]),
        (LATENCY, "ticket-3d", ["team"]),
    ]


def test_extra_channels_are_continue_routes_before_the_team_and_severity_routes(config: dict[str, Any]) -> None:
    routes = config["route"]["routes"]
    assert routes[0]["matchers"] == ['alertname="Watchdog"']  # the watchdog stays first
    assert routes[1:3] == [
        {
            "matchers": ['slo="api-availability"', 'tier="page-1h"'],
            "receiver": "team",
            "continue": True,
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
        },
        {
            "matchers": ['slo="api-availability"', 'tier="ticket-1d"'],
            "receiver": "pager",
            "continue": True,
            "group_wait": "1m",
            "group_interval": "10m",
            "repeat_interval": "12h",
        },
    ]
    assert [r["matchers"] for r in routes[3:]] == [
        ['team="backend"', 'severity="warning"'],
        ['severity="critical"'],
        ['severity="warning"'],
    ]


def test_route_coverage_includes_the_slo_tiers(model: Model, config: dict[str, Any]) -> None:
    report = am_routes.coverage(config, am_routes.cases(model))
    slo_tiers = 7
    assert report == {
        "alert_rules_tested": len(am_routes.cases(model)),
        "routes": 6,
        "routes_reached": 6,
        "unreached_routes": [],
        "mismatched": [],
    }
    per_integration = [c for c in am_routes.cases(model) if "integration" in c["labels"]]  # all webhooks: one
    assert len(am_routes.cases(model)) - sum(len(a.tiers) for a in model.alerts) - len(per_integration) == slo_tiers


def test_a_tree_that_drops_the_continue_of_an_extra_route_is_caught(model: Model, config: dict[str, Any]) -> None:
    broken = yaml.safe_load(yaml.safe_dump(config))
    del broken["route"]["routes"][1]["continue"]
    report = am_routes.coverage(broken, am_routes.cases(model))
    assert report["mismatched"] == [AVAILABILITY]  # page-1h now reaches team only, not team then pager


def test_amtool_routes_every_slo_tier_as_the_spec_says_and_catches_a_missing_continue(
    model: Model, config: dict[str, Any], tmp_path: Path
) -> None:
    require_tool("amtool")
    writer.write_tree(tmp_path, writer.to_bytes(alertmanager.build(model)))
    cases = slo_cases(model)
    assert [alertmanager_check.route_test(tmp_path, case) for case in cases] == [None] * 7
    broken = yaml.safe_load(yaml.safe_dump(config))
    del broken["route"]["routes"][1]["continue"]
    writer.write_tree(tmp_path, writer.to_bytes({alertmanager.CONFIG: broken}))
    problem = alertmanager_check.route_test(tmp_path, cases[0])
    assert problem is not None
    assert problem.startswith(f"{alertmanager.ROUTE_TESTS}: {AVAILABILITY} {{alertname={AVAILABILITY}, ")
    assert problem.endswith("the spec says it reaches team,pager, amtool routes it to team")


def test_the_tier_inhibit_rules_follow_the_generic_ones(config: dict[str, Any]) -> None:
    assert config["inhibit_rules"][2:5] == [
        {
            "source_matchers": ['tier="page-1h"', 'slo=~".+"'],
            "target_matchers": ['tier=~"page-6h|ticket-1d|ticket-3d"', 'slo=~".+"'],
            "equal": ["slo"],
        },
        {
            "source_matchers": ['tier="page-6h"', 'slo=~".+"'],
            "target_matchers": ['tier=~"ticket-1d|ticket-3d"', 'slo=~".+"'],
            "equal": ["slo"],
        },
        {"source_matchers": ['tier="ticket-1d"', 'slo=~".+"'], "target_matchers": ['tier=~"ticket-3d"', 'slo=~".+"'], "equal": ["slo"]},
    ]


def test_then_each_slo_page_mutes_the_critical_threshold_alerts_of_its_fault(config: dict[str, Any]) -> None:
    """ticket-3d is off and page-6h on by default; http's default thresholds alert on error rate and p95 (p99 is opt-in)."""
    assert config["inhibit_rules"][5:] == [
        {
            "source_matchers": [f'alertname="{AVAILABILITY}"', 'slo="api-availability"', 'tier=~"page-1h|page-6h"'],
            "target_matchers": ['alertname=~"ApiHighErrorRate"', 'severity="critical"'],
            "equal": ["service"],
        },
        {
            "source_matchers": [f'alertname="{LATENCY}"', 'slo="api-latency"', 'tier=~"page-1h|page-6h"'],
            "target_matchers": ['alertname=~"ApiHighLatencyP95"', 'severity="critical"'],
            "equal": ["service"],
        },
    ]


@pytest.mark.parametrize(
    ("source", "target", "muted"),
    [
        (("api-latency", "page-1h"), ("api-latency", "page-6h"), True),
        (("api-latency", "page-1h"), ("api-latency", "ticket-3d"), True),
        (("api-latency", "page-6h"), ("api-latency", "ticket-1d"), True),
        (("api-latency", "ticket-1d"), ("api-latency", "ticket-3d"), True),
        (("api-latency", "page-6h"), ("api-latency", "page-1h"), False),
        (("api-latency", "ticket-3d"), ("api-latency", "ticket-1d"), False),
        (("api-availability", "page-1h"), ("api-latency", "page-6h"), False),
        (("api-latency", "page-1h"), ("api-availability", "ticket-1d"), False),
    ],
    ids=[
        "the fastest page mutes the slower page of the same slo",
        "the fastest page mutes the slowest ticket",
        "the slower page mutes a ticket (warning under critical)",
        "a faster ticket mutes a slower ticket (both warning: only the tier rule does this)",
        "a slower page does not mute a faster one",
        "a slower ticket does not mute a faster one",
        "a page of one slo does not mute another slo of the same service",
        "a page of one slo does not mute a ticket of another slo",
    ],
)
def test_tier_inhibition(model: Model, config: dict[str, Any], source: tuple[str, str], target: tuple[str, str], muted: bool) -> None:
    assert inhibited(config["inhibit_rules"], tier(model, *source), tier(model, *target)) is muted


def test_tier_labels_without_an_slo_label_do_not_inhibit(config: dict[str, Any]) -> None:
    source = {"alertname": "Other", "tier": "page-1h", "severity": "info"}
    target = {"alertname": "Another", "tier": "page-6h", "severity": "info"}
    assert inhibited(config["inhibit_rules"], source, target) is False


def test_a_spec_without_slos_gets_no_tier_rules_or_routes(tmp_path: Path) -> None:
    data = yaml.safe_load(SPEC)
    del data["services"]["api"]["slos"]
    model = build_model.build(source.load("spec.yaml", yaml.safe_dump(data).encode()))[0]
    config = alertmanager.config(model)
    assert [r for r in config["inhibit_rules"] if "equal" in r and r["equal"] == ["slo"]] == []
    assert [r for r in config["route"]["routes"] if r.get("continue")] == []


def test_the_example_spec_routes_its_slo_tiers() -> None:
    doc = yaml.safe_load((ROOT / alertmanager.ROUTE_TESTS).read_text())
    got = [(t["labels"]["slo"], t["labels"]["tier"], t["receivers"]) for t in doc["tests"] if "slo" in t["labels"]]
    page, team = ["alerts-slack+oncall-pager"], ["backend-slack"]
    assert got == [
        ("api-availability", "page-1h", [*team, *page]),  # monitoring.yaml: page-1h also to backend-slack
        ("api-availability", "page-6h", page),
        ("api-availability", "ticket-1d", team),  # team backend's warnings go to its channel only
        ("api-availability", "ticket-3d", team),
        ("api-latency", "page-1h", page),
        ("api-latency", "page-6h", page),
        ("api-latency", "ticket-1d", team),
        ("api-latency", "ticket-3d", team),
        ("api-error-rate", "page-1h", page),  # the SLA's 1% error rate: no extra channel
        ("api-error-rate", "page-6h", page),
        ("api-error-rate", "ticket-1d", team),
        ("api-error-rate", "ticket-3d", team),
    ]
    # 135 threshold rules + 12 SLO tiers + 4 failing-notification cases (2 alerts x 2 integrations) + 2 reports;
    # 7 routes + 2 per integration + one per report
    assert doc["coverage"] == {"alert_rules_tested": 153, "routes": 11, "routes_reached": 11, "unreached_routes": []}


def test_slo_tiers_get_no_escalation_copies_even_where_warnings_escalate() -> None:
    """monitoring.yaml escalates warnings after 30m: threshold alerts get the copy, SLO ticket tiers do not
    (routing_model.escalate: the burn-rate tiers are their own escalation ladder)."""
    model = build_model.build(source.load("monitoring.yaml", (ROOT / "monitoring.yaml").read_bytes()))[0]
    assert [(e.severity, e.label) for e in model.routing.escalations] == [("warning", "after-30m")]
    latency = next(a for a in model.alerts if a.name == "ApiHighLatencyP95")
    assert [(t.severity, dict(t.labels)) for t in latency.tiers] == [
        ("warning", {}),
        ("critical", {}),
        ("warning", {"escalation": "after-30m"}),
    ]
    assert [s["tier"] for s in slo_rules.alert_label_sets(model) if s["severity"] == "warning"] == ["ticket-1d", "ticket-3d"] * 3
    assert [s for s in slo_rules.alert_label_sets(model) if "escalation" in s] == []
    assert [sum("alert" in r for r in slo_rules.group(slo)["rules"]) for slo in model.slos] == [4, 4, 4]


EXAMPLE_RULES = alertmanager.inhibit_rules(spec.load(ROOT / "monitoring.yaml")[0])
AVAILABILITY_PAGE = {
    "alertname": "ApiAvailabilityErrorBudgetBurn",
    "slo": "api-availability",
    "tier": "page-1h",
    "severity": "critical",
    "service": "api",
}


@pytest.mark.parametrize(
    ("source", "target", "muted"),
    [
        (AVAILABILITY_PAGE, {"alertname": "ApiHighErrorRate", "severity": "critical", "service": "api"}, True),
        ({**AVAILABILITY_PAGE, "tier": "page-6h"}, {"alertname": "ApiHighErrorRate", "severity": "critical", "service": "api"}, True),
        (
            {**AVAILABILITY_PAGE, "tier": "ticket-1d", "severity": "warning"},
            {"alertname": "ApiHighErrorRate", "severity": "critical", "service": "api"},
            False,
        ),
        (AVAILABILITY_PAGE, {"alertname": "ApiHighErrorRate", "severity": "critical", "service": "worker"}, False),
        (AVAILABILITY_PAGE, {"alertname": "ApiHighLatencyP95", "severity": "critical", "service": "api"}, False),
        (AVAILABILITY_PAGE, {"alertname": "ApiTargetDown", "severity": "critical", "service": "api", "instance": "api:8000"}, False),
        (
            {**AVAILABILITY_PAGE, "alertname": "ApiLatencyErrorBudgetBurn", "slo": "api-latency"},
            {"alertname": "ApiHighLatencyP99", "severity": "critical", "service": "api"},
            True,
        ),
    ],
    ids=[
        "the fast availability page mutes the error-rate page of its service",
        "the slow page tier too",
        "a ticket tier mutes no page",
        "only on the same service",
        "availability does not mute latency",
        "a target down still pages",
        "the latency SLO page mutes the latency page",
    ],
)
def test_one_fault_one_page(source: dict[str, str], target: dict[str, str], muted: bool) -> None:
    """An error-rate breach paged twice: the SLO fast burn at +5m23s and ApiHighErrorRate at +6m18s."""
    assert inhibited(EXAMPLE_RULES, source, target) is muted

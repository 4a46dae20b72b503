"""An alert's rules (severity tiers, escalation copies) share one recording of its loosest condition, or none."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from generators import catalog
from generators.model.types import Model, Tier
from generators.model.values import Threshold
from generators.outputs.prometheus import conditions, rules
from generators.pipeline import spec
from tests.conftest import ROOT

P = 'sum by (instance) (rate(x_total{job="j"}[5m]))'
SEL = 'alert:HostHighCpuUsage:condition{service="host"}'


@pytest.fixture(scope="module")
def model() -> Model:
    loaded, _ = spec.load(ROOT / "monitoring.yaml")
    return loaded


def tier(expr: str, op: str | None = None, value: str | None = None, for_: int = 300, esc: bool = False) -> Tier:
    threshold = Threshold(op, Decimal(value) if value else None, value or "", Decimal(for_))
    return Tier("warning", threshold, expr, (("escalation", "after-30m"),) if esc else ())


def cmp(op: str, value: str, left: str = P, esc: bool = False) -> Tier:
    return tier(f"{left} {op} {value}", op, value, esc=esc)


CASES = [
    (
        "two tiers above and a copy share the lowest bound",
        [cmp(">", "0.75"), cmp(">", "0.9"), cmp(">", "0.75", esc=True)],
        f"{P} > 0.75",
        [f"{SEL} > 0.75", f"{SEL} > 0.9", f"{SEL} > 0.75"],
    ),
    (
        "an inclusive tier at the bound keeps the bound inclusive",
        [cmp(">", "0.5"), cmp(">=", "0.5")],
        f"{P} >= 0.5",
        [f"{SEL} > 0.5", f"{SEL} >= 0.5"],
    ),
    ("tiers below share the highest bound", [cmp("<", "0.1"), cmp("<=", "0.2")], f"{P} <= 0.2", [f"{SEL} < 0.1", f"{SEL} <= 0.2"]),
    (
        "a tier and its copy without a comparison share the expression",
        [tier('absent(x{job="j"})'), tier('absent(x{job="j"})', esc=True)],
        'absent(x{job="j"})',
        [SEL, SEL],
    ),
    (
        "a threshold inside the expression: identical rules share it whole",
        [tier("predict_linear(x[6h], 86400) < 0", "<", "86400"), tier("predict_linear(x[6h], 86400) < 0", "<", "86400", esc=True)],
        "predict_linear(x[6h], 86400) < 0",
        [SEL, SEL],
    ),
]


@pytest.mark.parametrize(("tiers", "recorded", "exprs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shared_recording(model: Model, tiers: list[Tier], recorded: str, exprs: list[str]) -> None:
    alert = replace(next(a for a in model.alerts if a.name == "HostHighCpuUsage"), tiers=tuple(tiers))
    recording, got = conditions.shared(alert)
    assert recording == {"record": "alert:HostHighCpuUsage:condition", "expr": recorded, "labels": {"service": "host"}}
    assert got == exprs


LEFT_ALONE = [
    ("one rule", [cmp(">", "0.9")]),
    ("tiers on both sides of a threshold", [cmp(">", "0.9"), cmp("<", "0.1")]),
    ("rules that differ in more than the threshold", [cmp(">", "0.9"), cmp(">", "0.9", left='sum(y{job="j"})')]),
    ("a bare selector compared", [cmp(">", "0.9", left='x{job="j"}'), cmp(">", "0.95", left='x{job="j"}')]),
    ("a bare selector compared for equality, twice", [tier('up{job="j"} == 0'), tier('up{job="j"} == 0', esc=True)]),
]


@pytest.mark.parametrize("tiers", [c[1] for c in LEFT_ALONE], ids=[c[0] for c in LEFT_ALONE])
def test_no_shared_recording(model: Model, tiers: list[Tier]) -> None:
    alert = replace(next(a for a in model.alerts if a.name == "HostHighCpuUsage"), tiers=tuple(tiers))
    assert conditions.shared(alert) == (None, [t.expr for t in tiers])


def test_every_shared_recording_comes_before_the_rules_that_read_it_and_is_read_by_every_rule_of_its_alert(model: Model) -> None:
    shared = 0
    for service in model.services:
        group = rules.group(service)["rules"]
        for i, rule in enumerate(group):
            if "record" in rule and rule["record"].startswith("alert:"):
                readers = [j for j, r in enumerate(group) if "alert" in r and rule["record"] in r["expr"]]
                name = rule["record"].split(":")[1]
                assert readers and min(readers) > i
                assert readers == [j for j, r in enumerate(group) if r.get("alert") == name]
                shared += 1
    escalated = {a.name for a in model.alerts if len(a.tiers) > 1}
    assert 0 < shared <= len(escalated)


def test_the_alert_keeps_its_own_expression_for_panels_and_runbooks(model: Model) -> None:
    (alert,) = [a for a in model.alerts if a.name == "HostHighCpuUsage"]
    assert [t.expr for t in alert.tiers] == [
        '1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{job="node", mode="idle"}[5m])) > 0.75',
        '1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{job="node", mode="idle"}[5m])) > 0.9',
        '1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{job="node", mode="idle"}[5m])) > 0.75',
    ]


def test_a_kind_with_few_series_per_target_keeps_each_rule_on_its_own_expression(model: Model) -> None:
    (prometheus,) = [s for s in model.services if s.kind == "prometheus"]
    (host,) = [s for s in model.services if s.kind == "host"]
    assert catalog.kind("prometheus")["shared_conditions"] is False
    group = rules.group(prometheus)["rules"]
    assert [r for r in group if "record" in r] == []
    assert [r["expr"] for r in group if "alert" in r] == [t.expr for a in prometheus.alerts for t in a.tiers]
    shared = conditions.shared(next(a for a in prometheus.alerts if a.name == "PrometheusMetricAbsent"))[0]
    assert shared is not None  # the flag, not the alert's shape, leaves it raw
    assert "alert:HostMetricAbsent:condition" in [r.get("record") for r in rules.group(host)["rules"]]

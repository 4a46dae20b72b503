"""The benchmark's naive rules: the same alerts once per severity (no escalation copies) with every recording inlined,
valid for promtool; the per-group table and its targets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generators.model.types import Model
from generators.outputs.prometheus import rules
from generators.pipeline import spec, writer
from generators.validate import tools
from tests.bench_rule_cost import active, generated_groups, inline, naive_groups, parts, report, split, targets
from tests.conftest import ROOT, require_tool


@pytest.fixture(scope="module")
def model() -> Model:
    loaded, _ = spec.load(ROOT / "monitoring.yaml")
    return loaded


def test_inlining_pushes_the_callers_matchers_into_the_raw_selector() -> None:
    recordings = {
        "a:rate5m": 'sum by (code) (rate(x_total{job="j"}[5m]))',
        "b:ratio": 'sum(a:rate5m{service="s", code=~"5.."}) / sum(a:rate5m{service="s"})',
    }
    assert inline('b:ratio{service="s"} > 0.1', recordings) == (
        '(sum((sum by (code) (rate(x_total{job="j", code=~"5.."}[5m])))) / sum((sum by (code) (rate(x_total{job="j"}[5m]))))) > 0.1'
    )


def test_naive_groups_keep_every_alert_but_the_escalation_copies_and_drop_every_recording(model: Model) -> None:
    naive = {g["name"]: g for g in naive_groups(model)}
    for service in model.services:
        group = rules.group(service)
        alerts = [r for r in group["rules"] if "alert" in r and "escalation" not in r["labels"]]
        if not alerts:
            continue
        got = naive[f"{service.name}-naive"]["rules"]
        assert [(r["alert"], r.get("for"), r["labels"]) for r in got] == [(r["alert"], r.get("for"), r["labels"]) for r in alerts]
        records = [r["record"] for r in group["rules"] if "record" in r]
        assert [r["expr"] for r in got if any(name in r["expr"] for name in records)] == []
    generated = [r for r in rules.group(next(s for s in model.services if s.name == "api"))["rules"] if "alert" in r]
    assert len(naive["api-naive"]["rules"]) < len(generated)  # the example escalates: there are copies to leave out
    assert all(":" not in re.sub(r'"[^"]*"|\[[^\]]*\]', "", r["expr"]) for r in naive["api-naive"]["rules"]), "a recording was left in"


def test_the_naive_api_error_rate_reads_the_raw_counter_twice(model: Model) -> None:
    api = next(g for g in naive_groups(model) if g["name"] == "api-naive")
    expr = next(r["expr"] for r in api["rules"] if r["alert"] == "ApiHighErrorRate")
    assert expr == (
        '((sum((sum by (handler, status_code) (rate(http_requests_total{job="api", status_code=~"5.."}[5m])))) or vector(0))'
        ' / (sum((sum by (handler, status_code) (rate(http_requests_total{job="api"}[5m])))))) > 0.02'
    )


def test_promtool_accepts_the_naive_groups(model: Model, tmp_path: Path) -> None:
    require_tool("promtool")
    (tmp_path / "naive.yml").write_bytes(writer.serialize("naive.yml", {"groups": naive_groups(model)}))
    result = tools.promtool(["check", "rules", "naive.yml"], tmp_path)
    assert result.ok, result.output


def test_generated_groups_are_the_service_groups_then_the_slo_groups(model: Model) -> None:
    names = [g["name"] for g in generated_groups(model)]
    assert names[-3:] == ["slo-api-availability", "slo-api-latency", "slo-api-error-rate"]
    assert names[:-3] == [s.name for s in model.services if rules.group(s)["rules"]]


DURATIONS = {"api": 0.6, "api-naive": 3.6, "host": 0.4, "host-naive": 0.4, "slo-api-latency": 0.02}


def test_split_keeps_the_slo_groups_apart_from_the_service_groups() -> None:
    assert split(DURATIONS, {"slo-api-latency"}) == ({"api": 0.6, "host": 0.4}, {"slo-api-latency": 0.02}, {"api": 3.6, "host": 0.4})


@pytest.mark.parametrize(
    ("more", "expected"),
    [
        pytest.param({}, (0.25, [], "api", 0.04), id="a group without a twin is left out of the ratio"),
        pytest.param({"slo-api-latency": 3.0}, (0.25, [], "slo-api-latency", 0.2), id="a slow SLO group is the slowest generated group"),
        pytest.param({"slo-api-latency-naive": 0.2}, (0.2429, [], "api", 0.04), id="an SLO twin counts in the ratio"),
        pytest.param({"host": 0.5, "api": 0.1}, (0.15, ["host"], "host", 0.0333), id="a group dearer than its twin is named"),
    ],
)
def test_targets(more: dict[str, float], expected: tuple[float, list[str], str, float]) -> None:
    service, slo, naive = split({**DURATIONS, **more}, {"slo-api-latency"})
    ratio, dearer, worst, share = targets(service, slo, naive, interval=15)
    assert (round(ratio, 4), dearer, worst, round(share, 4)) == expected


def test_a_group_over_5_percent_or_dearer_than_its_twin_misses_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert report(DURATIONS, 15, 100_000, {"slo-api-latency"}) is True
    assert report({**DURATIONS, "slo-api-latency": 1.6}, 15, 100_000, {"slo-api-latency"}) is False
    out = capsys.readouterr().out
    assert "slo-api-latency                  1600.00           -       -" in out
    assert "cost ratio generated/naive, all groups: 0.25 (target <= 0.4)" in out
    assert "groups dearer than their naive twin (target: none above 1.0x): none" in out
    assert "slowest generated group (SLO groups included): slo-api-latency 1600.0 ms = 10.7% of 15s (target <= 5%)" in out
    assert report({**DURATIONS, "host": 0.44}, 15, 100_000, {"slo-api-latency"}) is False
    assert "groups dearer than their naive twin (target: none above 1.0x): host 1.10x" in capsys.readouterr().out


def test_a_groups_time_splits_into_recordings_alerts_and_escalation_copies() -> None:
    group = {
        "rules": [
            {"type": "recording", "evaluationTime": 0.5, "labels": {"service": "api"}},
            {"type": "alerting", "evaluationTime": 0.25, "labels": {"severity": "warning"}},
            {"type": "alerting", "evaluationTime": 0.125, "labels": {"severity": "warning", "escalation": "after-30m"}},
        ]
    }
    assert parts(group) == (0.5, 0.25, 0.125)


def test_active_alerts_count_the_pending_and_firing_alerts_of_alert_rules_only() -> None:
    group = {
        "rules": [
            {"type": "recording", "alerts": None},
            {"type": "alerting", "alerts": [{"state": "pending"}, {"state": "firing"}]},
            {"type": "alerting", "alerts": []},
            {"type": "alerting", "alerts": [{"state": "pending"}]},
        ]
    }
    assert active(group) == 3

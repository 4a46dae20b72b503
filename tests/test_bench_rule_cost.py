"""The benchmark's naive rules: the same alerts with every recording inlined, valid for promtool."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import rules, spec, tools, writer
from generators.model import Model
from tests.bench_rule_cost import inline, naive_groups
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


def test_naive_groups_keep_every_alert_and_drop_every_recording(model: Model) -> None:
    naive = {g["name"]: g for g in naive_groups(model)}
    for service in model.services:
        group = rules.group(service)
        alerts = [r for r in group["rules"] if "alert" in r]
        if not alerts:
            continue
        got = naive[f"{service.name}-naive"]["rules"]
        assert [(r["alert"], r.get("for"), r["labels"]) for r in got] == [(r["alert"], r.get("for"), r["labels"]) for r in alerts]
        records = [r["record"] for r in group["rules"] if "record" in r]
        assert [r["expr"] for r in got if any(name in r["expr"] for name in records)] == []


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

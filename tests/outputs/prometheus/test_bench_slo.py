"""The SLO side of the rule-cost benchmark: the groups it loads, the data it needs, the estimate it prints."""

from __future__ import annotations

import re

import pytest
import yaml

from generators.model.types import Model
from generators.pipeline import spec, writer
from tests import bench_slo, synthetic_exporter
from tests.conftest import ROOT
from tests.synthetic_exporter import series

_SELECTOR = re.compile(r"([A-Za-z_:][\w:]*)\{([^}]*)\}")
_MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')


@pytest.fixture(scope="module")
def model() -> Model:
    loaded, _ = spec.load(ROOT / "monitoring.yaml")
    return loaded


def _matches(text: str, name: str, matchers: list[tuple[str, str, str]]) -> bool:
    found = _SELECTOR.fullmatch(text)
    assert found, text
    labels = {k: v for k, _, v in _MATCHER.findall(found.group(2))}
    return found.group(1) == name and all(_holds(labels.get(k, ""), op, v) for k, op, v in matchers)


def _holds(have: str, op: str, want: str) -> bool:
    if op in ("=", "!="):
        return (have == want) == (op == "=")
    return (re.fullmatch(want, have) is not None) == (op == "=~")


def test_the_groups_are_the_rendered_slo_rule_files(model: Model) -> None:
    rendered = [yaml.safe_load(path.read_text())["groups"][0] for path in sorted((ROOT / "prometheus" / "rules").glob("slo-*.rules.yml"))]
    loaded = [yaml.safe_load(writer.serialize("x.yml", {"groups": [g]}))["groups"][0] for g in bench_slo.groups(model)]
    assert sorted(loaded, key=lambda g: g["name"]) == rendered


def test_every_raw_selector_of_the_slis_matches_series_the_exporter_serves(model: Model) -> None:
    selectors = sorted({sel for slo in model.slos for expr in (slo.bad, slo.total) for sel in _SELECTOR.findall(expr)})
    assert [name for name, _ in selectors] == [
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_count",
        "http_requests_total",
        "http_requests_total",
    ]
    unserved = []
    for name, body in selectors:
        matchers = _MATCHER.findall(body)
        job = next(v for k, _, v in matchers if k == "job")
        if not any(_matches(text, name, matchers) for text in series(job)):
            unserved.append(f"{name}{{{body}}}")
    assert unserved == []


@pytest.mark.parametrize(
    ("step_s", "expected"),
    [
        # two ranges (bad, total) per window: 30m 1h 2h 6h 1d 3d 30d
        pytest.param(
            15, 2 * (120 + 240 + 480 + 1440 + 5760 + 17280 + 172800), id="at the spec's 15s a full 30d window is 172,800 samples a series"
        ),
        pytest.param(30, 2 * (60 + 120 + 240 + 720 + 2880 + 8640 + 86400), id="at the benchmark's 30s it is half that"),
    ],
)
def test_samples_per_evaluation_counts_the_ranges_over_the_recordings_only(model: Model, step_s: int, expected: int) -> None:
    assert {bench_slo.samples_per_evaluation(g, step_s) for g in bench_slo.groups(model)} == {expected}


def test_the_heaviest_expression_is_the_slo_window_recording(model: Model) -> None:
    name, rule = bench_slo.heaviest(bench_slo.groups(model))
    assert (name, rule["record"]) == ("slo-api-availability", "slo:sli_error:ratio_window")
    assert "[30d]" in rule["expr"]


def test_missing_names_each_recording_that_returned_no_series(model: Model) -> None:
    groups = bench_slo.groups(model)
    result = [
        {"metric": {"__name__": r["record"], "slo": r["labels"]["slo"], "service": "api"}, "value": [0, "0.01"]}
        for g in groups
        for r in g["rules"]
        if "record" in r
    ]
    assert bench_slo.missing(groups, bench_slo.recorded_counts(result)) == []
    dropped = [
        item for item in result if item["metric"] != {"__name__": "slo:sli_error:ratio_window", "slo": "api-latency", "service": "api"}
    ]
    assert bench_slo.missing(groups, bench_slo.recorded_counts(dropped)) == ['slo:sli_error:ratio_window{slo="api-latency"}']


def test_no_job_holds_more_than_a_quarter_of_the_synthetic_series() -> None:
    shares = synthetic_exporter.shares()
    assert set(shares) == set(synthetic_exporter.JOBS)
    assert max(shares.values()) <= 0.25, shares


def test_the_slo_twins_are_the_workbook_alerts_over_raw_series(model: Model) -> None:
    twins = {g["name"]: g for g in bench_slo.naive_groups(bench_slo.groups(model))}
    twin = twins["slo-api-availability-naive"]
    page = twin["rules"][0]
    bad = 'sum(rate(http_requests_total{job="api", status_code=~"5.."}[1h])) or vector(0)'
    assert page["expr"].startswith(f'(({bad}) / (sum(rate(http_requests_total{{job="api"}}[1h])))) > 0.072 and ((')
    assert page["expr"].endswith("[5m])))) > 0.072")
    assert all("record" not in r and "slo:" not in r["expr"] for g in twins.values() for r in g["rules"])
    assert [r["labels"]["tier"] for r in twin["rules"]] == [
        r["labels"]["tier"] for r in bench_slo.groups(model)[0]["rules"] if "alert" in r
    ]

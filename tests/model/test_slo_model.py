"""services.<name>.slos -> model.SLO: exact budgets, factors and thresholds; located spec errors."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import yaml

from generators.errors import SpecError
from generators.model import build_model
from generators.model.types import SLO
from generators.model.values import decimal_text
from generators.spec import source

GOOD = """\
version: 1
channels:
  pager: {type: webhook, url: "http://sink/hook"}
  extra: {type: webhook, url: "http://sink/extra"}
routing:
  critical: [pager]
  warning: [extra]
services:
  api:
    team: backend
    kind: http
    targets: ["api:8000"]
    metrics: {status_label: status_code}
    slos:
      availability: {sli: availability, objective: "99.5%", window: 30d}
"""


def load(text: str) -> tuple[SLO, ...]:
    model, _ = build_model.build(source.load("spec.yaml", text.encode()))
    return model.slos


def mutate(slo: dict[str, Any]) -> str:
    data = yaml.safe_load(GOOD)
    data["services"]["api"]["slos"] = {"availability": slo}
    return yaml.safe_dump(data, sort_keys=False)


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(text)
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_the_good_spec_gives_the_workbook_numbers_exactly() -> None:
    (slo,) = load(GOOD)
    assert (slo.id, slo.alert, slo.budget) == ("api-availability", "ApiAvailabilityErrorBudgetBurn", Fraction("0.005"))
    got = [(t.name, t.severity, decimal_text(t.factor)[0], decimal_text(slo.threshold(t))[0], t.for_) for t in slo.tiers]
    assert got == [
        ("page-1h", "critical", "14.4", "0.072", 120),
        ("page-6h", "critical", "6", "0.03", 900),
        ("ticket-1d", "warning", "3", "0.015", 3600),
        ("ticket-3d", "warning", "1", "0.005", 10800),
    ]
    assert slo.bad == 'sum(rate(http_requests_total{job="api", status_code=~"5.."}[5m])) or vector(0)'
    assert slo.total == 'sum(rate(http_requests_total{job="api"}[5m]))'


@pytest.mark.parametrize(
    ("days", "factors"),
    [
        (28, ["13.44", "5.6", "2.8", "0.933333333333333"]),  # 0.1 x 28 / 3 has no finite decimal
        (7, ["3.36", "1.4", "0.7", "0.233333333333333"]),
        (90, ["43.2", "18", "9", "3"]),
    ],
    ids=["a 28-day window scales every factor by 28/30", "a 7-day window", "a 90-day window"],
)
def test_factors_scale_with_the_window(days: int, factors: list[str]) -> None:
    (slo,) = load(mutate({"sli": "availability", "objective": "99.9%", "window": f"{days}d"}))
    assert [decimal_text(t.factor)[0] for t in slo.tiers] == factors
    assert [decimal_text(t.factor)[1] for t in slo.tiers] == [f != factors[3] or days == 90 for f in factors]


def test_the_latency_sli_counts_requests_above_the_bucket_boundary() -> None:
    (slo,) = load(mutate({"sli": "latency", "le": "0.5", "objective": "95%", "window": "30d"}))
    assert slo.budget == Fraction(1, 20)
    assert slo.bad == (
        'sum(rate(http_request_duration_seconds_count{job="api"}[5m])) - '
        'sum(rate(http_request_duration_seconds_bucket{job="api", le="0.5"}[5m]))'
    )
    assert [decimal_text(slo.threshold(t))[0] for t in slo.tiers] == ["0.72", "0.3", "0.15", "0.05"]


def test_good_status_counts_everything_else_as_bad() -> None:
    (slo,) = load(mutate({"sli": "availability", "good_status": "2..|3..", "objective": "99%", "window": "30d"}))
    assert slo.bad == (
        'sum(rate(http_requests_total{job="api"}[5m])) - '
        '(sum(rate(http_requests_total{job="api", status_code=~"2..|3.."}[5m])) or vector(0))'
    )


def test_tier_overrides_disable_and_change_a_tier() -> None:
    spec = {
        "sli": "availability",
        "objective": "99.5%",
        "window": "30d",
        "tiers": {"ticket-3d": False, "page-6h": {"for": "5m", "severity": "warning", "channels": ["extra"]}},
    }
    (slo,) = load(mutate(spec))
    assert [(t.name, t.severity, t.for_, t.channels) for t in slo.tiers] == [
        ("page-1h", "critical", 120, ()),
        ("page-6h", "warning", 300, ("extra",)),
        ("ticket-1d", "warning", 3600, ()),
    ]


SLO_PATH = "services.api.slos.availability"
BAD_CASES = [
    (
        {"objective": "100%"},
        f"{SLO_PATH}.objective: '100%' leaves no error budget to alert on; write a percentage below 100%, e.g. objective: \"99.5%\"",
    ),
    ({"objective": 0.995}, f'{SLO_PATH}.objective: 0.995 is not an objective; write a percentage below 100%, e.g. objective: "99.5%"'),
    (
        {"objective": "99.5 %"},
        f"{SLO_PATH}.objective: '99.5 %' is not a percentage (examples: 5%, 0.05); "
        'write a percentage below 100%, e.g. objective: "99.5%"',
    ),
    ({"objective": "0%"}, f"{SLO_PATH}.objective: '0%' must be above 0%; write a percentage below 100%, e.g. objective: \"99.5%\""),
    ({"window": "30 days"}, f"{SLO_PATH}.window: '30 days' is not a window; write a whole number of days, e.g. window: 30d (or 28d)"),
    ({"window": "720h"}, f"{SLO_PATH}.window: '720h' is not a window; write a whole number of days, e.g. window: 30d (or 28d)"),
    (
        {"window": "2d"},
        f"{SLO_PATH}.tiers.ticket-3d: the ticket-3d tier reads 3d but the SLO window is only 2d; "
        "disable it (ticket-3d: false) or use a window of at least 3d",
    ),
    (
        {"objective": "90%"},
        f"{SLO_PATH}.tiers.page-1h: with a 0.1 error budget the page-1h tier would need an error ratio of 1.44 (over 100%): "
        "it can never fire; disable it (page-1h: false) or raise the objective",
    ),
    (
        {"sli": "speed"},
        f"{SLO_PATH}.sli: 'speed' is not an SLI kind; use availability or latency, "
        'e.g. availability: {sli: availability, objective: "99.5%", window: 30d}',
    ),
    (
        {"sli": "latency", "le": 0.5},
        f"{SLO_PATH}.le: 0.5 (a number: YAML may rewrite it) is not a bucket boundary; "
        'quote it, e.g. le: "0.5" (any spelling: "1" and "1.0" select the same bucket)',
    ),
    (
        {"sli": "latency"},
        f'{SLO_PATH}.le: None is not a bucket boundary; quote it, e.g. le: "0.5" (any spelling: "1" and "1.0" select the same bucket)',
    ),
    ({"bad_status": "5..", "good_status": "2.."}, f'{SLO_PATH}: set either bad_status or good_status, not both, e.g. bad_status: "5.."'),
    (
        {"tiers": {"page-1h": {"severity": "page"}}},
        f"{SLO_PATH}.tiers.page-1h.severity: 'page' is not a severity; use critical, warning, info",
    ),
    (
        {"tiers": {"page-1h": {"channels": ["nope"]}}},
        f"{SLO_PATH}.tiers.page-1h.channels[0]: channel 'nope' is not defined under channels: (defined: extra, pager); "
        'add it, e.g. channels: {nope: {type: webhook, url: "http://sink:8080/hook"}}',
    ),
    ({"tiers": {"page-1h": {"for": "soon"}}}, f"{SLO_PATH}.tiers.page-1h.for: 'soon' is not a duration (examples: 30s, 5m, 1h30m, 7d)"),
    (
        {"tiers": {n: False for n in ("page-1h", "page-6h", "ticket-1d", "ticket-3d")}},
        f"{SLO_PATH}.tiers: every tier is disabled: the SLO would never alert; keep at least one",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    BAD_CASES,
    ids=[
        "a 100% objective leaves no budget",
        "an objective must be a quoted percentage",
        "a percentage with a space is rejected",
        "a 0% objective",
        "a window in words",
        "a window in hours",
        "a window shorter than the slowest tier",
        "a budget so large a tier could never fire",
        "an unknown SLI kind",
        "an unquoted bucket boundary",
        "a latency SLI without le",
        "both bad and good statuses",
        "a severity that does not exist",
        "a tier channel that is not defined",
        "a tier for that is not a duration",
        "every tier disabled",
    ],
)
def test_bad_slo_specs_are_reported_with_their_path(change: dict[str, Any], message: str) -> None:
    spec = {"sli": "availability", "objective": "99.5%", "window": "30d", **change}
    assert message in errors(mutate(spec))


def test_slos_on_a_service_without_request_metrics_are_rejected() -> None:
    data = yaml.safe_load(GOOD)
    data["services"]["db"] = {
        "team": "backend",
        "kind": "postgres",
        "targets": ["pg:9187"],
        "slos": {"up": {"sli": "availability", "objective": "99%", "window": "30d"}},
    }
    assert errors(yaml.safe_dump(data)) == [
        "services.db.slos: SLOs need request metrics: a service of kind http or external_api (this one is postgres)"
    ]

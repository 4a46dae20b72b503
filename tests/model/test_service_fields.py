"""The fields only some kinds have (generators/model/service_fields.py): histogram `by`/`le`, gauges, a
business ratio, per-service target signals. A good spec plus one addition per case, the exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.errors import SpecError
from generators.pipeline import spec

GOOD = (Path(__file__).parents[1] / "fixtures" / "good.yaml").read_text()
SERVICES = "services:\n"
HISTOGRAM = "  search:\n    team: backend\n    kind: histogram\n    job: api\n    metrics: {histogram: search_seconds}\n"
GAUGE = "  pool:\n    team: backend\n    kind: gauge\n    job: api\n    metrics: {gauge: pool_used_ratio}\n"
PAYMENTS = "business:\n  - name: payments\n    team: backend\n    job: api\n    metric: payments_total\n"


def _spec(services: str = "", business: str = "") -> str:
    text = GOOD.replace(SERVICES, SERVICES + services, 1)
    return text + business


def problems_for(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "monitoring.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        spec.load(path)
    return [str(p).replace(str(path), "monitoring.yaml") for p in caught.value.problems]


CASES = [
    (
        "a by label the rules set themselves",
        _spec(HISTOGRAM + '    by: [index, le]\n    thresholds: {p95: {warning: "> 1s"}}\n'),
        "monitoring.yaml:21:17: services.search.by[1]: 'le' is set by the generated rules themselves; "
        "keep series apart by another label, e.g. by: [tenant]",
    ),
    (
        "a by label listed twice",
        _spec(GAUGE + '    by: [pool, pool]\n    thresholds: {ratio: {warning: "> 90%"}}\n'),
        "monitoring.yaml:21:9: services.pool.by: ['pool', 'pool'] names a label twice; list each once, e.g. by: [tenant, model]",
    ),
    (
        "by on a kind whose signals are per service",
        GOOD.replace("    metrics: {status_label: status_code}\n", "    metrics: {status_label: status_code}\n    by: [handler]\n", 1),
        "monitoring.yaml:21:9: services.api.by: `by:` belongs to the kinds histogram and gauge; a http service's signals are per service",
    ),
    (
        "le written as a YAML number",
        _spec(HISTOGRAM + '    le: 0.5\n    thresholds: {fraction_over: {warning: "> 10%"}}\n'),
        'monitoring.yaml:21:9: services.search.le: expected a string, got a number 0.5 (example: "0.5")',
    ),
    (
        "le on a gauge",
        _spec(GAUGE + '    le: "0.5"\n    thresholds: {ratio: {warning: "> 90%"}}\n'),
        "monitoring.yaml:21:9: services.pool.le: `le:` belongs to histogram services (the bucket boundary of fraction_over), not to a gauge service",
    ),
    (
        "fraction_over without its bucket boundary",
        _spec(HISTOGRAM + '    thresholds:\n      fraction_over: {warning: "> 10% for 10m"}\n'),
        'monitoring.yaml:22:22: services.search.thresholds.fraction_over: fraction_over needs the bucket boundary it counts above: le: "0.5" on the service',
    ),
    (
        "le that is no bucket boundary",
        _spec(HISTOGRAM + '    le: "0.5s"\n    thresholds: {fraction_over: {warning: "> 10%"}}\n'),
        "monitoring.yaml:21:9: services.search.le: '0.5s' is not a bucket boundary; quote it exactly as the exporter writes it, e.g. le: \"0.5\"",
    ),
    (
        "a quantile threshold in percent",
        _spec(HISTOGRAM + '    thresholds:\n      p95: {warning: "> 5%"}\n'),
        "monitoring.yaml:22:22: services.search.thresholds.p95.warning: '5%' is not a duration (examples: 500ms, 2s, 10m, 14d)",
    ),
    (
        "a business ratio with nothing to count",
        _spec(business=PAYMENTS + '    thresholds: {ratio: {critical: "> 10% for 5m"}}\n'),
        "monitoring.yaml:44:25: business[0].thresholds.ratio: a ratio needs what it counts: `numerator:` (a second counter, "
        'e.g. payments_failed_total) or `status_label:` and `ratio_status:` (e.g. status_label: status, ratio_status: "failed|declined")',
    ),
    (
        "a business ratio of two counters and of statuses at once",
        _spec(
            business=PAYMENTS + "    numerator: payments_failed_total\n    status_label: status\n"
            '    ratio_status: failed\n    thresholds: {ratio: {critical: "> 10%"}}\n'
        ),
        "monitoring.yaml:44:16: business[0].numerator: a ratio is either of two counters (`numerator:`) or of one counter's "
        "statuses (`status_label:` and `ratio_status:`), not both",
    ),
    (
        "a status label without the statuses it counts",
        _spec(business=PAYMENTS + '    status_label: status\n    thresholds: {ratio: {critical: "> 10%"}}\n'),
        'monitoring.yaml:40:5: business[0]: a ratio of one counter\'s statuses needs `ratio_status:` too, e.g. ratio_status: "failed|declined"',
    ),
    (
        "ratio statuses the generated tests cannot feed",
        _spec(business=PAYMENTS + '    status_label: status\n    ratio_status: ".*"\n    thresholds: {ratio: {critical: "> 10%"}}\n'),
        "monitoring.yaml:45:19: business[0].ratio_status: '.*' must match some statuses and not others (the generated tests "
        'feed one of failed, declined, error, timeout, refunded, cancelled, expired), e.g. "failed|declined"',
    ),
    (
        "target_down on a service without targets of its own",
        _spec(GAUGE + '    thresholds: {target_down: {critical: "for 5m"}}\n'),
        "monitoring.yaml:21:31: services.pool.thresholds.target_down: target_down watches this service's own scrape targets "
        "and it has none (it reads job 'api'); set it on the service that declares that job's `targets:`",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_a_kind_field_is_refused_at_its_line(tmp_path: Path, text: str, expected: str) -> None:
    assert problems_for(tmp_path, text) == [expected]


def test_target_down_per_service_overrides_the_default(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(
        GOOD.replace(
            '      hit_ratio: {warning: "< 60% for 15m"}\n',
            '      hit_ratio: {warning: "< 60% for 15m"}\n      target_down: {warning: "for 7m"}\n',
        )
    )
    model, _ = spec.load(path)
    tiers = {a.service: [(t.severity, t.threshold.for_text) for t in a.tiers] for a in model.alerts if a.signal == "target_down"}
    assert tiers["cache"] == [("warning", "7m")]
    assert tiers["api"] == [("critical", "2m")]  # the catalog default, untouched


def test_a_service_named_like_its_alert_suffix_is_not_doubled(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(_spec('  queue:\n    team: backend\n    kind: queue\n    job: api\n    thresholds: {depth: {warning: "> 100"}}\n'))
    model, _ = spec.load(path)
    assert sorted(a.name for a in model.alerts if a.service == "queue") == ["QueueBacklog", "QueueMetricAbsent"]

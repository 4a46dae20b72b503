"""The generated promtool tests pass on the generated rules, and fail when a rule is wrong.

Each mutation below is a bug seen in real stacks (a selector that lost its job matcher, a threshold
that drifted, a `for` that changed, a wrong team label); the generated tests must catch every one.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from generators import cli
from generators.outputs.prometheus import promtool_tests
from generators.pipeline import spec
from tests.conftest import require_tool

GOOD = Path(__file__).parents[2] / "fixtures" / "good.yaml"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    quick = "--quick-validation"  # the tests below run promtool on the generated tests themselves
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(out), quick]) == cli.EXIT_OK
    return out


def run_tests(root: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool")
    return subprocess.run([promtool, "test", "rules", *files], cwd=root / "prometheus", capture_output=True, text=True, check=False)


def test_generated_tests_pass(rendered: Path) -> None:
    result = run_tests(rendered, ["tests/api.test.yml", "tests/cache.test.yml"])
    assert result.returncode == 0, result.stdout + result.stderr


MUTATIONS = [
    (
        "a recording rule that lost its job matcher counts the decoy job too",
        'sum by (handler, status_code) (rate(http_requests_total{job="api"}[5m]))',
        "sum by (handler, status_code) (rate(http_requests_total[5m]))",
        "ApiHighErrorRate",
    ),
    (
        "a threshold that drifted from the spec",
        'service:http_requests_errors:ratio_rate5m{service="api"} > 0.05',
        'service:http_requests_errors:ratio_rate5m{service="api"} > 0.06',
        "ApiHighErrorRate critical fires",
    ),
    (
        "a for duration that changed",
        "    for: 5m\n    labels:\n      service: api\n      severity: critical",
        "    for: 1m\n    labels:\n      service: api\n      severity: critical",
        "ApiHighErrorRate critical pending",
    ),
    (
        "a wrong team label",
        '      severity: warning\n      team: backend\n    annotations:\n      summary: "api: p95',
        '      severity: warning\n      team: frontend\n    annotations:\n      summary: "api: p95',
        "ApiHighLatencyP95",
    ),
    (
        'an alert selecting the wrong job (the job="node" vs job="node-exporter" bug)',
        'up{job="api"} == 0',
        'up{job="api-exporter"} == 0',
        "ApiTargetDown critical fires",
    ),
]


@pytest.mark.parametrize(("old", "new", "failing"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_generated_tests_catch_a_broken_rule(rendered: Path, tmp_path: Path, old: str, new: str, failing: str) -> None:
    rules = rendered / "prometheus/rules/api.rules.yml"
    original = rules.read_text()
    assert original.count(old) == 1, f"mutation anchor not found once: {old!r}"
    try:
        rules.write_text(original.replace(old, new))
        result = run_tests(rendered, ["tests/api.test.yml"])
    finally:
        rules.write_text(original)
    assert result.returncode != 0
    assert failing in result.stdout + result.stderr


def model_alert(name: str):  # type: ignore[no-untyped-def]
    model, _ = spec.load(GOOD)
    return next(a for a in model.alerts if a.name == name)


def test_values_just_past_and_just_inside_the_threshold() -> None:
    alert = model_alert("ApiHighErrorRate")
    warning, critical = alert.tiers
    assert (promtool_tests.fire_value(alert, critical), promtool_tests.silent_value(alert, critical)) == (
        Decimal("0.055"),
        Decimal("0.045"),
    )
    assert (promtool_tests.fire_value(alert, warning), promtool_tests.silent_value(alert, warning)) == (Decimal("0.022"), Decimal("0.018"))
    below = model_alert("CacheLowCacheHitRatio")
    assert (promtool_tests.fire_value(below, below.tiers[0]), promtool_tests.silent_value(below, below.tiers[0])) == (
        Decimal("0.54"),
        Decimal("0.66"),
    )


def test_expectations_cover_every_tier_of_the_alert() -> None:
    alert = model_alert("ApiHighErrorRate")
    groups = {g["name"]: g for g in promtool_tests.cases(alert)}
    # 5.5% for 8m: critical (for 5m) fires; warning (for 10m) is crossed but still pending.
    fire = groups["ApiHighErrorRate critical fires at 0.055 (> 5% for 5m)"]["alert_rule_test"][0]
    assert fire["eval_time"] == "8m"
    assert [(e["exp_labels"]["severity"], e["exp_annotations"]["description"]) for e in fire["exp_alerts"]] == [
        ("critical", "5.5% of api requests answered 5.. over the last 5m. Threshold: > 5% for 5m.")
    ]
    # 4.5% for 13m: just inside critical, so critical stays silent while warning (> 2% for 10m) fires.
    silent = groups["ApiHighErrorRate critical silent at 0.045 (> 5% for 5m)"]["alert_rule_test"][0]
    assert silent["eval_time"] == "13m"
    assert [(e["exp_labels"]["severity"], e["exp_annotations"]["description"]) for e in silent["exp_alerts"]] == [
        ("warning", "4.5% of api requests answered 5.. over the last 5m. Threshold: > 2% for 10m.")
    ]


def test_custom_alert_without_fixture_is_reported_untested() -> None:
    model, _ = spec.load(GOOD)
    assert promtool_tests.untested(model) == ["QuotaHigh"]


@pytest.mark.parametrize(
    ("pattern", "bad", "good"),
    [("error", "error", "200"), ("5xx", "5xx", "200"), ("5..|timeout", "500", "200"), ("[45]..", "500", "200"), ("200", "200", "204")],
    ids=["a word, as some instrumentations emit", "FastAPI instrumentator's 5xx", "codes or a timeout", "4xx and 5xx", "an odd one"],
)
def test_the_generated_tests_feed_a_status_the_configured_error_pattern_matches(tmp_path: Path, pattern: str, bad: str, good: str) -> None:
    """With `error_status: "error"` the tests once fed status="500": the rule was right and promtool failed."""
    spec_file = tmp_path / "monitoring.yaml"
    spec_file.write_text(
        GOOD.read_text().replace(
            "metrics: {status_label: status_code}", f'metrics: {{status_label: status_code, error_status: "{pattern}"}}'
        )
    )
    out = tmp_path / "out"
    assert cli.main(["render", "--spec", str(spec_file), "--out", str(out), "--quick-validation"]) == cli.EXIT_OK
    text = (out / "prometheus/tests/api.test.yml").read_text()
    assert f'status_code="{bad}", handler="/a"' in text and f'status_code="{good}", handler="/a"' in text
    result = run_tests(out, ["tests/api.test.yml"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_error_pattern_no_test_status_fits_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_file = tmp_path / "monitoring.yaml"
    spec_file.write_text(
        GOOD.read_text().replace("metrics: {status_label: status_code}", 'metrics: {status_label: status_code, error_status: ".*"}')
    )
    assert cli.main(["render", "--spec", str(spec_file), "--out", str(tmp_path / "out"), "--quick-validation"]) == cli.EXIT_SPEC
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{spec_file}:20:56: services.api.metrics.error_status: '.*' must be a regex that matches the bad statuses and not the "
        "good ones (the generated tests feed one of 500, 503, 502, 5xx, error, timeout, failed, ERROR, 429 and one of "
        '200, 204, 2xx, ok, success, OK, 301, 404), e.g. error_status: "5.." or "5xx|error"'
    )

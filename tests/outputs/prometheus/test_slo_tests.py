"""Generated SLO promtool tests (generators/slo_tests.py): what each case holds, and that promtool fails them
when the rules or the annotation formulas are wrong.

Mutations of the rendered rule file are what a hand edit or a generator bug would leave there; mutations
of slo_rules.exhaustion_query reach both the rule annotations and the generated checks (they run the
very query the annotation holds), while the expected numbers are computed independently, from fractions.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from generators.outputs.prometheus import slo_rules, slo_tests
from tests.conftest import require_tool
from tests.outputs.prometheus.test_slo_rules import model, write

RULES = "prometheus/rules/slo-api-availability.rules.yml"
PAGE_1H = "prometheus/tests/slo-api-availability-page-1h.test.yml"
PAGE_6H = "prometheus/tests/slo-api-availability-page-6h.test.yml"
SEL = '{slo="api-availability"}'


def failed_checks(tmp_path: Path, test_file: str) -> list[str]:
    """`expr ... time` of every failed check promtool reports (empty when the file passes)."""
    promtool = require_tool("promtool")
    result = subprocess.run([promtool, "test", "rules", test_file], cwd=tmp_path, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == (1 if "FAILED" in output else 0), output
    return [f"{expr} @ {time}" for expr, time in re.findall(r'expr: "(.*)", time: (\S+),', output)]


def test_every_page_tier_has_a_spike_test_and_ticket_tiers_none() -> None:
    files = slo_tests.build(model())
    spikes = {path: [t["name"] for t in doc["tests"] if "spike" in t["name"]] for path, doc in files.items()}
    assert spikes == {
        PAGE_1H: ["api-availability page-1h does not fire on a 4m spike at a 0.864 error ratio (shorter than 5m)"],
        PAGE_6H: ["api-availability page-6h does not fire on a 25m spike at a 0.3456 error ratio (shorter than 30m)"],
        "prometheus/tests/slo-api-availability-ticket-1d.test.yml": [],
        "prometheus/tests/slo-api-availability-ticket-3d.test.yml": [],
    }


def test_the_page_6h_spike_crosses_the_short_window_and_never_fires_the_tier() -> None:
    (slo,) = model().slos
    case = slo_tests.spike(slo, slo.tiers[1])
    assert case is not None
    # 0.03 x 6h / 25m x 0.8: the 6h window tops out at 0.8 x 72/73 of the 0.03 threshold, the 30m one at 5/7 x 0.3456
    assert [(c["expr"], c["eval_time"]) for c in case["promql_expr_test"]] == [
        (f"count(slo:sli_error:ratio_rate30m{SEL} > 0.03 < 2)", "6h25m"),
        *(
            ('ALERTS{alertname="ApiAvailabilityErrorBudgetBurn", alertstate="firing", slo="api-availability", tier="page-6h"}', at)
            for at in ("6h25m", "6h45m", "7h20m")  # spike end, + for + 1 step, + short window + for + 2 steps
        ),
    ]


def test_a_page_tier_that_forgot_its_long_window_fires_on_the_spike(tmp_path: Path) -> None:
    write(tmp_path, model())
    rules = tmp_path / RULES
    long_window = f"slo:sli_error:ratio_rate6h{SEL} > 0.03 and "
    assert rules.read_text().count(long_window) == 1
    rules.write_text(rules.read_text().replace(long_window, ""))
    alerts = (
        'ALERTS{alertname=\\"ApiAvailabilityErrorBudgetBurn\\", alertstate=\\"firing\\", slo=\\"api-availability\\", tier=\\"page-6h\\"}'
    )
    # the fires case sees it fire too early; the spike case sees it fire at the spike's end and after `for`
    # (by 7h20m the 30m window has forgotten the spike, so the last check passes even so)
    assert failed_checks(tmp_path, PAGE_6H) == [f"{alerts} @ {at}" for at in ("11h35m", "6h25m", "6h45m")]


def test_budget_left_case_checks_exact_values_of_the_annotation_queries() -> None:
    (slo,) = model().slos
    case = slo_tests.budget_left(slo)
    assert case["name"] == (
        "api-availability budget left and time to exhaustion at a steady 0.00125 error ratio (0.25 x budget): 75% left, gone in 90d"
    )
    checks = [(c["expr"], c["eval_time"]) for c in case["promql_expr_test"]]
    # 75% of the budget left at a burn rate of 0.25: 0.75 x 30d / 0.25 = 90d = 7776000s, +-0.01%
    assert checks[0] == (f"count((slo:error_budget_remaining:ratio{SEL}) > 0.749925 < 0.750075)", "7m")
    assert checks[1] == (
        f"count((clamp_min(slo:error_budget_remaining:ratio{SEL}, 0) * 2592000 / (slo:sli_error:ratio_rate1h{SEL} / 0.005)) "
        "> 7775222.4 < 7776777.6)",
        "7m",
    )
    assert [c[0] for c in checks[1:]] == [f"count(({slo_rules.exhaustion_query(slo, t)}) > 7775222.4 < 7776777.6)" for t in slo.tiers]


def test_the_generated_budget_left_case_passes(tmp_path: Path) -> None:
    write(tmp_path, model())
    assert failed_checks(tmp_path, PAGE_1H) == []


EXHAUSTION = f"clamp_min(slo:error_budget_remaining:ratio{SEL}, 0) * 2592000 / (slo:sli_error:ratio_rate1h{SEL} / 0.005)"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("* 2592000 /", "* 2419200 /"),
        (" / 0.005)", ")"),
        (f"clamp_min(slo:error_budget_remaining:ratio{SEL}, 0)", f"(1 - slo:error_budget_remaining:ratio{SEL})"),
    ],
    ids=[
        "a 28-day window constant in a 30-day SLO",
        "a divisor that is the error ratio, not the burn rate",
        "budget spent instead of budget left",
    ],
)
def test_a_wrong_time_to_exhaustion_formula_fails_promtool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    original = slo_rules.exhaustion_query
    (slo,) = model().slos
    assert original(slo, slo.tiers[0]) == EXHAUSTION and old in EXHAUSTION
    monkeypatch.setattr(slo_rules, "exhaustion_query", lambda s, t: original(s, t).replace(old, new))
    write(tmp_path, model())
    (alert, *_) = [r for r in yaml.safe_load((tmp_path / RULES).read_text())["groups"][0]["rules"] if "alert" in r]
    assert f"with query `{EXHAUSTION.replace(old, new)}`" in alert["annotations"]["time_to_exhaustion"]  # the rule carries the bug
    failed = failed_checks(tmp_path, PAGE_1H)
    # the four time-to-exhaustion checks (one per tier) fail; the budget-spent annotation case (clamped to 0s) cannot see it
    assert [c.split(" > ")[0] for c in failed] == [f"count(({original(slo, t).replace(old, new)})".replace('"', '\\"') for t in slo.tiers]


def test_a_budget_left_recording_with_a_wrong_budget_fails_promtool(tmp_path: Path) -> None:
    write(tmp_path, model())
    rules = tmp_path / RULES
    recording = f"1 - slo:sli_error:ratio_window{SEL} / 0.005"
    assert rules.read_text().count(recording) == 1
    rules.write_text(rules.read_text().replace(recording, recording.replace("0.005", "0.004")))
    failed = failed_checks(tmp_path, PAGE_1H)
    assert 'count((slo:error_budget_remaining:ratio{slo=\\"api-availability\\"}) > 0.749925 < 0.750075) @ 7m' in failed
    assert sum(" > 7775222.4 < 7776777.6) @ 7m" in c for c in failed) == 4

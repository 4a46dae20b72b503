"""Generated SLO promtool tests (generators/slo_tests.py): what each case holds, and that promtool fails them
when the rules are wrong (mutations of the rendered rule file: what a hand edit or a generator bug would leave).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from generators import slo_tests
from tests.conftest import require_tool
from tests.test_slo_rules import model, write

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

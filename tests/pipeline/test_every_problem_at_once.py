"""Every problem of a spec in one run, whichever phase finds it: the schema, the mappers, the spec's own templates
and promtool's parse of custom expressions (issue 16: a unit typo and a template typo came out in two runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.errors import SpecError
from generators.pipeline import spec
from tests.conftest import ROOT, require_tool

GOOD = (ROOT / "tests" / "fixtures" / "good.yaml").read_text()
UNIT = ('critical: "> 5% for 5m"', 'critical: "> 5 percnt for 5m"')  # the mappers' threshold parse
FILTER = ("humanizePercentage }}", "humanizePercentag }}")  # a description template filter
VARIABLE = ("{{ op }} {{ threshold }}", "{{ opp }} {{ threshold }}")  # the custom expression's template
PAREN = ('max(quota_ratio{job="api"})', 'max(quota_ratio{job="api"}')  # PromQL that promtool refuses
KIND = ("kind: redis", "kind: rediss")  # the schema


@pytest.mark.parametrize(
    ("edits", "paths"),
    [
        ([UNIT, FILTER], ["services.api.thresholds.error_rate.critical", "custom[0].description"]),
        ([UNIT, VARIABLE], ["services.api.thresholds.error_rate.critical", "custom[0].expr"]),
        ([UNIT, PAREN], ["services.api.thresholds.error_rate.critical", "custom[0].expr"]),
        ([KIND, FILTER, UNIT], ["services.api.thresholds.error_rate.critical", "services.cache.kind", "custom[0].description"]),
    ],
    ids=["unit and filter", "unit and expression template", "unit and PromQL", "schema, unit and filter"],
)
def test_problems_of_every_phase_come_in_one_run(tmp_path: Path, edits: list[tuple[str, str]], paths: list[str]) -> None:
    if PAREN in edits:
        require_tool("promtool")
    text = GOOD
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as failed:
        spec.load(path)
    assert sorted(p.path for p in failed.value.problems) == sorted(paths)

"""Prometheus 2 and 3 read the rendered files alike (generators/model/prom_compat.py), judged by both promtools.

The expected spellings are what a real Prometheus 3.5.3 stored when it scraped these `le` values from a text
exposition, and what 2.42 stored (the value as printed); test_prom_compat_e2e.py repeats that scrape.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from generators.errors import SpecError
from generators.model import build_model, prom_compat
from generators.outputs.prometheus import prometheus_config
from generators.pipeline import writer
from generators.spec import source
from generators.validate import tools
from tests.conftest import require_set_tool
from tests.model.test_slo_model import GOOD, mutate
from tests.outputs.prometheus.test_slo_rules import model, write

# printed by the exporter -> what Prometheus 3.5.3 stored (2.42 stored the printed text)
STORED_BY_PROMETHEUS_3 = [
    ("1", "1.0"),
    ("10", "10.0"),
    ("1e3", "1000.0"),
    ("100000", "100000.0"),
    ("1000000", "1e+06"),
    ("1234567", "1.234567e+06"),
    ("0.00001", "1e-05"),
    ("2.50", "2.5"),
    ("0.5", "0.5"),
    ("0.0001", "0.0001"),
    ("+Inf", "+Inf"),
]


@pytest.mark.parametrize(("printed", "stored"), STORED_BY_PROMETHEUS_3, ids=[f"le={p}" for p, _ in STORED_BY_PROMETHEUS_3])
def test_the_spellings_hold_the_printed_value_and_what_prometheus_3_stores(printed: str, stored: str) -> None:
    found = prom_compat.spellings(printed)
    assert found[0] == printed and found[-1] == stored


MATCHERS = [
    ("0.5", 'le="0.5"'),
    ("+Inf", 'le="+Inf"'),
    ("1", 'le=~"1|1\\\\.0"'),
    ("1e3", 'le=~"1e3|1000|1000\\\\.0"'),
    ("1000000", 'le=~"1000000|1e\\\\+06"'),
    ("2.50", 'le=~"2\\\\.50|2\\\\.5"'),
]


@pytest.mark.parametrize(("value", "expected"), MATCHERS, ids=[f"le: {v}" for v, _ in MATCHERS])
def test_a_matcher_is_an_equality_when_every_version_stores_one_spelling(value: str, expected: str) -> None:
    assert prom_compat.matcher("le", value) == expected


@pytest.mark.parametrize("toolset", tools.SETS)
def test_an_slo_on_an_integer_bucket_counts_both_spellings_on_both_sets(tmp_path: Path, toolset: str) -> None:
    """The generated tests carry le="1" (instance-1) and le="1.0" (instance-2); with a plain le="1" the SLO
    misses instance-2's fast requests and the tests fail, on 2.x and 3.x alike."""
    promtool = require_set_tool("promtool", toolset)
    files = write(tmp_path, model(mutate({"sli": "latency", "le": "1", "objective": "99%", "window": "30d"})))
    tests = [p for p in files if p.startswith("prometheus/tests/") and p.endswith("-page-1h.test.yml")]  # one tier is enough
    assert len(tests) == 1
    (rules,) = (tmp_path / p for p in files if p.startswith("prometheus/rules/"))
    assert 'le=~"1|1\\\\.0"' in rules.read_text().replace('\\\\"', '"')
    passed = subprocess.run([promtool, "test", "rules", *tests], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    doc = yaml.safe_load(rules.read_text())
    for group in doc["groups"]:
        for rule in group["rules"]:
            rule["expr"] = rule["expr"].replace('le=~"1|1\\\\.0"', 'le="1"')
    rules.write_text(writer.dump_yaml(doc))
    failed = subprocess.run([promtool, "test", "rules", *tests], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert failed.returncode == 1 and "FAILED" in failed.stdout + failed.stderr


CUSTOM = """\
custom:
  - name: FewFastRequests
    team: backend
    job: api
    expr: 'sum(rate(http_request_duration_seconds_bucket{job="api", le="1"}[5m])) {{ op }} {{ threshold }}'
    unit: per_second
    thresholds: {warning: "< 1 for 5m"}
    summary: Few requests are fast
    description: "{{ $value }} requests/s took under a second"
"""


def test_a_hand_written_integer_le_equality_is_an_error_with_the_fix() -> None:
    with pytest.raises(SpecError) as info:
        build_model.build(source.load("spec.yaml", (GOOD + CUSTOM).encode()))
    assert [f"{p.path}: {p.message}" for p in info.value.problems] == [
        'custom[0].expr: le="1" matches only one spelling of 1: Prometheus 3 stores it as le="1.0", '
        'Prometheus 2 as the exporter prints it; match every spelling: le=~"1|1\\\\.0"'
    ]


def test_the_fixed_expression_is_accepted() -> None:
    fixed = CUSTOM.replace('le="1"', 'le=~"1|1\\\\.0"')  # written in YAML single quotes: two backslashes
    built, _ = build_model.build(source.load("spec.yaml", (GOOD + fixed).encode()))
    (alert,) = [a for a in built.alerts if a.name == "FewFastRequests"]
    assert 'le=~"1|1\\\\.0"' in alert.tiers[0].expr


@pytest.mark.parametrize(
    ("value", "rendered"),
    [("eu-1", "eu-1"), ("cost$center", "cost$$center"), ("${HOME}", "$${HOME}"), ("$$", "$$$$")],
    ids=["no dollar", "a dollar inside", "what 3.x would expand", "two dollars"],
)
def test_external_label_values_double_every_dollar(value: str, rendered: str) -> None:
    spec = GOOD.replace("version: 1\n", f"version: 1\nstack: {{external_labels: {{site: {json.dumps(value)}}}}}\n")
    built, _ = build_model.build(source.load("spec.yaml", spec.encode()))
    assert built.stack.external_labels == {"site": value}
    assert prometheus_config.build(built)["global"]["external_labels"] == {"site": rendered}


def test_only_a_2x_prometheus_gets_the_expansion_flag() -> None:
    assert prom_compat.prometheus_flags("2.42.0") == ["--enable-feature=expand-external-labels"]
    assert prom_compat.prometheus_flags("3.5.3") == []

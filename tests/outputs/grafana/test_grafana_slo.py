"""The SLO / error-budget dashboard: alert links, exact thresholds from the spec, queries, schema and metrics.

Numbers below were worked out by hand: 99.5% over 30d gives a 0.005 budget and factors 14.4, 6, 3, 1;
99% over 28d gives factors 0.02 x 672h/1h = 13.44, 0.05 x 112 = 5.6, 0.10 x 28 = 2.8 (and 0.933... for 3d).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from generators.model import build_model, conventions
from generators.model.types import Model
from generators.outputs import grafana
from generators.pipeline import render, spec, writer
from generators.spec import source
from generators.validate import grafana_checks as checks
from generators.validate import grafana_queries as checks_queries
from tests.conftest import ROOT, require_shared, require_tool
from tests.model.test_slo_model import GOOD, mutate
from tests.outputs.grafana.test_grafana import panel, steps

BOARD = conventions.DASHBOARDS["slo"]
PATH = f"grafana/dashboards/{BOARD.folder}/{BOARD.uid}.json"
SELECT = 'slo="api-availability", slo=~"$slo"'


def model_of(text: str) -> Model:
    return build_model.build(source.load("spec.yaml", text.encode()))[0]


@pytest.fixture(scope="module")
def example() -> Model:
    return spec.load(ROOT / "monitoring.yaml")[0]


@pytest.fixture(scope="module")
def board(example: Model) -> dict[str, Any]:
    doc: dict[str, Any] = grafana.build(example, grafana.dashboards(example))[PATH]
    return doc


def test_every_slo_alert_opens_the_burn_rate_panel_of_its_slo(example: Model, board: dict[str, Any]) -> None:
    options = [o["value"] for o in board["templating"]["list"][1]["options"]]
    assert [s.id for s in example.slos] == options == ["api-availability", "api-latency", "api-error-rate"]
    for slo in example.slos:
        url = urlparse(slo.dashboard_url)
        assert url.path == f"/d/{BOARD.uid}/{conventions.Dashboard(BOARD.uid, board['title'], '').slug}"
        query = parse_qs(url.query)
        assert query["var-slo"] == [slo.id]
        p = panel(board, int(query["viewPanel"][0]))
        assert p["title"] == "Burn rate per window (thresholds: tier factors)"
        assert all(f'slo="{slo.id}"' in t["expr"] for t in p["targets"])
        assert steps(p) == [("green", None), ("orange", 1), ("orange", 3), ("red", 6), ("red", 14.4)]


def test_the_rendered_alert_annotation_carries_the_same_link(example: Model) -> None:
    rules = yaml.safe_load((ROOT / "prometheus" / conventions.slo_rule_file("api-availability")).read_text())
    urls = {r["annotations"]["dashboard_url"] for r in rules["groups"][0]["rules"] if "alert" in r}
    pid = conventions.panel_id("api-availability", conventions.SLO_ALERT_PANEL)
    assert urls == {f"http://localhost:3000/d/slo-error-budgets/slos-and-error-budgets?var-slo=api-availability&viewPanel={pid}"}


def test_the_panels_of_one_slo_query_its_recordings_with_the_exact_budget(board: dict[str, Any]) -> None:
    def exprs(key: str) -> list[str]:
        return [t["expr"] for t in panel(board, conventions.panel_id("api-availability", key))["targets"]]

    assert exprs("sli") == [
        f"1 - slo:sli_error:ratio_window{{{SELECT}}}",
        f"1 - slo:sli_error:ratio_rate1h{{{SELECT}}}",
        f"slo:objective:ratio{{{SELECT}}}",
    ]
    assert exprs("budget_left") == exprs("budget_over_window") == [f"slo:error_budget_remaining:ratio{{{SELECT}}}"]
    assert exprs("burn_rate") == [f"slo:sli_error:ratio_rate{w}{{{SELECT}}} / 0.005" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")]
    assert exprs("time_to_exhaustion")[0] == (
        f"clamp_min(slo:error_budget_remaining:ratio{{{SELECT}}}, 0) * 2592000 / (slo:sli_error:ratio_rate1h{{{SELECT}}} / 0.005)"
    )
    assert len(exprs("time_to_exhaustion")) == 4  # one per tier long window: 1h, 6h, 1d, 3d


def test_sli_and_budget_panels_draw_the_objective_and_the_overspent_line(board: dict[str, Any]) -> None:
    sli = panel(board, conventions.panel_id("api-availability", "sli"))
    assert steps(sli) == [("red", None), ("green", 0.995)]
    latency = panel(board, conventions.panel_id("api-latency", "sli"))
    assert steps(latency) == [("red", None), ("green", 0.95)]
    over_window = panel(board, conventions.panel_id("api-availability", "budget_over_window"))
    assert (over_window["timeFrom"], steps(over_window)) == ("30d", [("red", None), ("green", 0)])


def test_a_28_day_slo_with_a_disabled_tier_draws_its_own_factors() -> None:
    slo = {"sli": "latency", "le": "0.25", "objective": "99%", "window": "28d", "tiers": {"ticket-3d": False}}
    doc = (lambda m: grafana.build(m, grafana.dashboards(m)))(model_of(mutate(slo)))[PATH]
    burn = panel(doc, conventions.panel_id("api-availability", "burn_rate"))
    assert steps(burn) == [("green", None), ("orange", 2.8), ("red", 5.6), ("red", 13.44)]
    assert [t["legendFormat"] for t in burn["targets"]] == ["5m", "30m", "1h", "2h", "6h", "1d"]  # no 3d: its tier is off
    assert [t["expr"].rsplit(" / ", 1)[1] for t in burn["targets"]] == ["0.01"] * 6
    assert panel(doc, conventions.panel_id("api-availability", "budget_over_window"))["timeFrom"] == "28d"
    exhaustion = panel(doc, conventions.panel_id("api-availability", "time_to_exhaustion"))
    assert [t["expr"].split(" * ")[1].split(" ")[0] for t in exhaustion["targets"]] == ["2419200"] * 3  # 28 x 86400


def test_a_spec_without_slos_gets_an_empty_slo_dashboard() -> None:
    data = yaml.safe_load(GOOD)
    del data["services"]["api"]["slos"]
    doc = grafana.dashboards(model_of(yaml.safe_dump(data)))[PATH]
    assert (doc["panels"], [v["name"] for v in doc["templating"]["list"]]) == ([], ["datasource"])


def test_panel_counts_of_the_example(board: dict[str, Any]) -> None:
    kinds = [p["type"] for p in board["panels"]]
    assert (kinds.count("row"), len(kinds) - kinds.count("row")) == (4, 18)  # overview (3 panels) + 5 per SLO


def test_the_slo_dashboards_pass_the_schema_and_query_checks(tmp_path: Path) -> None:
    """Both specs (example and 28d latency) through Grafana's JSON Schema, promtool and the metrics check."""
    require_shared("grafana-schema/dashboard.jsonschema.json")
    require_tool("promtool")
    slo = {"sli": "latency", "le": "0.25", "objective": "99%", "window": "28d", "tiers": {"ticket-3d": False}}
    for name, model in (("example", spec.load(ROOT / "monitoring.yaml")[0]), ("28d", model_of(mutate(slo)))):
        root = tmp_path / name
        files = render.documents(model)
        writer.write_tree(root, {k: v for k, v in files.items() if k == PATH or k.startswith("prometheus/")})
        assert [n for n, _ in checks.dashboards(root)] == [PATH]
        assert checks.grafana_schemas(root, True) == []
        assert checks.grafana_dashboards(root, True) == []
        assert checks_queries.grafana_queries(root, True) == []


def test_the_metrics_check_catches_a_recording_the_rules_do_not_have(tmp_path: Path) -> None:
    require_tool("promtool")
    files = render.documents(model_of(GOOD))
    files[PATH] = files[PATH].replace(b"slo:sli_error:ratio_rate6h", b"slo:sli_error:ratio_rate12h")
    writer.write_tree(tmp_path, {k: v for k, v in files.items() if k == PATH or k.startswith("prometheus/")})
    problems = checks_queries.grafana_queries(tmp_path, True)
    assert problems and all("metric slo:sli_error:ratio_rate12h is produced by nothing in the spec" in p for p in problems)
    assert len(problems) == 2  # the 6h burn rate and the 6h time to exhaustion

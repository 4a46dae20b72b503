"""The grafana validators: Grafana's JSON Schema, layout/uid/datasource rules, PromQL via promtool, known metrics.

A good rendered tree passes; each case applies one mutation to it and expects the exact problem.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from grafanalib import core as G

from generators.model import conventions
from generators.outputs.grafana import adapter, normalize
from generators.pipeline import render, spec, writer
from generators.validate import grafana_checks as checks
from generators.validate import grafana_queries as checks_queries
from tests.conftest import ROOT, require_shared, require_tool

HEALTH = "grafana/dashboards/Services/service-health.json"
P95_ID, P99_ID = conventions.panel_id("api", "latency_p95"), conventions.panel_id("api", "latency_p99")
P99 = f"panel {P99_ID} ('Latency p99')"
Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render.documents(spec.load(ROOT / "monitoring.yaml")[0])


@pytest.fixture
def tree(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """The Prometheus side and the service health dashboard (the mutations' target; keeps the cases fast)."""
    writer.write_tree(tmp_path, {k: v for k, v in files.items() if k.startswith("prometheus/") or k == HEALTH})
    return tmp_path


@pytest.fixture
def schemas() -> Path:
    return require_shared("grafana-schema/dashboard.jsonschema.json").parent


def mutate(tree: Path, change: Mutation) -> None:
    file = tree / HEALTH
    board = json.loads(file.read_text())
    change(board)
    file.write_bytes(writer.serialize(HEALTH, board))


def panel_by_title(board: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in board["panels"] if p["title"] == title)


def test_the_rendered_dashboards_pass_every_grafana_check(tmp_path: Path, files: dict[str, bytes], schemas: Path) -> None:
    require_tool("promtool")
    writer.write_tree(tmp_path, {k: v for k, v in files.items() if k.startswith(("grafana/", "prometheus/"))})
    assert len(checks.dashboards(tmp_path)) == 8  # seven families + SLOs and error budgets
    assert checks.grafana_schemas(tmp_path, True) == []
    assert checks.grafana_dashboards(tmp_path, True) == []
    assert checks_queries.grafana_queries(tmp_path, True) == []


def _legacy_rows(b: dict[str, Any]) -> None:
    b["rows"] = []


def _old_schema(b: dict[str, Any]) -> None:
    b["schemaVersion"] = 12


def _long_uid(b: dict[str, Any]) -> None:
    b["uid"] = "x" * 41


def _duplicate_id(b: dict[str, Any]) -> None:
    panel_by_title(b, "Latency p99")["id"] = panel_by_title(b, "Latency p95")["id"]


def _past_grid(b: dict[str, Any]) -> None:
    panel_by_title(b, "Latency p99")["gridPos"] = {"h": 8, "w": 8, "x": 20, "y": 100}


def _overlap(b: dict[str, Any]) -> None:
    panel_by_title(b, "Latency p99")["gridPos"] = dict(panel_by_title(b, "Latency p95")["gridPos"])


def _stat_option_missing(b: dict[str, Any]) -> None:
    del panel_by_title(b, "Target state")["options"]["wideLayout"]


def _null_title(b: dict[str, Any]) -> None:
    b["title"] = None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_legacy_rows, f"{HEALTH}: Additional properties are not allowed ('rows' was unexpected)"),
        (_old_schema, f"{HEALTH}: schemaVersion 12 is below 39"),
        (_long_uid, f"{HEALTH}: uid '{'x' * 41}' is longer than 40 characters"),
        (_duplicate_id, f"{HEALTH}: panel id {P95_ID} used by 'Latency p95' and 'Latency p99'"),
        (_past_grid, f"{HEALTH}: {P99} ends at column 28, past the 24-column grid"),
        (_overlap, f"{HEALTH}: {P99} overlaps 'Latency p95'"),
        (
            _stat_option_missing,
            f"{HEALTH}: panel {conventions.panel_id('api', 'target_down')} (stat).options: 'wideLayout' is a required property",
        ),
        (_null_title, f"{HEALTH}.title: None is not of type 'string'"),
    ],
    ids=[
        "a legacy rows key fails Grafana's dashboard schema",
        "schemaVersion 12 from grafanalib is refused",
        "a uid over 40 characters is refused",
        "two panels with one id are refused",
        "a panel past column 24 is refused",
        "overlapping panels are refused",
        "a stat panel without a required option fails the stat plugin schema",
        "null where the schema wants a string is refused",
    ],
)
def test_a_broken_dashboard_is_reported(tree: Path, schemas: Path, change: Mutation, expected: str) -> None:
    mutate(tree, change)
    problems = checks.grafana_schemas(tree, True) + checks.grafana_dashboards(tree, True)
    assert expected in problems, "\n".join(problems)


NEITHER = "neither ${datasource} nor the provisioned uid 'prometheus'"
NEEDS = "(it needs type 'datasource', query 'prometheus' and current value 'prometheus', the provisioned uid)"
VARIABLE_REF = '"uid": "${datasource}"'  # as writer.serialize spells each reference through the variable


def _p99_target_uid(uid: str) -> Mutation:
    return lambda b: panel_by_title(b, "Latency p99")["targets"][0].update(datasource={"type": "prometheus", "uid": uid})


def _p99_panel_placeholder(b: dict[str, Any]) -> None:
    panel_by_title(b, "Latency p99")["datasource"] = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}


def _datasource_variable(b: dict[str, Any]) -> dict[str, Any]:
    return next(v for v in b["templating"]["list"] if v["name"] == "datasource")


def _no_datasource_variable(b: dict[str, Any]) -> None:
    b["templating"]["list"].remove(_datasource_variable(b))


def _datasource_variable_defaults_elsewhere(b: dict[str, Any]) -> None:
    _datasource_variable(b)["current"] = {"text": "other", "value": "other"}


def _datasource_variable_of_another_type(b: dict[str, Any]) -> None:
    _datasource_variable(b).update(type="custom", query="prometheus,other")


def _fixed_uids(b: dict[str, Any]) -> None:
    """The provisioned uids stay valid: Prometheus on one panel, Alertmanager on another (and no variable)."""
    _no_datasource_variable(b)
    for panel in checks.panels(b):
        for ref in [panel.get("datasource"), *(t["datasource"] for t in panel.get("targets", []))]:
            if ref is not None:
                ref["uid"] = "prometheus"
    firing = panel_by_title(b, "Firing alerts")
    firing["datasource"] = {"type": "alertmanager", "uid": "alertmanager"}
    firing["targets"][0]["datasource"] = {"type": "alertmanager", "uid": "alertmanager"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_p99_target_uid("other"), [f"{HEALTH}: {P99} references datasource {{'type': 'prometheus', 'uid': 'other'}}, {NEITHER}"]),
        (
            _p99_panel_placeholder,
            [
                f"{HEALTH}: {P99} references datasource {{'type': 'prometheus', 'uid': '${{DS_PROMETHEUS}}'}}, {NEITHER}",
                f"{HEALTH}: contains an import placeholder ${{DS_...}}; reference the datasource as ${{datasource}} or by uid",
            ],
        ),
        (
            _no_datasource_variable,
            [f"{HEALTH}: {{n}} datasource references use ${{datasource}}, but the dashboard has no variable 'datasource' {NEEDS}"],
        ),
        (
            _datasource_variable_defaults_elsewhere,
            [f"{HEALTH}: {{n}} datasource references use ${{datasource}}, but its variable 'datasource' has current value 'other' {NEEDS}"],
        ),
        (
            _datasource_variable_of_another_type,
            [
                f"{HEALTH}: {{n}} datasource references use ${{datasource}}, "
                f"but its variable 'datasource' has type 'custom' and query 'prometheus,other' {NEEDS}"
            ],
        ),
        (_fixed_uids, []),
    ],
    ids=[
        "another uid is refused",
        "an import placeholder is refused twice: as a reference and as text",
        "${datasource} on a dashboard without the variable is refused once, with the count",
        "${datasource} whose variable defaults to another uid is refused",
        "${datasource} whose variable is no datasource variable is refused",
        "the provisioned Prometheus and Alertmanager uids are accepted without the variable",
    ],
)
def test_a_datasource_reference_grafana_cannot_resolve_is_reported(
    tree: Path, schemas: Path, change: Mutation, expected: list[str]
) -> None:
    mutate(tree, change)
    n = (tree / HEALTH).read_text().count(VARIABLE_REF)  # the dashboard's panels and targets, after the change
    assert checks.grafana_dashboards(tree, True) == [e.replace("{n}", str(n)) for e in expected]


def test_a_query_variable_is_held_to_the_same_datasource_rule() -> None:
    variable = {"name": "datasource", "type": "datasource", "query": "prometheus", "current": {"text": "prometheus", "value": "prometheus"}}
    instance = {"name": "instance", "type": "query", "query": "label_values(up, instance)"}
    good = {"templating": {"list": [variable, {**instance, "datasource": {"type": "prometheus", "uid": "${datasource}"}}]}}
    assert checks.datasource_problems("b", good) == []
    bad = {"templating": {"list": [{**instance, "datasource": {"type": "prometheus", "uid": "other"}}]}}
    assert checks.datasource_problems("b", bad) == [
        f"b: variable $instance references datasource {{'type': 'prometheus', 'uid': 'other'}}, {NEITHER}"
    ]
    unbacked = {"templating": {"list": [{**instance, "datasource": {"type": "prometheus", "uid": "${datasource}"}}]}}
    assert checks.datasource_problems("b", unbacked) == [
        f"b: 1 datasource reference uses ${{datasource}}, but the dashboard has no variable 'datasource' {NEEDS}"
    ]


def _expr(expr: str) -> Mutation:
    return lambda b: panel_by_title(b, "Latency p99")["targets"][0].update(expr=expr)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            'rate(http_requests_total{job="api"}[$__rate_interval]',
            f'  -> {HEALTH}: {P99} A: rate(http_requests_total{{job="api"}}[$__rate_interval]',
        ),
        (
            'service:http_requests:rate1h{service="api"}',
            f"{HEALTH}: {P99} A: metric service:http_requests:rate1h is produced by nothing in the spec "
            "(no recording rule, alert input or declared exporter has it): the panel would show No data",
        ),
        (
            'sum(rate(http_requests_total{job="web"}[$__rate_interval]))',
            f'{HEALTH}: {P99} A: job="web" is not a scrape job of prometheus/prometheus.yml '
            "(alertmanager, api, blackbox, cadvisor, node, postgres, prometheus, pushgateway, redis, worker)",
        ),
    ],
    ids=[
        "an unclosed parenthesis is rejected by promtool and located",
        "a recording rule the spec does not make would show No data",
        "a job selector that matches no scrape job is reported",
    ],
)
def test_a_broken_panel_query_is_reported(tree: Path, expr: str, expected: str) -> None:
    require_tool("promtool")
    mutate(tree, _expr(expr))
    problems = checks_queries.grafana_queries(tree, True)
    assert expected in problems, "\n".join(problems)
    assert len(problems) == (2 if expected.startswith("  ->") else 1)


def test_grafana_variables_are_substituted_before_parsing() -> None:
    expr = 'avg_over_time(up{instance=~"$instance", service=~"${service}"}[$__range]) / rate(x[$__rate_interval])'
    assert checks_queries.substitute(expr) == 'avg_over_time(up{instance=~"placeholder", service=~"placeholder"}[1h]) / rate(x[5m])'


def test_metric_names_ignore_functions_labels_ranges_and_grouping() -> None:
    expr = 'histogram_quantile(0.95, sum by (le) (rate(d_bucket{code=~"5.."}[5m]))) / on (a) group_left (b) x:y:z offset 5m > bool 1e3'
    assert checks_queries.metric_names(expr) == {"d_bucket", "x:y:z"}


def test_missing_schemas_stop_the_schema_check_only(tmp_path: Path, tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "SCHEMA_DIR", tmp_path / "nowhere")
    checks._validator.cache_clear()
    with pytest.raises(checks.tools.SchemaMissing, match=f"^Grafana JSON Schema not found in {tmp_path}/nowhere \\(set GRAFANA_SCHEMA_DIR"):
        checks.grafana_schemas(tree, False)
    assert checks.grafana_dashboards(tree, False) == []  # layout, uids and datasources need no schema
    checks._validator.cache_clear()


def legacy_dashboard() -> Any:
    ts = G.TimeSeries(title="t", id=2, targets=[G.Target(expr="up", refId="A")], gridPos=G.GridPos(h=8, w=12, x=0, y=1))
    ts = G.TimeSeries(**{**ts.__dict__, "thresholds": [G.Threshold("green", 0, 0.0), G.Threshold("red", 1, 1000.0)]})
    return G.Dashboard(title="T", uid="t", panels=[G.RowPanel(id=1, title="r", gridPos=G.GridPos(h=1, w=24, x=0, y=0)), ts])


def test_grafanalib_output_fails_the_schema_and_the_normalized_output_passes(schemas: Path) -> None:
    raw = adapter.plain(legacy_dashboard())
    assert raw["schemaVersion"] == 12
    errors = checks.schema_problems("raw", raw)
    assert (
        "raw: Additional properties are not allowed ('__inputs', 'hideControls', 'rows', 'sharedCrosshair', 'style' were unexpected)"
        in errors
    )
    board = normalize.normalize(raw)
    assert checks.schema_problems("normalized", board) == []
    assert not set(normalize.LEGACY_DASHBOARD) & set(board)
    assert board["panels"][1]["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "green", "value": None},
        {"color": "red", "value": 1000},
    ]
    assert board["schemaVersion"] == normalize.SCHEMA_VERSION and board["id"] is None


def test_normalize_points_prometheus_at_the_variable_and_keeps_an_alertmanager_uid() -> None:
    alertmanager = {"type": "alertmanager", "uid": "alertmanager"}
    raw = adapter.plain(legacy_dashboard())
    raw["panels"].append({**raw["panels"][1], "id": 3, "datasource": alertmanager, "targets": [{"refId": "A", "expr": "x"}]})
    board = normalize.normalize(raw)
    assert [(p["datasource"], [t["datasource"] for t in p["targets"]]) for p in board["panels"][1:]] == [
        ({"type": "prometheus", "uid": "${datasource}"}, [{"type": "prometheus", "uid": "${datasource}"}]),
        (alertmanager, [alertmanager]),
    ]
    assert checks.datasource_problems("b", board) == [  # grafanalib's board has no variable; Alertmanager is not counted
        f"b: 2 datasource references use ${{datasource}}, but the dashboard has no variable 'datasource' {NEEDS}"
    ]


def test_a_second_dashboard_with_the_same_uid_and_title_in_the_folder_is_reported(tree: Path, schemas: Path) -> None:
    copy = "grafana/dashboards/Services/copy.json"
    (tree / copy).write_bytes((tree / HEALTH).read_bytes())
    problems = checks.grafana_dashboards(tree, True)
    assert problems == [  # copy.json sorts first, so the original is the one reported as the duplicate
        f"{copy}: file name must be the uid 'service-health'",
        f"{HEALTH}: uid 'service-health' is also used by {copy}",
        f"{HEALTH}: title 'Service health' is also used in folder Services by {copy}",
    ]


def _walk(value: Any) -> Any:
    """The obvious conversion adapter.plain must equal (it walks in C through orjson instead)."""
    while hasattr(value, "to_json_data"):
        value = value.to_json_data()
    if isinstance(value, dict):
        return {str(k): _walk(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v) for v in value]
    return value


def test_plain_equals_a_recursive_walk_and_drop_none_keeps_list_nulls() -> None:
    built = legacy_dashboard()
    assert adapter.plain(built) == _walk(built)
    assert adapter.plain({"t": (1, G.GridPos(h=1, w=2, x=3, y=4)), 5: None}) == {"t": [1, {"h": 1, "w": 2, "x": 3, "y": 4}], "5": None}
    nested = {"a": None, "b": [None, {"c": None, "d": 0}], "e": {"f": {"g": None}}, "h": ""}
    assert normalize._drop_none(nested) == {"b": [None, {"d": 0}], "e": {"f": {}}, "h": ""}


def _all_pairs(positions: list[dict[str, int]]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(positions)) for j in range(i) if checks._overlap(positions[i], positions[j])]


@pytest.mark.parametrize("seed", range(30))
def test_the_overlap_sweep_finds_the_pairs_the_all_pairs_loop_finds(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [-2, 0, 1, 1, 2, 3, 8, 24] if seed % 3 == 0 else [1, 2, 4, 8, 12]  # a third with zero and negative sizes
    positions = [{"x": rng.randrange(-2, 24), "y": rng.randrange(0, 40), "w": rng.choice(sizes), "h": rng.choice(sizes)} for _ in range(60)]
    expected = _all_pairs(positions)
    assert checks.overlapping(positions) == expected
    assert expected, "every layout here has overlaps, or the comparison would prove little"


def test_a_grid_without_overlaps_has_none() -> None:
    positions = [{"x": 8 * (i % 3), "y": 8 * (i // 3), "w": 8, "h": 8} for i in range(3000)]
    assert checks.overlapping(positions) == []


@pytest.mark.parametrize("in_a_test", [False, True], ids=["unknown without it", "known from a unit test's input series"])
def test_a_metric_only_a_unit_test_feeds_counts_as_produced(tree: Path, in_a_test: bool) -> None:
    """The tests are read only when the rules and exporters leave a panel metric unknown; then they count as before."""
    require_tool("promtool")
    mutate(tree, _expr('sum(only_in_a_test_total{job="api"})'))
    test = tree / "prometheus" / "tests" / "api.test.yml"
    series = '  input_series:\n  - series: only_in_a_test_total{job="api"}\n    values: 1+0x3\n'
    if in_a_test:
        test.write_text(test.read_text().replace("  input_series:\n", series, 1))
    unknown = (
        f"{HEALTH}: {P99} A: metric only_in_a_test_total is produced by nothing in the spec "
        "(no recording rule, alert input or declared exporter has it): the panel would show No data"
    )
    assert checks_queries.grafana_queries(tree, True) == ([] if in_a_test else [unknown])

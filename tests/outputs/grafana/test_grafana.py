"""grafana/: every alert links to a panel that draws its thresholds with the spec's numbers; provisioning."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from generators.model import conventions
from generators.model.types import Alert, Model
from generators.outputs import grafana
from generators.outputs.grafana import adapter, signals
from generators.outputs.prometheus import rules
from generators.pipeline import spec, writer
from tests.conftest import ROOT

SPEC = ROOT / "monitoring.yaml"


@pytest.fixture(scope="module")
def model() -> Model:
    return spec.load(SPEC)[0]


@pytest.fixture(scope="module")
def built(model: Model) -> dict[str, Any]:
    return grafana.build(model, grafana.dashboards(model))


def boards(built: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {doc["uid"]: doc for path, doc in built.items() if path.startswith("grafana/dashboards/")}


def panel(board: dict[str, Any], pid: int) -> dict[str, Any]:
    found = [p for p in board["panels"] if p["id"] == pid]
    assert len(found) == 1, f"panel {pid} appears {len(found)} times in {board['uid']}"
    return found[0]


def steps(p: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(s["color"], s["value"]) for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def alert_panel(built: dict[str, Any], alert: Alert) -> dict[str, Any]:
    uid, pid = signals.location(alert)
    return panel(boards(built)[uid], pid)


def test_the_seven_dashboards_of_the_issue_are_written_in_their_folders(built: dict[str, Any]) -> None:
    expected = {f"grafana/dashboards/{d.folder}/{d.uid}.json" for d in conventions.DASHBOARDS.values()}
    assert {p for p in built if p.startswith("grafana/dashboards/")} == expected


def test_every_alert_dashboard_url_resolves_to_an_existing_dashboard_slug_and_panel(model: Model, built: dict[str, Any]) -> None:
    by_uid = boards(built)
    for alert in model.alerts:
        url = urlparse(alert.dashboard_url)
        _, d, uid, slug = url.path.split("/")
        assert d == "d" and uid in by_uid, alert.dashboard_url
        board = by_uid[uid]
        assert slug == conventions.Dashboard(uid, board["title"], "").slug, alert.dashboard_url
        pid = int(parse_qs(url.query)["viewPanel"][0])
        assert pid == conventions.panel_id(alert.service, alert.signal)
        assert panel(board, pid)["type"] != "row", alert.name


def test_every_alert_panel_links_to_the_alerts_runbook(model: Model, built: dict[str, Any]) -> None:
    for alert in model.alerts:
        links = alert_panel(built, alert)["links"]
        assert [(link["title"], link["url"]) for link in links] == [(f"Runbook: {alert.name}", alert.runbook_url)]


def test_every_valued_alert_threshold_is_a_step_of_its_panel_with_the_spec_number(model: Model, built: dict[str, Any]) -> None:
    checked = 0
    for alert in model.alerts:
        values = {t.threshold.value for t in alert.tiers if t.threshold.value is not None}
        if not values:
            continue
        drawn = [v for _, v in steps(alert_panel(built, alert))[1:]]
        assert drawn == sorted(adapter.json_number(v) for v in values), alert.name
        checked += 1
    assert checked == 32  # the valued alerts of monitoring.yaml (70 alerts; 38 are state alerts without a number)


@pytest.mark.parametrize(
    ("alert_name", "expected_steps", "style"),
    [
        ("ApiHighErrorRate", [("green", None), ("orange", 0.02), ("red", 0.05)], "line+area"),
        ("ProbesTlsCertificateExpiring", [("red", None), ("orange", 604800), ("blue", 1209600), ("green", 2592000)], None),
        ("RedisLowCacheHitRatio", [("orange", None), ("green", 0.6)], "line+area"),
        ("HostClockSkew", [("green", None), ("orange", 0.05)], "line+area"),
        ("HostDiskWillFillSoon", [("orange", None), ("green", 86400)], "line+area"),
    ],
    ids=[
        "an above alert is green below warning, orange from 2%, red from 5%",
        "a below alert on a stat is red under 7 days, orange under 14 days, green above",
        "a below alert with one tier is orange under its threshold",
        "50ms written in the spec is drawn at 0.05 seconds",
        "the fill prediction panel shows time until full against the 24h horizon",
    ],
)
def test_threshold_steps_follow_direction_and_severity(
    model: Model, built: dict[str, Any], alert_name: str, expected_steps: list[tuple[str, Any]], style: str | None
) -> None:
    (alert,) = [a for a in model.alerts if a.name == alert_name]
    p = alert_panel(built, alert)
    assert steps(p) == expected_steps
    if style is None:
        assert p["type"] == "stat" and p["options"]["colorMode"] == "background"
    else:
        assert p["type"] == "timeseries" and p["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": style}


def test_a_threshold_changed_in_the_spec_changes_the_alert_its_text_and_the_panel_together(tmp_path: Path) -> None:
    text = SPEC.read_text()
    old = 'error_rate: {warning: "> 2% for 10m", critical: "> 5% for 5m"}'
    assert text.count(old) == 1
    changed = tmp_path / "monitoring.yaml"
    changed.write_text(text.replace(old, 'error_rate: {warning: "> 2% for 10m", critical: "> 7.5% for 5m"}'))
    model = spec.load(changed)[0]
    (alert,) = [a for a in model.alerts if a.name == "ApiHighErrorRate"]
    (critical,) = [t for t in alert.tiers if t.severity == "critical"]
    assert critical.expr == 'service:http_requests_errors:ratio_rate5m{service="api"} > 0.075'
    assert rules.alert_annotations(alert, critical)["description"].endswith("Threshold: > 7.5% for 5m.")
    p = alert_panel(grafana.build(model, grafana.dashboards(model)), alert)
    assert steps(p) == [("green", None), ("orange", 0.02), ("red", 0.075)]
    assert "critical: > 7.5% for 5m" in p["description"]
    written = writer.serialize("x.json", p).decode()
    assert '"value": 0.075' in written and "0.05" not in written


def test_panel_queries_use_recording_rules_and_rate_interval(model: Model, built: dict[str, Any]) -> None:
    (alert,) = [a for a in model.alerts if a.name == "ApiHighErrorRate"]
    assert [t["expr"] for t in alert_panel(built, alert)["targets"]] == ['service:http_requests_errors:ratio_rate5m{service="api"}']
    exprs = [t["expr"] for b in boards(built).values() for p in b["panels"] for t in p.get("targets", [])]
    assert not [e for e in exprs if "[5m]" in e], "panels must let Grafana choose the window ($__rate_interval)"
    assert sum("$__rate_interval" in e for e in exprs) == 15  # host CPU reads the raw counter (no recording)


def test_dashboards_are_marked_generated_and_deterministic(model: Model, built: dict[str, Any]) -> None:
    for board in boards(built).values():
        assert board["description"].endswith(conventions.GENERATED_HEADER)
        assert board["id"] is None and board["schemaVersion"] >= 39 and board["editable"] is False
    again = writer.to_bytes(grafana.build(model, grafana.dashboards(model)))
    assert again == writer.to_bytes(built)


def test_alerts_overview_reads_alerts_and_shows_custom_alerts_with_their_thresholds(model: Model, built: dict[str, Any]) -> None:
    board = boards(built)["alerts-overview"]
    titles = [p["title"] for p in board["panels"]]
    assert titles[:8] == [
        "Now",
        "Firing critical",
        "Firing warning",
        "Firing info",
        "Pending (waiting for `for`)",
        "Firing and pending alerts by service",
        "Firing alerts by severity (history)",
        "Firing alerts by service (history)",
    ]
    (table,) = [p for p in board["panels"] if p["title"] == "Firing and pending alerts by service"]
    assert [t["expr"] for t in table["targets"]] == [
        'sum by (service, alertname, severity, alertstate) (ALERTS{service=~"$service", severity=~"$severity"})'
    ]
    (custom,) = [a for a in model.alerts if a.kind == "custom"]
    p = alert_panel(built, custom)
    assert p["targets"][0]["expr"] == 'max by (tenant) (llm_tenant_quota_used_ratio{job="api"})'
    assert steps(p) == [("green", None), ("orange", 0.9), ("red", 0.95)]


def test_provisioning_sets_the_uid_the_dashboards_use_and_keeps_the_spec_authoritative(built: dict[str, Any]) -> None:
    sources = built["grafana/provisioning/datasources/datasources.yml"]["datasources"]
    assert [(s["name"], s["type"], s["uid"], s["isDefault"]) for s in sources] == [
        ("Prometheus", "prometheus", conventions.PROMETHEUS_DATASOURCE_UID, True),
        ("Alertmanager", "alertmanager", conventions.ALERTMANAGER_DATASOURCE_UID, False),
    ]
    (provider,) = built["grafana/provisioning/dashboards/dashboards.yml"]["providers"]
    assert provider["type"] == "file"
    assert provider["options"] == {"path": conventions.GRAFANA_DASHBOARDS_DIR, "foldersFromFilesStructure": True}
    assert conventions.GRAFANA_DASHBOARDS_DIR == "/etc/grafana/dashboards"  # a read-only mount, outside the data volume
    assert (provider["allowUiUpdates"], provider["disableDeletion"]) == (False, False)
    for board in boards(built).values():  # what ${datasource} resolves to on a fresh Grafana
        (variable,) = [v for v in board["templating"]["list"] if v["name"] == "datasource"]
        assert (variable["type"], variable["query"], variable["current"]["value"]) == ("datasource", "prometheus", sources[0]["uid"])


def test_panels_targets_and_query_variables_read_through_the_datasource_variable(built: dict[str, Any]) -> None:
    refs: dict[str, set[str]] = {}
    for uid, board in boards(built).items():
        for p in board["panels"]:
            if p["type"] != "row":
                for ref in [p["datasource"], *(t["datasource"] for t in p["targets"])]:
                    refs.setdefault(json.dumps(ref, sort_keys=True), set()).add(uid)
        for var in board["templating"]["list"]:
            if var["type"] == "query":
                refs.setdefault(json.dumps(var["datasource"], sort_keys=True), set()).add(f"{uid} ${var['name']}")
            else:
                assert "datasource" not in var, (uid, var["name"])
    query_variables = {"alerts-overview $service", "infrastructure $instance", "synthetic-probes $instance"}
    expected = {d.uid for d in conventions.DASHBOARDS.values()} | query_variables
    assert refs == {'{"type": "prometheus", "uid": "${datasource}"}': expected}
    assert not any("${DS_" in json.dumps(board) for board in boards(built).values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("0.050"), 0.05), (Decimal("1E+3"), 1000), (Decimal("1209600"), 1209600), (Decimal("0.075"), 0.075)],
    ids=["trailing zeros drop", "exponent becomes an integer", "14 days stays an integer", "three decimals stay exact"],
)
def test_json_number_keeps_the_spec_digits(value: Decimal, expected: float) -> None:
    result = adapter.json_number(value)
    assert result == expected and type(result) is type(expected)


def test_json_number_refuses_a_value_a_float_would_round() -> None:
    with pytest.raises(ValueError, match=r"^0\.12345678901234567891 has no exact JSON number$"):
        adapter.json_number(Decimal("0.12345678901234567891"))


def test_utilisation_panels_get_a_0_to_100_percent_axis_that_grafanalib_cannot_express(model: Model, built: dict[str, Any]) -> None:
    by_name = {a.name: alert_panel(built, a)["fieldConfig"]["defaults"] for a in model.alerts}
    assert (by_name["HostHighCpuUsage"]["min"], by_name["HostHighCpuUsage"]["max"]) == (0, 1)
    assert "max" not in by_name["ApiHighErrorRate"]  # small error ratios would vanish on a 0..100% axis


def test_alerts_no_family_lays_out_still_get_a_panel_from_their_expression(model: Model) -> None:
    board = signals.Board(model, "stack")  # the stack family not run: everything falls to leftovers()
    board.leftovers()
    exprs = {p.id: p.queries[0].expr for row in board.rows for p in row.panels}
    assert exprs[conventions.panel_id("prometheus", "slow_rule_groups")] == (
        'prometheus_rule_group_last_duration_seconds{job="prometheus"} / prometheus_rule_group_interval_seconds{job="prometheus"}'
    )
    assert exprs[conventions.panel_id("prometheus", "notifications_failing")] == (
        'sum by (instance, job) (rate(prometheus_notifications_errors_total{job="prometheus"}[$__rate_interval]))'
        ' / sum by (instance, job) (rate(prometheus_notifications_sent_total{job="prometheus"}[$__rate_interval]))'
    )
    assert exprs[conventions.panel_id("prometheus", "rule_failures")] == (
        'count(ALERTS{alertname="PrometheusRuleEvaluationFailures", alertstate="firing"}) or vector(0)'
    )
    assert exprs[conventions.panel_id("prometheus", "target_down")] == 'min(up{job="prometheus"})'
    assert board.placed == set(board.alerts)

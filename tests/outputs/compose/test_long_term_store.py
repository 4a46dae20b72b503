"""The long-term store (spec `long_term_store:`): remote_write from every Prometheus, the compose service, the
Grafana datasource, and the spec errors at their lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generators.errors import SpecError
from generators.model.types import Model
from generators.outputs.compose import compose, long_term_store
from generators.outputs.grafana import provisioning
from generators.outputs.kubernetes import kubernetes
from generators.outputs.prometheus import ha, prometheus_config
from generators.pipeline import render, spec, writer
from generators.validate import tools
from tests.conftest import require_set_tool

GOOD = (Path(__file__).parents[2] / "fixtures" / "scaling.yaml").read_text() + "long_term_store: {retention: 90d}\n"
STORE = {
    "name": "long-term-store",
    "url": "http://victoria-metrics:8428/api/v1/write",
    "write_relabel_configs": [{"regex": "replica", "action": "labeldrop"}],
    "enable_http2": False,
}


def _load(tmp_path: Path, old: str = "", new: str = "") -> Model:
    assert not old or GOOD.count(old) == 1, f"mutation anchor {old!r} must appear exactly once"
    path = tmp_path / "monitoring.yaml"
    path.write_text(GOOD.replace(old, new) if old else GOOD)
    model, _ = spec.load(path)
    return model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    return _load(tmp_path_factory.mktemp("lts"))


def _store_endpoint(config: dict[str, Any]) -> Any:
    return [rw for rw in config["remote_write"] if rw["name"] == "long-term-store"]


def test_every_prometheus_writes_to_the_store_without_the_replica_label(model: Model) -> None:
    configs = {"single": prometheus_config.build(model), **ha.build(model)}
    assert sorted(configs) == ["prometheus/ha/prometheus-0.yml", "prometheus/ha/prometheus-1.yml", "single"]
    for name, config in configs.items():
        assert [rw["name"] for rw in config["remote_write"]] == ["mimir", "thanos", "long-term-store"], name
        assert _store_endpoint(config) == [STORE], name
    values = kubernetes.prometheus_values(model, None)["prometheus"]["prometheusSpec"]
    assert values["remoteWrite"][-1] == {
        "name": "long-term-store",
        "url": "http://victoria-metrics:8428/api/v1/write",
        "writeRelabelConfigs": [{"regex": "replica", "action": "labeldrop"}],
    }


def test_keep_sends_the_replica_label_and_the_tenant_header(tmp_path: Path) -> None:
    path = tmp_path / "keep.yaml"
    path.write_text(
        GOOD.replace("ha: {replicas: 2}", "ha: {replicas: 2, replica_label: prometheus_replica}").replace(
            "long_term_store: {retention: 90d}",
            "long_term_store: {write_url: 'https://mimir.example.com/api/v1/push', query_url: 'https://mimir.example.com/prometheus', "
            "headers: {X-Scope-OrgID: tenant-1}, replica_label: keep}",
        )
    )
    model, _ = spec.load(path)
    assert _store_endpoint(ha.build(model)["prometheus/ha/prometheus-1.yml"]) == [
        {
            "name": "long-term-store",
            "url": "https://mimir.example.com/api/v1/push",
            "headers": {"X-Scope-OrgID": "tenant-1"},
            "enable_http2": False,
        }
    ]
    source = provisioning.datasources(model)["datasources"][-1]
    assert (source["url"], source["jsonData"]["httpHeaderName1"], source["secureJsonData"]) == (
        "https://mimir.example.com/prometheus",
        "X-Scope-OrgID",
        {"httpHeaderValue1": "tenant-1"},
    )


def test_a_custom_replica_label_is_the_one_dropped(tmp_path: Path) -> None:
    custom = _load(tmp_path, "ha: {replicas: 2}", "ha: {replicas: 2, replica_label: prometheus_replica}")
    assert _store_endpoint(prometheus_config.build(custom))[0]["write_relabel_configs"] == [
        {"regex": "prometheus_replica", "action": "labeldrop"}
    ]


def test_compose_runs_the_pinned_image_in_its_profile_deduplicating_at_the_scrape_interval(model: Model) -> None:
    doc = compose.build(model)[compose.COMPOSE_FILE]
    service = doc["services"]["victoria-metrics"]
    assert service["image"] == "victoriametrics/victoria-metrics:v1.145.0"  # catalog/versions.yaml, what make e2e ran
    assert service["profiles"] == ["long-term-store"]
    assert service["command"] == [
        "-storageDataPath=/storage",
        "-httpListenAddr=:8428",
        "-retentionPeriod=90d",
        "-dedup.minScrapeInterval=15s",
    ]
    assert service["volumes"] == ["victoria-metrics-data:/storage"] and "victoria-metrics-data" in doc["volumes"]
    assert doc["x-hardening-exceptions"]["victoria-metrics"] == long_term_store.EXCEPTION


@pytest.mark.parametrize(
    ("retention", "flag"), [("1y", "365d"), ("90d", "90d"), ("2w", "14d"), ("36h", "36h"), ("1d30m", "25h")], ids=lambda v: str(v)
)
def test_retention_is_written_as_victoria_metrics_reads_it(retention: str, flag: str) -> None:
    assert long_term_store.retention_period(retention) == flag


def test_grafana_gets_a_datasource_of_its_own_uid_for_the_global_view(model: Model) -> None:
    assert provisioning.datasources(model)["datasources"][-1] == {
        "name": "Long-term store (global view)",
        "type": "prometheus",
        "uid": "long-term-store",
        "access": "proxy",
        "url": "http://victoria-metrics:8428",
        "isDefault": False,
        "editable": False,
        "jsonData": {"timeInterval": "15s", "httpMethod": "POST"},
    }


def test_without_the_section_nothing_of_the_store_is_rendered(tmp_path: Path) -> None:
    plain = _load(tmp_path, "long_term_store: {retention: 90d}\n", "")
    assert [rw["name"] for rw in prometheus_config.build(plain)["remote_write"]] == ["mimir", "thanos"]
    assert "victoria-metrics" not in compose.build(plain)[compose.COMPOSE_FILE]["services"]
    assert [s["uid"] for s in provisioning.datasources(plain)["datasources"]] == ["prometheus", "alertmanager"]


@pytest.mark.parametrize("toolset", tools.SETS)
def test_promtool_accepts_every_config_writing_to_the_store(model: Model, tmp_path: Path, toolset: str) -> None:
    require_set_tool("promtool", toolset)
    writer.write_tree(tmp_path, render.documents(model))
    for config in ("prometheus/prometheus.yml", "prometheus/ha/prometheus-0.yml"):
        result = tools.promtool(["check", "config", "--syntax-only", config], tmp_path, toolset)
        assert result.ok, result.output


CASES = [
    (
        "a write URL that is not http",
        ("long_term_store: {retention: 90d}", "long_term_store: {write_url: 'ftp://vm:8428/api/v1/write'}"),
        "monitoring.yaml:36:30: long_term_store.write_url: 'ftp://vm:8428/api/v1/write' has scheme 'ftp'; only http:// and "
        "https:// URLs are allowed here (e.g. https://grafana.example.com)",
    ),
    (
        "a query URL without a host",
        ("long_term_store: {retention: 90d}", "long_term_store: {query_url: 'http://:8428'}"),
        "monitoring.yaml:36:30: long_term_store.query_url: 'http://:8428' has no host (e.g. https://grafana.example.com)",
    ),
    (
        "a retention shorter than a day",
        ("retention: 90d", "retention: 12h"),
        "monitoring.yaml:36:30: long_term_store.retention: '12h' is shorter than 1d, the minimum here; "
        "VictoriaMetrics keeps at least one day (-retentionPeriod)",
    ),
    (
        "a replica label mode that is neither drop nor keep",
        ("{retention: 90d}", "{replica_label: replica}"),
        "monitoring.yaml:36:34: long_term_store.replica_label: 'replica' is not allowed here (allowed: drop, keep)",
    ),
    (
        "a remote_write endpoint named like the store's",
        ("  - name: thanos", "  - name: long-term-store"),
        "monitoring.yaml:32:11: remote_write[1].name: 'long-term-store' is the remote_write name of long_term_store; "
        "name this endpoint otherwise, e.g. mimir",
    ),
]


@pytest.mark.parametrize(("mutation", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_store_is_reported_at_its_line(tmp_path: Path, mutation: tuple[str, str], message: str) -> None:
    path = tmp_path / "monitoring.yaml"
    assert GOOD.count(mutation[0]) == 1
    path.write_text(GOOD.replace(*mutation))
    with pytest.raises(SpecError) as caught:
        spec.load(path)
    assert message in [str(p).replace(str(path), "monitoring.yaml") for p in caught.value.problems]

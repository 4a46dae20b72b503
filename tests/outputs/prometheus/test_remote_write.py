"""remote_write and the HA pair: the prometheus.yml entries, the Prometheus CR snippet, and spec errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generators.errors import SpecError
from generators.model.types import Model, RemoteWrite
from generators.outputs.prometheus import ha, prometheus_config, remote_write
from generators.pipeline import render, spec, writer
from generators.validate import scaling_validate, tools
from tests.conftest import require_set_tool

FIXTURE = Path(__file__).parents[2] / "fixtures" / "scaling.yaml"
GOOD = FIXTURE.read_text()


@pytest.fixture(scope="module")
def model() -> Model:
    loaded, _ = spec.load(FIXTURE)
    return loaded


MIMIR = RemoteWrite(
    name="mimir",
    url="https://mimir.example.com/api/v1/push",
    username="tenant-1",
    password_secret="mimir_password",
    queue={"capacity": 10000, "max_shards": 50},
    drop_metrics=("go_gc_.*", "apiserver_.*_bucket"),
    drop_labels=("pod_template_hash",),
)


def test_compose_entry_reads_credentials_from_secret_files() -> None:
    assert remote_write.compose(MIMIR) == {
        "name": "mimir",
        "url": "https://mimir.example.com/api/v1/push",
        "basic_auth": {"username": "tenant-1", "password_file": "/run/secrets/mimir_password"},
        "queue_config": {"capacity": 10000, "max_shards": 50},
        "write_relabel_configs": [
            {"source_labels": ["__name__"], "regex": "go_gc_.*|apiserver_.*_bucket", "action": "drop"},
            {"regex": "pod_template_hash", "action": "labeldrop"},
        ],
        "enable_http2": False,  # what Prometheus 3 defaults to, so 2.x sends alike
    }


def test_operator_entry_references_keys_of_one_kubernetes_secret() -> None:
    assert remote_write.operator(MIMIR, "creds") == {
        "name": "mimir",
        "url": "https://mimir.example.com/api/v1/push",
        "basicAuth": {"username": {"name": "creds", "key": "mimir_username"}, "password": {"name": "creds", "key": "mimir_password"}},
        "queueConfig": {"capacity": 10000, "maxShards": 50},
        "writeRelabelConfigs": [
            {"sourceLabels": ["__name__"], "regex": "go_gc_.*|apiserver_.*_bucket", "action": "drop"},
            {"regex": "pod_template_hash", "action": "labeldrop"},
        ],
    }


def test_a_bearer_token_becomes_an_authorization_credentials_file(model: Model) -> None:
    thanos = prometheus_config.build(model)["remote_write"][1]
    assert thanos == {
        "name": "thanos",
        "url": "http://thanos-receive:19291/api/v1/receive",
        "authorization": {"type": "Bearer", "credentials_file": "/run/secrets/thanos_token"},
        "enable_http2": False,
    }


@pytest.mark.parametrize("toolset", tools.SETS)
def test_promtool_accepts_the_remote_write_and_replica_configs(model: Model, tmp_path: Path, toolset: str) -> None:
    require_set_tool("promtool", toolset)
    writer.write_tree(tmp_path, render.documents(model))
    assert scaling_validate.ha(tmp_path, False, toolset) == []
    result = tools.promtool(["check", "config", "prometheus/prometheus.yml"], tmp_path, toolset)
    assert result.ok, result.output


def _self_scrape(config: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = next(j for j in config["scrape_configs"] if j["job_name"] == "prometheus")
    return job


def test_the_replicas_differ_only_in_the_replica_label_which_alerts_drop_and_their_own_instance(model: Model) -> None:
    configs = ha.build(model)
    assert sorted(configs) == ["prometheus/ha/prometheus-0.yml", "prometheus/ha/prometheus-1.yml"]
    zero, one = configs["prometheus/ha/prometheus-0.yml"], configs["prometheus/ha/prometheus-1.yml"]
    assert zero["global"]["external_labels"] == {"cluster": "eu-1", "replica": "prometheus-0"}
    assert one["global"]["external_labels"] == {"cluster": "eu-1", "replica": "prometheus-1"}
    assert zero["alerting"]["alert_relabel_configs"] == [{"action": "labeldrop", "regex": "replica"}]
    # each scrapes itself as its own instance: a store that drops the replica label keeps two processes apart
    assert _self_scrape(zero)["static_configs"] == [{"targets": ["localhost:9090"], "labels": {"instance": "prometheus-0:9090"}}]
    assert _self_scrape(one)["static_configs"] == [{"targets": ["localhost:9090"], "labels": {"instance": "prometheus-1:9090"}}]
    one["global"]["external_labels"]["replica"] = "prometheus-0"
    _self_scrape(one)["static_configs"][0]["labels"]["instance"] = "prometheus-0:9090"
    assert one == zero
    base = prometheus_config.build(model)
    assert _self_scrape(base)["static_configs"] == [{"targets": ["localhost:9090"]}]
    _self_scrape(zero)["static_configs"][0].pop("labels")
    assert {k: v for k, v in zero.items() if k not in ("global", "alerting", "rule_files")} == {
        k: v for k, v in base.items() if k not in ("global", "alerting", "rule_files")
    }


def test_a_single_replica_renders_no_ha_configs(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(GOOD.replace("ha: {replicas: 2}", "ha: {replicas: 1}"))
    single, _ = spec.load(path)
    assert ha.build(single) == {}


def _problems(tmp_path: Path, old: str, new: str) -> list[str]:
    assert GOOD.count(old) == 1, f"mutation anchor {old!r} must appear exactly once"
    path = tmp_path / "monitoring.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(SpecError) as caught:
        spec.load(path)
    return [str(p).replace(str(path), "monitoring.yaml") for p in caught.value.problems]


CASES = [
    (
        "basic auth without its password",
        ("    password_secret: mimir_password\n", ""),
        "monitoring.yaml:24:5: remote_write[0]: basic auth needs both username and password_secret, e.g. {username: tenant-1, password_secret: mimir_password}",
    ),
    (
        "two credentials on one endpoint",
        ("    bearer_token_secret: thanos_token\n", "    bearer_token_secret: thanos_token\n    username: x\n    password_secret: y\n"),
        "monitoring.yaml:32:5: remote_write[1]: use either password_secret (basic auth) or bearer_token_secret, not both",
    ),
    (
        "two endpoints with one name",
        ("  - name: thanos", "  - name: mimir"),
        "monitoring.yaml:32:11: remote_write[1].name: remote_write name 'mimir' is used twice; names must be unique, e.g. mimir, thanos",
    ),
    (
        "a drop pattern that is not a regex",
        ('"go_gc_.*"', '"go_gc_(.*"'),
        "monitoring.yaml:30:20: remote_write[0].drop_metrics[0]: not a valid regular expression (missing ), unterminated subpattern at position 6), e.g. 'go_gc_.*'",
    ),
    (
        "a replica label that is already an external label",
        ("ha: {replicas: 2}", "ha: {replicas: 2, replica_label: cluster}"),
        "monitoring.yaml:35:34: ha.replica_label: 'cluster' is already a stack.external_labels key; pick another, e.g. replica_label: prometheus_replica",
    ),
    (
        "a password written into the spec",
        ("    password_secret: mimir_password\n", "    password: hunter2\n    password_secret: mimir_password\n"),
        "monitoring.yaml:27:5: remote_write[0].password: 'password' would put a secret in the spec; reference a secret file instead: 'auth_password_secret: <name>' and store the value in compose/secrets/<name> (git-ignored)",
    ),
]


@pytest.mark.parametrize(("mutation", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_scaling_section_is_reported_with_its_location(tmp_path: Path, mutation: tuple[str, str], message: str) -> None:
    assert message in _problems(tmp_path, *mutation)


def test_remote_write_secret_files_are_listed_for_the_compose_prometheus(model: Model) -> None:
    assert remote_write.secret_names(model) == ["mimir_password", "thanos_token"]


def test_the_compose_ha_profile_clones_prometheus_with_its_own_config_and_volume(model: Model) -> None:
    base = {
        "image": "prom/prometheus:v3.5.0",
        "command": ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"],
        "volumes": ["../prometheus:/etc/prometheus:ro", "prometheus-data:/prometheus"],
        "ports": ["127.0.0.1:9090:9090"],
    }
    services = ha.compose_services(model, base)
    assert sorted(services) == ["prometheus-0", "prometheus-1"]
    assert services["prometheus-1"] == {
        "image": "prom/prometheus:v3.5.0",
        "profiles": ["ha"],
        "command": ["--config.file=/etc/prometheus/ha/prometheus-1.yml", "--storage.tsdb.path=/prometheus"],
        "volumes": ["../prometheus:/etc/prometheus:ro", "prometheus-1-data:/prometheus"],
    }
    assert base["ports"] == ["127.0.0.1:9090:9090"]  # the single-node service is left as it was

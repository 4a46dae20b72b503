"""kubernetes/: the operator objects carry the compose rules unchanged and pass the CRD schemas."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.model.types import HighAvailability, Model
from generators.outputs.kubernetes import kubernetes, kubernetes_plugins
from generators.outputs.prometheus import rules
from generators.pipeline import render, spec, writer
from generators.validate import grafana_checks as checks
from generators.validate import scaling_validate, tools
from tests.conftest import require_shared, require_tool

FIXTURE = Path(__file__).parents[2] / "fixtures" / "scaling.yaml"


@pytest.fixture(scope="module")
def model() -> Model:
    loaded, _ = spec.load(FIXTURE)
    return loaded


@pytest.fixture(scope="module")
def objects(model: Model) -> dict[str, Any]:
    return kubernetes.build(model)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, model: Model) -> Path:
    root = tmp_path_factory.mktemp("rendered")
    writer.write_tree(root, render.documents(model))
    return root


def test_every_service_with_rules_gets_one_prometheus_rule_with_the_same_group(model: Model, objects: dict[str, Any]) -> None:
    expected = {s.name: rules.group(s) for s in model.services if rules.group(s)["rules"]}
    found = {o["metadata"]["name"]: o["spec"]["groups"] for p, o in objects.items() if p.startswith("kubernetes/prometheusrules/")}
    assert sorted(found) == ["alertmanager", "api", "monitoring", "probes", "prometheus", "pushgateway"]
    assert found == {name: [group] for name, group in expected.items()}


def test_the_rule_groups_are_byte_identical_to_the_compose_rule_files(tree: Path) -> None:
    for path in sorted((tree / "kubernetes" / "prometheusrules").glob("*.yaml")):
        obj = yaml.safe_load(path.read_text())
        compose = (tree / "prometheus" / "rules" / f"{path.stem}.rules.yml").read_text()
        assert writer.serialize("x.yml", {"groups": obj["spec"]["groups"]}).decode() == compose


def test_objects_carry_the_release_label_namespace_and_extra_labels(objects: dict[str, Any]) -> None:
    meta = objects["kubernetes/prometheusrules/api.yaml"]["metadata"]
    assert meta == {
        "name": "api",
        "namespace": "observability",
        "labels": {"app.kubernetes.io/managed-by": "monitoring-as-code", "release": "kps", "team": "platform"},
    }


def test_a_service_monitor_forces_the_spec_job_name_so_rule_selectors_match(objects: dict[str, Any]) -> None:
    api = objects["kubernetes/servicemonitors/api.yaml"]["spec"]
    assert api["selector"] == {"matchLabels": {"app.kubernetes.io/name": "api"}}
    assert api["endpoints"] == [
        {
            "port": "metrics",
            "path": "/metrics",
            "interval": "15s",
            "relabelings": [{"action": "replace", "targetLabel": "job", "replacement": "api"}],
        }
    ]
    assert objects["kubernetes/servicemonitors/pushgateway.yaml"]["spec"]["endpoints"][0]["honorLabels"] is True
    prometheus = objects["kubernetes/servicemonitors/prometheus.yaml"]["spec"]
    assert prometheus["selector"] == {"matchLabels": {"operated-prometheus": "true"}}
    assert prometheus["endpoints"][0]["port"] == objects["kubernetes/prometheus-values.yaml"]["prometheus"]["prometheusSpec"]["portName"]


def test_blackbox_targets_become_a_probe_not_a_service_monitor(objects: dict[str, Any]) -> None:
    assert "kubernetes/servicemonitors/blackbox.yaml" not in objects
    probe = objects["kubernetes/probes/blackbox.yaml"]["spec"]
    assert probe == {
        "jobName": "blackbox",
        "interval": "15s",
        "module": "http_2xx",
        "prober": {"url": "blackbox.observability.svc:9115", "path": "/probe"},
        "targets": {"staticConfig": {"static": ["https://example.com"]}},
    }


def test_the_kustomization_lists_every_object_and_not_the_helm_values(objects: dict[str, Any]) -> None:
    resources = objects["kubernetes/kustomization.yaml"]["resources"]
    assert "prometheus-values.yaml" not in resources
    assert sorted(f"kubernetes/{r}" for r in resources) == sorted(
        p for p in objects if p not in ("kubernetes/kustomization.yaml", "kubernetes/prometheus-values.yaml")
    )


def test_the_helm_values_select_on_the_release_and_set_the_ha_pair(objects: dict[str, Any]) -> None:
    spec_ = objects["kubernetes/prometheus-values.yaml"]["prometheus"]["prometheusSpec"]
    assert spec_["ruleSelector"] == {"matchLabels": {"release": "kps"}}
    assert (spec_["replicas"], spec_["replicaExternalLabelName"]) == (2, "replica")
    assert spec_["externalLabels"] == {"cluster": "eu-1"}
    values = objects["kubernetes/prometheus-values.yaml"]
    assert values["prometheus"]["serviceMonitor"] == values["alertmanager"]["serviceMonitor"] == {"selfMonitor": False}


def test_with_the_ha_pair_both_replicas_send_to_a_cluster_of_two_alertmanagers(model: Model) -> None:
    values = kubernetes.prometheus_values(model, None)
    assert values["alertmanager"]["alertmanagerSpec"] == {"portName": "http-web", "secrets": ["monitoring-creds"], "replicas": 2}
    single = kubernetes.prometheus_values(dataclasses.replace(model, ha=HighAvailability()), None)
    assert single["prometheus"]["prometheusSpec"]["replicas"] == 1
    assert single["alertmanager"]["alertmanagerSpec"] == {"portName": "http-web", "secrets": ["monitoring-creds"]}


def test_every_rendered_object_passes_its_crd_schema_and_promtool(tree: Path) -> None:
    require_shared("k8s-schema/monitoring.coreos.com_prometheusrules.yaml")
    require_tool("promtool")
    assert scaling_validate.crd_schemas(tree, True) == []
    assert scaling_validate.kubernetes(tree, True) == []


def _mutated(objects: dict[str, Any], path: str, change: Any) -> tuple[str, dict[str, Any]]:
    obj = copy.deepcopy(objects[path])
    change(obj)
    return path, obj


BAD_OBJECTS = [
    (
        "a probe interval written in words",
        "kubernetes/probes/blackbox.yaml",
        lambda o: o["spec"].update(interval="5 minutes"),
        "kubernetes/probes/blackbox.yaml: spec.interval: '5 minutes' does not match '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$' (Probe CRD schema)",
    ),
    (
        "an object name with an underscore",
        "kubernetes/servicemonitors/api.yaml",
        lambda o: o["metadata"].update(name="api_v2"),
        "kubernetes/servicemonitors/api.yaml: metadata.name 'api_v2' is not a DNS-1123 subdomain (lower case letters, digits, '-', '.')",
    ),
    (
        "a service monitor endpoint with an unknown relabel action",
        "kubernetes/servicemonitors/api.yaml",
        lambda o: o["spec"]["endpoints"][0]["relabelings"][0].update(action="rename"),
        "kubernetes/servicemonitors/api.yaml: spec.endpoints.0.relabelings.0.action: 'rename' is not one of",
    ),
    (
        "a rule without an expression",
        "kubernetes/prometheusrules/api.yaml",
        lambda o: o["spec"]["groups"][0]["rules"][0].pop("expr"),
        "kubernetes/prometheusrules/api.yaml: spec.groups.0.rules.0: 'expr' is a required property (PrometheusRule CRD schema)",
    ),
]


@pytest.mark.parametrize(("path", "change", "message"), [c[1:] for c in BAD_OBJECTS], ids=[c[0] for c in BAD_OBJECTS])
def test_the_validator_rejects_a_bad_object(objects: dict[str, Any], path: str, change: Any, message: str) -> None:
    require_shared("k8s-schema/monitoring.coreos.com_probes.yaml")
    rel, obj = _mutated(objects, path, change)
    problems = scaling_validate.object_problems(rel, obj)
    assert len(problems) == 1
    assert problems[0].startswith(message)


def _drift_api_expr(root: Path) -> None:
    path = root / "kubernetes/prometheusrules/api.yaml"
    obj = yaml.safe_load(path.read_text())
    obj["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(http_requests_total[5m]))"
    path.write_bytes(writer.serialize("api.yaml", obj))


RULE_MISMATCHES = [
    (
        "a PrometheusRule whose group drifted from the compose rules",
        _drift_api_expr,
        "kubernetes/prometheusrules/api.yaml: group 'api' differs from prometheus/rules/api.rules.yml",
    ),
    (
        "a compose rule group without a PrometheusRule",
        lambda root: (root / "kubernetes/prometheusrules/api.yaml").unlink(),
        "prometheus/rules/api.rules.yml: group 'api' has no PrometheusRule under kubernetes/",
    ),
    (
        "a PrometheusRule without a compose rule file",
        lambda root: (root / "prometheus/rules/api.rules.yml").unlink(),
        "kubernetes/prometheusrules/api.yaml: group 'api' has no compose rule file prometheus/rules/api.rules.yml",
    ),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in RULE_MISMATCHES], ids=[c[0] for c in RULE_MISMATCHES])
def test_the_validator_compares_prometheus_rules_and_compose_rule_groups_both_ways(
    tree: Path, tmp_path: Path, change: Any, message: str
) -> None:
    require_shared("k8s-schema/monitoring.coreos.com_prometheusrules.yaml")
    require_tool("promtool")
    for folder in ("kubernetes/prometheusrules", "prometheus/rules"):
        shutil.copytree(tree / folder, tmp_path / folder)
    assert scaling_validate.kubernetes(tmp_path, True) == []
    change(tmp_path)
    assert scaling_validate.kubernetes(tmp_path, True) == [message]


def test_the_alertmanagerconfig_crd_needs_the_loader_that_reads_a_bare_equals_sign() -> None:
    path = require_shared("k8s-schema/monitoring.coreos.com_alertmanagerconfigs.yaml")
    with pytest.raises(yaml.constructor.ConstructorError, match=r"tag:yaml\.org,2002:value"):
        yaml.safe_load(path.read_text())
    schema = scaling_validate.spec_schema("AlertmanagerConfig")
    matcher = schema["properties"]["route"]["properties"]["matchers"]["items"]["properties"]["matchType"]
    assert matcher["enum"] == ["!=", "=", "=~", "!~"]


AM_CONFIG = {
    "global": {"resolve_timeout": "5m"},
    "templates": ["/etc/alertmanager/templates/*.tmpl"],
    "route": {"receiver": "pager"},
    "receivers": [{"name": "pager", "pagerduty_configs": [{"routing_key_file": "/run/secrets/pagerduty_routing_key"}]}],
}


def test_the_alertmanager_config_plugs_in_as_a_secret_with_file_references_only(model: Model) -> None:
    objects = kubernetes.build(model, alertmanager=lambda _: AM_CONFIG)
    secret = objects["kubernetes/alertmanager/config-secret.yaml"]
    config = yaml.safe_load(secret["stringData"]["alertmanager.yaml"])
    assert config["receivers"][0]["pagerduty_configs"][0] == {
        "routing_key_file": "/etc/alertmanager/secrets/monitoring-creds/pagerduty_routing_key"
    }
    assert config["templates"] == ["/etc/alertmanager/config/*.tmpl"]
    assert "/run/secrets" not in secret["stringData"]["alertmanager.yaml"]
    am_values = objects["kubernetes/prometheus-values.yaml"]["alertmanager"]["alertmanagerSpec"]
    assert am_values == {
        "portName": "http-web",
        "secrets": ["monitoring-creds"],
        "replicas": 2,
        "useExistingSecret": True,
        "configSecret": "alertmanager-monitoring",
    }
    assert "alertmanager/config-secret.yaml" in objects["kubernetes/kustomization.yaml"]["resources"]


def test_dashboards_plug_in_as_sidecar_config_maps_in_their_folder(model: Model) -> None:
    boards = {"a": {"uid": "service-health", "title": "Service health", "panels": []}, "b": {"uid": "adhoc", "title": "Ad hoc"}}
    maps = kubernetes_plugins.dashboard_configmaps(model, boards)
    health = maps["kubernetes/grafana/dashboards/service-health.yaml"]
    assert health["metadata"]["name"] == "grafana-dashboard-service-health"
    assert health["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert health["metadata"]["annotations"] == {"grafana_folder": "Services"}
    assert json.loads(health["data"]["service-health.json"]) == boards["a"]
    assert maps["kubernetes/grafana/dashboards/adhoc.yaml"]["metadata"]["annotations"] == {"grafana_folder": "General"}


def test_the_datasource_config_map_keeps_the_compose_uids(objects: dict[str, Any]) -> None:
    cm = objects["kubernetes/grafana/datasources.yaml"]
    assert cm["metadata"]["labels"]["grafana_datasource"] == "1"
    sources = yaml.safe_load(cm["data"]["datasources.yaml"])["datasources"]
    assert [(d["uid"], d["url"]) for d in sources] == [
        ("prometheus", "http://prometheus-operated.observability.svc:9090"),
        ("alertmanager", "http://alertmanager-operated.observability.svc:9093"),
    ]
    # the compose stack's basic auth (web config) does not exist behind the operator's Services
    assert [sorted(k for k in d if k.startswith(("basicAuth", "secureJson"))) for d in sources] == [[], []]


def test_the_rendered_tree_carries_the_real_alertmanager_config_and_dashboards(tree: Path) -> None:
    require_tool("amtool")
    kustomization = yaml.safe_load((tree / "kubernetes/kustomization.yaml").read_text())["resources"]
    assert "alertmanager/config-secret.yaml" in kustomization
    assert sorted(r for r in kustomization if r.startswith("grafana/dashboards/")) == sorted(
        f"grafana/dashboards/{p.stem}.yaml" for p in (tree / "grafana" / "dashboards").rglob("*.json")
    )
    secret = yaml.safe_load((tree / "kubernetes/alertmanager/config-secret.yaml").read_text())
    assert scaling_validate.alertmanager_secret("s", secret["stringData"]) == []
    compose = yaml.safe_load((tree / "alertmanager/alertmanager.yml").read_text())
    wrapped = yaml.safe_load(secret["stringData"]["alertmanager.yaml"])
    assert wrapped["route"] == compose["route"]
    assert sorted(k for k in secret["stringData"] if k.endswith(".tmpl")) == sorted(
        p.name for p in (tree / "alertmanager/templates").iterdir()
    )


def test_the_dashboard_config_maps_read_through_the_datasource_variable_the_sidecar_datasource_backs(tree: Path) -> None:
    cm = yaml.safe_load((tree / "kubernetes/grafana/datasources.yaml").read_text())
    (prometheus,) = [d for d in yaml.safe_load(cm["data"]["datasources.yaml"])["datasources"] if d["type"] == "prometheus"]
    maps = sorted((tree / "kubernetes" / "grafana" / "dashboards").glob("*.yaml"))
    assert len(maps) == 8
    through_variable = 0
    for path in maps:
        ((key, text),) = yaml.safe_load(path.read_text())["data"].items()
        board = json.loads(text)
        assert board == json.loads(next((tree / "grafana" / "dashboards").rglob(key)).read_text()), key
        (variable,) = [v for v in board["templating"]["list"] if v["name"] == "datasource"]
        assert variable["current"]["value"] == prometheus["uid"], key
        assert "${DS_" not in text and checks.datasource_problems(key, board) == [], key
        through_variable += text.count('"uid": "${datasource}"')
    assert through_variable > 0  # the fixture's infrastructure and SLO dashboards have no panel


def test_amtool_rejects_a_wrapped_config_with_an_unknown_receiver(tree: Path) -> None:
    require_tool("amtool")
    data = yaml.safe_load((tree / "kubernetes/alertmanager/config-secret.yaml").read_text())["stringData"]
    config = yaml.safe_load(data["alertmanager.yaml"])
    config["route"]["receiver"] = "nobody"
    data["alertmanager.yaml"] = writer.dump_yaml(config)
    (problem,) = scaling_validate.alertmanager_secret("s.yaml", data)
    assert 'undefined receiver "nobody" used in route' in problem


def test_a_template_that_is_not_a_secret_key_is_reported(tree: Path) -> None:
    data = yaml.safe_load((tree / "kubernetes/alertmanager/config-secret.yaml").read_text())["stringData"]
    del data["slack.tmpl"]
    assert scaling_validate.alertmanager_secret("s.yaml", data) == [
        "s.yaml: templates ['/etc/alertmanager/config/slack.tmpl'] are not keys of this Secret (mounted at /etc/alertmanager/config)"
    ]


def test_a_compose_rule_file_with_a_group_more_than_its_prometheus_rule_is_reported(tree: Path, tmp_path: Path) -> None:
    """The file no longer equals its PrometheusRule group's dump, so it is read again and both problems show."""
    require_shared("k8s-schema/monitoring.coreos.com_prometheusrules.yaml")
    require_tool("promtool")
    for folder in ("kubernetes/prometheusrules", "prometheus/rules"):
        shutil.copytree(tree / folder, tmp_path / folder)
    rules = tmp_path / "prometheus/rules/api.rules.yml"
    rules.write_text(rules.read_text() + "- name: extra\n  rules: []\n")
    assert scaling_validate.kubernetes(tmp_path, True) == [
        "kubernetes/prometheusrules/api.yaml: group 'api' differs from prometheus/rules/api.rules.yml",
        "prometheus/rules/api.rules.yml: group 'extra' has no PrometheusRule under kubernetes/",
    ]


def _operator_runs(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int]:
    runs: list[list[str]] = []
    real = tools.promtool

    def counting(args: list[str], cwd: Path, toolset: str = tools.STABLE) -> tools.Result:
        runs.append(list(args))
        return real(args, cwd, toolset)

    monkeypatch.setattr(tools, "promtool", counting)
    problems = scaling_validate.kubernetes(root, True)
    return problems, sum(1 for r in runs if r == ["check", "rules", "operator.rules.yml"])


def _copy(tree: Path, root: Path, *folders: str) -> Path:
    for folder in folders:
        shutil.copytree(tree / folder, root / folder)
    return root


def test_groups_with_the_bytes_of_a_compose_rule_file_are_left_to_its_promtool_run(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prometheus validator runs promtool on prometheus/rules/ when prometheus.yml is there; without it, here."""
    require_shared("k8s-schema/monitoring.coreos.com_prometheusrules.yaml")
    require_tool("promtool")
    with_config = _copy(tree, tmp_path / "a", "kubernetes/prometheusrules", "prometheus/rules")
    shutil.copy(tree / "prometheus/prometheus.yml", with_config / "prometheus/prometheus.yml")
    assert _operator_runs(with_config, monkeypatch) == ([], 0)
    assert _operator_runs(_copy(tree, tmp_path / "b", "kubernetes/prometheusrules", "prometheus/rules"), monkeypatch) == ([], 1)


def test_a_group_that_differs_or_repeats_goes_to_promtool(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_shared("k8s-schema/monitoring.coreos.com_prometheusrules.yaml")
    require_tool("promtool")
    root = _copy(tree, tmp_path, "kubernetes/prometheusrules", "prometheus/rules")
    shutil.copy(tree / "prometheus/prometheus.yml", root / "prometheus/prometheus.yml")
    path = root / "kubernetes/prometheusrules/api.yaml"
    obj = yaml.safe_load(path.read_text())
    obj["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(http_requests_total[5m])"
    path.write_bytes(writer.serialize("api.yaml", obj))
    problems, runs = _operator_runs(root, monkeypatch)
    assert runs == 1 and problems[0] == "kubernetes/prometheusrules/api.yaml: group 'api' differs from prometheus/rules/api.rules.yml"
    assert problems[1].startswith("promtool check rules (groups from PrometheusRule objects):") and "parse error" in problems[1]
    shutil.copy(tree / "kubernetes/prometheusrules/api.yaml", path)
    shutil.copy(path, root / "kubernetes/prometheusrules/api-again.yaml")
    problems, runs = _operator_runs(root, monkeypatch)
    assert runs == 1 and len(problems) == 1 and 'groupname: "api" is repeated in the same file' in problems[0]

"""compose/docker-compose.yml: docker-compose accepts it, and every hardening rule of the stack holds."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators import catalog
from generators.model import build_model
from generators.model.types import Model
from generators.outputs.compose import compose, compose_base
from generators.outputs.grafana import provisioning
from generators.outputs.prometheus import prometheus_config
from generators.pipeline import writer
from generators.spec import secrets_check, source
from generators.validate import suite as validate
from generators.validate import tools
from tests.conftest import ROOT, require_tool

SPEC = ROOT / "monitoring.yaml"
PEERS = ("alertmanager-1", "alertmanager-2")
CHANNEL_SECRETS = ["pagerduty_routing_key", "slack_alerts_webhook", "slack_backend_webhook", "slack_warnings_webhook", "smtp_password"]
ALL_SERVICES = {
    "prometheus",
    "alertmanager-1",
    "alertmanager-2",
    "grafana",
    "node-exporter",
    "cadvisor",
    "blackbox-exporter",
    "pushgateway",
    "postgres",
    "postgres-exporter",
    "redis",
    "redis-exporter",
    "demo-app",
}
NO_HEALTH_ENDPOINT = {"node-exporter", "postgres-exporter", "redis-exporter"}


def model_of(raw: dict[str, Any]) -> Model:
    model, _ = build_model.build(source.load("spec.yaml", yaml.safe_dump(raw, sort_keys=False).encode()))
    return model


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data = yaml.safe_load(SPEC.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def model(spec: dict[str, Any]) -> Model:
    return model_of(spec)


@pytest.fixture(scope="module")
def doc(model: Model) -> dict[str, Any]:
    out = compose.build(model)[compose.COMPOSE_FILE]
    assert isinstance(out, dict)
    return out


@pytest.fixture(scope="module")
def services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return doc["services"]  # type: ignore[no-any-return]


def _config(folder: Path, doc: dict[str, Any], secrets: list[str]) -> subprocess.CompletedProcess[str]:
    """docker-compose config -q on doc in a temp copy with placeholder secrets (never in the repo)."""
    tool = require_tool("docker-compose")
    (folder / "secrets").mkdir(parents=True)
    (folder / "demo-app").mkdir()
    (folder / "docker-compose.yml").write_bytes(writer.serialize("docker-compose.yml", doc))
    for name in secrets:
        (folder / "secrets" / name).write_text("placeholder\n")
    return subprocess.run([tool, "-f", "docker-compose.yml", "config", "-q"], cwd=folder, capture_output=True, text=True, check=False)


def test_docker_compose_accepts_the_committed_file(tmp_path: Path) -> None:
    committed = yaml.safe_load((ROOT / compose.COMPOSE_FILE).read_text())
    result = _config(tmp_path / "compose", committed, list(committed["secrets"]))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda d: d["services"]["grafana"].update(depends_on={"nosuch": {"condition": "service_healthy"}}), "nosuch"),
        (lambda d: d["services"]["prometheus"].update(mem_limt="1g"), "mem_limt"),
        (lambda d: d["services"]["demo-app"].update(build={"context": "./missing"}), "missing"),
    ],
    ids=["a dependency on an unknown service is rejected", "a misspelt key is rejected", "a missing build context is rejected"],
)
def test_docker_compose_rejects_a_broken_file(tmp_path: Path, doc: dict[str, Any], mutation: Any, expected: str) -> None:
    broken = copy.deepcopy(doc)
    mutation(broken)
    result = _config(tmp_path / "compose", broken, list(doc["secrets"]))
    assert result.returncode != 0
    assert expected in result.stderr


def test_validator_runs_on_a_scratch_copy_and_leaves_no_secret_behind(tmp_path: Path, doc: dict[str, Any]) -> None:
    require_tool("docker-compose")
    (tmp_path / "compose").mkdir()
    (tmp_path / compose.COMPOSE_FILE).write_bytes(writer.serialize(compose.COMPOSE_FILE, doc))
    assert validate.compose(tmp_path, False) == []
    assert sorted(p.name for p in (tmp_path / "compose").iterdir()) == ["docker-compose.yml"]
    broken = copy.deepcopy(doc)
    broken["services"]["grafana"]["depends_on"] = {"nosuch": {"condition": "service_healthy"}}
    (tmp_path / compose.COMPOSE_FILE).write_bytes(writer.serialize(compose.COMPOSE_FILE, broken))
    problems = validate.compose(tmp_path, False)
    assert len(problems) == 1 and problems[0].startswith("docker-compose config -q:") and "nosuch" in problems[0]


def test_the_example_spec_runs_every_service(services: dict[str, Any]) -> None:
    assert set(services) == ALL_SERVICES


def _version(image: str) -> tuple[int, ...]:
    tag = image.rsplit(":", 1)[1]
    match = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", tag)
    assert match, f"{image}: the tag is not a version"
    return tuple(int(g or 0) for g in match.groups())


def test_every_image_is_pinned_to_an_exact_version(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name == "demo-app":
            assert "image" not in service and service["build"]["args"]["PYTHON_IMAGE"] == compose_base.images()["demo-app-base"]
            continue
        image = service["image"]
        assert image == compose_base.images()[re.sub(r"-\d+$", "", name)], f"{name} must take its image from versions.yaml"
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith((":latest", ":main")), image
        assert len(_version(image)) == 3, image


def test_every_pinned_image_is_used_by_the_example_stack_or_a_kind(services: dict[str, Any]) -> None:
    used = {s["image"] for s in services.values() if "image" in s} | {services["demo-app"]["build"]["args"]["PYTHON_IMAGE"]}
    # kinds the example spec does not declare (mysql: tests/cases/mysql) pin their images too
    kinds = {compose_base.images()[s.image] for k in catalog.records() for s in k.compose}
    # profiles the example spec leaves commented out: long_term_store (tests/cases/scaling-slo)
    profiles = {compose_base.images()["victoria-metrics"]}
    assert set(compose_base.images().values()) == used | kinds | profiles


@pytest.mark.parametrize(
    ("service", "minimum", "below"),
    [("prometheus", (3, 0, 0), (4, 0, 0)), ("alertmanager", (0, 28, 0), (1, 0, 0)), ("grafana", (12, 0, 0), (99, 0, 0))],
    ids=["prometheus is a 3.x release", "alertmanager is at least 0.28", "grafana is at least 12"],
)
def test_core_images_meet_the_minimum_versions(service: str, minimum: tuple[int, ...], below: tuple[int, ...]) -> None:
    assert minimum <= _version(compose_base.images()[service]) < below


def test_healthchecks_exist_wherever_a_health_endpoint_does(doc: dict[str, Any], services: dict[str, Any]) -> None:
    without = {name for name, s in services.items() if "healthcheck" not in s}
    assert without == NO_HEALTH_ENDPOINT
    for name in without:
        assert "no healthcheck" in doc["x-hardening-exceptions"][name]
    login = "monitoring:`cat /run/secrets/web_password`@"  # the password read when the check runs, not written here
    assert services["prometheus"]["healthcheck"]["test"] == ["CMD-SHELL", f'wget -q --spider "http://{login}127.0.0.1:9090/-/healthy"']
    assert services["alertmanager-2"]["healthcheck"]["test"] == ["CMD-SHELL", f'wget -q --spider "http://{login}127.0.0.1:9093/-/healthy"']
    assert services["grafana"]["healthcheck"]["test"][-1] == "http://127.0.0.1:3000/api/health"


def test_dependencies_wait_for_healthy_services(services: dict[str, Any]) -> None:
    edges = {(n, d) for n, s in services.items() for d in s.get("depends_on", {})}
    assert edges == {
        ("prometheus", "alertmanager-1"),
        ("prometheus", "alertmanager-2"),
        ("grafana", "prometheus"),
        ("postgres-exporter", "postgres"),
        ("redis-exporter", "redis"),
    }
    for name, dep in edges:
        assert services[name]["depends_on"][dep] == {"condition": "service_healthy"}
        assert "healthcheck" in services[dep], f"{name} waits for {dep}, which has no healthcheck"


def test_only_grafana_listens_on_every_interface(services: dict[str, Any]) -> None:
    public = {(n, p) for n, s in services.items() for p in s.get("ports", []) if not str(p).startswith("127.0.0.1:")}
    assert public == {("grafana", "3000:3000")}
    assert services["prometheus"]["ports"] == ["127.0.0.1:9090:9090"]
    assert [services[p]["ports"] for p in PEERS] == [["127.0.0.1:9093:9093"], ["127.0.0.1:9095:9093"]]
    for exporter in ("node-exporter", "cadvisor", "postgres-exporter", "redis-exporter", "postgres", "redis"):
        assert "ports" not in services[exporter], f"{exporter} must not be published"


def test_every_service_is_hardened(doc: dict[str, Any], services: dict[str, Any]) -> None:
    for name, service in services.items():
        assert service["read_only"] is True, name
        assert service["security_opt"] == ["no-new-privileges:true"], name
        assert service["cap_drop"] == ["ALL"], name
        assert re.fullmatch(r"\d+[mg]", service["mem_limit"]), name
        assert "/tmp" in service["tmpfs"], name
        assert not service.get("privileged"), name
        uid = service["user"].split(":")[0]
        assert uid != "0" or name in doc["x-hardening-exceptions"], f"{name} runs as root without a documented reason"
    assert services["cadvisor"]["user"] == "0:0" and services["cadvisor"]["cap_add"] == ["DAC_READ_SEARCH"]
    assert [n for n, s in services.items() if "cap_add" in s] == ["cadvisor"]
    assert [n for n, s in services.items() if s.get("pid") == "host"] == ["node-exporter"]


def test_state_lives_in_named_volumes(doc: dict[str, Any], services: dict[str, Any]) -> None:
    assert list(doc["volumes"]) == ["prometheus-data", "alertmanager-1-data", "alertmanager-2-data", "grafana-data", "postgres-data"]
    assert "prometheus-data:/prometheus" in services["prometheus"]["volumes"]
    assert "alertmanager-1-data:/alertmanager" in services["alertmanager-1"]["volumes"]
    assert "alertmanager-2-data:/alertmanager" in services["alertmanager-2"]["volumes"]
    assert "grafana-data:/var/lib/grafana" in services["grafana"]["volumes"]
    assert "--storage.path=/alertmanager" in services["alertmanager-1"]["command"]


def test_alertmanagers_form_one_cluster(services: dict[str, Any]) -> None:
    assert [a for a in services["alertmanager-1"]["command"] if a.startswith("--cluster.")] == [
        "--cluster.listen-address=0.0.0.0:9094",
        "--cluster.peer=alertmanager-2:9094",
    ]
    assert "--cluster.peer=alertmanager-1:9094" in services["alertmanager-2"]["command"]


@pytest.mark.parametrize(
    ("interval", "flag"),
    [
        pytest.param(None, "--data.maintenance-interval=1m", id="by default silences and notification log reach disk every minute"),
        pytest.param("10s", "--data.maintenance-interval=10s", id="stack.alertmanager_snapshot_interval sets it"),
    ],
)
def test_alertmanagers_write_their_state_to_disk_at_the_spec_interval(spec: dict[str, Any], interval: str | None, flag: str) -> None:
    changed = copy.deepcopy(spec)
    if interval:
        changed["stack"]["alertmanager_snapshot_interval"] = interval
    services = compose.build(model_of(changed))[compose.COMPOSE_FILE]["services"]
    for peer in PEERS:
        assert [a for a in services[peer]["command"] if a.startswith("--data.")] == [flag]


def test_every_prometheus_keeps_pending_alerts_across_a_restart(spec: dict[str, Any]) -> None:
    """The grace period is the spec's shortest `for` (1m in the example), on the HA replicas too."""
    with_ha = {**copy.deepcopy(spec), "ha": {"replicas": 2}}
    services = compose.build(model_of(with_ha))[compose.COMPOSE_FILE]["services"]
    for name in ("prometheus", "prometheus-0", "prometheus-1"):
        assert [a for a in services[name]["command"] if a.startswith("--rules.alert.")] == [
            "--rules.alert.for-grace-period=1m",
            "--rules.alert.for-outage-tolerance=1h",
        ], name


def test_prometheus_sends_to_and_scrapes_both_alertmanagers(model: Model) -> None:
    config = prometheus_config.build(model)
    login = {"username": "monitoring", "password_file": "/run/secrets/web_password"}
    peers = [{"targets": ["alertmanager-1:9093", "alertmanager-2:9093"]}]
    assert config["alerting"]["alertmanagers"] == [{"basic_auth": login, "static_configs": peers}]
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "alertmanager")
    assert job["static_configs"] == peers
    # only the two servers behind the web config get the password; exporters never see it
    assert {j["job_name"] for j in config["scrape_configs"] if "basic_auth" in j} == {"prometheus", "alertmanager"}
    assert all(j["basic_auth"] == login for j in config["scrape_configs"] if "basic_auth" in j)


def test_secrets_are_compose_secrets_named_by_the_spec(doc: dict[str, Any], services: dict[str, Any]) -> None:
    web = ["web_config", "web_password"]
    expected = sorted([*CHANNEL_SECRETS, "grafana_admin_password", "grafana_secret_key", "postgres_password", *web])
    assert list(doc["secrets"]) == expected
    assert all(doc["secrets"][n] == {"file": f"./secrets/{n}"} for n in expected)
    for peer in PEERS:  # its own web config; the password is for its clients
        assert services[peer]["secrets"] == [*CHANNEL_SECRETS, "web_config"]
    assert services["prometheus"]["secrets"] == web  # its web config, and the password it logs in with
    assert services["grafana"]["secrets"] == ["grafana_admin_password", "grafana_secret_key", "web_password"]
    assert services["postgres"]["secrets"] == services["postgres-exporter"]["secrets"] == ["postgres_password"]


def test_grafana_is_locked_down(services: dict[str, Any]) -> None:
    env = services["grafana"]["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD__FILE"] == "/run/secrets/grafana_admin_password"
    assert env["GF_SECURITY_SECRET_KEY__FILE"] == "/run/secrets/grafana_secret_key"
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false" and env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert "GF_SECURITY_ADMIN_PASSWORD" not in env
    assert env["GF_SNAPSHOTS_EXTERNAL_ENABLED"] == "false"  # nothing published to an external snapshot server


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        pytest.param("http://localhost:3000", "false", id="plain http: the session cookie must work without TLS"),
        pytest.param("https://grafana.example.com", "true", id="https (behind a TLS proxy): the cookie is sent over TLS only"),
    ],
)
def test_grafanas_session_cookie_is_secure_behind_tls(spec: dict[str, Any], url: str, secure: str) -> None:
    changed = copy.deepcopy(spec)
    changed["stack"]["grafana_url"] = url
    env = compose.build(model_of(changed))[compose.COMPOSE_FILE]["services"]["grafana"]["environment"]
    assert env["GF_SECURITY_COOKIE_SECURE"] == secure


def test_prometheus_and_the_alertmanagers_answer_only_with_the_web_password(spec: dict[str, Any]) -> None:
    with_ha = {**copy.deepcopy(spec), "ha": {"replicas": 2}}
    services = compose.build(model_of(with_ha))[compose.COMPOSE_FILE]["services"]
    for name in ("prometheus", "prometheus-0", "prometheus-1", *PEERS):
        assert "--web.config.file=/run/secrets/web_config" in services[name]["command"], name
        assert "web_config" in services[name]["secrets"], name


def test_grafanas_datasources_log_in_with_the_password_from_its_secret_file() -> None:
    sources = provisioning.datasources(model_of(yaml.safe_load(SPEC.read_text())))["datasources"]
    for datasource in sources:
        assert (datasource["basicAuth"], datasource["basicAuthUser"]) == (True, "monitoring")
        # Grafana expands $__file{} when it provisions: the file holds a path, never the password
        assert datasource["secureJsonData"] == {"basicAuthPassword": "$__file{/run/secrets/web_password}"}


def _mount_target(service: dict[str, Any], source: str) -> str:
    (target,) = [v.split(":")[1] for v in service["volumes"] if v.split(":")[0] == source]
    return target


def test_grafana_loads_the_dashboards_from_where_compose_mounts_them(services: dict[str, Any]) -> None:
    (provider,) = provisioning.dashboards()["providers"]
    target = _mount_target(services["grafana"], "../grafana/dashboards")
    assert provider["options"]["path"] == target == "/etc/grafana/dashboards"
    assert "../grafana/dashboards:/etc/grafana/dashboards:ro" in services["grafana"]["volumes"]
    assert _mount_target(services["grafana"], "grafana-data") == "/var/lib/grafana"  # the data volume holds no dashboards


def _container_ports(service: dict[str, Any]) -> set[int]:
    """Ports the container listens on: the container side of `ports` and the port its healthcheck calls."""
    ports = {int(str(p).rsplit(":", 1)[1]) for p in service.get("ports", [])}
    check = " ".join(str(a) for a in service.get("healthcheck", {}).get("test", []))
    return ports | {int(p) for p in re.findall(r"http://(?:[^@/\s]+@)?127\.0\.0\.1:(\d+)/", check)}


def _answering(services: dict[str, Any], host: str) -> list[str]:
    """Services of the default profile that answer to `host`: by service name or by network alias."""
    return sorted(
        name
        for name, s in services.items()
        if "profiles" not in s and (name == host or host in s.get("networks", {}).get("default", {}).get("aliases", []))
    )


def test_every_grafana_datasource_reaches_compose_services_on_their_port(model: Model, services: dict[str, Any]) -> None:
    reached = {}
    for datasource in provisioning.datasources(model)["datasources"]:
        url = urllib.parse.urlsplit(datasource["url"])
        assert url.hostname is not None and url.port is not None, datasource["url"]
        reached[datasource["name"]] = [n for n in _answering(services, url.hostname) if url.port in _container_ports(services[n])]
    assert reached == {"Prometheus": ["prometheus"], "Alertmanager": ["alertmanager-1", "alertmanager-2"]}


def test_every_alertmanager_peer_answers_to_the_shared_alias(services: dict[str, Any]) -> None:
    for peer in PEERS:
        assert services[peer]["networks"] == {"default": {"aliases": ["alertmanager"]}}
    assert "alertmanager" not in services  # an alias only: Prometheus still sends to each peer by name


def test_grafana_writes_only_to_its_volume_and_tmpfs(services: dict[str, Any]) -> None:
    grafana = services["grafana"]
    assert grafana["read_only"] is True
    assert grafana["environment"]["GF_LOG_MODE"] == "console"  # no log file under the read-only /var/log/grafana
    assert grafana["tmpfs"] == ["/tmp"]
    writable = [v for v in grafana["volumes"] if not v.endswith(":ro")]
    assert writable == ["grafana-data:/var/lib/grafana"]
    assert not {k for k in grafana["environment"] if k.startswith("GF_PATHS_")}  # data, plugins, logs keep the image defaults


def test_no_secret_value_is_rendered(services: dict[str, Any]) -> None:
    text = (ROOT / compose.COMPOSE_FILE).read_text()
    for pattern, what, _ in secrets_check._SECRET_VALUES:
        assert not pattern.search(text), what
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASS|SECRET|TOKEN|KEY", key):
                assert key.endswith("_FILE") and value.startswith("/run/secrets/"), f"{name}: {key} holds a value"


def test_channel_secrets_get_placeholder_examples(model: Model) -> None:
    files = compose.build(model)
    examples = {k: v for k, v in files.items() if k.endswith(".example")}
    assert examples == {
        "compose/secrets/pagerduty_routing_key.example": "REPLACE-WITH-THE-PAGERDUTY-ROUTING-KEY\n",
        "compose/secrets/slack_alerts_webhook.example": "https://hooks.slack.invalid/services/REPLACE/WITH/WEBHOOK\n",
        "compose/secrets/slack_backend_webhook.example": "https://hooks.slack.invalid/services/REPLACE/WITH/WEBHOOK\n",
        "compose/secrets/slack_warnings_webhook.example": "https://hooks.slack.invalid/services/REPLACE/WITH/WEBHOOK\n",
        "compose/secrets/smtp_password.example": "REPLACE-WITH-THE-SMTP-PASSWORD\n",
    }


def test_secret_files_are_ignored_by_git_but_examples_are_not() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    paths = ["compose/secrets/grafana_admin_password", "compose/secrets/smtp_password.example"]
    result = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.stdout.split() == ["compose/secrets/grafana_admin_password"]


def test_the_demo_app_answers_for_the_api_and_worker_jobs(model: Model, services: dict[str, Any]) -> None:
    assert compose.demo_roles(model) == {"api": ("http", 8000), "worker": ("queue", 8001)}
    app = services["demo-app"]
    assert app["command"] == ["--serve", "http=8000", "--serve", "queue=8001"]
    assert app["networks"] == {"default": {"aliases": ["api", "worker"]}}
    assert app["ports"] == ["127.0.0.1:8000:8000", "127.0.0.1:8001:8001"]


def _without(spec: dict[str, Any], *names: str) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    for name in names:
        del out["services"][name]
    return out


@pytest.mark.parametrize(
    ("removed", "absent"),
    [
        (("postgres",), {"postgres", "postgres-exporter"}),
        (("redis",), {"redis", "redis-exporter"}),
        (("postgres", "redis"), {"postgres", "postgres-exporter", "redis", "redis-exporter"}),
    ],
    ids=["without a postgres service there is no database nor its exporter", "without redis there is no redis", "without both neither"],
)
def test_databases_follow_the_spec(spec: dict[str, Any], removed: tuple[str, ...], absent: set[str]) -> None:
    doc = compose.build(model_of(_without(spec, *removed)))[compose.COMPOSE_FILE]
    assert set(doc["services"]) == ALL_SERVICES - absent
    assert ("postgres_password" in doc["secrets"]) is ("postgres" not in removed)
    assert ("postgres-data" in doc["volumes"]) is ("postgres" not in removed)


def test_a_mysql_service_brings_mariadb_and_its_exporter_sharing_one_secret(spec: dict[str, Any], tmp_path: Path) -> None:
    mysql = {"team": "data", "kind": "mysql", "targets": ["mysql-exporter:9104"]}
    with_mysql = model_of({**spec, "services": {**spec["services"], "orders-db": mysql}})
    doc = compose.build(with_mysql)[compose.COMPOSE_FILE]
    server, exporter = doc["services"]["mysql"], doc["services"]["mysql-exporter"]
    assert server["secrets"] == exporter["secrets"] == ["mysql_password"]
    assert server["environment"] == {"MARIADB_ROOT_PASSWORD_FILE": "/run/secrets/mysql_password"}
    assert exporter["entrypoint"][-1].startswith(
        'MYSQLD_EXPORTER_PASSWORD="$$(cat /run/secrets/mysql_password)" exec /bin/mysqld_exporter '
    )
    assert exporter["depends_on"] == {"mysql": {"condition": "service_healthy"}}
    assert "mysql-data" in doc["volumes"] and "mysql_password" in doc["secrets"]
    assert "mysql_password" not in doc["services"]["alertmanager-1"]["secrets"]
    assert doc["x-hardening-exceptions"]["mysql-exporter"].startswith("no healthcheck")
    result = _config(tmp_path, doc, compose.secret_names(with_mysql))
    assert result.returncode == 0, result.stderr


def test_a_file_that_passed_is_not_checked_again_and_a_broken_one_always(
    tmp_path: Path, doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("docker-compose")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    runs: list[list[str]] = []
    real = tools.run

    def counting(tool: str, args: list[str], cwd: Path, timeout: int = 300) -> tools.Result:
        runs.append(list(args))
        return real(tool, args, cwd, timeout)

    monkeypatch.setattr(tools, "run", counting)
    (tmp_path / "compose").mkdir()
    file = tmp_path / compose.COMPOSE_FILE
    file.write_bytes(writer.serialize(compose.COMPOSE_FILE, doc))
    assert validate.compose(tmp_path, False) == [] and validate.compose(tmp_path, False) == []
    assert len(runs) == 1
    broken = copy.deepcopy(doc)
    broken["services"]["grafana"]["depends_on"] = {"nosuch": {"condition": "service_healthy"}}
    file.write_bytes(writer.serialize(compose.COMPOSE_FILE, broken))
    assert len(validate.compose(tmp_path, False)) == 1 and len(validate.compose(tmp_path, False)) == 1
    assert len(runs) == 3
    interpolated = copy.deepcopy(doc)
    interpolated["services"]["grafana"]["environment"] = {"X": "${HOME}"}  # the environment decides: never kept
    file.write_bytes(writer.serialize(compose.COMPOSE_FILE, interpolated))
    assert validate.compose(tmp_path, False) == [] and validate.compose(tmp_path, False) == []
    assert len(runs) == 5

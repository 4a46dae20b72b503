"""compose/docker-compose.yml: the whole stack, hardened, with exporters following what the spec monitors.

Images come from catalog/versions.yaml (the one place to bump them). Every service runs as a non-root
user with `read_only`, `no-new-privileges`, `cap_drop: [ALL]` and a memory limit, except where the
`x-hardening-exceptions` block of the rendered file says why not.
"""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.model import build_model, conventions
from generators.model.types import Model, ScrapeJob
from generators.outputs.alertmanager import channels as channel_types
from generators.outputs.compose import long_term_store
from generators.outputs.compose.compose_base import authenticated_health, hardened, health, healthy, http_health, images, local
from generators.outputs.prometheus import ha, prometheus_config, remote_write

COMPOSE_FILE = "compose/docker-compose.yml"
SECRETS_DIR = "compose/secrets"

# Host ports, all on 127.0.0.1 except Grafana's. `make reload` and the README use these.
PROMETHEUS_PORT = 9090
ALERTMANAGER_HOST_PORTS = (9093, 9095)  # alertmanager-1, alertmanager-2 (9094 is the cluster port)
GRAFANA_PORT = 3000
PUSHGATEWAY_PORT = 9091
BLACKBOX_PORT = 9115
CLUSTER_PORT = 9094
GRAFANA_SECRETS = ("grafana_admin_password", "grafana_secret_key")
# Prometheus' and Alertmanager's HTTP behind exporter-toolkit's web config (basic auth); `make secrets` writes both.
WEB_SECRETS = (conventions.WEB_CONFIG_SECRET, conventions.WEB_PASSWORD_SECRET)
WEB_CONFIG_FLAG = f"--web.config.file={conventions.secret_path(conventions.WEB_CONFIG_SECRET)}"
# The kinds' server passwords (e.g. postgres_password): `make secrets` generates them, the demo too.
KIND_SECRETS = tuple(sorted({name for k in catalog.records() for s in k.compose for name in s.secrets}))

# Kinds whose scrape jobs the demo app does not serve: exporters (a catalog record with compose services) or the stack.
EXPORTER_KINDS = (
    frozenset({"host", "container", "probe", "prometheus", "alertmanager", "pushgateway", "watchdog"}) | catalog.exporter_kinds()
)

EXCEPTIONS = {
    "node-exporter": "shares the host PID namespace and mounts / read-only at /host to report host CPU, memory and "
    "filesystems; it stays on the compose network (not network_mode: host), so network metrics are the container's; "
    "no healthcheck: it has no health endpoint",
    "cadvisor": "runs as root with DAC_READ_SEARCH and read-only host mounts (/, /sys, /var/run, /var/lib/docker, "
    "/dev/disk): it reads every container's cgroups and the Docker socket. Not privileged and without /dev/kmsg, so "
    "no OOM events (no rule uses them)",
}  # and the `exception` of a kind's compose services (catalog)


def alertmanagers() -> tuple[str, ...]:
    """Compose service names of the Alertmanager peers, from the targets Prometheus sends to."""
    return tuple(t.split(":")[0] for t in build_model.STACK_TARGETS[conventions.ALERTMANAGER_JOB])


def reload_urls() -> tuple[str, ...]:
    """Where `make reload` POSTs /-/reload: Prometheus and every Alertmanager, on the published ports."""
    ports = (PROMETHEUS_PORT, *ALERTMANAGER_HOST_PORTS[: len(alertmanagers())])
    return tuple(f"http://127.0.0.1:{port}" for port in ports)


def secret_names(model: Model) -> list[str]:
    """Every compose secret: the channels' *_secret names, Grafana's, and the demo database password."""
    names = {str(v) for c in model.channels.values() for k, v in c.settings.items() if k.endswith("_secret")}
    names.update(GRAFANA_SECRETS)
    names.update(WEB_SECRETS)
    names.update(_kind_secrets(model))
    return sorted(names)


def _kind_secrets(model: Model) -> set[str]:
    return {name for service in _kind_services(model) for name in service.secrets}


def _kind_services(model: Model) -> list[catalog.ComposeService]:
    """The compose services of the kinds the spec declares (server and exporter), in catalog order."""
    kinds = _kinds(model)
    return [service for k in catalog.records() if k.name in kinds for service in k.compose]


def examples(model: Model) -> dict[str, str]:
    """compose/secrets/<name>.example for every channel secret: the shape of the value, never a value."""
    out = {}
    for channel in model.channels.values():
        for key, name in channel.settings.items():
            if key.endswith("_secret"):
                # the channel type's placeholder: the shape of the value its `key` names
                text = channel_types.TYPES[channel.type].secrets[key].placeholder.format(NAME=str(name).upper())
                out[f"{SECRETS_DIR}/{name}.example"] = text + "\n"
    return dict(sorted(out.items()))


def _kinds(model: Model) -> set[str]:
    return {s.kind for s in model.services}


def _prometheus(model: Model) -> dict[str, Any]:
    return {
        "image": images()["prometheus"],
        "command": [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            f"--storage.tsdb.retention.time={model.stack.retention}",
            "--web.enable-lifecycle",  # POST /-/reload (make reload), behind the web config's basic auth
            WEB_CONFIG_FLAG,
            *prometheus_config.server_flags(model),  # pending alerts keep their `for` across a restart
        ],
        "volumes": ["../prometheus:/etc/prometheus:ro", "prometheus-data:/prometheus"],
        "ports": [local(PROMETHEUS_PORT, 9090)],
        "secrets": list(WEB_SECRETS),  # its own web config; the password for itself and the Alertmanagers
        "healthcheck": authenticated_health(9090, "/-/healthy"),
        "depends_on": healthy(*alertmanagers()),
        **hardened("1g"),
    }


def _alertmanager(model: Model, index: int, peers: tuple[str, ...], secrets: list[str]) -> dict[str, Any]:
    name = peers[index]
    return {
        "image": images()["alertmanager"],
        "command": [
            "--config.file=/etc/alertmanager/alertmanager.yml",
            "--storage.path=/alertmanager",
            # silences and notification log to disk this often (default 15m: a crash of both peers lost them)
            f"--data.maintenance-interval={model.stack.alertmanager_snapshot_interval}",
            f"--web.external-url={model.stack.alertmanager_url}",
            WEB_CONFIG_FLAG,
            f"--cluster.listen-address=0.0.0.0:{CLUSTER_PORT}",
            *(f"--cluster.peer={peer}:{CLUSTER_PORT}" for peer in peers if peer != name),
        ],
        "volumes": ["../alertmanager:/etc/alertmanager:ro", f"{name}-data:/alertmanager"],
        "ports": [local(ALERTMANAGER_HOST_PORTS[index], 9093)],
        # Grafana's datasource reads through the shared alias: Docker's DNS answers with the running peers only
        "networks": {"default": {"aliases": [conventions.ALERTMANAGER_ALIAS]}},
        "secrets": [
            s for s in secrets if s not in GRAFANA_SECRETS and s not in _kind_secrets(model) and s != conventions.WEB_PASSWORD_SECRET
        ],
        "healthcheck": authenticated_health(9093, "/-/healthy"),
        **hardened("256m"),
    }


def _grafana(model: Model) -> dict[str, Any]:
    return {
        "image": images()["grafana"],
        "environment": {
            "GF_SECURITY_ADMIN_USER": "admin",
            "GF_SECURITY_ADMIN_PASSWORD__FILE": conventions.secret_path("grafana_admin_password"),
            "GF_SECURITY_SECRET_KEY__FILE": conventions.secret_path("grafana_secret_key"),
            "GF_AUTH_ANONYMOUS_ENABLED": "false",
            "GF_USERS_ALLOW_SIGN_UP": "false",
            "GF_SERVER_ROOT_URL": model.stack.grafana_url,
            "GF_ANALYTICS_REPORTING_ENABLED": "false",
            "GF_SNAPSHOTS_EXTERNAL_ENABLED": "false",  # no "publish to snapshots.raintank.io" button
            # the session cookie only over TLS: true when stack.grafana_url is https (behind a TLS proxy)
            "GF_SECURITY_COOKIE_SECURE": str(model.stack.grafana_url.startswith("https://")).lower(),
            "GF_LOG_MODE": "console",  # read_only: no log file under /var/log/grafana (docker logs has it all)
        },
        "volumes": [
            "grafana-data:/var/lib/grafana",
            "../grafana/provisioning:/etc/grafana/provisioning:ro",
            f"../grafana/dashboards:{conventions.GRAFANA_DASHBOARDS_DIR}:ro",  # the provider reads here
        ],
        "ports": [f"{GRAFANA_PORT}:3000"],  # the one service published on all interfaces
        "secrets": [*GRAFANA_SECRETS, conventions.WEB_PASSWORD_SECRET],  # the datasources log in with it
        "healthcheck": http_health(3000, "/api/health"),
        "depends_on": healthy("prometheus"),
        **hardened("512m", user="472:0"),
    }


def _exporters() -> dict[str, dict[str, Any]]:
    return {
        "node-exporter": {
            "image": images()["node-exporter"],
            "command": ["--path.rootfs=/host"],
            "pid": "host",
            "volumes": ["/:/host:ro,rslave"],
            **hardened("128m"),
        },
        "cadvisor": {
            "image": images()["cadvisor"],
            "command": ["--docker_only=true", "--housekeeping_interval=15s"],
            "volumes": [
                "/:/rootfs:ro",
                "/var/run:/var/run:ro",
                "/sys:/sys:ro",
                "/var/lib/docker/:/var/lib/docker:ro",
                "/dev/disk/:/dev/disk:ro",
            ],
            "healthcheck": http_health(8080, "/healthz"),
            **hardened("256m", user="0:0"),
            "cap_add": ["DAC_READ_SEARCH"],
        },
        "blackbox-exporter": {
            "image": images()["blackbox-exporter"],
            "ports": [local(BLACKBOX_PORT, 9115)],
            "healthcheck": http_health(9115, "/-/healthy"),
            **hardened("128m"),
        },
        "pushgateway": {
            "image": images()["pushgateway"],
            "ports": [local(PUSHGATEWAY_PORT, 9091)],
            "healthcheck": http_health(9091, "/-/healthy"),
            **hardened("128m"),
        },
    }


def _databases(model: Model) -> dict[str, dict[str, Any]]:
    """The kinds' servers and exporters, from their catalog records (keys in the order compose files read)."""
    out: dict[str, dict[str, Any]] = {}
    for service in _kind_services(model):
        doc: dict[str, Any] = {"image": images()[service.image]}
        if service.entrypoint:
            doc["entrypoint"] = [catalog.render(part, secrets_dir=conventions.SECRETS_DIR) for part in service.entrypoint]
        if service.command:
            doc["command"] = list(service.command)
        if service.environment:
            doc["environment"] = {k: catalog.render(v, secrets_dir=conventions.SECRETS_DIR) for k, v in service.environment}
        for key in ("volumes", "secrets"):
            if getattr(service, key):
                doc[key] = list(getattr(service, key))
        if service.healthcheck:
            doc["healthcheck"] = health(*service.healthcheck)
        if service.depends_on:
            doc["depends_on"] = healthy(*service.depends_on)
        out[service.name] = {**doc, **hardened(service.memory, user=service.user, tmpfs=service.tmpfs)}
    return out


def _volumes(model: Model) -> list[str]:
    """Named volumes of the kinds' services (`name:/path`, not a host path)."""
    named = [v.split(":", 1)[0] for s in _kind_services(model) for v in s.volumes]
    return [v for v in named if not v.startswith((".", "/"))]


def demo_roles(model: Model) -> dict[str, tuple[str, int]]:
    """host -> (role, port) the demo app serves: every scrape job no exporter answers for."""
    roles: dict[str, tuple[str, int]] = {}
    for job, role in demo_jobs(model).items():
        for target in job.targets:
            host, _, port = target.rpartition(":")
            roles[host] = (role, int(port))
    return dict(sorted(roles.items()))


def demo_jobs(model: Model) -> dict[ScrapeJob, str]:
    """Scrape job -> the demo app's role that answers for its targets (jobs no exporter answers for)."""
    kinds: dict[str, set[str]] = {}
    for service in model.services:
        if service.job is not None:
            kinds.setdefault(service.job, set()).add(service.kind)
    out: dict[ScrapeJob, str] = {}
    for job in model.jobs:
        job_kinds = kinds.get(job.name, set())
        if job.module is not None or not job_kinds or job_kinds & EXPORTER_KINDS:
            continue
        apps = {d.app for d in (catalog.record(k).demo for k in job_kinds) if d is not None}
        out[job] = apps.pop() if len(apps) == 1 else "http"  # a job of several kinds: the http role serves them all
    return out


def _demo_app(model: Model) -> dict[str, Any] | None:
    roles = demo_roles(model)
    if not roles:
        return None
    first_port = min(port for _, port in roles.values())
    command = [arg for role, port in roles.values() for arg in ("--serve", f"{role}={port}")]
    check = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{first_port}/healthz', timeout=3)"
    return {
        "build": {"context": "./demo-app", "args": {"PYTHON_IMAGE": images()["demo-app-base"]}},
        "command": command,
        "networks": {"default": {"aliases": sorted(roles)}},
        "ports": sorted({local(port, port) for _, port in roles.values()}),
        "healthcheck": health("python", "-c", check),
        **hardened("256m", user="10001:10001"),
    }


def build(model: Model) -> dict[str, Any]:
    peers = alertmanagers()
    secrets = secret_names(model)
    services: dict[str, Any] = {"prometheus": _prometheus(model)}
    rw_secrets = [s for s in remote_write.secret_names(model) if s not in secrets]  # README: Scaling out
    if remote_write.secret_names(model):
        services["prometheus"]["secrets"] = remote_write.secret_names(model)
    for index in range(len(peers)):
        services[peers[index]] = _alertmanager(model, index, peers, secrets)
    services["grafana"] = _grafana(model)
    services.update(_exporters())
    services.update(_databases(model))
    demo = _demo_app(model)
    if demo is not None:
        services["demo-app"] = demo
    replicas = ha.compose_services(model, services["prometheus"])  # profile `ha`: prometheus-0/1
    services.update(replicas)
    store = long_term_store.services(model)  # profile `long-term-store`: VictoriaMetrics
    services.update(store)
    volumes = ["prometheus-data", *(f"{p}-data" for p in peers), "grafana-data", *(f"{r}-data" for r in replicas)]
    volumes += [*_volumes(model), *(f"{s}-data" for s in store)]
    # kinds' exceptions last, latest kind first: the order the file had when they were a table here (bytes unchanged)
    exceptions = {**EXCEPTIONS, **{s.name: s.exception for s in reversed(_kind_services(model)) if s.exception}}
    exceptions.update({name: long_term_store.EXCEPTION for name in store})
    doc = {
        "x-hardening-exceptions": {k: v for k, v in exceptions.items() if k in services},
        "services": services,
        "volumes": {name: {} for name in volumes},
        "secrets": {name: {"file": f"./secrets/{name}"} for name in [*secrets, *rw_secrets]},
    }
    return {COMPOSE_FILE: doc, **examples(model)}

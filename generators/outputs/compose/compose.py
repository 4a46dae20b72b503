"""compose/docker-compose.yml: the whole stack, hardened, with exporters following what the spec monitors.

Images come from catalog/images.yaml (the one place to bump them). Every service runs as a non-root
user with `read_only`, `no-new-privileges`, `cap_drop: [ALL]` and a memory limit, except where the
`x-hardening-exceptions` block of the rendered file says why not.
"""

from __future__ import annotations

from typing import Any

from generators.model import build_model, conventions
from generators.model.types import Model
from generators.outputs.alertmanager import channels as channel_types
from generators.outputs.compose.compose_base import hardened, health, healthy, http_health, images, local
from generators.outputs.prometheus import ha, remote_write

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
POSTGRES_SECRET = "postgres_password"

# Kinds whose scrape jobs the demo app serves (the rest are exporters or the stack itself).
EXPORTER_KINDS = frozenset({"host", "container", "probe", "postgres", "redis", "prometheus", "alertmanager", "pushgateway", "watchdog"})

EXCEPTIONS = {
    "node-exporter": "shares the host PID namespace and mounts / read-only at /host to report host CPU, memory and "
    "filesystems; it stays on the compose network (not network_mode: host), so network metrics are the container's; "
    "no healthcheck: it has no health endpoint",
    "cadvisor": "runs as root with DAC_READ_SEARCH and read-only host mounts (/, /sys, /var/run, /var/lib/docker, "
    "/dev/disk): it reads every container's cgroups and the Docker socket. Not privileged and without /dev/kmsg, so "
    "no OOM events (no rule uses them)",
    "redis-exporter": "no healthcheck: the image has no shell or HTTP client to call its /health endpoint",
    "postgres-exporter": "no healthcheck: the exporter has no health endpoint (only / and /metrics)",
}


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
    if _kinds(model) & {"postgres"}:
        names.add(POSTGRES_SECRET)
    return sorted(names)


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
            "--web.enable-lifecycle",  # POST /-/reload (make reload)
        ],
        "volumes": ["../prometheus:/etc/prometheus:ro", "prometheus-data:/prometheus"],
        "ports": [local(PROMETHEUS_PORT, 9090)],
        "healthcheck": http_health(9090, "/-/healthy"),
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
            f"--web.external-url={model.stack.alertmanager_url}",
            f"--cluster.listen-address=0.0.0.0:{CLUSTER_PORT}",
            *(f"--cluster.peer={peer}:{CLUSTER_PORT}" for peer in peers if peer != name),
        ],
        "volumes": ["../alertmanager:/etc/alertmanager:ro", f"{name}-data:/alertmanager"],
        "ports": [local(ALERTMANAGER_HOST_PORTS[index], 9093)],
        # Grafana's datasource reads through the shared alias: Docker's DNS answers with the running peers only
        "networks": {"default": {"aliases": [conventions.ALERTMANAGER_ALIAS]}},
        "secrets": [s for s in secrets if s not in GRAFANA_SECRETS and s != POSTGRES_SECRET],
        "healthcheck": http_health(9093, "/-/healthy"),
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
            "GF_LOG_MODE": "console",  # read_only: no log file under /var/log/grafana (docker logs has it all)
        },
        "volumes": [
            "grafana-data:/var/lib/grafana",
            "../grafana/provisioning:/etc/grafana/provisioning:ro",
            f"../grafana/dashboards:{conventions.GRAFANA_DASHBOARDS_DIR}:ro",  # the provider reads here
        ],
        "ports": [f"{GRAFANA_PORT}:3000"],  # the one service published on all interfaces
        "secrets": list(GRAFANA_SECRETS),
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
    out: dict[str, dict[str, Any]] = {}
    kinds = _kinds(model)
    if "postgres" in kinds:
        out["postgres"] = {
            "image": images()["postgres"],
            "environment": {"POSTGRES_PASSWORD_FILE": conventions.secret_path(POSTGRES_SECRET)},
            "volumes": ["postgres-data:/var/lib/postgresql/data"],
            "secrets": [POSTGRES_SECRET],
            "healthcheck": health("pg_isready", "-U", "postgres", "-h", "127.0.0.1"),
            **hardened("512m", user="postgres", tmpfs=("/tmp", "/var/run/postgresql")),
        }
        out["postgres-exporter"] = {
            "image": images()["postgres-exporter"],
            "environment": {
                "DATA_SOURCE_URI": "postgres:5432/postgres?sslmode=disable",
                "DATA_SOURCE_USER": "postgres",
                "DATA_SOURCE_PASS_FILE": conventions.secret_path(POSTGRES_SECRET),
            },
            "secrets": [POSTGRES_SECRET],
            "depends_on": healthy("postgres"),
            **hardened("128m"),
        }
    if "redis" in kinds:
        out["redis"] = {
            "image": images()["redis"],
            "command": ["redis-server", "--save", "", "--appendonly", "no", "--maxmemory", "128mb"],
            "healthcheck": health("redis-cli", "ping"),
            **hardened("256m", user="redis", tmpfs=("/tmp", "/data")),
        }
        out["redis-exporter"] = {
            "image": images()["redis-exporter"],
            "environment": {"REDIS_ADDR": "redis://redis:6379"},
            "depends_on": healthy("redis"),
            **hardened("128m", user="59000:59000"),
        }
    return out


def demo_roles(model: Model) -> dict[str, tuple[str, int]]:
    """host -> (role, port) the demo app serves: every scrape job no exporter answers for."""
    kinds: dict[str, set[str]] = {}
    for service in model.services:
        if service.job is not None:
            kinds.setdefault(service.job, set()).add(service.kind)
    roles: dict[str, tuple[str, int]] = {}
    for job in model.jobs:
        job_kinds = kinds.get(job.name, set())
        if job.module is not None or not job_kinds or job_kinds & EXPORTER_KINDS:
            continue
        role = "queue" if job_kinds == {"queue"} else "http"
        for target in job.targets:
            host, _, port = target.rpartition(":")
            roles[host] = (role, int(port))
    return dict(sorted(roles.items()))


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
    volumes = ["prometheus-data", *(f"{p}-data" for p in peers), "grafana-data", *(f"{r}-data" for r in replicas)]
    if "postgres" in services:
        volumes.append("postgres-data")
    doc = {
        "x-hardening-exceptions": {k: v for k, v in EXCEPTIONS.items() if k in services},
        "services": services,
        "volumes": {name: {} for name in volumes},
        "secrets": {name: {"file": f"./secrets/{name}"} for name in [*secrets, *rw_secrets]},
    }
    return {COMPOSE_FILE: doc, **examples(model)}

"""make demo: the compose stack as real local processes on loopback, for users and CI without Docker.

The spec is rendered exactly as for compose; only the target addresses change (compose host names become
127.0.0.1:<free port>, channels deliver to the local sinks of generators/sinks.py, see demo_alertmanager).
Rules, routes and templates are the same. PostgreSQL and Redis with their exporters run when the spec has
such services (demo_databases). Notifications are printed as they arrive; Ctrl-C stops everything.

python -m generators.stack.demo [--spec monitoring.yaml] [--workdir DIR] [--smoke]
Exit codes: 0 ok, 1 invalid spec, 3 a binary is missing or a process did not come up.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from generators import catalog
from generators.catalog import versions
from generators.errors import SpecError
from generators.model import build_model, conventions, prom_compat
from generators.model.types import Model
from generators.outputs.compose import compose
from generators.outputs.prometheus import prometheus_config
from generators.pipeline import render, spec, writer
from generators.stack import demo_alertmanager, demo_databases, demo_store, web_auth
from generators.stack.demo_databases import Process
from generators.stack.demo_stack import Plan, Stack, StackError
from generators.validate import tools

LOOPBACK = "127.0.0.1"
DEMO_APP = Path(__file__).resolve().parents[2] / "compose" / "demo-app" / "app.py"
BLACKBOX_CONFIG = "/etc/prometheus/blackbox.yml"  # Debian's, which has the http_2xx module
# Compose services with no Debian binary: their scrape jobs are left out of the demo.
NOT_NATIVE = {"cadvisor": "no Debian package"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def localize(config: dict[str, Any], addresses: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """prometheus.yml with compose host names replaced by loopback addresses; jobs nobody answers are dropped."""
    out = copy.deepcopy(config)
    jobs, skipped = [], {}
    for job in out["scrape_configs"]:
        if "params" in job:  # blackbox: targets are the probed URLs; only the exporter address moves
            for rule in job["relabel_configs"]:
                if rule.get("replacement") == build_model.BLACKBOX_ADDRESS:
                    rule["replacement"] = addresses["blackbox-exporter"]
            jobs.append(job)
            continue
        hosts = [t.rsplit(":", 1)[0] for c in job["static_configs"] for t in c["targets"]]
        missing = [h for h in hosts if h not in addresses]
        if missing:
            skipped[job["job_name"]] = f"{missing[0]}: {NOT_NATIVE.get(missing[0], _why_missing(missing[0]))}"
            continue
        for static in job["static_configs"]:
            static["targets"] = [addresses[t.rsplit(":", 1)[0]] for t in static["targets"]]
        jobs.append(job)
    out["scrape_configs"] = jobs
    return out, skipped


def _why_missing(host: str) -> str:
    kind = host.removesuffix("-exporter")
    if kind in demo_databases.PACKAGES:
        return f"not installed: {', '.join(demo_databases.missing(kind))} (apt-get install {demo_databases.PACKAGES[kind]})"
    return "no local process for this host"


def _prometheus_flags() -> list[str]:
    """What the `prometheus` on PATH needs to read $$ in external labels as 3.x does (prom_compat)."""
    path = shutil.which("prometheus")  # the one the stack starts (make e2e puts the current set first)
    return prom_compat.prometheus_flags(versions.reported_version(path)) if path else []


def plan(model: Model, work: Path) -> Plan:
    """Files and processes of the native stack; ports are picked now (free loopback ports)."""
    port = {name: free_port() for name in ("prometheus", "node-exporter", "blackbox-exporter", "pushgateway")}
    port.update({f"prometheus-{i}": free_port() for i in range(model.ha.replicas if model.ha.replicas > 1 else 0)})
    if model.long_term_store is not None:
        port[conventions.LONG_TERM_STORE_SERVICE] = free_port()
    kinds = {s.kind for s in model.services}
    databases = [k for k in demo_databases.native_kinds() if k in kinds and not demo_databases.missing(k)]
    port.update({f"{k}-exporter": free_port() for k in databases})
    peers = compose.alertmanagers()
    web = {p: free_port() for p in peers}
    gossip = {p: free_port() for p in peers}
    roles = compose.demo_roles(model)
    demo_ports = {role: free_port() for role in sorted({r for r, _ in roles.values()})}
    addresses = {name: f"{LOOPBACK}:{p}" for name, p in port.items()}
    addresses["localhost"] = addresses["prometheus"]  # Prometheus scrapes itself as localhost:9090
    addresses.update({p: f"{LOOPBACK}:{web[p]}" for p in peers})
    addresses.update({host: f"{LOOPBACK}:{demo_ports[role]}" for host, (role, _) in roles.items()})

    rendered = render.documents(model)
    password, web_config = web_auth.new_password(), f"--web.config.file={work}/secrets/{conventions.WEB_CONFIG_SECRET}"
    password_file = f"{work}/secrets/{conventions.WEB_PASSWORD_SECRET}"
    config = prometheus_config.build(model, alertmanagers=tuple(addresses[p] for p in peers), password_file=password_file)
    config, skipped = localize(config, addresses)
    config = demo_store.point_at_store(config, addresses.get(conventions.LONG_TERM_STORE_SERVICE))
    files = {rel: data for rel, data in rendered.items() if rel.startswith(("prometheus/rules/", "alertmanager/templates/"))}
    files["prometheus/prometheus.yml"] = writer.serialize("prometheus.yml", config)
    sink_ports = (free_port(), free_port())
    sinks_url, smtp = f"http://{LOOPBACK}:{sink_ports[0]}", f"{LOOPBACK}:{sink_ports[1]}"
    am_doc, secret_files = demo_alertmanager.localize(model, sinks_url, smtp, work / "secrets")
    files["alertmanager/alertmanager.yml"] = writer.serialize("alertmanager.yml", am_doc)
    files.update(secret_files)
    files[f"secrets/{conventions.WEB_PASSWORD_SECRET}"] = f"{password}\n".encode()
    files[f"secrets/{conventions.WEB_CONFIG_SECRET}"] = web_auth.web_config(password)

    prometheus = [
        Process(
            "prometheus",
            [
                "prometheus",
                f"--config.file={work}/prometheus/prometheus.yml",
                f"--storage.tsdb.path={work}/data/prometheus",
                f"--web.listen-address={addresses['prometheus']}",
                "--web.enable-lifecycle",
                web_config,
                "--storage.tsdb.retention.time=1d",
                *_prometheus_flags(),
                *prometheus_config.server_flags(model),
            ],
            f"http://{addresses['prometheus']}",
            "/-/ready",
        ),
    ]
    procs: list[Process] = demo_store.store(model, work, addresses.get(conventions.LONG_TERM_STORE_SERVICE, ""))
    pair, pair_files = demo_store.replicas(
        model, work, addresses, tuple(addresses[p] for p in peers), localize, _prometheus_flags(), password_file
    )
    files.update(pair_files)
    for peer in peers:
        others = [f"--cluster.peer={LOOPBACK}:{gossip[p]}" for p in peers if p != peer]
        procs.append(
            Process(
                peer,
                [
                    "prometheus-alertmanager",
                    f"--config.file={work}/alertmanager/alertmanager.yml",
                    f"--storage.path={work}/data/{peer}",
                    f"--data.maintenance-interval={model.stack.alertmanager_snapshot_interval}",
                    f"--web.listen-address={addresses[peer]}",
                    f"--web.external-url=http://{addresses[peer]}",
                    web_config,
                    f"--cluster.listen-address={LOOPBACK}:{gossip[peer]}",
                    *others,
                ],
                f"http://{addresses[peer]}",
                "/-/ready",
            )
        )
    procs += [
        Process(
            "node-exporter",
            ["prometheus-node-exporter", f"--web.listen-address={addresses['node-exporter']}"],
            f"http://{addresses['node-exporter']}",
            "/metrics",
        ),
        Process(
            "blackbox-exporter",
            ["prometheus-blackbox-exporter", f"--config.file={BLACKBOX_CONFIG}", f"--web.listen-address={addresses['blackbox-exporter']}"],
            f"http://{addresses['blackbox-exporter']}",
            "/-/healthy",
        ),
        Process(
            "pushgateway",
            ["prometheus-pushgateway", f"--web.listen-address={addresses['pushgateway']}"],
            f"http://{addresses['pushgateway']}",
            "/-/ready",
        ),
    ]
    redis_port = None
    for kind in databases:
        server_port, exporter = free_port(), addresses[f"{kind}-exporter"]
        role = demo_databases.ROLES[catalog.record(kind).demo.role]  # type: ignore[union-attr]  # native_kinds()
        db_procs, db_files = role.start(work, server_port, exporter)
        procs += db_procs
        files.update(db_files)
        if role.traffic:
            redis_port = server_port
    fault_url = None
    if demo_ports:
        serve = [arg for role, p in demo_ports.items() for arg in ("--serve", f"{role}={p}")]
        first = f"http://{LOOPBACK}:{demo_ports.get('http', min(demo_ports.values()))}"
        procs.append(Process("demo-app", [sys.executable, str(DEMO_APP), "--host", LOOPBACK, *serve], first, "/healthz"))
        fault_url = f"{first}/fault"
    procs += pair  # the HA pair, then the single Prometheus last: the Alertmanagers must answer before the first alerts
    procs += prometheus
    channels = demo_alertmanager.channel_endpoints(model, sinks_url, smtp)
    return Plan(files, procs, skipped, fault_url, sink_ports, channels, redis_port, password)


def describe(stack_plan: Plan, work: Path) -> str:
    lines = [f"Native stack up (config, data and logs in {work}):"]
    lines += [f"  {p.name:<18} {p.url}" for p in stack_plan.processes]
    lines.append(f"  {'sinks':<18} http://{LOOPBACK}:{stack_plan.sinks[0]}/received (what they got), smtp {LOOPBACK}:{stack_plan.sinks[1]}")
    lines.append("Channels deliver to the local sinks:")
    lines += [f"  {name:<18} {where}" for name, where in stack_plan.channels.items()]
    if stack_plan.fault_url:
        lines.append(f"Inject a fault:  curl -X POST '{stack_plan.fault_url}?error_rate=0.2'   (undo: POST .../reset)")
        lines.append("  critical alerts need their `for` (minutes in the example spec) plus group_wait before they notify")
    password = work / "secrets" / conventions.WEB_PASSWORD_SECRET
    lines.append(f"Prometheus and the Alertmanagers ask for user {conventions.WEB_USER}, password in {password}")
    lines.append(f"PagerDuty outage: curl -X POST 'http://{LOOPBACK}:{stack_plan.sinks[0]}/control/pagerduty?fail_for=300'")
    lines += [f"Left out: job {job} ({why})" for job, why in sorted(stack_plan.skipped.items())]
    lines.append("Notifications are printed as they arrive. Ctrl-C stops everything.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generators.stack.demo", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", default="monitoring.yaml")
    parser.add_argument("--workdir", help="where config, data and logs go (default: a temporary folder, removed at exit)")
    parser.add_argument("--smoke", action="store_true", help="start, check every process answers, stop (for CI)")
    args = parser.parse_args(argv)
    try:
        model, _ = spec.load(args.spec)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 1
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="monitoring-demo-"))
    stack_plan = plan(model, work.resolve())
    stack = Stack(stack_plan, work.resolve(), on_receive=lambda rec: print(f"received {rec.line()}", flush=True))

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
        print(describe(stack_plan, work), flush=True)
        while not args.smoke:
            time.sleep(1)
            dead = [p.name for p in stack_plan.processes if p.handle is not None and p.handle.poll() is not None]
            if dead:
                raise StackError(f"{dead[0]} stopped:\n{stack.log_tail(dead[0])}")
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    except (StackError, tools.ToolMissing) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 3
    finally:
        stack.stop()
        print(stack.sinks.summary(), flush=True)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""make demo: the compose stack as real local processes on loopback, for users and CI without Docker.

The spec is rendered exactly as for compose; only the target addresses change (compose host names become
127.0.0.1:<free port>). Rules, routing and templates are the same bytes. Ctrl-C stops everything.

python -m generators.demo [--spec monitoring.yaml] [--workdir DIR] [--smoke]
Exit codes: 0 ok, 1 invalid spec, 3 a binary is missing or a process did not come up.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from generators import build_model, compose, prometheus_config, render, spec, tools, writer
from generators.errors import SpecError
from generators.model import Model

LOOPBACK = "127.0.0.1"
DEMO_APP = Path(__file__).resolve().parent.parent / "compose" / "demo-app" / "app.py"
BLACKBOX_CONFIG = "/etc/prometheus/blackbox.yml"  # Debian's, which has the http_2xx module
# Compose services with no Debian binary (yet): their scrape jobs are left out of the demo.
NOT_NATIVE = {
    "cadvisor": "no Debian package",
    "postgres-exporter": "not started by the demo yet (apt-get install prometheus-postgres-exporter postgresql)",
    "redis-exporter": "not started by the demo yet (apt-get install prometheus-redis-exporter redis-server)",
}
FALLBACK_ALERTMANAGER = b"route:\n  receiver: blackhole\nreceivers:\n- name: blackhole\n"


@dataclass
class Process:
    name: str
    argv: list[str]
    url: str
    ready_path: str
    handle: subprocess.Popen[bytes] | None = None


@dataclass
class Plan:
    files: dict[str, bytes]  # relative to the work dir
    processes: list[Process]
    skipped: dict[str, str] = field(default_factory=dict)  # scrape job -> why it is left out
    fault_url: str | None = None


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
            skipped[job["job_name"]] = f"{missing[0]}: {NOT_NATIVE.get(missing[0], 'no local process for this host')}"
            continue
        for static in job["static_configs"]:
            static["targets"] = [addresses[t.rsplit(":", 1)[0]] for t in static["targets"]]
        jobs.append(job)
    out["scrape_configs"] = jobs
    return out, skipped


def plan(model: Model, work: Path) -> Plan:
    """Files and processes of the native stack; ports are picked now (free loopback ports)."""
    port = {name: free_port() for name in ("prometheus", "node-exporter", "blackbox-exporter", "pushgateway")}
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
    config = prometheus_config.build(model, alertmanagers=tuple(addresses[p] for p in peers))
    config, skipped = localize(config, addresses)
    files = {rel: data for rel, data in rendered.items() if rel.startswith(("prometheus/rules/", "alertmanager/"))}
    files["prometheus/prometheus.yml"] = writer.serialize("prometheus.yml", config)
    secrets_dir = work / "secrets"
    am = files.get("alertmanager/alertmanager.yml", FALLBACK_ALERTMANAGER)
    files["alertmanager/alertmanager.yml"] = am.replace(b"/run/secrets/", f"{secrets_dir}/".encode())
    for name in compose.secret_names(model):
        files[f"secrets/{name}"] = b"demo-placeholder\n"

    procs = [
        Process(
            "prometheus",
            [
                "prometheus",
                f"--config.file={work}/prometheus/prometheus.yml",
                f"--storage.tsdb.path={work}/data/prometheus",
                f"--web.listen-address={addresses['prometheus']}",
                "--web.enable-lifecycle",
                "--storage.tsdb.retention.time=1d",
            ],
            f"http://{addresses['prometheus']}",
            "/-/ready",
        ),
    ]
    for peer in peers:
        others = [f"--cluster.peer={LOOPBACK}:{gossip[p]}" for p in peers if p != peer]
        procs.append(
            Process(
                peer,
                [
                    "prometheus-alertmanager",
                    f"--config.file={work}/alertmanager/alertmanager.yml",
                    f"--storage.path={work}/data/{peer}",
                    f"--web.listen-address={addresses[peer]}",
                    f"--web.external-url=http://{addresses[peer]}",
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
    fault_url = None
    if demo_ports:
        serve = [arg for role, p in demo_ports.items() for arg in ("--serve", f"{role}={p}")]
        first = f"http://{LOOPBACK}:{demo_ports.get('http', min(demo_ports.values()))}"
        procs.append(Process("demo-app", [sys.executable, str(DEMO_APP), "--host", LOOPBACK, *serve], first, "/healthz"))
        fault_url = f"{first}/fault"
    return Plan(files, procs, skipped, fault_url)


class StackError(Exception):
    pass


class Stack:
    """Start the planned processes, wait until each answers, stop them all (also on failure)."""

    def __init__(self, stack_plan: Plan, work: Path) -> None:
        self.plan, self.work = stack_plan, work

    def start(self, timeout: float = 60.0) -> None:
        for proc in self.plan.processes:
            tools.which(proc.argv[0])
        writer.write_tree(self.work, self.plan.files)
        (self.work / "logs").mkdir(exist_ok=True)
        for proc in self.plan.processes:
            log = (self.work / "logs" / f"{proc.name}.log").open("wb")
            proc.handle = subprocess.Popen(proc.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.work, start_new_session=True)
        deadline = time.monotonic() + timeout
        for proc in self.plan.processes:
            self._wait(proc, deadline)

    def _wait(self, proc: Process, deadline: float) -> None:
        assert proc.handle is not None
        while time.monotonic() < deadline:
            if proc.handle.poll() is not None:
                raise StackError(f"{proc.name} exited with {proc.handle.returncode}:\n{self.log_tail(proc.name)}")
            try:
                with urllib.request.urlopen(proc.url + proc.ready_path, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise StackError(f"{proc.name} did not answer {proc.url}{proc.ready_path} in time:\n{self.log_tail(proc.name)}")

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.work / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.is_file() else "(no log)"

    def stop(self) -> None:
        running = [p.handle for p in self.plan.processes if p.handle is not None and p.handle.poll() is None]
        for handle in running:
            handle.terminate()
        for handle in running:
            try:
                handle.wait(timeout=10)
            except subprocess.TimeoutExpired:
                handle.kill()
                handle.wait()


def describe(stack_plan: Plan, work: Path) -> str:
    lines = [f"Native stack up (config, data and logs in {work}):"]
    lines += [f"  {p.name:<18} {p.url}" for p in stack_plan.processes]
    if stack_plan.fault_url:
        lines.append(f"Inject a fault:  curl -X POST '{stack_plan.fault_url}?error_rate=0.2'   (undo: POST .../reset)")
    lines += [f"Left out: job {job} ({why})" for job, why in sorted(stack_plan.skipped.items())]
    lines.append("Ctrl-C stops everything.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generators.demo", description=__doc__.splitlines()[0] if __doc__ else None)
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
    stack = Stack(stack_plan, work.resolve())

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
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

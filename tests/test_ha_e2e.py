"""End to end on loopback: an HA pair of Prometheus and two clustered Alertmanagers send ONE notification.

Both replicas run the rendered prometheus/ha/prometheus-{0,1}.yml (same rules, external label replica=prometheus-N,
dropped from alerts by alert_relabel_configs) and both fire the Watchdog into both Alertmanagers. The route groups by
every label (group_by: ['...']), so if the replica label reached Alertmanager the two copies would form two groups and
two notifications. A tiny webhook sink counts what arrives. Run with `make e2e` (pytest -m e2e).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generators.catalog import versions
from generators.model import prom_compat
from generators.outputs.prometheus import ha
from generators.pipeline import render, spec, writer
from tests.bench_rule_cost import free_port, wait_ready
from tests.conftest import require_tool

pytestmark = pytest.mark.e2e
FIXTURE = Path(__file__).parent / "fixtures" / "scaling.yaml"
OBSERVE_S = 12  # after the first notification: more than enough for a duplicate to arrive (group_wait 1s)


class Sink:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _alertmanager_config(sink_url: str) -> dict[str, Any]:
    return {
        "route": {"receiver": "sink", "group_by": ["..."], "group_wait": "1s", "group_interval": "5m", "repeat_interval": "4h"},
        "receivers": [{"name": "sink", "webhook_configs": [{"url": sink_url, "send_resolved": False}]}],
    }


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        proc.terminate()
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _start(processes: list[subprocess.Popen[bytes]], cmd: list[str], log: Path, cwd: Path) -> None:
    processes.append(subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=cwd))


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_both_replicas_fire_and_one_notification_arrives(tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    prometheus = require_tool("prometheus")
    alertmanager = require_tool("prometheus-alertmanager")
    model, _ = spec.load(FIXTURE)
    model = dataclasses.replace(model, remote_write=(), stack=dataclasses.replace(model.stack, evaluation_interval="1s"))
    sink = Sink()

    am_ports = [(free_port(), free_port()) for _ in range(2)]
    (tmp_path / "alertmanager.yml").write_bytes(writer.serialize("alertmanager.yml", _alertmanager_config(sink.url)))
    for i, (web, mesh) in enumerate(am_ports):
        cmd = [
            alertmanager,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / f'am-{i}'}",
            f"--web.listen-address=127.0.0.1:{web}",
            f"--cluster.listen-address=127.0.0.1:{mesh}",
            f"--cluster.peer=127.0.0.1:{am_ports[1 - i][1]}",
            "--cluster.peer-timeout=3s",
            "--cluster.settle-timeout=5s",
        ]
        _start(processes, cmd, tmp_path / f"am-{i}.log", tmp_path)

    targets = tuple(f"127.0.0.1:{web}" for web, _ in am_ports)
    files = render.documents(model)
    files.update(writer.to_bytes(ha.build(model, alertmanagers=targets, password_file=None)))
    writer.write_tree(tmp_path, files)
    prom_urls = []
    for i in range(2):
        port = free_port()
        prom_urls.append(f"http://127.0.0.1:{port}")
        cmd = [
            prometheus,
            f"--config.file=prometheus/ha/prometheus-{i}.yml",
            f"--storage.tsdb.path={tmp_path / f'data-{i}'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--rules.alert.resend-delay=2s",  # the first send can precede Alertmanager discovery (default resend: 1m)
            *prom_compat.prometheus_flags(versions.reported_version(prometheus)),  # reads $$ in external labels as 3.x does
        ]
        _start(processes, cmd, tmp_path / f"prometheus-{i}.log", tmp_path)

    deadline = time.time() + 60
    for url in [*prom_urls, *(f"http://{t}" for t in targets)]:
        wait_ready(url, deadline)
    while not sink.bodies and time.time() < deadline:
        time.sleep(0.5)
    assert sink.bodies, "no notification within 60s; see the am-*.log and prometheus-*.log files in " + str(tmp_path)
    time.sleep(OBSERVE_S)

    for url in prom_urls:  # both replicas fire and both delivered to Alertmanager
        firing = [a for a in _get_json(f"{url}/api/v1/alerts")["data"]["alerts"] if a["labels"]["alertname"] == "Watchdog"]
        assert [a["state"] for a in firing] == ["firing"]
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        sent = dict(
            re.findall(r'^prometheus_notifications_sent_total\{alertmanager="http://([^/]+)/api/v2/alerts"\} (\S+)$', metrics, re.M)
        )
        assert sorted(sent) == sorted(targets) and all(float(v) > 0 for v in sent.values()), sent
    watchdog = [b for b in sink.bodies if b["commonLabels"].get("alertname") == "Watchdog"]
    assert len(watchdog) == 1, json.dumps(watchdog, indent=1)
    (alert,) = watchdog[0]["alerts"]
    assert alert["labels"] == {"alertname": "Watchdog", "cluster": "eu-1", "service": "monitoring", "severity": "none", "team": "platform"}

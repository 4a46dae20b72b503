"""A real scrape on both version sets: what Prometheus stores for integer `le`/`quantile` values, that the
rendered matcher selects the bucket on both, and that a `$` in an external label arrives as written (make e2e).

The exposition prints bounds as Go clients do (`le="1"`); Prometheus 3 stores `le="1.0"`, 2.x keeps `le="1"`.
"""

from __future__ import annotations

import io
import json
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generators.catalog import versions
from generators.model import prom_compat
from generators.pipeline import writer
from generators.validate import tools
from tests.bench_rule_cost import free_port, wait_ready
from tests.conftest import require_set_tool

pytestmark = pytest.mark.e2e

EXPOSITION = b"""\
# HELP h_seconds Request durations.
# TYPE h_seconds histogram
h_seconds_bucket{le="0.5"} 3
h_seconds_bucket{le="1"} 7
h_seconds_bucket{le="+Inf"} 9
h_seconds_sum 6
h_seconds_count 9
# HELP s_seconds A summary.
# TYPE s_seconds summary
s_seconds{quantile="1"} 2
s_seconds_sum 4
s_seconds_count 2
"""
SITE = "cost$center"  # as the spec writes it


class Exposition(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")  # Prometheus 3 refuses a scrape without it
        self.end_headers()
        self.wfile.write(EXPOSITION)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def exporter() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Exposition)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _query(url: str, expr: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}), timeout=5) as response:
        result: list[dict[str, Any]] = json.loads(response.read())["data"]["result"]
    return result


def _federate(url: str) -> str:
    with urllib.request.urlopen(f"{url}/federate?" + urllib.parse.urlencode({"match[]": "h_seconds_count"}), timeout=5) as r:
        return str(r.read().decode())


@pytest.mark.parametrize("toolset", tools.SETS)
def test_the_rendered_matcher_selects_an_integer_bucket_on_both_sets(tmp_path: Path, exporter: str, toolset: str) -> None:
    binary = require_set_tool("prometheus", toolset)
    config = {
        "global": {"scrape_interval": "1s", "external_labels": {"site": prom_compat.external_label_value(SITE)}},
        "scrape_configs": [{"job_name": "h", "static_configs": [{"targets": [exporter]}]}],
    }
    writer.write_tree(tmp_path, {"prometheus.yml": writer.serialize("prometheus.yml", config)})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    flags = prom_compat.prometheus_flags(versions.reported_version(binary))
    cmd = [binary, "--config.file=prometheus.yml", f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"]
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen([*cmd, *flags], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(url, time.time() + 60)
        deadline = time.time() + 30
        while not _query(url, "h_seconds_count") and time.time() < deadline:
            time.sleep(0.5)
        stored = sorted(r["metric"]["le"] for r in _query(url, "h_seconds_bucket"))
        quantiles = [r["metric"]["quantile"] for r in _query(url, "s_seconds")]
        plain = _query(url, 'h_seconds_bucket{le="1"}')
        matched = _query(url, f"h_seconds_bucket{{{prom_compat.matcher('le', '1')}}}")
        federated = _federate(url)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if toolset == tools.STABLE:  # 2.x keeps what the exporter printed
        assert (stored, quantiles, len(plain)) == (["+Inf", "0.5", "1"], ["1"], 1)
    else:  # 3.x normalizes on ingestion: le="1" selects nothing
        assert (stored, quantiles, len(plain)) == (["+Inf", "0.5", "1.0"], ["1.0"], 0)
    assert [r["value"][1] for r in matched] == ["7"]
    assert f'site="{SITE}"' in federated, federated


# -- an SLO and a latency alert on an integer bucket fire on both sets ------------------------------------------------
LE_SPEC = """\
version: 1
channels:
  hook: {type: webhook, url: "http://127.0.0.1:9/hook"}
routing: {critical: [hook], warning: [hook], watchdog: false}
services:
  api:
    team: web
    kind: http
    targets: ["127.0.0.1:1"]
    metrics: {requests: h_requests_total, duration: h_seconds, status_label: code}
    slos:
      latency: {sli: latency, le: "1", objective: "99%", window: 30d, tiers: {page-1h: {for: 0s}}}
  search:
    team: web
    kind: histogram
    job: api
    metrics: {histogram: h_seconds}
    le: "1"
    thresholds:
      fraction_over: {critical: "> 10% for 0s"}
"""
EXPECTED_ALERTS = ["ApiLatencyErrorBudgetBurn", "SearchHighFractionOver"]


class Growing(BaseHTTPRequestHandler):
    """Counters growing with time: 10 requests/s, 2/s within 1s (le="1", as Go clients print it): 80 % are slow."""

    started = time.time()

    def do_GET(self) -> None:
        t = int((time.time() - self.started) * 10) + 10
        body = (
            "# TYPE h_seconds histogram\n"
            f'h_seconds_bucket{{le="0.5"}} {t // 10}\nh_seconds_bucket{{le="1"}} {2 * t // 10}\n'
            f'h_seconds_bucket{{le="+Inf"}} {t}\nh_seconds_sum {t}\nh_seconds_count {t}\n'
            f'# TYPE h_requests_total counter\nh_requests_total{{code="200"}} {t}\n'
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("toolset", tools.SETS)
def test_an_slo_and_a_latency_alert_on_an_integer_bucket_fire_on_both_sets(tmp_path: Path, toolset: str) -> None:
    binary = require_set_tool("prometheus", toolset)
    from generators.pipeline import render

    (tmp_path / "spec.yaml").write_text(LE_SPEC)
    render.render(tmp_path / "spec.yaml", tmp_path / "out", log=io.StringIO(), validate=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Growing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [
            str(tmp_path / "out" / "prometheus" / "rules" / f) for f in ("api.rules.yml", "search.rules.yml", "slo-api-latency.rules.yml")
        ],
        "scrape_configs": [{"job_name": "api", "static_configs": [{"targets": [f"127.0.0.1:{server.server_address[1]}"]}]}],
    }
    writer.write_tree(tmp_path, {"prometheus.yml": writer.serialize("prometheus.yml", config)})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [binary, "--config.file=prometheus.yml", f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"]
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    firing: list[str] = []
    try:
        wait_ready(url, time.time() + 60)
        deadline = time.time() + 60
        while firing != EXPECTED_ALERTS and time.time() < deadline:
            time.sleep(1)
            firing = sorted({r["metric"]["alertname"] for r in _query(url, 'ALERTS{alertstate="firing"}')} & set(EXPECTED_ALERTS))
        stored = sorted(r["metric"]["le"] for r in _query(url, "h_seconds_bucket"))
    finally:
        process.terminate()
        process.wait(timeout=30)
        server.shutdown()
    assert firing == EXPECTED_ALERTS, (tools.label(toolset), stored)
    assert stored == (["+Inf", "0.5", "1"] if toolset == tools.STABLE else ["+Inf", "0.5", "1.0"])  # what each set stored

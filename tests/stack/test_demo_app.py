"""compose/demo-app/app.py: serves every metric the spec's rules query, and faults move them exactly."""

from __future__ import annotations

import importlib.util
import json
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from generators.model.types import Model
from generators.outputs.compose import compose
from generators.pipeline import spec
from tests.conftest import IN_CI, ROOT

APP = ROOT / "compose" / "demo-app" / "app.py"
_SELECTOR = re.compile(r"""\b([a-zA-Z_][a-zA-Z0-9_]*)\{job="([^"]+)\"""")


def _load() -> ModuleType:
    if importlib.util.find_spec("prometheus_client") is None:
        message = "prometheus_client is not installed (make setup installs requirements.txt)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    module_spec = importlib.util.spec_from_file_location("demo_app", APP)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def app() -> ModuleType:
    return _load()


@pytest.fixture(scope="module")
def model() -> Model:
    return spec.load(ROOT / "monitoring.yaml")[0]


def _samples(app: ModuleType, sim: Any, role: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(sim.metrics.exposition([role]).decode()):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out


def _queried(model: Model) -> dict[str, set[str]]:
    """job -> metric names the rules select with job="<job>" (recording-rule names excluded)."""
    out: dict[str, set[str]] = {}
    for service in model.services:
        exprs = [t.expr for a in service.alerts for t in a.tiers] + [r.expr for r in service.recordings]
        for expr in exprs:
            for metric, job in _SELECTOR.findall(expr):
                if metric != "up" and not metric.startswith("scrape_"):  # Prometheus adds these per target
                    out.setdefault(job, set()).add(metric)
    return out


def test_every_metric_the_rules_query_for_demo_jobs_is_served(app: ModuleType, model: Model) -> None:
    sim = app.Simulator(app.Metrics())
    sim.step(10)
    hosts = compose.demo_roles(model)
    roles = {job.name: hosts[t.rsplit(":", 1)[0]][0] for job in model.jobs for t in job.targets if t.rsplit(":", 1)[0] in hosts}
    assert roles == {"api": "http", "worker": "queue"}
    queried = _queried(model)
    for job, role in roles.items():
        served = _samples(app, sim, role)
        missing = sorted(m for m in queried[job] if m not in served)
        assert missing == [], f"job {job}: the rules query {missing}, the demo app ({role}) does not serve them"
    assert {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "llm_api_requests_total",
        "llm_quota_used_ratio",
        "llm_tenant_quota_used_ratio",
        "sse_active_connections",
        "recommendations_served_total",
    } <= queried["api"]
    assert queried["worker"] == {"job_queue_depth", "job_queue_oldest_job_age_seconds"}


def test_series_carry_the_label_names_the_spec_declares(app: ModuleType, model: Model) -> None:
    sim = app.Simulator(app.Metrics())
    sim.step(2)
    http, queue = _samples(app, sim, "http"), _samples(app, sim, "queue")
    api = next(s for s in model.services if s.name == "api")
    worker = next(s for s in model.services if s.name == "worker")
    llm = next(s for s in model.services if s.name == "llm-provider")
    assert {api.metrics["status_label"], api.metrics["endpoint_label"]} <= set(http[api.metrics["requests"]][0][0])
    assert api.metrics["endpoint_label"] in http[api.metrics["duration"] + "_bucket"][0][0]
    assert llm.metrics["status_label"] in http[llm.metrics["requests"]][0][0]
    assert {labels[worker.metrics["queue_label"]] for labels, _ in queue[worker.metrics["depth"]]} == {"default"}
    assert {labels["tenant"] for labels, _ in http["llm_tenant_quota_used_ratio"]} == {"acme", "globex"}


def _total(samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **match: str) -> float:
    return sum(v for labels, v in samples[name] if all(labels.get(k) == w for k, w in match.items()))


def test_an_injected_error_rate_is_exact(app: ModuleType) -> None:
    sim = app.Simulator(app.Metrics())
    sim.set({"error_rate": "0.2"})
    sim.step(100)  # rps 5: 500 requests
    http = _samples(app, sim, "http")
    assert _total(http, "http_requests_total") == 500
    assert _total(http, "http_requests_total", status_code="500") == 100


def test_injected_latency_moves_every_request_above_the_threshold(app: ModuleType) -> None:
    sim = app.Simulator(app.Metrics())
    sim.set({"latency": "3.5"})
    sim.step(10)
    http = _samples(app, sim, "http")
    assert _total(http, "http_request_duration_seconds_bucket", le="3.0") == 0
    assert _total(http, "http_request_duration_seconds_bucket", le="5.0") == 50


def test_quota_queue_and_llm_faults(app: ModuleType) -> None:
    sim = app.Simulator(app.Metrics())
    sim.set({"quota": "0.97", "tenant_quota": "0.96", "queue_depth": "6000", "llm_rate_limited": "0.5", "recommendations_per_minute": "0"})
    sim.step(30)  # 150 requests, 50 of them to /api/recommendations (each calls the LLM)
    http, queue = _samples(app, sim, "http"), _samples(app, sim, "queue")
    assert _total(http, "llm_quota_used_ratio") == 0.97
    assert _total(http, "llm_tenant_quota_used_ratio", tenant="acme") == 0.96
    assert _total(queue, "job_queue_depth") == 6000
    assert _total(http, "llm_api_requests_total") == 50 and _total(http, "llm_api_requests_total", status_code="429") == 25
    assert _total(http, "recommendations_served_total") == 0
    sim.reset()
    assert _total(_samples(app, sim, "http"), "llm_quota_used_ratio") == 0.4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"eror_rate": "0.2"},
            "unknown setting(s) eror_rate; known: error_rate, latency, llm_error_rate, llm_latency, llm_rate_limited, "
            "queue_depth, queue_oldest_age, quota, recommendations_per_minute, rps, sse, tenant_quota",
        ),
        ({"error_rate": "lots"}, "error_rate='lots' is not a number, e.g. error_rate=0.0"),
        ({"error_rate": "1.5"}, "error_rate=1.5 is out of range: use 0 to 1"),
        ({"latency": "-1"}, "latency=-1 is out of range: use 0 to inf"),
        ({"quota": "nan"}, "quota=nan is out of range: use 0 to 1"),
    ],
    ids=[
        "a misspelt setting is named",
        "a word is not a number",
        "a ratio above 1 is refused",
        "a negative latency is refused",
        "NaN is refused",
    ],
)
def test_bad_fault_settings_are_refused_and_change_nothing(app: ModuleType, changes: dict[str, str], message: str) -> None:
    sim = app.Simulator(app.Metrics())
    with pytest.raises(ValueError) as exc:
        sim.set(changes)
    assert str(exc.value) == message
    assert sim.settings == app.DEFAULTS


@pytest.fixture
def server(app: ModuleType) -> Iterator[str]:
    sim = app.Simulator(app.Metrics())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), app.handler_class(sim, ("http", "queue")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _call(url: str, method: str = "GET") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=b"" if method == "POST" else None, method=method), timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_faults_over_http(server: str) -> None:
    status, body = _call(f"{server}/fault?error_rate=0.5", "POST")
    assert status == 200 and json.loads(body)["error_rate"] == 0.5
    assert [_call(f"{server}/api/items")[0] for _ in range(4)] == [200, 500, 200, 500]
    assert _call(f"{server}/fault?error_rate=7", "POST") == (400, "error_rate=7 is out of range: use 0 to 1\n")
    assert 'http_requests_total{handler="/api/items",method="GET",status_code="500"} 2.0' in _call(f"{server}/metrics")[1]
    assert json.loads(_call(f"{server}/reset", "POST")[1])["error_rate"] == 0.0
    assert _call(f"{server}/healthz") == (200, "ok\n")


def test_runs_natively_and_stops_on_sigterm() -> None:
    _load()
    proc = subprocess.Popen(
        [sys.executable, str(APP), "--host", "127.0.0.1", "--port", "0", "--tick", "0.1"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"demo-app: http\+queue metrics on http://127\.0\.0\.1:(\d+)/metrics\n", line)
        assert match, line
        assert _call(f"http://127.0.0.1:{match.group(1)}/healthz") == (200, "ok\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()

"""Demo app: serves the metrics the example monitoring.yaml expects, with faults injectable on demand.

Run natively:   python3 compose/demo-app/app.py --port 8000            (every metric on one port)
In compose:     app.py --serve http=8000 --serve queue=8001             (the api and worker scrape jobs)

Endpoints on every port:
  GET  /metrics              Prometheus exposition (the role's metrics)
  GET  /healthz              200 "ok"
  GET  /fault                the current fault settings (JSON)
  POST /fault?k=v&...        change settings, e.g. /fault?error_rate=0.2&latency=2.5&quota=0.97
  POST /reset                back to the healthy defaults
  GET  /api/<anything>       a real request through the same code path (answers 500 per error_rate)

Traffic is simulated by a background thread (`rps` requests per second), deterministically: with
error_rate=0.2 exactly every fifth request fails, so alert thresholds are crossed predictably.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# Metric and label names as monitoring.yaml declares them (services.api.metrics, worker.metrics, ...).
HTTP_REQUESTS = "http_requests_total"
HTTP_DURATION = "http_request_duration_seconds"
STATUS_LABEL = "status_code"
ENDPOINT_LABEL = "handler"
QUEUE_DEPTH = "job_queue_depth"
QUEUE_OLDEST_AGE = "job_queue_oldest_job_age_seconds"
QUEUE_LABEL = "queue"
LLM_REQUESTS = "llm_api_requests_total"
LLM_DURATION = "llm_api_request_duration_seconds"
LLM_QUOTA = "llm_quota_used_ratio"
LLM_TENANT_QUOTA = "llm_tenant_quota_used_ratio"
SSE_ACTIVE = "sse_active_connections"
RECOMMENDATIONS = "recommendations_served_total"

HANDLERS = ("/api/items", "/api/search", "/api/recommendations")
TENANTS = ("acme", "globex")
BASE_LATENCIES = (0.03, 0.05, 0.08, 0.12, 0.2)  # cycled: a stable, realistic-looking histogram
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)

DEFAULTS: dict[str, float] = {
    "rps": 5.0,  # simulated API requests per second (traffic_drop: rps=0)
    "error_rate": 0.0,  # share of API requests answering 500
    "latency": 0.0,  # seconds added to every API request
    "llm_error_rate": 0.0,  # share of LLM calls failing with 503
    "llm_rate_limited": 0.0,  # share of LLM calls answered 429
    "llm_latency": 0.0,  # seconds added to every LLM call
    "quota": 0.4,  # llm_quota_used_ratio
    "tenant_quota": 0.3,  # llm_tenant_quota_used_ratio of tenant "acme" (globex stays at 0.1)
    "sse": 120.0,  # sse_active_connections
    "recommendations_per_minute": 60.0,
    "queue_depth": 12.0,
    "queue_oldest_age": 4.0,  # seconds
}


RATIOS = frozenset({"error_rate", "llm_error_rate", "llm_rate_limited", "quota", "tenant_quota"})


class Metrics:
    """Two registries: `http` (the api job) and `queue` (the worker job)."""

    def __init__(self) -> None:
        self.http = CollectorRegistry()
        self.queue = CollectorRegistry()
        self.requests = Counter(HTTP_REQUESTS, "API requests", [ENDPOINT_LABEL, "method", STATUS_LABEL], registry=self.http)
        self.duration = Histogram(HTTP_DURATION, "API request duration", [ENDPOINT_LABEL, "method"], buckets=BUCKETS, registry=self.http)
        self.llm_requests = Counter(LLM_REQUESTS, "Calls to the LLM provider", ["provider", STATUS_LABEL], registry=self.http)
        self.llm_duration = Histogram(LLM_DURATION, "LLM call duration", ["provider"], buckets=BUCKETS, registry=self.http)
        self.llm_quota = Gauge(LLM_QUOTA, "Share of the LLM quota used", ["provider"], registry=self.http)
        self.tenant_quota = Gauge(LLM_TENANT_QUOTA, "Share of the LLM quota used per tenant", ["tenant"], registry=self.http)
        self.sse = Gauge(SSE_ACTIVE, "Open server-sent-event connections", registry=self.http)
        self.recommendations = Counter(RECOMMENDATIONS, "Recommendations served", registry=self.http)
        self.depth = Gauge(QUEUE_DEPTH, "Jobs waiting", [QUEUE_LABEL], registry=self.queue)
        self.oldest = Gauge(QUEUE_OLDEST_AGE, "Age of the oldest waiting job", [QUEUE_LABEL], registry=self.queue)

    def exposition(self, roles: Sequence[str]) -> bytes:
        return b"".join(generate_latest(getattr(self, role)) for role in roles)


class Simulator:
    """Fault settings plus the deterministic traffic they shape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.lock = threading.Lock()
        self.settings = dict(DEFAULTS)
        self.count = 0
        self.carry = {"error": 0.0, "llm_error": 0.0, "llm_429": 0.0, "requests": 0.0, "recommendations": 0.0}
        self.gauges()

    def set(self, changes: dict[str, str]) -> dict[str, float]:
        unknown = sorted(set(changes) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(DEFAULTS))}")
        parsed = {}
        for key, text in changes.items():
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{key}={text!r} is not a number, e.g. {key}={DEFAULTS[key]}") from None
            top = 1.0 if key in RATIOS else float("inf")
            if not 0 <= value <= top:
                raise ValueError(f"{key}={text} is out of range: use 0 to {top:g}")
            parsed[key] = value
        with self.lock:
            self.settings.update(parsed)
            self.gauges()
            return dict(self.settings)

    def reset(self) -> dict[str, float]:
        with self.lock:
            self.settings = dict(DEFAULTS)
            self.gauges()
            return dict(self.settings)

    def gauges(self) -> None:
        s, m = self.settings, self.metrics
        m.llm_quota.labels(provider="openai").set(s["quota"])
        m.tenant_quota.labels(tenant=TENANTS[0]).set(s["tenant_quota"])
        m.tenant_quota.labels(tenant=TENANTS[1]).set(0.1)
        m.sse.set(s["sse"])
        m.depth.labels(**{QUEUE_LABEL: "default"}).set(s["queue_depth"])
        m.oldest.labels(**{QUEUE_LABEL: "default"}).set(s["queue_oldest_age"])

    def _due(self, key: str, rate: float) -> bool:
        """Deterministic Bernoulli: exactly `rate` of the calls answer True over time."""
        self.carry[key] += rate
        if self.carry[key] >= 1 - 1e-9:
            self.carry[key] -= 1
            return True
        return False

    def request(self, handler: str, method: str = "GET") -> int:
        """Record one API request (and its LLM call on /api/recommendations); returns the status code."""
        with self.lock:
            s = self.settings
            self.count += 1
            status = 500 if self._due("error", s["error_rate"]) else 200
            duration = BASE_LATENCIES[self.count % len(BASE_LATENCIES)] + s["latency"]
            llm: tuple[str, float] | None = None
            if handler == "/api/recommendations":
                code = (
                    "429"
                    if self._due("llm_429", s["llm_rate_limited"])
                    else "503"
                    if self._due("llm_error", s["llm_error_rate"])
                    else "200"
                )
                llm = (code, 0.4 + s["llm_latency"])
        m = self.metrics
        m.requests.labels(handler, method, str(status)).inc()
        m.duration.labels(handler, method).observe(duration)
        if llm is not None:
            m.llm_requests.labels("openai", llm[0]).inc()
            m.llm_duration.labels("openai").observe(llm[1])
        return status

    def step(self, seconds: float) -> None:
        """Simulate `seconds` of traffic."""
        with self.lock:
            n = self._count("requests", self.settings["rps"] * seconds)
            served = self._count("recommendations", self.settings["recommendations_per_minute"] / 60 * seconds)
        for _ in range(n):
            self.request(HANDLERS[self.count % len(HANDLERS)])
        if served:
            self.metrics.recommendations.inc(served)

    def _count(self, key: str, amount: float) -> int:
        self.carry[key] += amount
        whole = int(self.carry[key] + 1e-9)
        self.carry[key] -= whole
        return whole


def handler_class(sim: Simulator, roles: Sequence[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: the demo prints its own summary
            pass

        def reply(self, code: int, body: bytes | str | dict[str, Any], content_type: str = "text/plain; charset=utf-8") -> None:
            if isinstance(body, dict):
                body, content_type = json.dumps(body, sort_keys=True) + "\n", "application/json"
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/metrics":
                self.reply(200, sim.metrics.exposition(roles), CONTENT_TYPE_LATEST)
            elif path in ("/healthz", "/-/healthy"):
                self.reply(200, "ok\n")
            elif path == "/fault":
                self.reply(200, dict(sim.settings))
            elif path.startswith("/api/"):
                status = sim.request(path)
                self.reply(status, "ok\n" if status == 200 else "injected error\n")
            else:
                self.reply(404, "not found: try /metrics, /healthz, /fault\n")

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = dict(parse_qsl(url.query)) | dict(parse_qsl(body))
            if url.path == "/fault":
                try:
                    self.reply(200, sim.set(params))
                except ValueError as exc:
                    self.reply(400, f"{exc}\n")
            elif url.path == "/reset":
                self.reply(200, sim.reset())
            else:
                self.reply(404, "POST /fault?error_rate=0.2 or POST /reset\n")

    return Handler


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, action="append", default=[], help="serve every metric on this port")
    parser.add_argument("--serve", action="append", default=[], metavar="ROLE=PORT", help="serve one role (http or queue) on a port")
    parser.add_argument("--host", default="0.0.0.0", help="listen address (default 0.0.0.0; the native demo uses 127.0.0.1)")
    parser.add_argument("--tick", type=float, default=1.0, help="seconds between simulated traffic batches")
    args = parser.parse_args(argv)
    listeners: list[tuple[tuple[str, ...], int]] = [(("http", "queue"), port) for port in args.port]
    for item in args.serve:
        role, _, port = item.partition("=")
        if role not in ("http", "queue") or not port.isdigit():
            parser.error(f"--serve {item}: expected ROLE=PORT with ROLE http or queue, e.g. --serve http=8000")
        listeners.append(((role,), int(port)))
    if not listeners:
        parser.error("give --port N or --serve ROLE=PORT")
    args.listeners = listeners
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sim = Simulator(Metrics())
    servers = [ThreadingHTTPServer((args.host, port), handler_class(sim, roles)) for roles, port in args.listeners]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        roles = "+".join(args.listeners[servers.index(server)][0])
        print(f"demo-app: {roles} metrics on http://{args.host}:{server.server_address[1]}/metrics", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(args.tick):
            sim.step(args.tick)
    except KeyboardInterrupt:
        pass
    for server in servers:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A synthetic exporter on loopback shaped like the spec's services, for tests/bench_rule_cost.py.

/metrics/<job> serves about 40,000 series in total: API instances x endpoints x status codes, 12-bucket
histograms, hosts x CPUs x modes, containers, databases and queues, shaped so that no job holds more than a
quarter of them (`shares()`; one dominant job would make the ratio of the whole its ratio alone). Counters grow
at a fixed rate per second.
The SLO SLIs read the api's http_requests_total (status_code 5xx among the codes) and
http_request_duration_seconds_bucket{le="0.5"} / _count; tests/test_bench_slo.py checks that every raw selector
of the spec's SLIs matches series served here, so the SLO rules evaluate real data.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LE = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")
CODES = ("200", "201", "204", "400", "404", "500")
SHAPE = {"api_instances": 14, "handlers": 32, "hosts": 100, "cpus": 8, "container_hosts": 100, "containers": 15}
SHAPE |= {"databases": 500, "queues": 1000}


def _series(job: str) -> Iterator[tuple[str, float, bool]]:
    """(series text, per-second rate or gauge value, is_counter) for one scrape job."""
    s = SHAPE
    if job == "api":
        for i in range(s["api_instances"]):
            inst = f'instance="api-{i}:8000"'
            for h in range(s["handlers"]):
                base = f'job="api", {inst}, handler="/v1/h{h}"'
                for code in CODES:
                    yield f'http_requests_total{{{base}, status_code="{code}"}}', 5.0 if code == "200" else 0.05, True
                for j, le in enumerate(LE):
                    yield f'http_request_duration_seconds_bucket{{{base}, le="{le}"}}', 5.0 * (j + 1) / len(LE), True
                yield f"http_request_duration_seconds_count{{{base}}}", 5.0, True
                yield f"http_request_duration_seconds_sum{{{base}}}", 1.5, True
            for code in ("200", "429", "500", "timeout"):
                yield f'llm_api_requests_total{{job="api", {inst}, status_code="{code}"}}', 1.0, True
            for j, le in enumerate(LE):
                yield f'llm_api_request_duration_seconds_bucket{{job="api", {inst}, le="{le}"}}', (j + 1) / len(LE), True
            yield f'sse_active_connections{{job="api", {inst}}}', 3.0, False
            yield f'recommendations_served_total{{job="api", {inst}}}', 2.0, True
            yield f'llm_quota_used_ratio{{job="api", {inst}}}', 0.4, False
            yield f'llm_tenant_quota_used_ratio{{job="api", {inst}, tenant="t{i % 20}"}}', 0.3, False
    elif job == "node":
        for i in range(s["hosts"]):
            inst = f'job="node", instance="host-{i}:9100"'
            for cpu in range(s["cpus"]):
                for mode in ("idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"):
                    yield f'node_cpu_seconds_total{{{inst}, cpu="{cpu}", mode="{mode}"}}', 0.5 if mode == "idle" else 0.07, True
            yield f"node_memory_MemAvailable_bytes{{{inst}}}", 4e9, False
            yield f"node_memory_MemTotal_bytes{{{inst}}}", 16e9, False
            yield f"node_timex_offset_seconds{{{inst}}}", 0.001, False
            for m, fstype in (("/", "ext4"), ("/data", "xfs"), ("/run", "tmpfs"), ("/boot", "ext4")):
                fs = f'{inst}, mountpoint="{m}", fstype="{fstype}", device="sd{m}"'
                for name, value in (("avail_bytes", 5e10), ("size_bytes", 1e11), ("files_free", 1e6), ("files", 2e6)):
                    yield f"node_filesystem_{name}{{{fs}}}", value, False
            for dev in ("eth0", "eth1", "lo"):
                for name in ("receive_errs", "transmit_errs", "receive_packets", "transmit_packets"):
                    yield f'node_network_{name}_total{{{inst}, device="{dev}"}}', 100.0 if "packets" in name else 0.0, True
    elif job == "cadvisor":
        for i in range(s["container_hosts"]):
            for c in range(s["containers"]):
                base = f'job="cadvisor", instance="host-{i}:8080", name="c{c}"'
                yield f"container_cpu_usage_seconds_total{{{base}}}", 0.2, True
                yield f"container_memory_working_set_bytes{{{base}}}", 2e8, False
                yield f"container_spec_memory_limit_bytes{{{base}}}", 1e9, False
                yield f"container_cpu_cfs_throttled_periods_total{{{base}}}", 0.1, True
                yield f"container_cpu_cfs_periods_total{{{base}}}", 10.0, True
                yield f"container_start_time_seconds{{{base}}}", 1.7e9, False
    elif job == "postgres":
        for i in range(4):
            inst = f'job="postgres", instance="pg-{i}:9187"'
            yield f"pg_up{{{inst}}}", 1.0, False
            yield f"pg_settings_max_connections{{{inst}}}", 200.0, False
            yield f"pg_replication_lag_seconds{{{inst}}}", 1.0, False
            for d in range(s["databases"]):
                yield f'pg_stat_database_numbackends{{{inst}, datname="db{d}"}}', 2.0, False
                yield f'pg_stat_activity_max_tx_duration{{{inst}, datname="db{d}", state="active"}}', 1.0, False
    elif job == "redis":
        for i in range(6):
            inst = f'job="redis", instance="redis-{i}:9121"'
            yield f"redis_up{{{inst}}}", 1.0, False
            yield f"redis_memory_used_bytes{{{inst}}}", 1e8, False
            yield f"redis_memory_max_bytes{{{inst}}}", 1e9, False
            yield f"redis_keyspace_hits_total{{{inst}}}", 90.0, True
            yield f"redis_keyspace_misses_total{{{inst}}}", 10.0, True
    elif job == "worker":
        for q in range(s["queues"]):
            for i in range(4):
                base = f'job="worker", instance="worker-{i}:8001", queue="q{q}"'
                yield f"job_queue_depth{{{base}}}", 10.0, False
                yield f"job_queue_oldest_job_age_seconds{{{base}}}", 5.0, False


JOBS = ("api", "node", "cadvisor", "postgres", "redis", "worker")


def series(job: str) -> list[str]:
    """The series texts (name{labels}) /metrics/<job> serves."""
    return [text for text, _, _ in _series(job)]


def shares() -> dict[str, float]:
    """Each job's share of all series served."""
    counts = {job: sum(1 for _ in _series(job)) for job in JOBS}
    return {job: n / sum(counts.values()) for job, n in counts.items()}


class Exporter:
    """Serves /metrics/<job> on loopback; counters grow at their rate since start."""

    def __init__(self) -> None:
        self.series = {job: list(_series(job)) for job in JOBS}
        self.start = time.time() - 3600
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                job = self.path.rsplit("/", 1)[-1]
                body = exporter.render(job).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.series.values())

    def render(self, job: str) -> str:
        elapsed = time.time() - self.start
        return "".join(f"{name} {value * elapsed if counter else value:.3f}\n" for name, value, counter in self.series.get(job, ()))

    def close(self) -> None:
        self.server.shutdown()

"""Application performance: one row per service of the kinds PostgreSQL, Redis, queue, external API, connections."""

from __future__ import annotations

from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import RATIO, UP_MAPPINGS, Board, Section

KEY = "app-performance"
DESCRIPTION = "One row per dependency: PostgreSQL, Redis, job queues, external APIs and long-lived connections (SSE)."
KINDS = ("postgres", "redis", "queue", "external_api", "connections")
SVC = 'service="{{ service }}"'
JOB = 'job="{{ job }}"'


def exporter_up(s: Section, signal: str, what: str) -> None:
    s.signal(
        signal,
        f"{what} reachable",
        [s.query(f"min({{{{ m.up }}}}{{{JOB}}})", "up")],
        "none",
        "stat",
        width=4,
        height=6,
        mappings=UP_MAPPINGS,
    )


def postgres(s: Section) -> None:
    exporter_up(s, "postgres_down", "PostgreSQL")
    pool = [
        s.query(f"sum by (instance) ({{{{ m.backends }}}}{{{JOB}}})", "{{instance}} connections"),
        s.query(f"max by (instance) ({{{{ m.max_connections }}}}{{{JOB}}})", "{{instance}} max_connections"),
    ]
    s.panel("connections", "Connections vs max_connections", pool, "short")
    s.signal(
        "pool_utilization",
        "Connection pool used",
        [s.query(f"instance:pg_connections:utilisation{{{SVC}}}", "{{instance}}")],
        "percentunit",
        bounds=RATIO,
    )
    slow = s.query(f'max by (instance, datname) ({{{{ m.max_tx_duration }}}}{{{JOB}, state="active"}})', "{{datname}}")
    s.signal("slow_queries", "Longest active transaction (slow queries)", [slow], "s")
    s.signal(
        "replication_lag", "Replication lag", [s.query(f"max by (instance) ({{{{ m.replication_lag }}}}{{{JOB}}})", "{{instance}}")], "s"
    )


def redis(s: Section) -> None:
    exporter_up(s, "redis_down", "Redis")
    memory = [
        s.query(f"max by (instance) ({{{{ m.memory_used }}}}{{{JOB}}})", "{{instance}} used"),
        s.query(f"max by (instance) ({{{{ m.memory_max }}}}{{{JOB}}})", "{{instance}} maxmemory"),
    ]
    s.panel("memory_bytes", "Memory vs maxmemory", memory, "bytes")
    used = s.query(f"instance:redis_memory_used:ratio{{{SVC}}}", "{{instance}}")
    s.signal("memory", "Memory used of maxmemory", [used], "percentunit", bounds=RATIO)
    hits = s.query(f"instance:redis_keyspace_hit:ratio_rate5m{{{SVC}}}", "{{instance}}")
    s.signal("hit_ratio", "Cache hit ratio", [hits], "percentunit", bounds=RATIO)
    s.signal(
        "evictions",
        "Evictions",
        [s.query(f"sum by (instance) (rate({{{{ m.evicted }}}}{{{JOB}}}[$__rate_interval]))", "{{instance}}")],
        "ops",
    )


def queue(s: Section) -> None:
    label = f"{{{{{s.ctx['m']['queue_label']}}}}}"
    s.signal("depth", "Queue depth", [s.query(f"service_queue:{{{{ m.depth }}}}:max{{{SVC}}}", label)], "short")
    s.signal("oldest_age", "Oldest job age", [s.query(f"service_queue:{{{{ m.oldest_age }}}}:max{{{SVC}}}", label)], "s")


def external_api(s: Section) -> None:
    base = "{{ m.requests | base }}"
    s.panel("calls", "Calls", [s.query(f"service:{base}:rate5m{{{SVC}}}", "calls/s")], "reqps")
    status = f"{{{{{s.ctx['m']['status_label']}}}}}"
    s.panel("status_codes", "Calls by status", [s.query(f"service_code:{base}:rate5m{{{SVC}}}", status)], "reqps", stack=True)
    s.signal("error_rate", "Error ratio", [s.query(f"service:{base}_errors:ratio_rate5m{{{SVC}}}", "errors")], "percentunit")
    s.signal(
        "rate_limited", "Rate limited (429) ratio", [s.query(f"service:{base}_rate_limited:ratio_rate5m{{{SVC}}}", "429")], "percentunit"
    )
    s.signal("latency_p95", "Latency p95", [s.query(f"service:{{{{ m.duration }}}}:p95_5m{{{SVC}}}", "p95")], "s")
    if s.ctx["m"].get("quota"):
        s.signal(
            "quota_used", "Quota used", [s.query(f"max({{{{ m.quota }}}}{{{JOB}}})", "quota")], "percentunit", "stat", bounds=RATIO, width=4
        )


def connections(s: Section) -> None:
    active = [s.query(f"service:{{{{ m.active }}}}:sum{{{SVC}}}", "open"), s.query("vector({{ limit }})", "limit")]
    s.panel("active", "Open connections vs limit", active, "short")
    s.signal(
        "utilization",
        "Connections used of limit",
        [s.query(f"service:{{{{ m.active }}}}:sum{{{SVC}}} / {{{{ limit }}}}", "used")],
        "percentunit",
        bounds=RATIO,
    )


LAYOUTS = {"postgres": postgres, "redis": redis, "queue": queue, "external_api": external_api, "connections": connections}
TITLES = {"postgres": "PostgreSQL", "redis": "Redis", "queue": "Queue", "external_api": "External API", "connections": "Connections"}


def variables(board: Board) -> list[Variable]:
    names = tuple(s.name for s in board.services(*KINDS))
    return [Variable("service", "Service", values=names)] if names else []


def rows(board: Board) -> None:
    board.firing_overview()
    for service in board.services(*KINDS):
        s = board.section(service)
        s.targets()
        LAYOUTS[service.kind](s)
        board.add(f"{TITLES[service.kind]}: {service.name} ({service.team})", service.name, s.rest())
    board.leftovers()

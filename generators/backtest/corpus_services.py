"""The example spec's services as scrape targets, with the corpus' benign and incident traces written in.

The timetable (hours after the corpus start, a Monday 00:00 UTC) is the module's constants: day one
is benign only, the incidents follow, the 2x latency burn runs from hour 24 to the end.
"""

from __future__ import annotations

import numpy as np

from generators.backtest.corpus_series import Array, Mask, Target, Timeline, counter, ramp, rng, wander

# benign traces
DEPLOY_H = 10.0  # api deploy: one failed scrape, counters reset, 30s of 15% errors, 60s of slow requests, container restart
API_GAP_H = 15.0  # api: two scrapes missing
NODE_FAIL_H = 16.0  # node: three failed scrapes
POSTGRES_FAIL_H = 17.0  # postgres: one failed scrape
REDIS_RESET_H = 14.0  # redis restart: its counters reset
REDIS_GAP_H = 20.0  # redis: three scrapes missing
# incidents
ERROR_STEP = (27.0, 27 + 20 / 60)  # api 5xx ratio 8%
LATENCY_TAIL = (30.0, 30.5)  # 2% of api requests take 5-10s
WORKER_DOWN = (33.0, 33 + 10 / 60)  # worker target down
DISK_FILL = (36.0, 37.5, 38.5)  # /data from 45% free to 2% over 90 minutes, cleaned up at 38:30
CERT = (40.0, 41.0)  # a renewal deployed a certificate valid for 5 days
FAST_BURN = (44.0, 45.5)  # 7.56% api errors: 14.4x the availability budget (0.5%) + 5%, so the 1h ratio clears 7.2%
SLOW_BURN = (24.0, 72.0)  # 10% of api requests over 0.5s: 2x the latency budget (5%)

BUCKETS = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")
BASE_LATENCY = np.array([0.30, 0.35, 0.20, 0.14, 0.007, 0.002, 0.001, 0.0, 0.0])  # share of requests per bucket
HANDLERS = (("/api/items", 0.7), ("/api/orders", 0.3))


def _latency(tl: Timeline) -> Array:
    """Per scrape, the share of requests in each bucket (rows sum to 1)."""
    shares = np.tile(BASE_LATENCY, (tl.n, 1))

    def move(mask: Mask, share: float, bucket: int) -> None:
        shares[mask] *= 1 - share
        shares[mask, bucket] += share

    i = tl.index(DEPLOY_H)
    deploy = np.zeros(tl.n, dtype=bool)
    deploy[i + 1 : i + 5] = True
    move(deploy, 0.2, 5)  # 60s after the restart: 20% at 1-2.5s
    move(tl.window(*LATENCY_TAIL), 0.02, 7)
    move(tl.window(*SLOW_BURN), (0.10 - 0.01) / (1 - 0.01), 4)  # 1% of requests are slow anyway
    return shares


def api(tl: Timeline) -> tuple[Target, dict[str, Array]]:
    """api:8000 serves the api, llm-provider, sse and recommendations metrics; also returns the SLI increments."""
    t = Target("api", "api:8000", tl, offset_ms=2_300)
    season = tl.season()
    deploy = tl.index(DEPLOY_H) + 1
    error = np.full(tl.n, 0.001)
    error[deploy : deploy + 2] = 0.15
    error[tl.window(*ERROR_STEP)] = 0.08
    error[tl.window(*FAST_BURN)] = 1.05 * 14.4 * 0.005
    shares = _latency(tl)
    sli = {"total": np.zeros(tl.n), "bad": np.zeros(tl.n), "slow": np.zeros(tl.n), "tail": np.zeros(tl.n)}
    for handler, share in HANDLERS:
        r = rng("api", handler)
        n = r.poisson(20 * season * share * tl.step_s).astype(np.float64)
        bad = r.binomial(n.astype(np.int64), error).astype(np.float64)
        not_found = r.binomial((n - bad).astype(np.int64), 0.02).astype(np.float64)
        for code, incr in (("200", n - bad - not_found), ("404", not_found), ("500", bad)):
            t.add("http_requests_total", counter(incr, [deploy]), handler=handler, status_code=code)
        per_bucket = r.multinomial(n.astype(np.int64), shares).astype(np.float64)
        cumulative = np.cumsum(per_bucket, axis=1)
        for b, le in enumerate(BUCKETS):
            t.add("http_request_duration_seconds_bucket", counter(cumulative[:, b], [deploy]), handler=handler, le=le)
        t.add("http_request_duration_seconds_count", counter(n, [deploy]), handler=handler)
        sli["total"] += n
        sli["bad"] += bad
        sli["slow"] += n - cumulative[:, BUCKETS.index("0.5")]
        sli["tail"] += n - cumulative[:, BUCKETS.index("5")]
    r = rng("llm")
    llm = r.poisson(2 * season * tl.step_s).astype(np.float64)
    limited = r.binomial(llm.astype(np.int64), 0.035).astype(np.float64)  # benign: rate limited near its 5% threshold
    failed = r.binomial((llm - limited).astype(np.int64), 0.005).astype(np.float64)
    for code, incr in (("200", llm - limited - failed), ("429", limited), ("500", failed)):
        t.add("llm_api_requests_total", counter(incr, [deploy]), status_code=code)
    t.add("llm_quota_used_ratio", ramp(tl, 0, tl.hours, 0.30, 0.85))  # benign: a slow ramp that stays under 90%
    t.add("llm_tenant_quota_used_ratio", np.clip(0.87 + wander("acme", tl.n, 0.02, 4), 0, 1), tenant="acme")  # jitters at 90%
    t.add("llm_tenant_quota_used_ratio", 0.1, tenant="globex")
    t.add("recommendations_served_total", counter(rng("recommendations").poisson(16 * season * tl.step_s).astype(np.float64), [deploy]))
    sse = 600 + 200 * (season - 1) + rng("sse").normal(0, 15, tl.n)
    sse[deploy : deploy + 8] *= np.linspace(0, 1, 8)  # reconnecting after the deploy
    t.add("sse_active_connections", np.round(np.maximum(sse, 0)))
    t.fail(DEPLOY_H, 1)
    t.gap(API_GAP_H, 2)
    return t, sli


def worker(tl: Timeline) -> Target:
    t = Target("worker", "worker:8001", tl, offset_ms=7_100)
    t.add("job_queue_depth", np.round(np.maximum(930 + wander("depth", tl.n, 45, 20), 0)), queue="default")  # drifts around 1000
    t.add("job_queue_depth", np.round(12 + rng("emails").normal(0, 4, tl.n).clip(-12, None)), queue="emails")
    t.add("job_queue_oldest_job_age_seconds", 150 + rng("age").normal(0, 40, tl.n).clip(-140, None), queue="default")
    t.add("job_queue_oldest_job_age_seconds", 15 + rng("age-emails").normal(0, 5, tl.n).clip(-14, None), queue="emails")
    t.down(*WORKER_DOWN)
    return t


def postgres(tl: Timeline) -> Target:
    t = Target("postgres", "postgres-exporter:9187", tl, offset_ms=11_700)
    t.add("pg_up", 1.0)
    t.add("pg_stat_database_numbackends", np.round(25 + 12 * (tl.season() - 1) + rng("pg").normal(0, 3, tl.n)), datname="app")
    t.add("pg_stat_database_numbackends", 2.0, datname="postgres")
    t.add("pg_settings_max_connections", 100.0)
    t.add("pg_stat_activity_max_tx_duration", rng("pg-tx").exponential(4, tl.n), datname="app", state="active")
    t.add("pg_replication_lag_seconds", rng("pg-lag").exponential(0.8, tl.n))
    t.fail(POSTGRES_FAIL_H, 1)
    return t


def redis(tl: Timeline) -> Target:
    t = Target("redis", "redis-exporter:9121", tl, offset_ms=4_900)
    r, season = rng("redis"), tl.season()
    calls = r.poisson(200 * season * tl.step_s).astype(np.float64)
    hits = r.binomial(calls.astype(np.int64), 0.92).astype(np.float64)
    reset = tl.index(REDIS_RESET_H)
    t.add("redis_up", 1.0)
    t.add("redis_keyspace_hits_total", counter(hits, [reset]))
    t.add("redis_keyspace_misses_total", counter(calls - hits, [reset]))
    t.add("redis_memory_max_bytes", 2.0 * 2**30)
    t.add("redis_memory_used_bytes", np.round((0.4 + rng("redis-mem").normal(0, 0.01, tl.n)) * 2 * 2**30))
    t.gap(REDIS_GAP_H, 3)
    return t


def host(tl: Timeline) -> Target:
    t = Target("node", "node-exporter:9100", tl, offset_ms=9_400)
    use = 0.2 + 0.25 * (tl.season() - 0.4) / 1.2
    for cpu in ("0", "1"):
        u = np.clip(use + rng("cpu", cpu).normal(0, 0.03, tl.n), 0.01, 0.99) * tl.step_s
        for mode, incr in (("idle", tl.step_s - u), ("user", 0.7 * u), ("system", 0.3 * u)):
            t.add("node_cpu_seconds_total", 1e6 + counter(incr), cpu=cpu, mode=mode)
    total = 16.0 * 2**30
    t.add("node_memory_MemTotal_bytes", total)
    t.add("node_memory_MemAvailable_bytes", np.round(total * (1 - ramp(tl, 0, tl.hours, 0.40, 0.68) + rng("mem").normal(0, 0.004, tl.n))))
    start, full, clean = DISK_FILL
    data_free = ramp(tl, start, full, 0.45, 0.02) + rng("disk").normal(0, 0.0005, tl.n)
    data_free[tl.hour >= clean] = 0.60
    for mount, fstype, device, size, free in (
        ("/", "ext4", "/dev/sda1", 100e9, ramp(tl, 0, tl.hours, 0.55, 0.45)),  # benign: fills slowly, never within a day
        ("/data", "xfs", "/dev/sdb1", 500e9, data_free),
        ("/run", "tmpfs", "tmpfs", 1e9, np.zeros(tl.n)),  # full, and excluded by the rules' fstype filter
    ):
        labels = {"mountpoint": mount, "fstype": fstype, "device": device}
        t.add("node_filesystem_size_bytes", size, **labels)
        t.add("node_filesystem_avail_bytes", np.round(size * free), **labels)
        t.add("node_filesystem_files", 6e6, **labels)
        t.add("node_filesystem_files_free", 5.4e6, **labels)
    packets = rng("net").poisson(1000 * tl.season() * tl.step_s).astype(np.float64)
    for direction in ("receive", "transmit"):
        t.add(f"node_network_{direction}_packets_total", 5e8 + counter(packets), device="eth0")
        t.add(f"node_network_{direction}_errs_total", 3.0, device="eth0")
    t.add("node_timex_offset_seconds", rng("timex").normal(0, 0.002, tl.n))
    t.fail(NODE_FAIL_H, 3)
    return t


def containers(tl: Timeline) -> Target:
    t = Target("cadvisor", "cadvisor:8080", tl, offset_ms=13_300)
    booted = (tl.start_ms / 1000) - 3 * 86400
    for name in ("api", "worker", "postgres", ""):  # name="" is the root cgroup, which the rules leave out
        cpu = 0.3 * tl.season() * tl.step_s * (1 + rng("ccpu", name).normal(0, 0.05, tl.n))
        t.add("container_cpu_usage_seconds_total", 1e4 + counter(cpu), name=name)
        t.add("container_cpu_cfs_periods_total", 1e6 + counter(np.full(tl.n, 10.0 * tl.step_s)), name=name)
        t.add("container_cpu_cfs_throttled_periods_total", 5e4 + counter(np.full(tl.n, 0.5 * tl.step_s)), name=name)
        t.add("container_spec_memory_limit_bytes", 2.0**30, name=name)
        t.add("container_memory_working_set_bytes", np.round(2**29 * (1 + rng("cmem", name).normal(0, 0.02, tl.n))), name=name)
        start = np.full(tl.n, booted)
        if name == "api":
            start[tl.index(DEPLOY_H) + 1 :] = tl.ms(DEPLOY_H) / 1000  # the deploy restarted it once
        t.add("container_start_time_seconds", start, name=name)
    return t


def probes(tl: Timeline) -> list[Target]:
    out = []
    for url, days in (("https://example.com", 80), ("https://api.example.com/healthz", 60)):
        t = Target("blackbox", url, tl, offset_ms=5_500)
        expiry = np.full(tl.n, tl.start_ms / 1000 + days * 86400)
        if "api." in url:
            bad = tl.window(*CERT)
            expiry[bad] = tl.ms(CERT[0]) / 1000 + 5 * 86400
        t.add("probe_success", 1.0)
        t.add("probe_duration_seconds", 0.15 + rng("probe", url).exponential(0.05, tl.n))
        t.add("probe_ssl_earliest_cert_expiry", expiry)  # absolute: the rule compares it with time()
        out.append(t)
    return out


def stack(tl: Timeline) -> list[Target]:
    prom = Target("prometheus", "localhost:9090", tl, offset_ms=1_000)
    prom.add("prometheus_build_info", 1.0, version="2.42.0")
    prom.add("prometheus_config_last_reload_successful", 1.0)
    prom.add("prometheus_notifications_errors_total", 0.0, alertmanager="http://alertmanager-1:9093/api/v2/alerts")
    prom.add("prometheus_notifications_sent_total", counter(np.full(tl.n, 1.5)), alertmanager="http://alertmanager-1:9093/api/v2/alerts")
    prom.add("prometheus_rule_evaluation_failures_total", 0.0, rule_group="api")
    prom.add("prometheus_rule_group_interval_seconds", 15.0, rule_group="api")
    prom.add("prometheus_rule_group_last_duration_seconds", 0.02 + rng("rg").exponential(0.01, tl.n), rule_group="api")
    prom.add("prometheus_tsdb_compactions_failed_total", 0.0)
    out = [prom]
    for peer, offset in (("alertmanager-1:9093", 3_000), ("alertmanager-2:9093", 8_000)):
        am = Target("alertmanager", peer, tl, offset_ms=offset)
        am.add("alertmanager_build_info", 1.0, version="0.25.0")
        am.add("alertmanager_config_last_reload_successful", 1.0)
        for integration in ("email", "pagerduty", "slack", "webhook"):
            am.add("alertmanager_notifications_total", counter(np.full(tl.n, 0.25)), integration=integration)
            am.add("alertmanager_notifications_failed_total", 0.0, integration=integration)
        out.append(am)
    push = Target("pushgateway", "pushgateway:9091", tl, offset_ms=12_000)
    push.add("push_time_seconds", tl.start_ms / 1000, job="batch")
    out.append(push)
    return out

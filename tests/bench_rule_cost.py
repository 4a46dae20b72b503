"""Rule-evaluation cost: generated rules (recordings + alerts) against naive ones, group by group.

`make bench` runs `python -m tests.bench_rule_cost`. One real Prometheus (Debian binary) on loopback scrapes a
synthetic exporter shaped like the spec's services (tests/synthetic_exporter.py: no scrape job holds more than a
quarter of the series) and evaluates, side by side in the same process:
  - the generated groups, exactly as rendered into prometheus/rules/ (rules.group(), slo_rules.group()), and
  - naive twins, written as a person would without recordings: each alert once per severity with every
    recording inlined and no escalation copies (an escalation is one more tier of the same rule, which a
    hand-written set does not have); for the SLO groups, the multi-window burn-rate alerts of the SRE workbook
    over the raw series (`sum(rate(bad[1h])) / sum(rate(total[1h])) > 14.4 x budget and ... [5m]`), without
    the budget and window recordings (tests/bench_slo.py).
It reads prometheus_rule_group_last_duration_seconds per group from Prometheus' /metrics over several
evaluation cycles and prints, per group, generated and naive milliseconds and their ratio. Targets (printed, the
exit code is 1 when one is missed): total generated <= 0.4x naive, every group <= 1.0x its twin, no generated
group > 5% of its interval. Bounded: about 4 minutes, loopback only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from generators.model import conventions
from generators.model.types import Model
from generators.model.values import parse_duration
from generators.outputs.prometheus import rules
from generators.pipeline import spec, writer
from tests import bench_slo
from tests.synthetic_exporter import JOBS, Exporter, shares

ROOT = Path(__file__).resolve().parent.parent
SCRAPE_INTERVAL = "10s"
WARMUP_S = 50  # two scrapes in every rate window before the first sample
BENCH_INTERVAL = 30  # s: groups are spread over it by Prometheus, so the heavy ones rarely share the 2 cores
MEASURE_S = 150  # every group evaluates about 5 times in this window
TARGET_RATIO = 0.4  # all groups together, generated / naive
TARGET_GROUP = 1.0  # every group against its own twin
TARGET_SHARE = 0.05


# -- naive equivalents -------------------------------------------------------------------------------------
def _selector(record: str) -> re.Pattern[str]:
    return re.compile(re.escape(record) + r"(?:\{([^}]*)\})?(?![\w:])")


_RAW_SELECTOR = re.compile(r'\{(job="[^"]*")')


def _expand(definition: str, matchers: str | None) -> str:
    """The definition, with the caller's extra matchers (all but service=) pushed into its raw selectors."""
    extra = [
        m.strip() for m in (matchers or "").split(",") if m.strip() and not m.strip().startswith("service=") and m.strip() not in definition
    ]
    if extra:
        definition = _RAW_SELECTOR.sub(lambda m: "{" + ", ".join([m.group(1), *extra]), definition)
    return f"({definition})"


def inline(expr: str, recordings: dict[str, str]) -> str:
    """Replace every recorded series in expr by its (recursively inlined) defining expression."""
    for _ in range(10):
        before = expr
        for record, definition in recordings.items():
            expr = _selector(record).sub(lambda m, d=definition: _expand(d, m.group(1)), expr)
        if expr == before:
            return expr
    raise ValueError(f"recording rules nest too deep in {expr}")


def naive_groups(model: Model) -> list[dict[str, Any]]:
    """Per service: its alerts once per severity, recordings inlined, escalation copies left out; then the SLO
    groups' hand-written twins."""
    out = []
    for service in model.services:
        group = rules.group(service)
        recordings = {r["record"]: r["expr"] for r in group["rules"] if "record" in r}
        alerts = [
            {**r, "expr": inline(r["expr"], recordings)}
            for r in group["rules"]
            if "alert" in r and conventions.ESCALATION not in r.get("labels", {})
        ]
        if alerts:
            out.append({"name": f"{service.name}-naive", "rules": alerts})
    return out + bench_slo.naive_groups(bench_slo.groups(model))


# -- running Prometheus ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return str(response.read().decode())


def wait_ready(url: str, deadline: float) -> None:
    while time.time() < deadline:
        try:
            _get(f"{url}/-/ready", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not become ready")


def prometheus_config(model: Model, exporter_port: int) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": f"{BENCH_INTERVAL}s"},
        "rule_files": ["generated/*.yml", "naive/*.yml"],
        "scrape_configs": [
            {
                "job_name": job,
                "honor_labels": True,
                "metrics_path": f"/metrics/{job}",
                "scrape_timeout": SCRAPE_INTERVAL,
                "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}],
            }
            for job in JOBS
        ],
    }


def _gauge(name: str) -> re.Pattern[str]:
    return re.compile(rf'^{name}\{{rule_group="[^;"]*;([^"]+)"\}} (\S+)$', re.M)


_DURATION = _gauge("prometheus_rule_group_last_duration_seconds")
_LAST_EVAL = _gauge("prometheus_rule_group_last_evaluation_timestamp_seconds")
_HEAD = re.compile(r"^prometheus_tsdb_head_series (\S+)$", re.M)


def _print_costliest(groups: list[dict[str, Any]], top: int = 6) -> None:
    """The rules that cost most in their last evaluation (from /api/v1/rules), to see where the time goes."""
    costs = sorted(((r["evaluationTime"], g["name"], r["name"]) for g in groups for r in g["rules"]), reverse=True)[:top]
    print("costliest rules (last evaluation):")
    for seconds, group, name in costs:
        print(f"  {seconds * 1000:9.1f} ms  {group}: {name}")


def parts(group: dict[str, Any]) -> tuple[float, float, float]:
    """(recordings, alert rules, escalation copies) seconds of one group's last evaluation (/api/v1/rules)."""
    out = [0.0, 0.0, 0.0]
    for rule in group["rules"]:
        kind = 0 if rule["type"] == "recording" else 2 if conventions.ESCALATION in rule.get("labels", {}) else 1
        out[kind] += rule["evaluationTime"]
    return out[0], out[1], out[2]


def active(group: dict[str, Any]) -> int:
    """Pending or firing alerts of a group (/api/v1/rules): Prometheus expands every label and annotation
    template of each one at every evaluation, so an escalation copy of an active alert costs what its base does."""
    return sum(len(rule.get("alerts") or ()) for rule in group["rules"] if rule["type"] == "alerting")


def _print_parts(groups: list[dict[str, Any]]) -> None:
    """Where each generated group's time goes, next to its twin (last evaluation): what a reshape could remove."""
    naive = {g["name"].removesuffix("-naive"): g for g in groups if g["name"].endswith("-naive")}
    print(f"{'last evaluation, ms':<26}{'recordings':>12}{'alerts':>9}{'escalation':>12}{'naive':>9}{'active alerts':>15}")
    for group in sorted((g for g in groups if g["name"] in naive), key=lambda g: -sum(parts(naive[g["name"]]))):
        rec, alerts, esc = parts(group)
        twin = naive[group["name"]]
        counts = f"{active(group)} / {active(twin)}"
        print(f"{group['name']:<26}{rec * 1000:>12.2f}{alerts * 1000:>9.2f}{esc * 1000:>12.2f}{sum(parts(twin)) * 1000:>9.2f}{counts:>15}")


def generated_groups(model: Model) -> list[dict[str, Any]]:
    """The service groups with rules (rules.group()), then the SLO groups (slo_rules.group()), as rendered."""
    return [g for s in model.services if (g := rules.group(s))["rules"]] + bench_slo.groups(model)


def measure(model: Model, tmp: Path, deadline: float) -> tuple[dict[str, list[float]], int, bool]:
    """Every last-duration per group seen in the measuring window (one per evaluation), the head series count,
    and whether every SLO recording returned series (bench_slo.check, run while Prometheus is still up)."""
    for name, groups in (("generated", generated_groups(model)), ("naive", naive_groups(model))):
        (tmp / name).mkdir()
        for group in groups:
            (tmp / name / f"{group['name']}.yml").write_bytes(writer.serialize("x.yml", {"groups": [group]}))
    exporter = Exporter()
    port = free_port()
    (tmp / "prometheus.yml").write_bytes(writer.serialize("prometheus.yml", prometheus_config(model, exporter.port)))
    cmd = [
        shutil.which("prometheus") or "prometheus",
        f"--config.file={tmp / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1h",
        "--log.level=warn",
    ]
    log = (tmp / "prometheus.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, deadline)
        mix = ", ".join(f"{job} {share:.0%}" for job, share in sorted(shares().items(), key=lambda js: -js[1]))
        print(f"synthetic series exposed: {exporter.count} ({mix}); warming up {WARMUP_S}s ...", flush=True)
        time.sleep(WARMUP_S)
        evaluations: dict[str, dict[str, float]] = {}  # group -> {evaluation timestamp: duration}
        end = min(time.time() + MEASURE_S, deadline)
        text = ""
        while time.time() < end:
            text = _get(f"{url}/metrics")
            stamps = dict(_LAST_EVAL.findall(text))
            for group, value in _DURATION.findall(text):
                if float(stamps.get(group, 0)) > 0:
                    evaluations.setdefault(group, {})[stamps[group]] = float(value)
            time.sleep(5)
        head = _HEAD.search(text)
        api_groups = json.loads(_get(f"{url}/api/v1/rules"))["data"]["groups"]
        _print_costliest(api_groups)
        _print_parts(api_groups)
        counts = sorted({len(v) for v in evaluations.values()})
        print(f"evaluations per group: {counts[0]}..{counts[-1]}")
        interval = float(parse_duration(model.stack.evaluation_interval))
        try:
            slo_ok = bench_slo.check(url, bench_slo.groups(model), step_s=interval, interval=interval)
        except (OSError, KeyError, ValueError) as error:  # keep the tables below: they are what the run is for
            print(f"SLO check failed: {error!r}")
            slo_ok = False
        return {g: sorted(v.values()) for g, v in evaluations.items()}, int(float(head.group(1))) if head else 0, slo_ok
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        exporter.close()


def split(durations: dict[str, float], slo_names: set[str]) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """(service groups, SLO groups, naive groups by their service's name) from durations per rule group name."""
    service = {g: d for g, d in durations.items() if not g.endswith("-naive") and g not in slo_names}
    slo = {g: d for g, d in durations.items() if g in slo_names}
    naive = {g.removesuffix("-naive"): d for g, d in durations.items() if g.endswith("-naive")}
    return service, slo, naive


def targets(
    service: dict[str, float], slo: dict[str, float], naive: dict[str, float], interval: float
) -> tuple[float, list[str], str, float]:
    """(generated/naive over all groups, the groups dearer than their twin, slowest generated group, its share)."""
    generated = {**service, **slo}
    paired = [g for g in generated if naive.get(g)]
    total_n = sum(naive[g] for g in paired)
    ratio = sum(generated[g] for g in paired) / total_n if total_n else float("inf")
    dearer = sorted((g for g in paired if generated[g] > TARGET_GROUP * naive[g]), key=lambda g: -generated[g] / naive[g])
    worst = max(generated, key=lambda g: generated[g])
    return ratio, dearer, worst, generated[worst] / interval


def _total(label: str, generated: dict[str, float], naive: dict[str, float]) -> None:
    g, n = sum(generated.values()), sum(naive.get(k, 0) for k in generated)
    print(f"{label:<26}{g * 1000:>14.2f}{n * 1000:>12.2f}{(f'{g / n:.2f}' if n else '-'):>8}")


def report(durations: dict[str, float], interval: float, head: int, slo_names: set[str]) -> bool:
    """Print the table; True when every target is met. Shares are against the spec's evaluation_interval."""
    service, slo, naive = split(durations, slo_names)
    print(f"head series in Prometheus: {head}")
    print(f"{'group':<26}{'generated ms':>14}{'naive ms':>12}{'ratio':>8}")
    for group in sorted(service, key=lambda g: -naive.get(g, 0)) + sorted(slo):
        generated, n = {**service, **slo}[group], naive.get(group)
        print(f"{group:<26}{generated * 1000:>14.2f}{(f'{n * 1000:.2f}' if n else '-'):>12}{(f'{generated / n:.2f}' if n else '-'):>8}")
    ratio, dearer, worst, share = targets(service, slo, naive, interval)
    _total("total (service groups)", service, naive)
    _total("total (SLO groups)", slo, naive)
    _total("total", {**service, **slo}, naive)
    print(f"cost ratio generated/naive, all groups: {ratio:.2f} (target <= {TARGET_RATIO})")
    print(
        f"groups dearer than their naive twin (target: none above {TARGET_GROUP:.1f}x): "
        + (", ".join(f"{g} {durations[g] / naive[g]:.2f}x" for g in dearer) or "none")
    )
    print(
        f"slowest generated group (SLO groups included): {worst} {durations[worst] * 1000:.1f} ms = {share:.1%} of {interval:g}s "
        f"(target <= {TARGET_SHARE:.0%})"
    )
    if slo:
        slowest = max(slo, key=lambda g: slo[g])
        print(
            f"slowest SLO group: {slowest} {slo[slowest] * 1000:.1f} ms = {slo[slowest] / interval:.1%} of {interval:g}s "
            "(a lower bound: its long ranges hold minutes of data in this run)"
        )
    worst_naive = max(naive, key=lambda g: naive[g])
    print(
        f"slowest naive group: {worst_naive}-naive {naive[worst_naive] * 1000:.1f} ms = {naive[worst_naive] / interval:.1%} of {interval:g}s"
    )
    return ratio <= TARGET_RATIO and not dearer and share <= TARGET_SHARE


def main() -> int:
    if shutil.which("prometheus") is None:
        print("prometheus is not installed (apt-get install -y prometheus)", file=sys.stderr)
        return 2
    model, _ = spec.load(ROOT / "monitoring.yaml")
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp:
        samples, head, slo_ok = measure(model, Path(tmp), deadline=started + 280)
    interval = float(parse_duration(model.stack.evaluation_interval))
    slo_names = {g["name"] for g in bench_slo.groups(model)}
    print("-- median evaluation per group (what a busy 2-core host sees)")
    report({g: statistics.median(v) for g, v in samples.items()}, interval, head, slo_names)
    print("-- fastest evaluation per group (intrinsic cost, least disturbed by other processes; the targets use this)")
    ok = report({g: min(v) for g, v in samples.items()}, interval, head, slo_names) and slo_ok
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall-clock durations include CPU contention)")
    verdict = "targets met" if ok else "TARGET MISSED" + ("" if slo_ok else " (SLO recordings without series)")
    print(f"benchmark took {time.time() - started:.0f}s: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

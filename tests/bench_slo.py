"""The SLO rule groups in the rule-cost benchmark (tests/bench_rule_cost.py): generated side only.

The SLO groups (generators/slo_rules.py) have no naive twin: their recordings are the SLI windows themselves.
Their long-window recordings run sum_over_time over the 5m recordings for up to the SLO window (30d). The
benchmark runs for minutes, so those ranges hold minutes of data and the cost it measures for them is a lower
bound. This module checks that the SLO recordings return series in the running Prometheus, times one instant
query of the heaviest SLO expression, and extrapolates the full-window cost from the samples a full window
reads (`samples_per_evaluation`) and the per-sample cost this Prometheus shows on a raw-series probe query.
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.parse
import urllib.request
from typing import Any

from generators.model.types import Model
from generators.model.values import parse_duration
from generators.outputs.prometheus import slo_rules

_RANGE = re.compile(r"\[(\d+[smhdwy])\]")
_RECORDING_RANGE = re.compile(r"slo:[\w:]+\{[^}]*\}\[(\d+[smhdwy])\]")
# Raw series the SLIs read (the exporter serves them): ~15k series x 30 samples over 5m at a 10s scrape.
PROBE = 'sum(sum_over_time(http_requests_total{job="api"}[5m]))'


def groups(model: Model) -> list[dict[str, Any]]:
    """One group per SLO, exactly as rendered into prometheus/rules/slo-*.rules.yml."""
    return [slo_rules.group(slo) for slo in model.slos]


_WINDOW_RATIO = re.compile(r'slo:sli_error:ratio_rate(\w+)\{slo="[^"]*"\}')


def naive_groups(slo_groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hand-written twins: each burn-rate alert over the raw series, one ratio of rates per window as in the SRE
    workbook (`(sum(rate(bad[1h])) or vector(0)) / sum(rate(total[1h])) > 0.072 and ... [5m] ...`), no recordings."""
    out = []
    for group in slo_groups:
        by_record = {r["record"]: r["expr"] for r in group["rules"] if "record" in r}
        bad, total = by_record["slo:sli_bad:rate5m"], by_record["slo:sli_total:rate5m"]

        def window(match: re.Match[str], bad: str = bad, total: str = total) -> str:
            span = f"[{match.group(1)}]"
            return f"(({bad.replace('[5m]', span)}) / ({total.replace('[5m]', span)}))"

        alerts = [{**r, "expr": _WINDOW_RATIO.sub(window, r["expr"])} for r in group["rules"] if "alert" in r]
        out.append({"name": f"{group['name']}-naive", "rules": alerts})
    return out


def _ranges(expr: str) -> list[int]:
    return [int(parse_duration(r)) for r in _RANGE.findall(expr)]


def heaviest(slo_groups: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """(group name, rule) of the rule with the longest total range read (the SLO-window recording)."""
    return max(((g["name"], r) for g in slo_groups for r in g["rules"]), key=lambda gr: sum(_ranges(gr[1]["expr"])))


def samples_per_evaluation(group: dict[str, Any], step_s: float) -> int:
    """Samples the group's ranges over its 5m recordings read per evaluation once they hold data recorded every step_s.

    Each such range selects one series (the recording with its slo label), so a [30d] range at 15s steps reads
    30 x 86,400 / 15 = 172,800 samples. The [5m] ranges over raw series (the SLI rates) are left out: the
    benchmark measures those directly (over the minutes of raw data it has).
    """
    return sum(math.floor(int(parse_duration(span)) / step_s) for rule in group["rules"] for span in _RECORDING_RANGE.findall(rule["expr"]))


def recorded_counts(series: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(recording name, slo label) -> number of series, from an instant query's result list."""
    counts: dict[tuple[str, str], int] = {}
    for item in series:
        key = (item["metric"].get("__name__", ""), item["metric"].get("slo", ""))
        counts[key] = counts.get(key, 0) + 1
    return counts


def missing(slo_groups: list[dict[str, Any]], counts: dict[tuple[str, str], int]) -> list[str]:
    """The SLO recordings (record{slo="..."}) that returned no series."""
    return [
        f'{r["record"]}{{slo="{r["labels"]["slo"]}"}}'
        for g in slo_groups
        for r in g["rules"]
        if "record" in r and not counts.get((r["record"], r["labels"]["slo"]))
    ]


def query(url: str, expr: str) -> tuple[float, dict[str, Any]]:
    """(client wall seconds, response data incl. stats) of one instant query."""
    started = time.perf_counter()
    with urllib.request.urlopen(f"{url}/api/v1/query?{urllib.parse.urlencode({'query': expr, 'stats': 'all'})}", timeout=60) as response:
        data: dict[str, Any] = json.loads(response.read())["data"]
    return time.perf_counter() - started, data


def _stats(data: dict[str, Any]) -> tuple[float, int]:
    stats = data.get("stats", {})
    return float(stats.get("timings", {}).get("evalTotalTime", 0)), int(stats.get("samples", {}).get("totalQueryableSamples", 0))


def check(url: str, slo_groups: list[dict[str, Any]], step_s: float, interval: float) -> bool:
    """Print what the SLO recordings hold, the heaviest SLO query's cost and the full-window estimate; False when
    an SLO recording returned no series (the SLO rules then evaluated empty selectors and prove nothing)."""
    _, data = query(url, '{__name__=~"slo:.+"}')
    counts = recorded_counts(data["result"])
    records = sum(1 for g in slo_groups for r in g["rules"] if "record" in r)
    nan = sum(1 for item in data["result"] if item["value"][1] == "NaN")
    absent = missing(slo_groups, counts)
    print(f"SLO recordings: {sum(counts.values())} series for {records} recording rules in {len(slo_groups)} SLO groups ({nan} NaN)")
    for line in absent:
        print(f"  no series: {line}")
    name, rule = heaviest(slo_groups)
    wall, data = query(url, rule["expr"])
    seconds, samples = _stats(data)
    print(
        f"heaviest SLO expression ({name}: {rule['record']}), one instant query: {wall * 1000:.1f} ms wall, "
        f"{seconds * 1000:.2f} ms eval, {samples} samples read (minutes of data in its {_ranges(rule['expr'])[0] // 86400}d range)"
    )
    _, data = query(url, PROBE)
    seconds, samples = _stats(data)
    per_sample = seconds / samples if samples else 0.0
    print(f"per-sample cost probe {PROBE}: {seconds * 1000:.1f} ms eval for {samples} samples = {per_sample * 1e9:.0f} ns/sample")
    print(f"SLO long windows hold only minutes of data here: their measured cost is a lower bound. Full windows at {step_s:g}s steps:")
    for group in slo_groups:
        full = samples_per_evaluation(group, step_s)
        estimate = full * per_sample
        print(
            f"  {group['name']}: {full:,} samples per evaluation ~ {estimate * 1000:.1f} ms = {estimate / interval:.1%} of {interval:g}s (estimate)"
        )
    return not absent

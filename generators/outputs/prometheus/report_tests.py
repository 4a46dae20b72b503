"""prometheus/tests/report-<name>.test.yml: promtool tests that predict a report's exact text.

Two cases per report, evaluated one hour past a full period:
- traffic: per service, requests at a known error ratio, a histogram with known buckets, and ALERTS series (one
  page inside the period, one ticket that ended before it, one info alert inside it); every number of the text
  is computed here from those series (gotemplate: Prometheus' humanize functions; histogram_quantile ported),
  and only the page is listed;
- quiet: no series at all, so every content prints its `empty` text.
Series steps are 15m (daily) or 1h (weekly): increase() is exact both with Prometheus 2's closed range and 3's
left-open one. The tests evaluate every 4 steps, eval_time being one of them: the rule has no `for`, and 5m
evaluations over a week take promtool ~30 s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from generators import catalog
from generators.model import conventions, test_series
from generators.model.types import Model, Report, ReportLine, Service
from generators.outputs.prometheus import gotemplate, report_rules

LEAD = 4  # steps of series before the period starts; also the test's evaluation interval


def step(report: Report) -> int:
    """Seconds between test samples: 15m for a day, 1h for a week (168 samples: promtool stays under a second)."""
    return 900 if report.period == "24h" else 3600


BUCKETS = (("0.5", 0.9), ("1", 1.0), ("+Inf", 1.0))  # cumulative share of requests per bucket boundary
_FORMATS: dict[str, Callable[[float], str]] = {
    "humanize": gotemplate.humanize,
    "humanizePercentage": gotemplate.humanize_percentage,
    "humanizeDuration": gotemplate.humanize_duration,
}


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' bucketQuantile for classic buckets (upper bound, cumulative count), +Inf last."""
    rank = q * buckets[-1][1]
    b = next(i for i, (_, count) in enumerate([*buckets[:-1], (0.0, float("inf"))]) if count >= rank)
    if b == len(buckets) - 1:
        return buckets[-2][0]
    start, end, count = (buckets[b - 1][0] if b else 0.0), buckets[b][0], buckets[b][1]
    if b:
        count -= buckets[b - 1][1]
        rank -= buckets[b - 1][1]
    return start + (end - start) * (rank / count)


class _Series:
    """The traffic case's input series and the increments per step they carry (the expectation reads these)."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.rows: list[dict[str, str]] = []
        self.counters: list[tuple[str, dict[str, str], float]] = []  # (metric, labels, increment per step)

    def counter(self, metric: str, labels: dict[str, str], per_step: float) -> None:
        self.counters.append((metric, labels, per_step))
        inner = ", ".join(f'{k}="{v}"' for k, v in labels.items())
        self.rows.append({"series": f"{metric}{{{inner}}}", "values": f"0+{per_step:g}x{self.steps}"})

    def increase(self, metric: str, job: str, label: str | None = None, pattern: str | None = None) -> float:
        return sum(
            inc * (self.steps - LEAD)  # the period is the last steps - LEAD intervals
            for name, labels, inc in self.counters
            if name == metric and labels.get("job") == job and (label is None or re.fullmatch(str(pattern), labels.get(label, "")))
        )


def _feed(series: _Series, i: int, line: ReportLine) -> None:
    m, job, instance = line.context["m"], str(line.context["job"]), f"report-{line.service}"
    if {"error_ratio", "requests"} & set(line.contents):
        bad, good = test_series.bad_status(m["error_status"]), test_series.good_status(m["error_status"])
        base = {"job": job, "instance": instance}
        series.counter(m["requests"], {**base, m["status_label"]: bad}, 1)
        series.counter(m["requests"], {**base, m["status_label"]: good}, 9 + 10 * i)
    if any(c.startswith("latency_") for c in line.contents):
        for le, share in BUCKETS:
            series.counter(f"{m['duration']}_bucket", {"job": job, "instance": instance, "le": le}, share * 10 * (i + 1))


def _alert_rows(line: ReportLine, names: list[str], steps: int) -> list[dict[str, str]]:
    page, ticket = (names + [f"{conventions.camel(line.service)}TestAlert{n}" for n in (1, 2)])[:2]
    base = f'alertstate="firing", service="{line.service}"'
    return [
        {"series": f'ALERTS{{alertname="{page}", {base}, severity="critical"}}', "values": f"_x{steps - 10} 1x4"},
        {"series": f'ALERTS{{alertname="{ticket}", {base}, severity="warning"}}', "values": "1x2"},
        {"series": f'ALERTS{{alertname="{ticket}", {base}, severity="info"}}', "values": f"_x{steps - 10} 1x4"},
    ]


def _value(report: Report, line: ReportLine, content: str, series: _Series | None, alert_names: list[str]) -> str:
    spec = catalog.reports()["contents"][content]
    m, job = line.context["m"], str(line.context["job"])
    value: float | None = None
    if series is None:
        return str(spec["empty"])
    if content == "alerts":
        return alert_names[0] if alert_names else f"{conventions.camel(line.service)}TestAlert1"
    if content in ("error_ratio", "requests"):
        total = series.increase(m["requests"], job)
        bad = series.increase(m["requests"], job, m["status_label"], m["error_status"])
        value = (bad / total if total else None) if content == "error_ratio" else total
    elif content.startswith("latency_"):
        counts = [(float(le), series.increase(f"{m['duration']}_bucket", job, "le", re.escape(le))) for le, _ in BUCKETS]
        value = histogram_quantile(float(spec["quantile"]), counts) if counts[-1][1] else None
    return str(spec["empty"]) if value is None else _FORMATS[spec["format"]](value)


def description(report: Report, series: _Series | None, model: Model) -> str:
    services = {s.name: s for s in model.services}
    lines = []
    for line in report.lines:
        names = _names(services.get(line.service))
        parts = [str(catalog.reports()["contents"][c]["text"]).replace("{}", _value(report, line, c, series, names)) for c in line.contents]
        lines.append(f"{line.service}: " + ", ".join(parts))
    return "\n".join(lines)


def _names(service: Service | None) -> list[str]:
    return sorted({a.name for a in service.alerts})[:1] if service else []


def _case(report: Report, model: Model, traffic: bool) -> dict[str, Any]:
    steps = int(report.every) // step(report) + LEAD
    series = _Series(steps) if traffic else None
    rows: list[dict[str, str]] = []
    if series is not None:
        services = {s.name: s for s in model.services}
        for i, line in enumerate(report.lines):
            _feed(series, i, line)
            if "alerts" in line.contents:
                svc = services.get(line.service)
                rows += _alert_rows(line, sorted({a.name for a in svc.alerts}) if svc else [], steps)
        rows = series.rows + rows
    rule = report_rules.alert_rule(report)
    annotations = {**rule["annotations"], "description": description(report, series, model)}
    return {
        "name": f"{report.alert}: {'the text computed from known series' if traffic else 'every content empty without series'}",
        "interval": f"{step(report) // 60}m",
        "input_series": rows,
        "alert_rule_test": [
            {
                "eval_time": f"{steps * step(report) // 60}m",
                "alertname": report.alert,
                "exp_alerts": [{"exp_labels": report_rules.labels(report), "exp_annotations": annotations}],
            }
        ],
    }


def build(model: Model) -> dict[str, dict[str, Any]]:
    return {
        f"prometheus/{conventions.report_test_file(r.name)}": {
            "rule_files": [f"../{conventions.report_rule_file(r.name)}"],
            "evaluation_interval": f"{LEAD * step(r) // 60}m",  # no `for`: the text at eval_time is the same
            "tests": [_case(r, model, traffic=True), _case(r, model, traffic=False)],
        }
        for r in model.reports
    }

"""prometheus/rules/report-<name>.rules.yml: one always-firing alert per report, its text computed by Prometheus.

The alert's `description` holds one line per service; each content of the line is a `query` in the annotation
template (Prometheus runs it at every evaluation of the group, every conventions.REPORT_INTERVAL), printed with
the content's template function, or the content's `empty` text when the query returns nothing. Alertmanager
sends the text it last received: at most one group interval old. Also the report's runbook.
"""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.model import conventions
from generators.model.types import Model, Report, ReportLine


def go_string(text: str) -> str:
    """A Go template string literal: backslash and quote escaped (the PromQL keeps its own quoting inside)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def query(report: Report, line: ReportLine, content: str) -> str:
    spec = catalog.reports()["contents"][content]
    return catalog.render(spec["expr"], **line.context, period=report.period, quantile=spec.get("quantile", ""))


def _part(report: Report, line: ReportLine, content: str) -> str:
    """One content as a Go template: the query, its value printed, or the empty text."""
    spec = catalog.reports()["contents"][content]
    q = go_string(query(report, line, content))
    if spec["format"] == "list":
        label = spec["label"]
        value = (
            f'{{{{ range $i, $s := query {q} | sortByLabel "{label}" }}}}{{{{ if $i }}}}, {{{{ end }}}}'
            f"{{{{ $s.Labels.{label} }}}}{{{{ else }}}}{spec['empty']}{{{{ end }}}}"
        )
    else:
        value = f"{{{{ with query {q} }}}}{{{{ . | first | value | {spec['format']} }}}}{{{{ else }}}}{spec['empty']}{{{{ end }}}}"
    return str(spec["text"]).replace("{}", value)


def description(report: Report) -> str:
    return "\n".join(f"{line.service}: " + ", ".join(_part(report, line, c) for c in line.contents) for line in report.lines)


def summary(report: Report) -> str:
    return f"{report.title}: the last {report.period} of {', '.join(line.service for line in report.lines)}"


def labels(report: Report) -> dict[str, str]:
    return {conventions.REPORT: report.name, conventions.SEVERITY: conventions.REPORT_SEVERITY}


def alert_rule(report: Report) -> dict[str, Any]:
    return {
        "alert": report.alert,
        "expr": "vector(1)",
        "labels": labels(report),
        "annotations": {
            "summary": summary(report),
            "description": description(report),
            "runbook_url": report.runbook_url,
            "dashboard_url": report.dashboard_url,
        },
    }


def group(report: Report) -> dict[str, Any]:
    return {"name": conventions.report_group(report.name), "interval": conventions.REPORT_INTERVAL, "rules": [alert_rule(report)]}


def schedule(report: Report) -> str:
    """'every day (monday:friday) 09:00-10:00 Europe/Paris' as the runbook and docs say it."""
    window = report.window
    days = f" ({window.weekdays})" if window.weekdays else ""
    every = f"every day{days}" if report.period == "24h" else f"every {window.weekdays}"
    return f"{every}, {window.times} {window.location}"


def runbook(report: Report) -> str:
    lines = [
        f"<!-- {conventions.GENERATED_HEADER} -->",
        f"# {report.alert}",
        "",
        f"The scheduled report `{report.name}` ({report.title}): not an alert. It is sent to `{report.channel}` once "
        f"{schedule(report)}, and covers the last {report.period} of {', '.join(line.service for line in report.lines)}.",
        "",
        "It fires all the time (`expr: vector(1)`, severity `none`, so no severity route and no dashboard count takes it); "
        f"Prometheus computes its text every {conventions.REPORT_INTERVAL} with the queries below. Alertmanager's route "
        f'`{conventions.REPORT}="{report.name}"` sends it only inside the window (`active_time_intervals: '
        f"[{report.window.name}]`) and repeats it after `{report.repeat_interval}` (the period minus the window), "
        "so the first check inside each window sends it and no other check of that window can.",
        "",
        "## When it does not arrive",
        "",
        f'1. Is it firing? `ALERTS{{alertname="{report.alert}"}}` in Prometheus; if not, the rule file '
        f"`prometheus/{conventions.report_rule_file(report.name)}` is not loaded.",
        "2. Is the channel failing? `alertmanager_notifications_failed_total` by integration.",
        '3. Was it silenced? A silence on `report="' + report.name + '"` stops it until it expires.',
        "4. A line reads n/a: the service had no requests in the period, or its series are missing (check its MetricAbsent alert).",
        "",
        "To stop the report, remove it from `reports:` in the spec; to skip one, silence it for that window.",
        "",
        "## Queries",
        "",
    ]
    for line in report.lines:
        lines += [f"### {line.service}", "", "```promql"]
        lines += [f"# {content}\n{query(report, line, content)}" for content in line.contents]
        lines += ["```", ""]
    return "\n".join(lines)


def build(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for report in model.reports:
        out[f"prometheus/{conventions.report_rule_file(report.name)}"] = {"groups": [group(report)]}
        out[f"docs/runbooks/{report.alert}.md"] = runbook(report)
    return out

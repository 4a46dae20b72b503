"""The Alertmanager side of scheduled reports (docs/reports.md): one route and one time interval per report.

The route comes right after the Watchdog's, without `continue`: a report reaches its channel and nothing else
(no severity route, no team route, no maintenance mute: its window is its schedule). `repeat_interval` is the
period minus the window, `active_time_intervals` the window: the first group_interval tick inside each window
sends it, and every later tick of that window is within the repeat interval. No inhibit rule can mute it: they
target severities warning/info, SLO tiers, named alerts, or alerts with an instance, and a report has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.model import conventions
from generators.model.types import Model, Report, TimeInterval


def route(report: Report) -> dict[str, Any]:
    return {
        "matchers": [f'{conventions.REPORT}="{report.name}"'],
        "receiver": report.channel,  # one channel: the receiver named after it (alertmanager_routes.receiver_name)
        "group_by": ["alertname"],
        "group_wait": conventions.REPORT_GROUP_WAIT,
        "group_interval": conventions.REPORT_GROUP_INTERVAL,
        "repeat_interval": report.repeat_interval,
        "active_time_intervals": [report.window.name],
    }


def routes(model: Model) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """(route, channels) per report, in name order."""
    return [(route(r), (r.channel,)) for r in model.reports]


def time_intervals(model: Model) -> list[TimeInterval]:
    return [r.window for r in model.reports]


def expected(model: Model, labels: Mapping[str, str]) -> list[tuple[str, ...]] | None:
    """The channels a report's alert reaches (None: these labels are no report's)."""
    for report in model.reports:
        if labels.get(conventions.REPORT) == report.name:
            return [(report.channel,)]
    return None


def label_sets(model: Model) -> list[dict[str, str]]:
    """Every report alert's labels as Alertmanager receives them (alertname included): route test inputs."""
    return [{"alertname": r.alert, conventions.REPORT: r.name, conventions.SEVERITY: conventions.REPORT_SEVERITY} for r in model.reports]

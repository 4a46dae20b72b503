"""reports: -> model.Report: the schedule derived from the spec, and a located error for every bad value.

The fixture is the golden case tests/cases/reports/spec.yaml; each case changes one line of it. Expected
messages and positions are written from the spec, not copied from a run.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from generators.errors import SpecError
from generators.model import build_model
from generators.model.types import Model
from generators.spec import source
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "cases" / "reports" / "spec.yaml"
GOOD = FIXTURE.read_text()


def load(text: str) -> Model:
    return build_model.build(source.load("spec.yaml", text.encode()))[0]


def mutate(old: str, new: str) -> str:
    assert old in GOOD, f"fixture no longer contains {old!r}"
    return GOOD.replace(old, new, 1)


def errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(text)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_fixture_maps_to_two_reports_with_their_schedule() -> None:
    daily, weekly = load(GOOD).reports
    assert (daily.name, daily.alert, daily.title, daily.channel) == (
        "daily-errors",
        "DailyErrorsReport",
        "Daily error summary",
        "ops-email",
    )
    assert (daily.every, daily.period, daily.window_seconds, daily.repeat_interval) == (Decimal(86400), "24h", 3600, "23h")
    # no location: business hours' time zone; the window's name is claimed as a time interval
    assert (daily.window.name, daily.window.weekdays, daily.window.times, daily.window.location) == (
        "report-daily-errors",
        "monday:friday",
        "08:30-09:30",
        "Europe/Paris",
    )
    assert [(line.service, line.contents) for line in daily.lines] == [
        ("shop", ("error_ratio", "requests", "alerts")),
        ("payments", ("error_ratio", "requests", "alerts")),
        ("db", ("alerts",)),  # a postgres service has no requests: only what applies to its kind
    ]
    assert (weekly.title, weekly.period, weekly.repeat_interval) == ("Weekly performance", "7d", "6d23h")
    assert (weekly.window.weekdays, weekly.window.times, weekly.window.location) == ("monday", "09:00-10:00", "UTC")
    assert weekly.runbook_url == "https://rb.example/runbooks/WeeklyPerformanceReport.md"
    assert weekly.dashboard_url == "https://grafana.example/d/alerts-overview/alerts-overview?from=now-7d&to=now"


CASES = [
    (
        "a channel that is not defined",
        ("channel: ops-email\n    every: 24h", "channel: ops-mail\n    every: 24h"),
        "channel: ops-mail",
        "reports.daily-errors.channel: channel 'ops-mail' is not defined under channels: (defined: dms, ops-email, pager); "
        "did you mean 'ops-email'? Otherwise add it, e.g. channels: {ops-mail: {type: webhook, url: \"http://sink:8080/hook\"}}",
    ),
    (
        "a period that is neither a day nor a week",
        ("every: 24h", "every: 12h"),
        "every: 12h",
        "reports.daily-errors.every: '12h' is not a day or a week: a report covers and is sent once per day or week "
        "(every: 24h, or every: 7d)",
    ),
    (
        "a window that ends before it starts",
        ('at: "08:30-09:30"', 'at: "09:30-08:30"'),
        'at: "09:30-08:30"',
        "reports.daily-errors.at: '09:30-08:30' is not a time range (HH:MM-HH:MM, start before end; example: 09:00-18:00)",
    ),
    (
        "a window too short to hold two group_interval ticks",
        ('at: "08:30-09:30"', 'at: "08:30-08:35"'),
        'at: "08:30-08:35"',
        "reports.daily-errors.at: '08:30-08:35' is shorter than 10m: the window must hold two of Alertmanager's 5m "
        "group_interval ticks, or a day can pass without a report (e.g. at: 09:00-10:00)",
    ),
    (
        "two windows in one period",
        ('at: "08:30-09:30"', 'at: "08:30-09:30, 14:00-15:00"'),
        'at: "08:30-09:30, 14:00-15:00"',
        "reports.daily-errors.at: '08:30-09:30, 14:00-15:00' is several windows: a report is sent in one window per period "
        "(e.g. at: 09:00-10:00)",
    ),
    (
        "a weekday range that is no range",
        ('weekdays: "monday:friday"\n    services', 'weekdays: "friday:monday"\n    services'),
        'weekdays: "friday:monday"',
        "reports.daily-errors.weekdays: 'friday:monday' is not a weekday range "
        "(day names, first day before last; examples: monday:friday, saturday, sunday)",
    ),
    (
        "a weekly report on several days",
        ("weekdays: monday\n", "weekdays: monday:friday\n"),
        "weekdays: monday:friday",
        "reports.weekly-performance.weekdays: a weekly report is sent on one weekday, not 'monday:friday': "
        "the window must recur once a week (e.g. weekdays: monday)",
    ),
    (
        "a time zone that does not exist",
        ("location: UTC", "location: Europe/Springfield"),
        "location: Europe/Springfield",
        "reports.weekly-performance.location: 'Europe/Springfield' is not a time zone (examples: UTC, Europe/Paris)",
    ),
    (
        "a service that does not exist",
        ("services: [shop]", "services: [shopp]"),
        "services: [shopp]",
        "reports.weekly-performance.services[0]: no service is named 'shopp' (services of this spec: alertmanager, db, monitoring, "
        "payments, prometheus, pushgateway, shop)",
    ),
    (
        "a service none of the contents applies to",
        ("services: [shop]", "services: [shop, db]"),
        "services: [shop, db]",
        "reports.weekly-performance.services[1]: 'db' is a postgres service: none of latency_p95, latency_p99, requests "
        "applies to it (add alerts to contents:, which every service has, or drop the service)",
    ),
    (
        "a content that applies to no service of the report",
        (
            "services: [shop, payments, db]\n    contents: [error_ratio, requests, alerts]",
            "services: [db]\n    contents: [alerts, latency_p50]",
        ),
        "contents: [alerts, latency_p50]",
        "reports.daily-errors.contents[1]: latency_p50 applies to no service of this report "
        "(it needs a service of kind http, external_api)",
    ),
    (
        "a title that would run as template code",
        ("title: Daily error summary", 'title: "Daily {{ end }}"'),
        'title: "Daily {{ end }}"',
        "reports.daily-errors.title: 'Daily {{ end }}' contains '{{': Alertmanager and Prometheus expand this field as a "
        "Go template, so it would run as template code; remove the braces (e.g. #alerts)",
    ),
    (
        "a maintenance window named like a report's time interval",
        ("{name: nightly,", "{name: report-daily-errors,"),
        "  daily-errors:",
        "reports.daily-errors: time interval 'report-daily-errors' is also produced by routing.maintenance[0] "
        "(spec.yaml:15:7); rename the report",
    ),
]


@pytest.mark.parametrize(("change", "at", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_value_is_an_error_at_its_line(change: tuple[str, str], at: str, message: str) -> None:
    text = mutate(*change)
    found = errors(text)
    line = line_of(text, at)
    assert [f.split(": ", 1)[1] for f in found] == [message]
    assert found[0].startswith(f"spec.yaml:{line}:")


def test_a_report_alert_named_like_a_custom_alert_is_an_error_at_the_report() -> None:
    custom = (
        "custom:\n  - {name: DailyErrorsReport, team: web, job: shop, expr: 'vector(1) {{ op }} {{ threshold }}', unit: count,\n"
        "     thresholds: {warning: '> 0'}, summary: s, description: d}\n"
    )
    found = errors(GOOD.replace("reports:\n", custom + "reports:\n"))
    assert [f.split(": ", 1)[1].split(" (spec.yaml")[0] for f in found] == [
        "reports.daily-errors: alert name 'DailyErrorsReport' is also produced by custom[0]"
    ]


def test_a_report_channel_counts_as_used() -> None:
    """ops-email is only a report's channel: no 'defined but no route uses it' warning."""
    _, warnings = build_model.build(source.load("spec.yaml", GOOD.encode()))
    assert [str(w) for w in warnings] == []

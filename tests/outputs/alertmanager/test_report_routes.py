"""Report routes: the route and window the spec says, sent exactly once per window, never inhibited; amtool judges
the route and renders the email. Fixture: tests/cases/reports/spec.yaml (expected values worked out from it)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from generators.model.types import Model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.pipeline import render, spec, writer
from tests.conftest import ROOT, require_tool

FIXTURE = ROOT / "tests" / "cases" / "reports" / "spec.yaml"
DAILY = {"alertname": "DailyErrorsReport", "report": "daily-errors", "severity": "none"}
WEEKLY = {"alertname": "WeeklyPerformanceReport", "report": "weekly-performance", "severity": "none"}


@pytest.fixture(scope="module")
def model() -> Model:
    return spec.load(FIXTURE)[0]


@pytest.fixture(scope="module")
def config(model: Model) -> dict[str, Any]:
    return alertmanager.config(model)


@pytest.fixture(scope="module")
def tree(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-am")
    writer.write_tree(root, render.documents(model))
    return root


def test_each_report_gets_its_own_route_right_after_the_watchdog(config: dict[str, Any]) -> None:
    routes = config["route"]["routes"]
    assert routes[0]["matchers"] == ['alertname="Watchdog"']
    # every: 24h with an 08:30-09:30 window -> repeat 23h; every: 7d with 09:00-10:00 -> 7d - 1h = 6d23h
    assert routes[1:3] == [
        {
            "matchers": ['report="daily-errors"'],
            "receiver": "ops-email",
            "group_by": ["alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "23h",
            "active_time_intervals": ["report-daily-errors"],
        },
        {
            "matchers": ['report="weekly-performance"'],
            "receiver": "ops-email",
            "group_by": ["alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "6d23h",
            "active_time_intervals": ["report-weekly-performance"],
        },
    ]


def test_the_windows_are_the_spec_s_at_weekdays_and_location(config: dict[str, Any]) -> None:
    intervals = {i["name"]: i["time_intervals"] for i in config["time_intervals"]}
    assert intervals["report-daily-errors"] == [
        {"weekdays": ["monday:friday"], "times": [{"start_time": "08:30", "end_time": "09:30"}], "location": "Europe/Paris"}
    ]
    assert intervals["report-weekly-performance"] == [
        {"weekdays": ["monday"], "times": [{"start_time": "09:00", "end_time": "10:00"}], "location": "UTC"}
    ]
    assert "business-hours" not in intervals  # no info route uses it in this spec
    assert list(intervals) == ["nightly", "report-daily-errors", "report-weekly-performance"]


def test_no_inhibit_rule_can_mute_a_report(config: dict[str, Any]) -> None:
    for rule in config["inhibit_rules"]:
        for labels in (DAILY, WEEKLY):
            assert not all(am_routes.matches(m, labels) for m in rule["target_matchers"]), rule


# -- the schedule: Alertmanager's dispatch, tick by tick --------------------------------------------------------------
def _active(at: dt.datetime, days: set[int], start: str, end: str, zone: str) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    return local.weekday() in days and start <= local.strftime("%H:%M") < end


def sends(repeat: dt.timedelta, days: set[int], window: tuple[str, str], zone: str, offset: int, span_days: int) -> list[dt.datetime]:
    """When Alertmanager sends one always-firing group: a flush every group_interval (5m) from the group's start;
    TimeActiveStage drops a flush outside the window without logging it; DedupStage sends when the last send
    logged is older than repeat_interval (the log entry is written 1s after the flush, when the mail is out)."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=30 + offset)  # a Monday, + group_wait
    out: list[dt.datetime] = []
    last: dt.datetime | None = None
    at = start
    while at < start + dt.timedelta(days=span_days):
        if _active(at, days, *window, zone) and (last is None or last < at - repeat):
            out.append(at)
            last = at + dt.timedelta(seconds=1)
        at += dt.timedelta(minutes=5)
    return out


WEEKDAYS = {0, 1, 2, 3, 4}


@pytest.mark.parametrize("offset", [0, 7, 151, 299], ids=lambda s: f"group created {s}s past a tick")
def test_the_daily_route_sends_once_on_each_window_day(config: dict[str, Any], offset: int) -> None:
    route = config["route"]["routes"][1]
    assert route["repeat_interval"] == "23h"
    sent = sends(dt.timedelta(hours=23), WEEKDAYS, ("08:30", "09:30"), "Europe/Paris", offset, span_days=35)
    local = [s.astimezone(zoneinfo.ZoneInfo("Europe/Paris")) for s in sent]
    assert [d.date() for d in local] == sorted({(dt.date(2024, 1, 1) + dt.timedelta(days=n)) for n in range(35) if n % 7 < 5})
    assert all("08:30" <= d.strftime("%H:%M") < "08:35" for d in local)  # the first tick of each window


def test_a_repeat_of_the_whole_period_would_skip_days(config: dict[str, Any]) -> None:
    """Why repeat_interval is the period minus the window: with 24h each send drifts one tick later, and the day
    after the last tick of the window gets nothing."""
    sent = sends(dt.timedelta(hours=24), set(range(7)), ("09:00", "10:00"), "UTC", 0, span_days=40)
    assert len(sent) < 40
    assert len(sends(dt.timedelta(hours=23), set(range(7)), ("09:00", "10:00"), "UTC", 0, span_days=40)) == 40


def test_the_weekly_route_sends_once_each_monday(config: dict[str, Any]) -> None:
    sent = sends(dt.timedelta(days=6, hours=23), {0}, ("09:00", "10:00"), "UTC", 42, span_days=56)
    assert [s.date().isoformat() for s in sent] == [f"2024-01-{d:02d}" for d in (1, 8, 15, 22, 29)] + [
        "2024-02-05",
        "2024-02-12",
        "2024-02-19",
    ]


# -- amtool ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("labels", [DAILY, WEEKLY], ids=["daily", "weekly"])
def test_amtool_routes_a_report_to_its_channel_only(tree: Path, labels: dict[str, str]) -> None:
    require_tool("amtool")
    args = ["amtool", "config", "routes", "test", "--config.file=alertmanager.yml", "--verify.receivers=ops-email"]
    result = subprocess.run([*args, *(f"{k}={v}" for k, v in labels.items())], cwd=tree / "alertmanager", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ops-email"


def test_the_route_tests_hold_a_case_per_report(model: Model) -> None:
    cases = [c for c in am_routes.cases(model) if "report" in c["labels"]]
    assert cases == [
        {"alert": "DailyErrorsReport", "labels": DAILY, "receivers": ["ops-email"]},
        {"alert": "WeeklyPerformanceReport", "labels": WEEKLY, "receivers": ["ops-email"]},
    ]


DESCRIPTION = "shop: error ratio 5%, 1.44k requests, alerts fired: none\ndb: alerts fired: DbConnectionsHigh"
SUMMARY = "Daily error summary: the last 24h of shop, payments, db"


def render_email(tree: Path, tmp_path: Path, name: str, kind: str) -> str:
    require_tool("amtool")
    alert = {
        "status": "firing",
        "labels": DAILY,
        "annotations": {
            "summary": SUMMARY,
            "description": DESCRIPTION,
            "runbook_url": "https://rb.example/runbooks/DailyErrorsReport.md",
            "dashboard_url": "https://grafana.example/d/alerts-overview/alerts-overview?from=now-24h&to=now",
        },
        "startsAt": "2024-01-01T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
    }
    data = {
        "receiver": "ops-email",
        "status": "firing",
        "alerts": [alert],
        "groupLabels": {"alertname": "DailyErrorsReport"},
        "commonLabels": DAILY,
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://ignored",
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    args = [
        "amtool",
        "template",
        "render",
        "--template.glob=templates/*.tmpl",
        f"--template.type={kind}",
        f"--template.data={tmp_path / 'data.json'}",
    ]
    proc = subprocess.run(
        [*args, f'--template.text={{{{ template "{name}" . }}}}'], cwd=tree / "alertmanager", capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_report_email_s_subject_is_its_summary(tree: Path, tmp_path: Path) -> None:
    assert render_email(tree, tmp_path, "email.monitoring.subject", "text") == SUMMARY


def test_a_report_email_s_text_body_keeps_one_line_per_service(tree: Path, tmp_path: Path) -> None:
    lines = render_email(tree, tmp_path, "email.monitoring.text", "text").splitlines()
    assert lines[:6] == [
        SUMMARY,
        "",
        f"FIRING [none] DailyErrorsReport: {SUMMARY}",
        "shop: error ratio 5%, 1.44k requests, alerts fired: none",
        "db: alerts fired: DbConnectionsHigh",
        "Runbook: https://rb.example/runbooks/DailyErrorsReport.md",
    ]


def test_a_report_email_s_html_keeps_the_line_breaks(tree: Path, tmp_path: Path) -> None:
    html = render_email(tree, tmp_path, "email.monitoring.html", "html")
    assert f'<td style="white-space: pre-line">{DESCRIPTION}</td>' in html

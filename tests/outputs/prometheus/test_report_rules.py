"""Report rule groups: the text Prometheus computes, predicted by hand and judged by promtool (2.42 here; the
same files pass promtool 3.5 too), and the generated tests shown able to fail.

The fixture is tests/cases/reports/spec.yaml. The series below are written by hand, and every number of the
expected text is worked out from them in the comments, not copied from the output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from generators.model.types import Model
from generators.outputs.prometheus import report_rules
from generators.pipeline import render, spec, writer
from tests.conftest import ROOT, require_tool

FIXTURE = ROOT / "tests" / "cases" / "reports" / "spec.yaml"

# interval 1h, evaluated at 25h: the 24h period is [1h, 25h], 24 increments of each counter.
HANDWRITTEN = {
    "rule_files": ["../rules/report-daily-errors.rules.yml"],
    "evaluation_interval": "1h",
    "tests": [
        {
            "interval": "1h",
            "input_series": [
                # shop: 2 + 1 errors (500 and "error" match 5..|error) of 60 per hour -> 5%; 24 x 60 = 1440 -> 1.44k
                {"series": 'http_requests_total{job="shop", instance="a", status="500"}', "values": "0+2x25"},
                {"series": 'http_requests_total{job="shop", instance="a", status="error"}', "values": "0+1x25"},
                {"series": 'http_requests_total{job="shop", instance="a", status="200"}', "values": "0+57x25"},
                # payments (job shop too, its own counter): timeout + error of 10 -> 20%; 24 x 10 = 240
                {"series": 'payment_calls_total{job="shop", instance="a", outcome="timeout"}', "values": "0+1x25"},
                {"series": 'payment_calls_total{job="shop", instance="a", outcome="error"}', "values": "0+1x25"},
                {"series": 'payment_calls_total{job="shop", instance="a", outcome="ok"}', "values": "0+8x25"},
                # db: a ticket at 10-12h and a page at 20h are listed (sorted); a page at 0h is before the period,
                # an info alert is no page or ticket
                {
                    "series": 'ALERTS{alertname="DbReplicationLag", alertstate="firing", service="db", severity="warning"}',
                    "values": "_x10 1x2",
                },
                {
                    "series": 'ALERTS{alertname="DbConnectionsHigh", alertstate="firing", service="db", severity="critical"}',
                    "values": "_x20 1",
                },
                {"series": 'ALERTS{alertname="DbDown", alertstate="firing", service="db", severity="critical"}', "values": "1"},
                {"series": 'ALERTS{alertname="DbSlowQueries", alertstate="firing", service="db", severity="info"}', "values": "_x20 1x4"},
                # payments: an info alert only -> none
                {
                    "series": 'ALERTS{alertname="PaymentsQuota", alertstate="firing", service="payments", severity="info"}',
                    "values": "_x20 1x4",
                },
            ],
            "alert_rule_test": [
                {
                    "eval_time": "25h",
                    "alertname": "DailyErrorsReport",
                    "exp_alerts": [
                        {
                            "exp_labels": {"report": "daily-errors", "severity": "none"},
                            "exp_annotations": {
                                "summary": "Daily error summary: the last 24h of shop, payments, db",
                                "description": "shop: error ratio 5%, 1.44k requests, alerts fired: none\n"
                                "payments: error ratio 20%, 240 requests, alerts fired: none\n"
                                "db: alerts fired: DbConnectionsHigh, DbReplicationLag",
                                "runbook_url": "https://rb.example/runbooks/DailyErrorsReport.md",
                                "dashboard_url": "https://grafana.example/d/alerts-overview/alerts-overview?from=now-24h&to=now",
                            },
                        }
                    ],
                }
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def model() -> Model:
    return spec.load(FIXTURE)[0]


@pytest.fixture(scope="module")
def tree(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    writer.write_tree(root, render.documents(model))
    return root


def promtool_test(tree: Path, name: str, doc: object) -> subprocess.CompletedProcess[str]:
    require_tool("promtool")
    (tree / "prometheus" / "tests" / name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return subprocess.run(
        ["promtool", "test", "rules", f"tests/{name}"], cwd=tree / "prometheus", capture_output=True, text=True, check=False
    )


def test_promtool_computes_the_text_predicted_by_hand(tree: Path) -> None:
    result = promtool_test(tree, "handwritten.test.yml", HANDWRITTEN)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_passes_the_generated_tests(tree: Path) -> None:
    require_tool("promtool")
    files = ["tests/report-daily-errors.test.yml", "tests/report-weekly-performance.test.yml"]
    result = subprocess.run(["promtool", "test", "rules", *files], cwd=tree / "prometheus", capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_generated_test_fails_when_its_predicted_text_is_wrong(tree: Path) -> None:
    doc = yaml.safe_load((tree / "prometheus" / "tests" / "report-weekly-performance.test.yml").read_text())
    annotations = doc["tests"][0]["alert_rule_test"][0]["exp_alerts"][0]["exp_annotations"]
    # weekly, shop alone: 168 x 10 requests per hour = 1680; p95 in (0.5, 1] at 90% -> 0.5 + 0.5 x 0.05 / 0.1 = 750ms
    assert annotations["description"] == "shop: p95 latency 750ms, p99 latency 950ms, 1.68k requests"
    annotations["description"] = annotations["description"].replace("750ms", "751ms")
    result = promtool_test(tree, "wrong.test.yml", doc)
    assert result.returncode == 1
    assert 'description="shop: p95 latency 750ms, p99 latency 950ms, 1.68k requests"' in result.stdout + result.stderr


def test_the_report_group_runs_every_5m_and_fires_always(model: Model) -> None:
    group = report_rules.group(model.reports[0])
    assert (group["name"], group["interval"], len(group["rules"])) == ("report-daily-errors", "5m", 1)
    assert (group["rules"][0]["expr"], group["rules"][0]["labels"]) == ("vector(1)", {"report": "daily-errors", "severity": "none"})
    assert "for" not in group["rules"][0]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('sum(x{job="a"})', '"sum(x{job=\\"a\\"})"'),
        ('x{le=~"0\\\\.5"}', '"x{le=~\\"0\\\\\\\\.5\\"}"'),
    ],
    ids=["quotes are escaped", "a backslash is doubled before the quote is"],
)
def test_a_query_becomes_a_go_string_literal(text: str, quoted: str) -> None:
    assert report_rules.go_string(text) == quoted


def test_the_runbook_says_when_and_where_and_lists_every_query(model: Model) -> None:
    text = report_rules.runbook(model.reports[1])
    assert "It is sent to `ops-email` once every monday, 09:00-10:00 UTC, and covers the last 7d of shop." in text.replace("\n", " ")
    assert text.count("histogram_quantile(") == 2
    assert 'sum(increase(http_requests_total{job="shop"}[7d]))' in text

"""Stack self-monitoring: Prometheus (targets, scrapes, rules, TSDB) and Alertmanager (notifications, cluster)."""

from __future__ import annotations

from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import Board

KEY = "stack"
DESCRIPTION = (
    "The monitoring stack itself: Prometheus targets, scrape and rule evaluation health, TSDB; Alertmanager notifications and cluster."
)
JOB = 'job="{{ job }}"'
RELOAD = (("0", "FAILED", "red"), ("1", "OK", "green"))


def prometheus(board: Board) -> None:
    for service in board.services("prometheus"):
        s = board.section(service)
        s.targets()
        s.panel(
            "targets_up",
            "Targets up per job",
            [s.query("sum by (job) (up)", "{{job}} up"), s.query("count by (job) (up)", "{{job}} total")],
            "short",
        )
        s.panel("scrape_duration", "Scrape duration (max per job)", [s.query("max by (job) (scrape_duration_seconds)", "{{job}}")], "s")
        s.panel(
            "rule_duration",
            "Rule group evaluation duration",
            [s.query(f"prometheus_rule_group_last_duration_seconds{{{JOB}}}", "{{rule_group}}")],
            "s",
        )
        ratio = f"prometheus_rule_group_last_duration_seconds{{{JOB}}} / prometheus_rule_group_interval_seconds{{{JOB}}}"
        s.signal("slow_rule_groups", "Rule group duration of its interval", [s.query(ratio, "{{rule_group}}")], "percentunit")
        failures = f"sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total{{{JOB}}}[$__rate_interval]))"
        s.signal("rule_failures", "Rule evaluation failures", [s.query(failures, "{{rule_group}}")], "short")
        s.panel("head_series", "TSDB head series", [s.query(f"prometheus_tsdb_head_series{{{JOB}}}", "{{instance}}")], "short")
        compactions = f"sum(increase(prometheus_tsdb_compactions_failed_total{{{JOB}}}[$__rate_interval]))"
        s.signal("tsdb_compaction_failures", "TSDB compaction failures", [s.query(compactions, "failures")], "short")
        reload = s.query(f"min(prometheus_config_last_reload_successful{{{JOB}}})", "reload")
        s.signal("config_reload_failed", "Config reload", [reload], "none", "stat", width=4, height=6, mappings=RELOAD)
        sends = (
            f"sum by (instance, job) (rate(prometheus_notifications_errors_total{{{JOB}}}[$__rate_interval]))"
            f" / sum by (instance, job) (rate(prometheus_notifications_sent_total{{{JOB}}}[$__rate_interval]))"
        )
        s.signal("notifications_failing", "Alert sends to Alertmanager failing", [s.query(sends, "{{instance}}")], "percentunit")
        board.add(f"Prometheus ({service.team})", service.name, s.rest())


def alertmanager(board: Board) -> None:
    for service in board.services("alertmanager"):
        s = board.section(service)
        s.targets()
        sent = [
            s.query(f"sum by (integration) (rate(alertmanager_notifications_total{{{JOB}}}[$__rate_interval]))", "{{integration}} sent"),
            s.query(
                f"sum by (integration) (rate(alertmanager_notifications_failed_total{{{JOB}}}[$__rate_interval]))", "{{integration}} failed"
            ),
        ]
        s.panel("notifications", "Notifications sent and failed per integration", sent, "ops")
        failed = (
            f"sum by (instance, job, integration) (rate(alertmanager_notifications_failed_total{{{JOB}}}[$__rate_interval]))"
            f" / sum by (instance, job, integration) (rate(alertmanager_notifications_total{{{JOB}}}[$__rate_interval]))"
        )
        s.signal("notifications_failing", "Notifications failing per integration", [s.query(failed, "{{integration}}")], "percentunit")
        s.panel(
            "cluster_members",
            "Cluster peers",
            [s.query(f"max(alertmanager_cluster_members{{{JOB}}})", "peers")],
            "none",
            "stat",
            width=4,
            height=6,
        )
        reload = s.query(f"min(alertmanager_config_last_reload_successful{{{JOB}}})", "reload")
        s.signal("config_reload_failed", "Config reload", [reload], "none", "stat", width=4, height=6, mappings=RELOAD)
        board.add(f"Alertmanager ({service.team})", service.name, s.rest())


def variables(board: Board) -> list[Variable]:
    del board  # the stack has one Prometheus and one Alertmanager: nothing to choose
    return []


def rows(board: Board) -> None:
    prometheus(board)
    alertmanager(board)
    board.leftovers()

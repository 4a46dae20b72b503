"""Synthetic probes (blackbox exporter): success, duration, TLS certificate time left."""

from __future__ import annotations

from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import RATIO, UP_MAPPINGS, Board

KEY = "probes"
DESCRIPTION = "Blackbox probes of the targets under `probes:`: success, duration, HTTP status and TLS certificate time left."
SEL = 'job="{{ job }}", instance=~"$instance"'


def variables(board: Board) -> list[Variable]:
    probes = board.services("probe")
    return [Variable("instance", "Target", query=f'label_values(probe_success{{job="{probes[0].job}"}}, instance)')] if probes else []


def rows(board: Board) -> None:
    for service in board.services("probe"):
        s = board.section(service)
        s.signal(
            "probe_failed",
            "Probe success",
            [s.query(f"probe_success{{{SEL}}}", "{{instance}}")],
            "none",
            "stat",
            width=12,
            height=6,
            mappings=UP_MAPPINGS,
        )
        ratio = s.query(f"avg by (instance) (avg_over_time(probe_success{{{SEL}}}[$__range]))", "{{instance}}")
        s.panel("success_ratio", "Success ratio (time range)", [ratio], "percentunit", "stat", bounds=RATIO, width=12, height=6)
        s.signal("probe_slow", "Probe duration", [s.query(f"probe_duration_seconds{{{SEL}}}", "{{instance}}")], "s", width=12)
        s.panel("http_status", "HTTP status code", [s.query(f"probe_http_status_code{{{SEL}}}", "{{instance}}")], "none", width=12)
        tls = s.query(f"probe_ssl_earliest_cert_expiry{{{SEL}}} - time()", "{{instance}}")
        s.signal("tls_expiry", "TLS certificate time left", [tls], "s", "stat", width=12, height=6)
        s.targets()
        board.add(f"Probes ({service.team})", service.name, s.rest())
    board.leftovers()

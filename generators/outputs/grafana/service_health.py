"""Service health: per HTTP service uptime, traffic, errors, latency percentiles, status codes, endpoints, alerts."""

from __future__ import annotations

from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import RATIO, Board, Section

KEY = "service-health"
DESCRIPTION = "Per HTTP service: uptime, request rate, error ratio, p50/p95/p99 latency, status codes, top endpoints and firing alerts."


def firing(section: Section) -> None:
    """The service's firing alerts (from ALERTS), as a table."""
    q = section.query('sum by (alertname, severity) (ALERTS{alertstate="firing", service="{{ service }}"})', instant=True, table=True)
    section.panel("firing_alerts", "Firing alerts", [q], "short", "table", width=12, height=6)


def uptime(section: Section) -> None:
    q = section.query('avg(avg_over_time(up{job="{{ job }}"}[$__range]))', "uptime")
    section.panel("uptime", "Uptime (time range)", [q], "percentunit", "stat", bounds=RATIO, width=4, height=6)


def http(board: Board) -> None:
    for service in board.services("http"):
        s = board.section(service)
        m = service.metrics
        s.targets()
        uptime(s)
        s.signal(
            "traffic_drop",
            "Request rate",
            [s.query('service:{{ m.requests | base }}:rate5m{service="{{ service }}"}', "requests/s")],
            "reqps",
        )
        s.signal(
            "error_rate",
            f"Error ratio ({m['error_status']})",
            [s.query('service:{{ m.requests | base }}_errors:ratio_rate5m{service="{{ service }}"}', "errors")],
            "percentunit",
        )
        for quantile in ("50", "95", "99"):
            q = s.query(f'service:{{{{ m.duration }}}}:p{quantile}_5m{{service="{{{{ service }}}}"}}', f"p{quantile}")
            s.signal(f"latency_p{quantile}", f"Latency p{quantile}", [q], "s")
        codes = s.query('service_code:{{ m.requests | base }}:rate5m{service="{{ service }}"}', f"{{{{{m['status_label']}}}}}")
        s.panel("status_codes", "Requests by status code", [codes], "reqps", stack=True)
        endpoint = f"{{{{{m['endpoint_label']}}}}}"
        s.panel(
            "top_endpoints",
            "Top endpoints by request rate",
            [s.query('topk(10, service_endpoint:{{ m.requests | base }}:rate5m{service="{{ service }}"})', endpoint)],
            "reqps",
        )
        s.panel(
            "slow_endpoints",
            "Slowest endpoints (p95)",
            [s.query('topk(10, service_endpoint:{{ m.duration }}:p95_5m{service="{{ service }}"})', endpoint)],
            "s",
        )
        s.panel(
            "endpoint_errors",
            "Endpoint error ratio",
            [s.query('topk(10, service_endpoint:{{ m.requests | base }}_errors:ratio_rate5m{service="{{ service }}"})', endpoint)],
            "percentunit",
        )
        firing(s)
        board.add(f"{service.name} ({service.team})", service.name, s.rest())


def variables(board: Board) -> list[Variable]:
    names = tuple(sorted({s for s, _ in board.alerts}))
    return [Variable("service", "Service", values=names)] if names else []


def rows(board: Board) -> None:
    board.firing_overview()
    http(board)
    board.leftovers()

"""Infrastructure: hosts (node exporter) and containers (cAdvisor)."""

from __future__ import annotations

from generators.model.types import Service
from generators.outputs.grafana.adapter import Variable
from generators.outputs.grafana.signals import RATIO, Board, Section

KEY = "infrastructure"
DESCRIPTION = (
    "Hosts: CPU, memory, disk space and I/O, network throughput and errors, filesystem fill prediction. "
    "Containers: CPU, memory, throttling, restarts."
)
FS = 'fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs"'
INSTANCE = 'instance=~"$instance"'
MOUNT = "{{instance}} {{mountpoint}}"


def hosts(board: Board) -> None:
    for service in board.services("host"):
        s = board.section(service)
        s.targets()
        sel = f'job="{{{{ job }}}}", {INSTANCE}'
        node = "cpu" not in service.overrides  # cpu from an app's gauge: no node-exporter (metric_absent watches the gauge)
        avail = f"node_filesystem_avail_bytes{{{sel}, {FS}}}"
        inodes = f"node_filesystem_files_free{{{sel}, {FS}}} / node_filesystem_files{{{sel}, {FS}}}"
        cpu = f'1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{{{sel}, mode="idle"}}[$__rate_interval]))'
        for signal, title, expr, legend in (
            ("cpu", "CPU utilisation", cpu, "{{instance}}"),
            (
                "memory",
                "Memory utilisation",
                f"1 - node_memory_MemAvailable_bytes{{{sel}}} / node_memory_MemTotal_bytes{{{sel}}}",
                "{{instance}}",
            ),
            (
                "disk_free",
                "Filesystem space free",
                f"node_filesystem_avail_bytes{{{sel}, {FS}}} / node_filesystem_size_bytes{{{sel}, {FS}}}",
                MOUNT,
            ),
            ("disk_fill", "Filesystem time until full (6h trend)", f"({avail} / -deriv({avail}[6h])) > 0", MOUNT),
            ("inodes_free", "Inodes free", inodes, MOUNT),
        ):
            if node or signal in service.overrides:
                expr, legend, title = _overridden(service, signal, expr, legend, title)
                unit, bounds = ("s", None) if signal == "disk_fill" else ("percentunit", RATIO)
                s.signal(signal, title, [s.query(expr, legend)], unit, bounds=bounds)
        if node:
            _node_panels(s, sel)
        board.add(f"Hosts ({service.team})", service.name, s.rest())


def _node_panels(s: Section, sel: str) -> None:
    """The panels of node-exporter metrics no override replaces."""
    io = [
        s.query(f"sum by (instance) (rate(node_disk_read_bytes_total{{{sel}}}[$__rate_interval]))", "{{instance}} read"),
        s.query(f"sum by (instance) (rate(node_disk_written_bytes_total{{{sel}}}[$__rate_interval]))", "{{instance}} written"),
    ]
    s.panel("disk_io", "Disk I/O", io, "Bps")
    net = [
        s.query(
            f'sum by (instance) (rate(node_network_receive_bytes_total{{{sel}, device!="lo"}}[$__rate_interval]))',
            "{{instance}} received",
        ),
        s.query(
            f'sum by (instance) (rate(node_network_transmit_bytes_total{{{sel}, device!="lo"}}[$__rate_interval]))', "{{instance}} sent"
        ),
    ]
    s.panel("network_throughput", "Network throughput", net, "Bps")
    rate = "rate(node_network_METRIC_total{" + sel + "}[$__rate_interval])"
    errs, packets = (f"({rate.replace('METRIC', 'receive_' + x)} + {rate.replace('METRIC', 'transmit_' + x)})" for x in ("errs", "packets"))
    errors = f"{errs} / {packets}"
    s.signal("network_errors", "Network error ratio", [s.query(errors, "{{instance}} {{device}}")], "percentunit")
    s.signal("clock_skew", "Clock offset", [s.query(f"abs(node_timex_offset_seconds{{{sel}}})", "{{instance}}")], "s")


def _overridden(service: Service, signal: str, expr: str, legend: str, title: str) -> tuple[str, str, str]:
    """(query, legend, title) of a host signal; with `hosts.metrics.<signal>`, its recording of the app's gauge."""
    o = service.overrides.get(signal)
    if o is None:
        return expr, legend, title
    shown = [label for label in o["by"] if label != "job"]
    matchers = 'job="{{ job }}"' + (f", {INSTANCE}" if "instance" in shown else "")
    return f"{o['record']}{{{matchers}}}", " ".join(f"{{{{{label}}}}}" for label in shown), f"{title} ({o['metric']})"


def containers(board: Board) -> None:
    for service in board.services("container"):
        s = board.section(service)
        s.targets()
        cpu = 'sum by (instance, name) (rate(container_cpu_usage_seconds_total{job="{{ job }}", name!=""}[$__rate_interval]))'
        s.panel("cpu", "CPU per container (cores)", [s.query(cpu, "{{name}}")], "short")
        s.panel(
            "memory",
            "Memory working set",
            [s.query('sum by (instance, name) (container_memory_working_set_bytes{job="{{ job }}", name!=""})', "{{name}}")],
            "bytes",
        )
        memory_limit = (
            'max by (instance, name) (container_memory_working_set_bytes{job="{{ job }}", name!=""}'
            ' / (container_spec_memory_limit_bytes{job="{{ job }}", name!=""} > 0))'
        )
        s.signal(
            "memory_near_limit",
            "Memory used of limit",
            [s.query(memory_limit, "{{name}}")],
            "percentunit",
            bounds=RATIO,
        )
        throttled = (
            'sum by (instance, name) (rate(container_cpu_cfs_throttled_periods_total{job="{{ job }}", name!=""}[$__rate_interval]))'
            ' / sum by (instance, name) (rate(container_cpu_cfs_periods_total{job="{{ job }}", name!=""}[$__rate_interval]))'
        )
        s.signal("cpu_throttling", "CPU throttled periods", [s.query(throttled, "{{name}}")], "percentunit")
        restarts = 'sum by (instance, name) (changes(container_start_time_seconds{job="{{ job }}", name!=""}[15m]))'
        s.signal("restarts", "Restarts (15m window)", [s.query(restarts, "{{name}}")], "short")
        board.add(f"Containers ({service.team})", service.name, s.rest())


def variables(board: Board) -> list[Variable]:
    hosts = board.services("host")
    if not hosts:
        return []
    return [Variable("instance", "Host", query=f'label_values(up{{job="{hosts[0].job}"}}, instance)')]


def rows(board: Board) -> None:
    hosts(board)
    containers(board)
    board.leftovers()

"""`hosts.metrics.<signal>` (generators/model/host_metrics.py): a host signal reads an app's gauge instead of
node-exporter's. A good spec plus one override per case: the exact recording, alert expression and description;
the signals left alone keep node-exporter's; the generated promtool tests pass, and fail when the scale or the
sense of the gauge is read wrong (a test that feeds the gauge, not node_cpu_seconds_total)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generators import cli
from generators.model.types import Model, Service
from generators.pipeline import spec
from tests.conftest import require_tool

GOOD = (Path(__file__).parents[1] / "fixtures" / "good.yaml").read_text()
HOSTS = 'hosts:\n  targets: ["app-host:9100"]\n  metrics:\n'


def _load(tmp_path: Path, metrics: str) -> Model:
    path = tmp_path / "monitoring.yaml"
    path.write_text(GOOD + HOSTS + metrics)
    model, _ = spec.load(path)
    return model


def _host(model: Model) -> Service:
    return next(s for s in model.services if s.kind == "host")


CASES = [
    (
        "a percent gauge of the busy share",
        "    cpu: {metric: system_cpu_usage_percent, unit: percent}\n",
        "HostHighCpuUsage",
        ("instance:system_cpu_usage_percent:used_ratio", 'max by (instance, job) (system_cpu_usage_percent{job="node"}) / 100'),
        'instance:system_cpu_usage_percent:used_ratio{job="node"} > 0.9',
        "{{ $labels.instance }}: CPU {{ $value | humanizePercentage }} used (from system_cpu_usage_percent)",
    ),
    (
        "a ratio gauge needs no scaling",
        "    memory: {metric: system_memory_used_ratio, unit: ratio}\n",
        "HostHighMemoryUsage",
        ("instance:system_memory_used_ratio:used_ratio", 'max by (instance, job) (system_memory_used_ratio{job="node"})'),
        'instance:system_memory_used_ratio:used_ratio{job="node"} > 0.85',
        "{{ $labels.instance }}: memory {{ $value | humanizePercentage }} used (from system_memory_used_ratio)",
    ),
    (
        "a usage gauge for a free signal is flipped, the fullest filesystem first, per mountpoint",
        "    disk_free: {metric: system_disk_usage_percent, unit: percent, measures: used, by: [instance, mountpoint]}\n",
        "HostLowDiskSpace",
        (
            "instance_mountpoint:system_disk_usage_percent:free_ratio",
            '1 - max by (instance, mountpoint, job) (system_disk_usage_percent{job="node"}) / 100',
        ),
        'instance_mountpoint:system_disk_usage_percent:free_ratio{job="node"} < 0.1',
        "{{ $labels.instance }} {{ $labels.mountpoint }}: disk space {{ $value | humanizePercentage }} free (from system_disk_usage_percent)",
    ),
    (
        "a free gauge for a free signal takes the lowest, by its own label",
        "    inodes_free: {metric: fs_inodes_free_ratio, unit: ratio, by: [volume]}\n",
        "HostLowInodes",
        ("volume:fs_inodes_free_ratio:free_ratio", 'min by (volume, job) (fs_inodes_free_ratio{job="node"})'),
        'volume:fs_inodes_free_ratio:free_ratio{job="node"} < 0.1',
        "{{ $labels.volume }}: inodes {{ $value | humanizePercentage }} free (from fs_inodes_free_ratio)",
    ),
]


@pytest.mark.parametrize(("metrics", "alert", "recording", "expr", "description"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_overridden_signal_reads_the_gauge(
    tmp_path: Path, metrics: str, alert: str, recording: tuple[str, str], expr: str, description: str
) -> None:
    host = _host(_load(tmp_path, metrics))
    found = next(a for a in host.alerts if a.name == alert)
    assert (found.tiers[-1].expr, found.description) == (expr, description)
    assert recording in [(r.record, r.expr) for r in host.recordings]


def test_the_signals_left_alone_keep_node_exporter(tmp_path: Path) -> None:
    host = _host(_load(tmp_path, "    cpu: {metric: system_cpu_usage_percent, unit: percent}\n"))
    # the node signals read node-exporter's series directly (their tiers share a condition recording made by
    # outputs/prometheus/conditions.py); the overridden one reads its own recording of the gauge
    assert [r.record for r in host.recordings] == ["instance:system_cpu_usage_percent:used_ratio"]
    exprs = {a.name: a.tiers[0].expr for a in host.alerts}
    assert exprs["HostHighMemoryUsage"] == '1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"} > 0.7'
    assert exprs["HostMetricAbsent"] == 'absent(system_cpu_usage_percent{job="node"})'  # cpu's gauge replaced node_cpu_seconds_total


def test_without_overrides_metric_absent_watches_node_cpu(tmp_path: Path) -> None:
    host = _host(_load(tmp_path, "    {}\n"))  # `metrics: {}`: every signal reads node-exporter
    assert {a.name: a.tiers[0].expr for a in host.alerts}["HostMetricAbsent"] == 'absent(node_cpu_seconds_total{job="node"})'


OVERRIDES = (
    "    cpu: {metric: system_cpu_usage_percent, unit: percent}\n"
    "    disk_free: {metric: system_disk_usage_percent, unit: percent, measures: used, by: [instance, mountpoint]}\n"
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hosts")
    (root / "monitoring.yaml").write_text(GOOD + HOSTS + OVERRIDES)
    assert cli.main(["render", "--spec", str(root / "monitoring.yaml"), "--out", str(root / "out"), "--quick-validation"]) == 0
    return root / "out"


def _promtool(root: Path) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool")
    return subprocess.run([promtool, "test", "rules", "tests/host.test.yml"], cwd=root / "prometheus", capture_output=True, text=True)


def test_generated_tests_feed_the_gauge_and_pass(rendered: Path) -> None:
    tests = (rendered / "prometheus/tests/host.test.yml").read_text()
    assert 'system_disk_usage_percent{job="node", instance="instance-1", mountpoint="instance-1"}' in tests
    result = _promtool(rendered)
    assert result.returncode == 0, result.stdout + result.stderr


MUTATIONS = [
    (
        "the percent gauge read as a ratio",
        '(system_cpu_usage_percent{job="node"}) / 100',
        '(system_cpu_usage_percent{job="node"})',
        "HostHighCpuUsage",
    ),
    (
        "the usage gauge read as free space",
        "1 - max by (instance, mountpoint, job)",
        "max by (instance, mountpoint, job)",
        "HostLowDiskSpace",
    ),
]


@pytest.mark.parametrize(("old", "new", "failing"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_generated_tests_catch_a_misread_gauge(rendered: Path, old: str, new: str, failing: str) -> None:
    rules = rendered / "prometheus/rules/host.rules.yml"
    original = rules.read_text()
    assert original.count(old) == 1
    try:
        rules.write_text(original.replace(old, new))
        result = _promtool(rendered)
    finally:
        rules.write_text(original)
    assert result.returncode != 0
    assert failing in result.stdout + result.stderr

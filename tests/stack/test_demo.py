"""make demo: the same rendering with loopback addresses, and (e2e) the real processes coming up."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.model.types import Model
from generators.pipeline import render, spec
from generators.stack import demo, demo_databases
from tests.conftest import ROOT, require_tool

NATIVE_DATABASES = [k for k in ("postgres", "redis") if not demo_databases.missing(k)]


@pytest.fixture(scope="module")
def model() -> Model:
    return spec.load(ROOT / "monitoring.yaml")[0]


@pytest.fixture(scope="module")
def planned(model: Model, tmp_path_factory: pytest.TempPathFactory) -> tuple[demo.Plan, Path]:
    work = tmp_path_factory.mktemp("demo")
    return demo.plan(model, work), work


def _config(planned: tuple[demo.Plan, Path]) -> dict[str, Any]:
    return yaml.safe_load(planned[0].files["prometheus/prometheus.yml"])  # type: ignore[no-any-return]


def test_every_scrape_target_is_a_loopback_port_except_the_probed_urls(planned: tuple[demo.Plan, Path]) -> None:
    config = _config(planned)
    by_job = {j["job_name"]: [t for c in j["static_configs"] for t in c["targets"]] for j in config["scrape_configs"]}
    assert sorted(by_job) == sorted(["alertmanager", "api", "blackbox", "node", "prometheus", "pushgateway", "worker", *NATIVE_DATABASES])
    assert by_job["blackbox"] == ["https://example.com", "https://api.example.com/healthz"]
    for job, targets in by_job.items():
        if job != "blackbox":
            assert all(t.startswith("127.0.0.1:") for t in targets), (job, targets)
    assert len(by_job["alertmanager"]) == 2 and len(set(by_job["alertmanager"])) == 2
    blackbox = next(j for j in config["scrape_configs"] if j["job_name"] == "blackbox")
    assert blackbox["relabel_configs"][-1]["replacement"].startswith("127.0.0.1:")


def test_prometheus_sends_to_both_local_alertmanagers(planned: tuple[demo.Plan, Path]) -> None:
    config = _config(planned)
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    urls = {p.name: p.url for p in planned[0].processes}
    assert targets == [urls["alertmanager-1"].removeprefix("http://"), urls["alertmanager-2"].removeprefix("http://")]


def test_jobs_without_a_local_process_are_reported(planned: tuple[demo.Plan, Path]) -> None:
    expected = {"cadvisor": "cadvisor: no Debian package"}
    for kind in ("postgres", "redis"):
        if kind not in NATIVE_DATABASES:
            expected[kind] = (
                f"{kind}-exporter: not installed: {', '.join(demo_databases.missing(kind))} (apt-get install {demo_databases.PACKAGES[kind]})"
            )
    assert planned[0].skipped == expected


def test_databases_run_with_their_exporters_when_installed(planned: tuple[demo.Plan, Path]) -> None:
    names = [p.name for p in planned[0].processes]
    for kind in NATIVE_DATABASES:
        assert names.index(kind) + 1 == names.index(f"{kind}-exporter")
    assert names[-1] == "prometheus"  # started once the Alertmanagers answer


def test_rules_are_the_same_bytes_as_the_compose_rendering(model: Model, planned: tuple[demo.Plan, Path]) -> None:
    rendered = render.documents(model)
    rules = {k: v for k, v in planned[0].files.items() if k.startswith("prometheus/rules/")}
    assert rules == {k: v for k, v in rendered.items() if k.startswith("prometheus/rules/")}
    assert len(rules) == 20  # 15 service groups + 3 SLO groups + 2 report groups of the example spec


def test_alertmanager_secret_files_point_into_the_work_dir(model: Model, tmp_path: Path) -> None:
    stack_plan = demo.plan(model, tmp_path)
    text = stack_plan.files["alertmanager/alertmanager.yml"].decode()
    assert "/run/secrets/" not in text
    assert f"routing_key_file: {tmp_path}/secrets/pagerduty_routing_key\n" in text
    assert f"api_url_file: {tmp_path}/secrets/slack_alerts_webhook\n" in text
    sinks = f"http://127.0.0.1:{stack_plan.sinks[0]}"
    assert stack_plan.files["secrets/slack_alerts_webhook"] == f"{sinks}/slack/alerts-slack\n".encode()
    assert stack_plan.files["secrets/pagerduty_routing_key"] == b"oncall-pager\n"
    assert stack_plan.files["secrets/smtp_password"] == b"demo-placeholder\n"
    assert f"url: {sinks}/v2/enqueue\n" in text and f"url: {sinks}/webhook/deadmans-switch\n" in text
    assert f"smarthost: 127.0.0.1:{stack_plan.sinks[1]}\n    require_tls: false\n" in text


def test_only_the_destinations_differ_from_the_rendered_alertmanager_config(model: Model, tmp_path: Path) -> None:
    rendered = yaml.safe_load(render.documents(model)["alertmanager/alertmanager.yml"])
    local = yaml.safe_load(demo.plan(model, tmp_path).files["alertmanager/alertmanager.yml"])
    destinations = {"url", "smarthost", "require_tls", "api_url_file", "routing_key_file", "auth_password_file"}

    def strip(doc: dict[str, Any]) -> dict[str, Any]:
        for receiver in doc["receivers"]:
            for key in [k for k in receiver if k.endswith("_configs")]:
                receiver[key] = [{k: v for k, v in c.items() if k not in destinations} for c in receiver[key]]
        return doc

    assert strip(local) == strip(rendered)
    assert {k: v for k, v in local.items() if k != "receivers"} == {k: v for k, v in rendered.items() if k != "receivers"}


def test_promtool_accepts_the_loopback_config(planned: tuple[demo.Plan, Path], tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    for rel, data in planned[0].files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    result = subprocess.run([promtool, "check", "config", "prometheus/prometheus.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanagers_gossip_with_each_other(planned: tuple[demo.Plan, Path]) -> None:
    argv = {p.name: p.argv for p in planned[0].processes}
    listen = {
        n: next(a for a in argv[n] if a.startswith("--cluster.listen-address=")).split("=")[1] for n in ("alertmanager-1", "alertmanager-2")
    }
    assert f"--cluster.peer={listen['alertmanager-2']}" in argv["alertmanager-1"]
    assert f"--cluster.peer={listen['alertmanager-1']}" in argv["alertmanager-2"]


@pytest.mark.e2e
def test_the_native_stack_comes_up_and_every_kept_target_is_scraped(model: Model, tmp_path: Path) -> None:
    for tool in (
        "prometheus",
        "prometheus-alertmanager",
        "prometheus-node-exporter",
        "prometheus-blackbox-exporter",
        "prometheus-pushgateway",
    ):
        require_tool(tool)
    stack_plan = demo.plan(model, tmp_path)
    stack = demo.Stack(stack_plan, tmp_path)
    try:
        stack.start(timeout=90)
        prometheus = next(p.url for p in stack_plan.processes if p.name == "prometheus")
        deadline, health = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"{prometheus}/api/v1/targets", timeout=5) as response:
                targets = json.load(response)["data"]["activeTargets"]
            health = {(t["labels"]["job"], t["scrapeUrl"]): t["health"] for t in targets}
            if health and all(h == "up" for (job, _), h in health.items() if job != "blackbox"):
                break
            time.sleep(1)
        assert {job for job, _ in health} == {
            "alertmanager",
            "api",
            "blackbox",
            "node",
            "prometheus",
            "pushgateway",
            "worker",
            *NATIVE_DATABASES,
        }
        assert [k for k, h in health.items() if h != "up" and k[0] != "blackbox"] == []
    finally:
        stack.stop()

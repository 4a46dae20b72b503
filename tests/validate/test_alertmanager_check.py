"""alertmanager_check.validate: what `make render` / `make check` print about the route tree.

The spec below routes backend's info alerts to a team channel, but backend has no info alert (its only
threshold is a warning): no generated alert reaches that route, and the check says so by name.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from generators.model import build_model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.pipeline import writer
from generators.spec import source
from generators.validate import alertmanager_check, route_classes, tools
from tests.conftest import require_tool

SPEC = """\
version: 1
channels:
  pager: {type: webhook, url: "http://sink/pager"}
  chat: {type: webhook, url: "http://sink/chat"}
  dms: {type: webhook, url: "http://sink/dms", send_resolved: false}
routing:
  critical: [pager]
  warning: [chat]
  watchdog: dms
  teams:
    backend: {info: [chat]}
services:
  cache:
    team: backend
    kind: redis
    targets: ["redis-exporter:9121"]
    thresholds:
      hit_ratio: {warning: "< 60% for 15m"}
"""
UNREACHED = 'route.routes[1] (team="backend", severity="info" -> chat)'


def render(tmp_path: Path, text: str) -> int:
    """Only the alertmanager/ tree (what validate reads); the number of route tests it holds."""
    model, _ = build_model.build(source.load("spec.yaml", text.encode()))
    writer.write_tree(tmp_path, writer.to_bytes(alertmanager.build(model)))
    return len(am_routes.cases(model))


def test_a_team_route_no_alert_reaches_is_warned_by_name(tmp_path: Path) -> None:
    require_tool("amtool")
    tests = render(tmp_path, SPEC)
    log = io.StringIO()
    assert alertmanager_check.validate(tmp_path, full=True, log=log) == []
    assert log.getvalue().splitlines() == [
        f"warning: alertmanager/alertmanager.yml: no generated alert reaches {UNREACHED}",
        f"alertmanager route tests: {tests}/{tests} alert rules reach the spec's receivers (amtool), 3/4 routes reached",
    ]


def test_the_quick_check_of_make_render_warns_too(tmp_path: Path) -> None:
    require_tool("amtool")
    render(tmp_path, SPEC)
    log = io.StringIO()
    assert alertmanager_check.validate(tmp_path, full=False, log=log) == []
    assert log.getvalue() == f"warning: alertmanager/alertmanager.yml: no generated alert reaches {UNREACHED}\n"


def test_no_warning_once_an_alert_reaches_the_route(tmp_path: Path) -> None:
    require_tool("amtool")
    render(tmp_path, SPEC.replace('{warning: "< 60% for 15m"}', '{info: "< 80% for 15m", warning: "< 60% for 15m"}'))
    log = io.StringIO()
    assert alertmanager_check.validate(tmp_path, full=False, log=log) == []
    assert log.getvalue() == ""


def test_amtool_runs_once_per_route_class_and_a_pass_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("amtool")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "out"
    render(root, SPEC)
    runs: list[list[str]] = []
    real = tools.run

    def counting(tool: str, args: list[str], cwd: Path, timeout: int = 300) -> tools.Result:
        if args[:3] == ["config", "routes", "test"]:
            runs.append(list(args))
        return real(tool, args, cwd, timeout)

    monkeypatch.setattr(tools, "run", counting)
    tests = yaml.safe_load((root / alertmanager.ROUTE_TESTS).read_text())["tests"]
    classes = route_classes.classes(yaml.safe_load((root / alertmanager.CONFIG).read_text()), tests)
    assert alertmanager_check.validate(root, full=True, log=io.StringIO()) == []
    assert len(runs) == len(classes) < len(tests)
    assert alertmanager_check.validate(root, full=True, log=io.StringIO()) == []
    assert len(runs) == len(classes)  # every class on record
    config = root / alertmanager.CONFIG
    config.write_text(config.read_text().replace("receiver: pager\n", "receiver: chat\n", 1))  # criticals now go to chat
    critical = [t for t in tests if t["labels"]["severity"] == "critical"]
    changed = route_classes.classes(yaml.safe_load(config.read_text()), tests)
    failing = [members for members in changed.values() if tests[members[0]]["labels"]["severity"] == "critical"]
    # The config changed, so every class runs again, and each test of a failing class; then only the failing ones.
    for expected_runs in (len(changed) - len(failing) + len(critical), len(critical)):
        before = len(runs)
        problems = alertmanager_check.validate(root, full=True, log=io.StringIO())
        assert len(problems) == 2 * len(critical)  # the simulation and amtool, once per critical alert rule
        assert len(runs) - before == expected_runs

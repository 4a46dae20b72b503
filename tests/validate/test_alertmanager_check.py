"""alertmanager_check.validate: what `make render` / `make check` print about the route tree.

The spec below routes backend's info alerts to a team channel, but backend has no info alert (its only
threshold is a warning): no generated alert reaches that route, and the check says so by name.
"""

from __future__ import annotations

import io
from pathlib import Path

from generators.model import build_model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.pipeline import writer
from generators.spec import source
from generators.validate import alertmanager_check
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

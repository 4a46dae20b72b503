"""alertmanager_check.validate: what `make render` / `make check` print about the route tree.

The spec below routes backend's info alerts to a team channel, but backend has no info alert (its only
threshold is a warning): no generated alert reaches that route, and the check says so by name.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from generators.catalog import versions
from generators.model import build_model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.pipeline import spec as pipeline_spec
from generators.pipeline import writer
from generators.spec import source
from generators.validate import alertmanager_check, route_classes, suite, tools
from tests.conftest import ROOT, require_set_tool, require_tool

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


@pytest.mark.parametrize(
    ("toolset", "warned"),
    [(tools.STABLE, True), (tools.CURRENT, False)],
    ids=["the stable set warns and counts", "the current set only counts: the warning is said once"],
)
def test_a_team_route_no_alert_reaches_is_warned_by_name(tmp_path: Path, toolset: str, warned: bool) -> None:
    require_set_tool("amtool", toolset)
    amtool = versions.table().owner("amtool").version(toolset)
    tests = render(tmp_path, SPEC)
    log = io.StringIO()
    assert alertmanager_check.validate(tmp_path, full=True, toolset=toolset, log=log) == []
    assert log.getvalue().splitlines() == [f"warning: alertmanager/alertmanager.yml: no generated alert reaches {UNREACHED}"] * warned + [
        f"alertmanager route tests: {tests}/{tests} alert rules reach the spec's receivers (amtool {amtool}), 3/4 routes reached",
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


# -- both version sets: a template one Alertmanager lacks, a template that fails only when executed ---------------------------
def example_tree(tmp_path: Path, title: str) -> Path:
    """The example spec's alertmanager/ tree with the Slack title's alert name (its first one) written as `title`."""
    model, _ = pipeline_spec.load(ROOT / "monitoring.yaml")
    files = writer.to_bytes(alertmanager.build(model))
    slack = "alertmanager/templates/slack.tmpl"
    assert files[slack].decode().split("\n")[3].startswith("{{ .CommonLabels.alertname }}")  # in slack.monitoring.title
    files[slack] = files[slack].decode().replace("{{ .CommonLabels.alertname }}", title, 1).encode()
    writer.write_tree(tmp_path, files)
    return tmp_path


def test_a_template_function_only_the_current_alertmanager_has_fails_on_the_stable_set_by_name(tmp_path: Path) -> None:
    for toolset in tools.SETS:
        require_set_tool("amtool", toolset)
    root = example_tree(tmp_path, "{{ .CommonLabels.alertname | trimSpace }}")  # added after Alertmanager 0.25
    problems, missing = suite.on_every_set(alertmanager_check.validate, root, False)
    assert missing == []
    (problem,) = problems
    assert problem.startswith(f"{tools.label(tools.STABLE)}: amtool check-config alertmanager/alertmanager.yml:\n")
    assert 'FAILED: template: slack.tmpl:4: function "trimSpace" not defined' in problem


def test_template_render_finds_what_check_config_cannot_on_both_sets(tmp_path: Path) -> None:
    for toolset in tools.SETS:
        require_set_tool("amtool", toolset)
    root = example_tree(tmp_path, "{{ .CommonLabels.alertname.Foo }}")  # parses; fails when executed
    problems, _ = suite.on_every_set(alertmanager_check.validate, root, False)
    assert problems == [
        "amtool template render (text, the 10 templated receiver fields):\n"
        'amtool: error: template: slack.tmpl:4:16: executing "slack.monitoring.title" at <.CommonLabels.alertname.Foo>: '
        "can't evaluate field Foo in type string"
    ]  # the same on both sets: said once, without a set's name


def test_both_alertmanagers_send_the_same_pagerduty_details(tmp_path: Path) -> None:
    """0.25 defaulted the details to text, 0.33 to JSON: the rendered config writes them out, so both send this."""
    root = example_tree(tmp_path, "{{ .CommonLabels.alertname }}")
    alert = {
        "status": "firing",
        "labels": {"alertname": "ApiHighErrorRate", "service": "api"},
        "annotations": {"summary": "too many requests fail"},
        "startsAt": "2024-01-01T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
    }
    data = {"receiver": "pager", "status": "firing", "alerts": [alert], "groupLabels": {}, "commonLabels": alert["labels"]}
    (tmp_path / "data.json").write_text(json.dumps({**data, "commonAnnotations": {}, "externalURL": "http://am"}))
    config = yaml.safe_load((root / alertmanager.CONFIG).read_text())
    (details,) = [c["details"] for r in config["receivers"] for c in r.get("pagerduty_configs", [])][:1]
    rendered = {}
    for toolset in tools.SETS:
        args = ["template", "render", "--template.glob=templates/*.tmpl", f"--template.data={tmp_path / 'data.json'}"]
        result = tools.run("amtool", [*args, f"--template.text={details['firing']}"], root / "alertmanager", toolset=require_set(toolset))
        assert result.ok, result.output
        rendered[toolset] = result.output
    assert (
        rendered[tools.STABLE]
        == rendered[tools.CURRENT]
        == (
            "Labels:\n - alertname = ApiHighErrorRate\n - service = api\nAnnotations:\n - summary = too many requests fail\nSource: http://prometheus/graph"
        )
    )


def require_set(toolset: str) -> str:
    require_set_tool("amtool", toolset)
    return toolset


def test_amtool_runs_once_per_route_class_and_a_pass_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("amtool")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "out"
    render(root, SPEC)
    runs: list[list[str]] = []
    real = tools.run

    def counting(tool: str, args: list[str], cwd: Path, timeout: int = 300, toolset: str = tools.STABLE) -> tools.Result:
        if args[:3] == ["config", "routes", "test"]:
            runs.append(list(args))
        return real(tool, args, cwd, timeout, toolset)

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

"""Alertmanager output: receivers, route tree, inhibition, time intervals, templates, route tests, spec errors.

The fixture (tests/cases/alertmanager/spec.yaml) uses every channel type, a team route with `continue`,
a team-only escalation, an info digest, a maintenance window, a timing override and an explicit default.
Expected values below were worked out from the spec by hand, not copied from the output.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.errors import SpecError
from generators.model.types import Model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.outputs.docs import runbooks
from generators.pipeline import render, spec, writer
from generators.validate import alertmanager_check
from tests.conftest import ROOT, require_tool

FIXTURE = ROOT / "tests" / "cases" / "alertmanager" / "spec.yaml"
GOOD = FIXTURE.read_text()


def load(text: str, tmp_path: Path) -> tuple[Model, list[str]]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    model, warnings = spec.load(path)
    return model, [str(w) for w in warnings if "demo-app" not in str(w)]  # the routing's warnings (demo app: test_demo_coverage)


def mutate(old: str, new: str) -> str:
    assert old in GOOD, f"fixture no longer contains {old!r}"
    return GOOD.replace(old, new)


@pytest.fixture(scope="module")
def model() -> Model:
    return spec.load(FIXTURE)[0]


@pytest.fixture(scope="module")
def config(model: Model) -> dict[str, Any]:
    return alertmanager.config(model)


@pytest.fixture(scope="module")
def tree(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture rendered into a scratch tree, as `make render` writes it (no /run/secrets anywhere)."""
    root = tmp_path_factory.mktemp("am")
    writer.write_tree(root, render.documents(model))
    return root


# -- receivers ---------------------------------------------------------------------------------------
SLACK_TEXT = {"title": '{{ template "slack.monitoring.title" . }}', "text": '{{ template "slack.monitoring.text" . }}'}
alerts_pager: dict[str, Any] = {}
RECEIVERS = {
    "alerts": {"slack_configs": [{"send_resolved": True, "api_url_file": "/run/secrets/slack_alerts", "channel": "#alerts", **SLACK_TEXT}]},
    "alerts+pager": alerts_pager,
}
alerts_pager.update(
    {
        "slack_configs": [{"send_resolved": True, "api_url_file": "/run/secrets/slack_alerts", "channel": "#alerts", **SLACK_TEXT}],
        "pagerduty_configs": [
            {
                "send_resolved": True,
                "routing_key_file": "/run/secrets/pd_key",
                "description": '{{ template "pagerduty.monitoring.description" . }}',
                "severity": '{{ if eq .CommonLabels.severity "critical" "warning" "info" }}'
                "{{ .CommonLabels.severity }}{{ else }}error{{ end }}",
                "details": {
                    "firing": '{{ template "pagerduty.monitoring.instances" .Alerts.Firing }}',
                    "resolved": '{{ template "pagerduty.monitoring.instances" .Alerts.Resolved }}',
                    "num_firing": "{{ .Alerts.Firing | len }}",
                    "num_resolved": "{{ .Alerts.Resolved | len }}",
                },
            }
        ],
    }
)
RECEIVERS |= {
    "digest": {
        "email_configs": [
            {
                "send_resolved": True,
                "to": "a@example.com",
                "from": "am@example.com",
                "smarthost": "smtp.example.com:587",
                "require_tls": False,
                "auth_username": "am",
                "auth_password_file": "/run/secrets/smtp_pw",
                "headers": {"Subject": '{{ template "email.monitoring.subject" . }}'},
                "html": '{{ template "email.monitoring.html" . }}',
                "text": '{{ template "email.monitoring.text" . }}',
            }
        ]
    },
    "dms": {"webhook_configs": [{"send_resolved": False, "url": "http://dms.example/ping"}]},
    "genie": {
        "opsgenie_configs": [
            {
                "send_resolved": True,
                "api_key_file": "/run/secrets/og_key",
                "message": '{{ template "slack.monitoring.title" . }}',
                "description": '{{ template "email.monitoring.text" . }}',
                "responders": [{"name": "db-team", "type": "team"}],
            }
        ]
    },
    "pager": {"pagerduty_configs": [alerts_pager["pagerduty_configs"][0]]},  # the failure alert when Slack fails
    "triage": {"webhook_configs": [{"send_resolved": True, "url": "http://triage.example/hook", "max_alerts": 10}]},
    "warnings": {"slack_configs": [{"send_resolved": True, "api_url_file": "/run/secrets/slack_warn", "channel": "#warn", **SLACK_TEXT}]},
}


def test_one_receiver_per_channel_combination_sorted_by_name(config: dict[str, Any]) -> None:
    assert [r["name"] for r in config["receivers"]] == sorted(RECEIVERS)


@pytest.mark.parametrize("name", sorted(RECEIVERS), ids=lambda n: f"receiver {n} renders its channels' configs")
def test_receiver_configs(config: dict[str, Any], name: str) -> None:
    found = {r["name"]: r for r in config["receivers"]}[name]
    assert found == {"name": name, **RECEIVERS[name]}


def test_webhook_url_secret_renders_url_file_and_warns(tmp_path: Path) -> None:
    text = mutate('dms: {type: webhook, url: "http://dms.example/ping"', "dms: {type: webhook, url_secret: dms_url")
    model, warnings = load(text, tmp_path)
    dms = {r["name"]: r for r in alertmanager.config(model)["receivers"]}["dms"]
    assert dms["webhook_configs"] == [{"send_resolved": False, "url_file": "/run/secrets/dms_url"}]
    assert warnings == [
        f"{tmp_path}/spec.yaml:10:36: channels.dms.url_secret: warning: renders `url_file:`, which needs Alertmanager >= 0.28 "
        "(0.25 rejects the config, 0.26 and 0.27 crash when the webhook answers an error); use `url:` for a URL that is not a secret"
    ]


# -- route tree ---------------------------------------------------------------------------------------
ROUTES = [  # (matchers, receiver, continue, repeat_interval)
    (['alertname="Watchdog"'], "dms", False, "1m"),
    # the stack's alert about failing notifications of one integration goes to the route's other channels
    (['alertname="AlertmanagerNotificationsFailing"', 'severity="critical"', 'integration="pagerduty"'], "alerts", False, "1h"),
    (['alertname="AlertmanagerNotificationsFailing"', 'severity="critical"', 'integration="slack"'], "pager", False, "1h"),
    (['escalation="after-30m"', 'severity="warning"', 'team="data"'], "alerts+pager", False, "12h"),
    (['escalation="after-30m"', 'severity="warning"'], "alerts", False, "12h"),
    (['team="backend"', 'severity="critical"'], "genie", True, "1h"),
    (['team="data"', 'severity="warning"'], "alerts", False, "12h"),
    (['severity="critical"'], "alerts+pager", False, "1h"),
    (['severity="warning"'], "warnings", False, "12h"),
    (['severity="info"'], "digest", False, "24h"),
]


def test_route_tree_order_watchdog_escalations_teams_severities(config: dict[str, Any]) -> None:
    got = [(r["matchers"], r["receiver"], r.get("continue", False), r["repeat_interval"]) for r in config["route"]["routes"]]
    assert got == ROUTES


def test_root_route_is_a_visible_default_with_default_grouping(config: dict[str, Any]) -> None:
    root = {k: v for k, v in config["route"].items() if k != "routes"}
    assert root == {
        "receiver": "triage",
        "group_by": ["alertname", "service"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
    }


def test_info_only_in_business_hours_and_maintenance_mutes_all_but_watchdog(config: dict[str, Any]) -> None:
    routes = config["route"]["routes"]
    assert [r.get("active_time_intervals") for r in routes] == [None] * 9 + [["business-hours"]]
    assert [r.get("mute_time_intervals") for r in routes] == [None] + [["weekly"]] * 9
    assert config["time_intervals"] == [
        {
            "name": "business-hours",
            "time_intervals": [
                {"weekdays": ["monday:friday"], "times": [{"start_time": "08:00", "end_time": "17:00"}], "location": "Europe/Paris"}
            ],
        },
        {
            "name": "weekly",
            "time_intervals": [
                {
                    "weekdays": ["saturday"],
                    "times": [{"start_time": "01:00", "end_time": "02:00"}],
                    "days_of_month": ["1:7"],
                    "months": ["january", "june"],
                }
            ],
        },
    ]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "1h"}),  # spec overrides repeat_interval
        ("warning", {"group_wait": "1m", "group_interval": "10m", "repeat_interval": "12h"}),
        ("info", {"group_wait": "5m", "group_interval": "1h", "repeat_interval": "24h"}),
    ],
    ids=["critical uses the spec's repeat_interval", "warning uses the defaults", "info is a slow digest"],
)
def test_severity_timings(config: dict[str, Any], severity: str, expected: dict[str, str]) -> None:
    route = next(r for r in config["route"]["routes"] if r["matchers"] == [f'severity="{severity}"'])
    assert {k: route[k] for k in expected} == expected


def test_without_business_hours_or_info_route_no_time_interval_is_declared(tmp_path: Path) -> None:
    text = mutate("  info: [digest]\n", "").replace(
        '  business_hours: {weekdays: "monday:friday", times: "08:00-17:00", location: Europe/Paris}\n', ""
    )
    text = text.replace('info: "> 1% for 10m", ', "")
    model, warnings = load(text, tmp_path)
    assert [i["name"] for i in alertmanager.config(model)["time_intervals"]] == ["weekly"]
    assert warnings == [f"{tmp_path}/spec.yaml:9:11: channels.digest: warning: channel 'digest' is defined but no route uses it"]


# -- expected receivers: the spec's semantics --------------------------------------------------------
@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"alertname": "Watchdog", "severity": "none", "team": "platform"}, ["dms"]),
        ({"alertname": "ApiHighErrorRate", "severity": "critical", "team": "backend"}, ["genie", "alerts+pager"]),
        ({"alertname": "ApiHighErrorRate", "severity": "warning", "team": "backend"}, ["warnings"]),
        ({"alertname": "DbDown", "severity": "critical", "team": "data"}, ["alerts+pager"]),
        ({"alertname": "DbSlowQueries", "severity": "warning", "team": "data"}, ["alerts"]),
        ({"alertname": "HostClockSkew", "severity": "warning", "team": "platform", "escalation": "after-30m"}, ["alerts"]),
        ({"alertname": "DbSlowQueries", "severity": "warning", "team": "data", "escalation": "after-30m"}, ["alerts+pager"]),
        ({"alertname": "ApiHighErrorRate", "severity": "info", "team": "backend"}, ["digest"]),
        ({"alertname": "Unknown", "severity": "page-me", "team": "platform"}, ["triage"]),
    ],
    ids=[
        "the watchdog reaches only the dead man's switch",
        "a team with continue fans out to its channel and the severity default",
        "a team without channels for a severity falls back to the severity default",
        "a team without critical channels gets the critical default",
        "a team's warning channel replaces the default without continue",
        "an escalated warning reaches the escalation channel only",
        "a team escalation adds its channel to the global one",
        "info goes to the digest",
        "an unknown severity reaches the visible default receiver",
    ],
)
def test_expected_receivers(model: Model, labels: dict[str, str], receivers: list[str]) -> None:
    assert am_routes.expected_receivers(model, labels) == receivers
    # Alertmanager's own matching algorithm on the rendered tree agrees
    assert [r for _, r in am_routes.simulate(alertmanager.config(model)["route"], labels)] == receivers


def test_without_default_unrouted_alerts_go_to_the_warning_channels(tmp_path: Path) -> None:
    model, _ = load(mutate("  default: triage\n", "").replace("  triage: {", "  # triage: {"), tmp_path)
    assert am_routes.expected_receivers(model, {"severity": "page-me"}) == ["warnings"]
    assert alertmanager.config(model)["route"]["receiver"] == "warnings"


@pytest.mark.parametrize("spec_file", [FIXTURE, ROOT / "monitoring.yaml"], ids=["fixture", "monitoring.yaml"])
def test_every_tier_is_tested_and_every_route_reached(spec_file: Path) -> None:
    model = spec.load(spec_file)[0]
    tests = am_routes.cases(model)
    per_integration = sum(len(a.tiers) for a in am_routes.delivery_alerts(model)) * len(am_routes.integrations(model))
    assert len(tests) == sum(len(a.tiers) for a in model.alerts) + sum(len(s.tiers) for s in model.slos) + per_integration + len(
        model.reports
    )
    report = am_routes.coverage(alertmanager.config(model), tests)
    assert report["mismatched"] == []
    assert report["unreached_routes"] == []
    assert report["routes_reached"] == report["routes"]


def test_a_route_no_alert_reaches_is_reported(tmp_path: Path) -> None:
    model, _ = load(mutate('error_rate: {info: "> 1% for 10m", ', "error_rate: {"), tmp_path)
    report = am_routes.coverage(alertmanager.config(model), am_routes.cases(model))
    assert report["unreached_routes"] == ['route.routes[9] (severity="info" -> digest)']


def test_runbooks_list_the_same_channels_as_the_route_tests(model: Model) -> None:
    api = next(a for a in model.alerts if a.name == "ApiHighErrorRate")
    assert runbooks.receivers(model, api, "critical", None) == ["genie", "pager", "alerts"]
    db = next(a for a in model.alerts if a.name == "DbSlowQueries")
    assert runbooks.receivers(model, db, "warning", "after-30m") == ["alerts", "pager"]


def test_route_tests_file_lists_rendered_labels_and_receivers(model: Model) -> None:
    doc = alertmanager.build(model)[alertmanager.ROUTE_TESTS]
    case = next(t for t in doc["tests"] if t["labels"].get("escalation") and t["alert"] == "DbSlowQueries")
    assert case == {
        "alert": "DbSlowQueries",
        "labels": {"alertname": "DbSlowQueries", "escalation": "after-30m", "service": "db", "severity": "warning", "team": "data"},
        "receivers": ["alerts+pager"],
    }
    assert doc["coverage"] == {"alert_rules_tested": 76, "routes": 10, "routes_reached": 10, "unreached_routes": []}


# -- inhibition ----------------------------------------------------------------------------------------
def inhibited(rules: list[dict[str, Any]], source: dict[str, str], target: dict[str, str]) -> bool:
    """Alertmanager's inhibition: source and target matchers match, `equal` labels have equal values."""
    return any(
        all(am_routes.matches(m, source) for m in rule["source_matchers"])
        and all(am_routes.matches(m, target) for m in rule["target_matchers"])
        and all(source.get(k, "") == target.get(k, "") for k in rule["equal"])
        for rule in rules
    )


CPU = {"alertname": "HostHighCpuUsage", "service": "host", "instance": "node:9100"}


@pytest.mark.parametrize(
    ("source", "target", "muted"),
    [
        ({**CPU, "severity": "critical"}, {**CPU, "severity": "warning"}, True),
        ({**CPU, "severity": "critical"}, {**CPU, "severity": "warning", "escalation": "after-30m"}, True),
        ({**CPU, "severity": "critical"}, {**CPU, "service": "other", "severity": "warning"}, False),
        ({**CPU, "severity": "warning"}, {**CPU, "severity": "info"}, False),
        ({"alertname": "HostTargetDown", "instance": "node:9100", "severity": "critical"}, {**CPU, "severity": "critical"}, True),
        ({"alertname": "HostTargetDown", "instance": "node:9100"}, {**CPU, "instance": "other:9100", "severity": "warning"}, False),
        ({"alertname": "ApiTargetDown", "instance": "api:8000"}, {"alertname": "ApiHighErrorRate", "severity": "warning"}, False),
        ({"alertname": "HostTargetDown", "instance": "x:1"}, {"alertname": "DbTargetDown", "instance": "x:1"}, False),
        ({"alertname": "HostTargetDown", "instance": "x:1"}, {"alertname": "Watchdog", "severity": "none"}, False),
    ],
    ids=[
        "critical mutes the warning of the same alert and service",
        "critical mutes the escalated warning too",
        "critical does not mute another service",
        "warning does not mute info",
        "a target down mutes the other alerts of its instance",
        "a target down does not mute another instance",
        "a target down does not mute alerts without an instance label",
        "target-down alerts do not mute each other",
        "nothing mutes the watchdog",
    ],
)
def test_inhibition(config: dict[str, Any], source: dict[str, str], target: dict[str, str], muted: bool) -> None:
    assert inhibited(config["inhibit_rules"], source, target) is muted


def test_target_down_rule_names_every_target_down_alert(config: dict[str, Any]) -> None:
    names = "AlertmanagerTargetDown|ApiTargetDown|DbTargetDown|HostTargetDown|PrometheusTargetDown|PushgatewayTargetDown"
    assert config["inhibit_rules"][1] == {
        "source_matchers": [f'alertname=~"{names}"'],
        "target_matchers": [f'alertname!~"{names}"', 'instance=~".+"'],
        "equal": ["instance"],
    }


# -- determinism and secrets -------------------------------------------------------------------------------
def test_rendering_twice_gives_the_same_bytes(model: Model) -> None:
    first = writer.to_bytes(alertmanager.build(model))
    assert first == writer.to_bytes(alertmanager.build(spec.load(FIXTURE)[0]))
    assert first[alertmanager.CONFIG].startswith(b"# Generated by `make render` from monitoring.yaml.")


def test_every_secret_is_a_run_secrets_file(config: dict[str, Any]) -> None:
    files = sorted(
        value
        for r in config["receivers"]
        for key, configs in r.items()
        if key != "name"
        for c in configs
        for k, value in c.items()
        if k.endswith("_file")
    )
    assert files == [f"/run/secrets/{n}" for n in ("og_key", "pd_key", "pd_key", "slack_alerts", "slack_alerts", "slack_warn", "smtp_pw")]


DEFINED = "alerts, digest, dms, genie, pager, triage, warnings"
WATCHDOG_FIX = (
    "the Watchdog fires all the time, so it must reach a dead man's switch, never humans; use a webhook channel "
    '(example: watchdog: deadmans-switch with deadmans-switch: {type: webhook, url: "http://snitch.example/ping", send_resolved: false})'
)


# -- spec errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "type: opsgenie",
            "type: teams",
            "11:17: channels.genie.type: 'teams' is not allowed here (allowed: pagerduty, slack, email, webhook, opsgenie)",
        ),
        (
            "warning: [warnings]",
            "warning: [warnings, nowhere]",
            f"15:23: routing.warning[1]: channel 'nowhere' is not defined under channels: (defined: {DEFINED}); "
            'add it, e.g. channels: {nowhere: {type: webhook, url: "http://sink:8080/hook"}}',
        ),
        (
            "watchdog: dms",
            "watchdog: dmz",
            f"17:13: routing.watchdog: channel 'dmz' is not defined under channels: (defined: {DEFINED}); "
            "did you mean 'dms'? Otherwise add it, e.g. channels: {dmz: {type: webhook, url: \"http://sink:8080/hook\"}}",
        ),
        ("watchdog: dms", "watchdog: warnings", f"17:13: routing.watchdog: channel 'warnings' is a slack channel: {WATCHDOG_FIX}"),
        ("watchdog: dms", "watchdog: pager", f"17:13: routing.watchdog: channel 'pager' is a pagerduty channel: {WATCHDOG_FIX}"),
        (
            'times: "08:00-17:00"',
            'times: "17:00-08:00"',
            "26:54: routing.business_hours.times: '17:00-08:00' is not a time range (HH:MM-HH:MM, start before end; example: 09:00-18:00)",
        ),
        (
            "weekdays: saturday",
            "weekdays: caturday",
            "28:32: routing.maintenance[0].weekdays: 'caturday' is not a weekday range "
            "(day names, first day before last; examples: monday:friday, saturday, sunday)",
        ),
        (
            "location: Europe/Paris",
            "location: Mars/Olympus",
            "26:79: routing.business_hours.location: 'Mars/Olympus' is not a time zone (examples: UTC, Europe/Paris)",
        ),
        (
            "data: {warning: [alerts]}",
            "ops: {warning: [alerts]}",
            "21:10: routing.teams.ops: no service has team 'ops' (teams in this spec: backend, data, platform)",
        ),
        (
            "team: data}",
            "team: nobody}",
            "24:62: routing.escalations[1].team: no service has team 'nobody' (teams in this spec: backend, data, platform)",
        ),
        (
            'months: "january, june"',
            'months: "januar"',
            "28:94: routing.maintenance[0].months: 'januar' is not a month range (examples: december, 1:3)",
        ),
    ],
    ids=[
        "an unknown channel type",
        "a route names an undefined channel",
        "the watchdog names an undefined channel",
        "the watchdog names a slack channel: it would reach humans",
        "the watchdog names a pagerduty channel: it would page every minute",
        "a time range that ends before it starts",
        "a misspelt weekday",
        "an unknown time zone",
        "a team route for a team no service has",
        "an escalation for a team no service has",
        "a misspelt month",
    ],
)
def test_spec_errors_are_located_and_explained(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(SpecError) as err:
        load(mutate(old, new), tmp_path)
    assert [str(p) for p in err.value.problems] == [f"{tmp_path}/spec.yaml:{message}"]


@pytest.mark.parametrize(
    ("old", "new", "warning"),
    [
        (
            "  warnings: {type: slack",
            '  spare: {type: slack, channel: "#s", webhook_secret: s}\n  warnings: {type: slack',
            "8:10: channels.spare: warning: channel 'spare' is defined but no route uses it",
        ),
        (
            "  watchdog: dms\n",
            "",
            "14:3: routing: warning: no `watchdog:` channel: the Watchdog alert goes nowhere (e.g. watchdog: deadmans-switch, a webhook; watchdog: false says so on purpose)",
        ),
    ],
    ids=["a channel no route uses", "no watchdog channel"],
)
def test_spec_warnings(tmp_path: Path, old: str, new: str, warning: str) -> None:
    text = mutate(old, new)
    if "watchdog" in old:
        text = text.replace("  dms: {", "  # dms: {")
    _, warnings = load(text, tmp_path)
    assert warnings == [f"{tmp_path}/spec.yaml:{warning}"]


# -- the real tool ---------------------------------------------------------------------------------------------------
def test_amtool_accepts_the_config_and_every_route_test(tree: Path) -> None:
    require_tool("amtool")
    assert alertmanager_check.validate(tree, full=True) == []


def test_amtool_route_tests_catch_a_tree_that_disagrees_with_the_spec(tree: Path, tmp_path: Path) -> None:
    require_tool("amtool")
    broken = tmp_path / "broken"
    writer.write_tree(broken, {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*") if p.is_file()})
    doc = yaml.safe_load((broken / alertmanager.CONFIG).read_text())
    doc["route"]["routes"][6]["receiver"] = "warnings"  # team data's warnings now go to the default channel
    (broken / alertmanager.CONFIG).write_text(writer.dump_yaml(doc))
    problems = alertmanager_check.validate(broken, full=True)
    data_warnings = sum(
        1
        for t in alertmanager.build(spec.load(FIXTURE)[0])[alertmanager.ROUTE_TESTS]["tests"]
        if t["labels"]["team"] == "data" and t["labels"]["severity"] == "warning" and "escalation" not in t["labels"]
    )
    assert len(problems) == 2 * data_warnings  # the simulation and amtool both object, once per data warning tier
    assert (
        f"{alertmanager.ROUTE_TESTS}: DbSlowQueries {{alertname=DbSlowQueries, service=db, severity=warning, team=data}}: "
        "the spec says it reaches alerts, amtool routes it to warnings"
    ) in problems


def test_amtool_rejects_an_invalid_config(tree: Path, tmp_path: Path) -> None:
    require_tool("amtool")
    broken = tmp_path / "broken"
    writer.write_tree(broken, {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*") if p.is_file()})
    config = broken / alertmanager.CONFIG
    config.write_text(config.read_text().replace("api_url_file:", "api_url_fiel:", 1))
    (problem,) = alertmanager_check.validate(broken, full=False)
    assert problem.startswith("amtool check-config alertmanager/alertmanager.yml:")
    assert "field api_url_fiel not found" in problem


# -- templates, rendered by amtool ----------------------------------------------------------------------------------------
def alert(status: str, instance: str | None = None) -> dict[str, Any]:
    labels = {"alertname": "ApiHighErrorRate", "service": "api", "severity": "critical", "team": "backend"}
    if instance:
        labels["instance"] = instance
    return {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": "High error rate",
            "description": f"Errors are {status}.",
            "runbook_url": "https://rb.example/ApiHighErrorRate.md",
            "dashboard_url": "http://g.example/d/sh?var-service=api&viewPanel=7",
        },
        "startsAt": "2024-01-01T00:00:00Z",
        "endsAt": "2024-01-01T01:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
    }


def render_template(tree: Path, tmp_path: Path, name: str, alerts: list[dict[str, Any]], kind: str = "text") -> str:
    require_tool("amtool")
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    common = {"alertname": "ApiHighErrorRate", "service": "api", "severity": "critical", "team": "backend"}
    data = {
        "receiver": "alerts+pager",
        "status": status,
        "alerts": alerts,
        "groupLabels": {},
        "commonLabels": common,
        "commonAnnotations": {"summary": "High error rate"},
        "externalURL": "http://ignored",
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    args = [
        "amtool",
        "template",
        "render",
        "--template.glob=templates/*.tmpl",
        f"--template.type={kind}",
        f"--template.data={tmp_path / 'data.json'}",
    ]
    proc = subprocess.run(
        [*args, f'--template.text={{{{ template "{name}" . }}}}'], cwd=tree / "alertmanager", capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


SILENCE = "http://am.example:9093/#/silences/new?filter=%7Balertname%3D%22ApiHighErrorRate%22%2C{}service%3D%22api%22%2Cseverity%3D%22critical%22%2Cteam%3D%22backend%22%7D"


LINKS = "<https://rb.example/ApiHighErrorRate.md|Runbook> | <http://g.example/d/sh?var-service=api&viewPanel=7|Dashboard>"


def test_slack_message_lists_every_alert_with_its_links(tree: Path, tmp_path: Path) -> None:
    text = render_template(tree, tmp_path, "slack.monitoring.text", [alert("firing"), alert("resolved", "api:8000")])
    assert text.splitlines() == [
        ":fire: *FIRING* `critical` *ApiHighErrorRate*: High error rate",
        "Errors are firing.",
        f"{LINKS} | <{SILENCE.format('')}|Silence>",
        ":white_check_mark: *RESOLVED* `critical` *ApiHighErrorRate*: High error rate",
        "Errors are resolved.",
        "Instance: `api:8000`",
        f"{LINKS} | <{SILENCE.format('instance%3D%22api%3A8000%22%2C')}|Silence>",
    ]


@pytest.mark.parametrize(
    ("name", "alerts", "expected"),
    [
        ("slack.monitoring.title", ["firing", "firing"], "[FIRING:2] ApiHighErrorRate (api)"),
        ("slack.monitoring.title", ["resolved"], "[RESOLVED] ApiHighErrorRate (api)"),
        ("email.monitoring.subject", ["firing", "resolved"], "[FIRING:1] ApiHighErrorRate (api)"),
        ("email.monitoring.subject", ["resolved", "resolved"], "[RESOLVED] ApiHighErrorRate (api)"),
        ("pagerduty.monitoring.description", ["resolved"], "[RESOLVED] ApiHighErrorRate (api): High error rate"),
    ],
    ids=[
        "slack title counts firing alerts",
        "slack title says resolved",
        "email subject counts only firing",
        "email subject says resolved",
        "pagerduty says resolved",
    ],
)
def test_titles(tree: Path, tmp_path: Path, name: str, alerts: list[str], expected: str) -> None:
    assert render_template(tree, tmp_path, name, [alert(s) for s in alerts]) == expected


def test_email_html_escapes_the_silence_link_for_its_url_context(tree: Path, tmp_path: Path) -> None:
    html = render_template(tree, tmp_path, "email.monitoring.html", [alert("resolved", "api:8000")], kind="html")
    assert "<p>All alerts of this group are resolved.</p>" in html
    assert "<td>RESOLVED</td>" in html
    silence = SILENCE.format("instance%3D%22api%3A8000%22%2C").replace("%7B", "%7b").replace("%3D", "%3d").replace("%2C", "%2c")
    silence = silence.replace("%7D", "%7d").replace("%3A", "%3a")
    assert f'<a href="{silence}">Silence</a>' in html
    assert '<a href="http://g.example/d/sh?var-service=api&amp;viewPanel=7">Dashboard</a>' in html


def test_email_text_lists_runbook_dashboard_and_silence(tree: Path, tmp_path: Path) -> None:
    text = render_template(tree, tmp_path, "email.monitoring.text", [alert("firing")])
    assert text.splitlines() == [
        "[FIRING:1] ApiHighErrorRate (api)",
        "",
        "FIRING [critical] ApiHighErrorRate: High error rate",
        "Errors are firing.",
        "Runbook: https://rb.example/ApiHighErrorRate.md",
        "Dashboard: http://g.example/d/sh?var-service=api&viewPanel=7",
        f"Silence: {SILENCE.format('')}",
    ]


def test_without_a_watchdog_channel_the_watchdog_is_discarded_not_sent_to_humans(tmp_path: Path) -> None:
    model, _ = load(mutate("  watchdog: dms\n", "").replace("  dms: {", "  # dms: {"), tmp_path)
    doc = alertmanager.config(model)
    assert doc["route"]["routes"][0] == {
        "matchers": ['alertname="Watchdog"'],
        "receiver": "discard",
        "group_wait": "0s",
        "group_interval": "1m",
        "repeat_interval": "1m",
    }
    assert {"name": "discard"} in doc["receivers"]


def test_info_digest_defaults_to_weekday_office_hours_utc(tmp_path: Path) -> None:
    model, _ = load(mutate('  business_hours: {weekdays: "monday:friday", times: "08:00-17:00", location: Europe/Paris}\n', ""), tmp_path)
    assert alertmanager.config(model)["time_intervals"][0] == {
        "name": "business-hours",
        "time_intervals": [{"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "18:00"}], "location": "UTC"}],
    }

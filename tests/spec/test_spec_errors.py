"""Bad input: a good spec plus one mutation per case, asserting the exact message users see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generators.errors import SpecError
from generators.pipeline import spec
from generators.spec import source
from tests.conftest import ROOT, require_tool

GOOD = (Path(__file__).parents[1] / "fixtures" / "good.yaml").read_text()


def problems_for(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "monitoring.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        spec.load(path)
    return [str(p).replace(str(path), "monitoring.yaml") for p in caught.value.problems]


def mutate(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, f"mutation anchor {old!r} must appear exactly once"
    return GOOD.replace(old, new)


def test_the_good_spec_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(GOOD)
    model, warnings = spec.load(path)
    assert [a.name for a in model.alerts if a.service == "api" and a.kind == "http"] == [
        "ApiTargetDown",
        "ApiTargetScrapeEmpty",
        "ApiMetricAbsent",
        "ApiHighErrorRate",
        "ApiHighLatencyP95",
    ]
    # No Watchdog receiver is allowed (the Watchdog then reaches only the default route), but it is said.
    assert [str(w).replace(str(path), "monitoring.yaml") for w in warnings] == [
        "monitoring.yaml:12:3: routing: warning: no `watchdog:` channel: the Watchdog alert goes nowhere (e.g. watchdog: deadmans-switch, a webhook; watchdog: false says so on purpose)"
    ]


CASES = [
    (
        "a duration written in words",
        ("scrape_interval: 15s", "scrape_interval: 5 minutes"),
        "monitoring.yaml:3:20: stack.scrape_interval: '5 minutes' is not a duration (examples: 30s, 5m, 1h30m, 7d)",
    ),
    (
        "a percentage above 100%",
        ('critical: "> 5% for 5m"', 'critical: "> 105% for 5m"'),
        "monitoring.yaml:22:55: services.api.thresholds.error_rate.critical: '105%' is not a percentage between 0% and 100% (examples: 5%, 0.05)",
    ),
    (
        "a percentage written as a word",
        ('critical: "> 5% for 5m"', 'critical: "> 5 percent for 5m"'),
        "monitoring.yaml:22:55: services.api.thresholds.error_rate.critical: '5 percent' is not a percentage (examples: 5%, 0.05)",
    ),
    (
        "a bad duration inside a threshold",
        ('critical: "> 5% for 5m"', 'critical: "> 5% for 5 minutes"'),
        "monitoring.yaml:22:55: services.api.thresholds.error_rate.critical: in '> 5% for 5 minutes': '5 minutes' is not a duration (examples: 30s, 5m, 1h30m, 7d)",
    ),
    (
        "a threshold with no comparison",
        ('critical: "> 5% for 5m"', 'critical: "5% for 5m"'),
        "monitoring.yaml:22:55: services.api.thresholds.error_rate.critical: '5% for 5m' has no comparison; write e.g. \"> 5% for 5m\" (operators: > >= < <=)",
    ),
    (
        "a comparison on the wrong side of the signal",
        ('hit_ratio: {warning: "< 60% for 15m"}', 'hit_ratio: {warning: "> 60% for 15m"}'),
        "monitoring.yaml:29:28: services.cache.thresholds.hit_ratio.warning: '>' does not fit this signal (bad when below the threshold); use < or <=, e.g. \"< 60%\"",
    ),
    (
        "a warning not less severe than the critical",
        ('warning: "> 2% for 10m"', 'warning: "> 7% for 10m"'),
        'monitoring.yaml:22:29: services.api.thresholds.error_rate.warning: warning (> 7% for 10m) must be less severe than critical (> 5% for 5m): its threshold must be lower, e.g. warning "> 2%" with critical "> 5%"',
    ),
    (
        "an unknown threshold name",
        ("      latency_p95:", "      latency_p59:"),
        "monitoring.yaml:23:7: services.api.thresholds.latency_p59: unknown key 'latency_p59'; did you mean 'latency_p99'? (allowed here: error_rate, latency_p50, latency_p95, latency_p99, metric_absent, scrape_empty, target_down, traffic_drop, traffic_spike)",
    ),
    (
        "an unknown top-level key",
        ("routing:\n", "routnig:\n"),
        [
            "monitoring.yaml:1:1: missing required key 'routing' (example: routing: {critical: [oncall-pager]})",
            "monitoring.yaml:11:1: routnig: unknown key 'routnig'; did you mean 'routing'? (allowed here: business, channels, containers, custom, defaults, ha, hosts, kubernetes, long_term_store, probes, remote_write, reports, routing, services, stack, version)",
        ],
    ),
    (
        "a required key missing",
        ("version: 1\n", ""),
        "monitoring.yaml:1:1: missing required key 'version' (example: version: 1)",
    ),
    (
        "the channels missing",
        (GOOD[GOOD.index("channels:\n") : GOOD.index("routing:\n")], ""),
        [
            "monitoring.yaml:1:1: missing required key 'channels' (example: channels: {oncall-pager: {type: pagerduty, routing_key_secret: pagerduty_routing_key}})",
            "monitoring.yaml:8:14: routing.critical[0]: channel 'pager' is not defined under channels: (defined: none); "
            'add it, e.g. channels: {pager: {type: webhook, url: "http://sink:8080/hook"}}',
            "monitoring.yaml:8:21: routing.critical[1]: channel 'chat' is not defined under channels: (defined: none); "
            'add it, e.g. channels: {chat: {type: webhook, url: "http://sink:8080/hook"}}',
            "monitoring.yaml:9:13: routing.warning[0]: channel 'chat' is not defined under channels: (defined: none); "
            'add it, e.g. channels: {chat: {type: webhook, url: "http://sink:8080/hook"}}',
            "monitoring.yaml:10:10: routing.info[0]: channel 'mail' is not defined under channels: (defined: none); "
            'add it, e.g. channels: {mail: {type: webhook, url: "http://sink:8080/hook"}}',
        ],
    ),
    (
        "a wrong type",
        ('targets: ["api:8000"]', "targets: api:8000"),
        "monitoring.yaml:19:14: services.api.targets: expected a list, got a string 'api:8000' (example: [\"api:8000\"])",
    ),
    (
        "an unknown service kind",
        ("kind: redis", "kind: rediss"),
        "monitoring.yaml:26:11: services.cache.kind: 'rediss' is not allowed here; did you mean 'redis'? (allowed: http, postgres, redis, queue, external_api, connections, mysql, histogram, gauge)",
    ),
    (
        "a channel referenced but not defined",
        ("warning: [chat]", "warning: [chatt]"),
        "monitoring.yaml:13:13: routing.warning[0]: channel 'chatt' is not defined under channels: (defined: chat, mail, pager); "
        "did you mean 'chat'? Otherwise add it, e.g. channels: {chatt: {type: webhook, url: \"http://sink:8080/hook\"}}",
    ),
    (
        "a pagerduty channel without its key's secret",
        ("{type: pagerduty, routing_key_secret: pd_key}", "{type: pagerduty}"),
        "monitoring.yaml:8:10: channels.pager: missing required key 'routing_key_secret' (example: routing_key_secret: pagerduty_routing_key)",
    ),
    (
        "a slack channel without its webhook's secret",
        (", webhook_secret: slack_hook}", "}"),
        "monitoring.yaml:9:9: channels.chat: missing required key 'webhook_secret' (example: webhook_secret: slack_alerts_webhook)",
    ),
    (
        "an opsgenie channel without its key's secret",
        ("{type: pagerduty, routing_key_secret: pd_key}", "{type: opsgenie}"),
        "monitoring.yaml:8:10: channels.pager: missing required key 'api_key_secret' (example: api_key_secret: opsgenie_api_key)",
    ),
    (
        "an email password secret that is not a file name",
        ('smarthost: "smtp.example.com:587"}', 'smarthost: "smtp.example.com:587", auth_password_secret: "my password"}'),
        "monitoring.yaml:10:120: channels.mail.auth_password_secret: 'my password' has the wrong form (example: \"smtp_password\")",
    ),
    (
        "an unknown channel type",
        ("type: slack,", "type: teams,"),
        "monitoring.yaml:9:16: channels.chat.type: 'teams' is not allowed here (allowed: pagerduty, slack, email, webhook, opsgenie)",
    ),
    (
        "a literal Slack webhook URL",
        ("webhook_secret: slack_hook", "webhook_url: https://hooks.slack.com/services/T0/B0/XYZ"),
        [
            "monitoring.yaml:9:9: channels.chat: missing required key 'webhook_secret' (example: webhook_secret: slack_alerts_webhook)",
            "monitoring.yaml:9:43: channels.chat.webhook_url: 'webhook_url' would put a secret in the spec; reference a secret file instead: 'webhook_secret: <name>' and store the value in compose/secrets/<name> (git-ignored)",
        ],
    ),
    (
        "a duplicate alert name",
        ("name: QuotaHigh", "name: ApiHighErrorRate"),
        "monitoring.yaml:31:5: custom[0]: alert name 'ApiHighErrorRate' is also produced by services.api.thresholds.error_rate (monitoring.yaml:22:7); rename the service or the custom alert",
    ),
    (
        "a service named custom, whose rule file the custom alerts write",
        ("  cache:\n", "  custom:\n"),
        "monitoring.yaml:30:1: custom: rule file 'prometheus/rules/custom.rules.yml' is also produced by services.custom (monitoring.yaml:24:3); rename the service that clashes with it",
    ),
    (
        "a service named like the file of an SLO",
        (
            '      latency_p95: {warning: "> 2s for 15m", critical: "> 3s for 10m"}\n  cache:\n',
            '      latency_p95: {warning: "> 2s for 15m", critical: "> 3s for 10m"}\n'
            '    slos:\n      availability: {sli: availability, objective: "99.5%", window: 30d}\n  slo-api-availability:\n',
        ),
        "monitoring.yaml:25:7: services.api.slos.availability: rule file 'prometheus/rules/slo-api-availability.rules.yml' is also produced by services.slo-api-availability (monitoring.yaml:26:3); rename the service or the SLO",
    ),
    (
        "two services whose names give the same alert-name prefix",
        ("  cache:\n", "  api-:\n"),
        "monitoring.yaml:24:3: services.api-: alert names start with 'Api', as those of services.api (monitoring.yaml:16:3) do: service names that differ only in their '-' give the same alert names; rename one of them",
    ),
    (
        "a custom expression that does not parse",
        ('max(quota_ratio{job="api"})', 'max(quota_ratio{job="api"}'),
        'monitoring.yaml:34:11: custom[0].expr: does not parse as PromQL: could not parse expression: 1:33: parse error: unclosed left parenthesis (rendered: max(quota_ratio{job="api"} > 0.9)',
    ),
    (
        "a custom expression that reaches for Python internals",
        ('max(quota_ratio{job="api"}) {{ op }}', "{{ cycler.__init__.__globals__ }} {{ op }}"),
        "monitoring.yaml:34:11: custom[0].expr: the template is refused by the sandbox: access to attribute '__init__' of 'type' object is unsafe; the expression may use only {{ op }} and {{ threshold }}, e.g. \"max by (tenant) (llm_quota_used_ratio{job=\\\"api\\\"}) {{ op }} {{ threshold }}\"",
    ),
    (
        "a custom expression that reads an attribute of a builtin",
        ('max(quota_ratio{job="api"}) {{ op }}', 'max(quota_ratio{job="api"}) {{ range.__class__ }} {{ op }}'),
        "monitoring.yaml:34:11: custom[0].expr: the template is refused by the sandbox: access to attribute '__class__' of 'function' object is unsafe; the expression may use only {{ op }} and {{ threshold }}, e.g. \"max by (tenant) (llm_quota_used_ratio{job=\\\"api\\\"}) {{ op }} {{ threshold }}\"",
    ),
    (
        "a custom expression with a misspelt variable",
        ("{{ op }} {{ threshold }}'", "{{ op }} {{ treshold }}'"),
        'monitoring.yaml:34:11: custom[0].expr: template error: \'treshold\' is undefined; the expression may use only {{ op }} and {{ threshold }}, e.g. "max by (tenant) (llm_quota_used_ratio{job=\\"api\\"}) {{ op }} {{ threshold }}"',
    ),
    (
        "a custom expression with a template syntax error",
        ("{{ op }} {{ threshold }}'", "{{ op ) {{ threshold }}'"),
        'monitoring.yaml:34:11: custom[0].expr: template syntax error: unexpected \')\'; the expression may use only {{ op }} and {{ threshold }}, e.g. "max by (tenant) (llm_quota_used_ratio{job=\\"api\\"}) {{ op }} {{ threshold }}"',
    ),
    (
        "a custom expression that fails to render",
        ("{{ op }} {{ threshold }}'", "{{ op }} {{ threshold + 1 }}'"),
        'monitoring.yaml:34:11: custom[0].expr: the template fails to render: TypeError: can only concatenate str (not "int") to str; the expression may use only {{ op }} and {{ threshold }}, e.g. "max by (tenant) (llm_quota_used_ratio{job=\\"api\\"}) {{ op }} {{ threshold }}"',
    ),
    (
        "a custom test series that reaches for Python internals",
        (
            'description: "Quota at {{ $value | humanizePercentage }}"\n',
            'description: "Quota at {{ $value | humanizePercentage }}"\n    test: {series: [{labels: \'quota_ratio{job="api"}\', value: "{{ v.__class__ }}"}]}\n',
        ),
        "monitoring.yaml:39:63: custom[0].test.series[0].value: the template is refused by the sandbox: access to attribute '__class__' of 'Decimal' object is unsafe; a series template may use v (the value under test), job, instance, service, t, n and restarts, e.g. value: \"{{ v }}\"",
    ),
    (
        "a custom test series with a misspelt variable",
        (
            'description: "Quota at {{ $value | humanizePercentage }}"\n',
            'description: "Quota at {{ $value | humanizePercentage }}"\n    test: {series: [{labels: \'quota_ratio{job="{{ jbo }}"}\', value: "{{ v }}"}]}\n',
        ),
        "monitoring.yaml:39:30: custom[0].test.series[0].labels: template error: 'jbo' is undefined; a series template may use v (the value under test), job, instance, service, t, n and restarts, e.g. labels: 'llm_quota_used_ratio{job=\"api\", tenant=\"acme\"}'",
    ),
    (
        "a custom test series value that is not a number",
        (
            'description: "Quota at {{ $value | humanizePercentage }}"\n',
            'description: "Quota at {{ $value | humanizePercentage }}"\n    test: {series: [{labels: \'quota_ratio{job="api"}\', value: "{{ v }}%"}]}\n',
        ),
        "monitoring.yaml:39:63: custom[0].test.series[0].value: renders '0.9%', not a number; e.g. value: \"{{ v }}\"",
    ),
    (
        "a custom test series value that is not finite",
        (
            'description: "Quota at {{ $value | humanizePercentage }}"\n',
            'description: "Quota at {{ $value | humanizePercentage }}"\n    test: {series: [{labels: \'quota_ratio{job="api"}\', value: "nan"}]}\n',
        ),
        "monitoring.yaml:39:63: custom[0].test.series[0].value: renders 'nan', not a number; e.g. value: \"{{ v }}\"",
    ),
    (
        "a custom selector that matches no scrape job",
        ('quota_ratio{job="api"}', 'quota_ratio{job="node"}'),
        'monitoring.yaml:31:5: custom[0]: selector job="node" matches no scrape job of this spec (declared: alertmanager, api, cache, prometheus, pushgateway): the alert could never fire',
    ),
    (
        "a custom description with an unsupported template",
        ('description: "Quota at {{ $value | humanizePercentage }}"', 'description: "Quota at {{ printf \\"%.2f\\" $value }}"'),
        'monitoring.yaml:38:18: custom[0].description: {{ printf "%.2f" $value }} is not supported here; use {{ $value }}, {{ $value | humanizePercentage }}, {{ $value | humanizeDuration }}, {{ $value | humanize }} or {{ $labels.name }}',
    ),
    (
        "a duplicate mapping key",
        ("  cache:\n", "  api:\n"),
        "monitoring.yaml:24:3: services.api: duplicate key 'api' (first defined at line 16); YAML keeps only the last one, so merge the two entries",
    ),
    (
        "an unknown YAML tag",
        ("scrape_interval: 15s", "scrape_interval: !foo 15s"),
        "monitoring.yaml:3:20: stack.scrape_interval: YAML tag '!foo' is not supported; remove it (e.g. scrape_interval: 15s)",
    ),
    (
        "an unknown YAML tag on a mapping",
        ("stack:\n", "stack: !foo\n"),
        "monitoring.yaml:2:8: stack: YAML tag '!foo' is not supported; remove it",
    ),
    (
        "a Python object tag",
        ("scrape_interval: 15s", "scrape_interval: !!python/name:os.system 15s"),
        "monitoring.yaml:3:20: stack.scrape_interval: YAML tag '!!python/name:os.system' is not supported; remove it (e.g. scrape_interval: 15s)",
    ),
    (
        "an impossible date",
        ("scrape_interval: 15s", "scrape_interval: 2001-13-45"),
        "monitoring.yaml:3:20: stack.scrape_interval: '2001-13-45' looks like a date but is not one (month must be in 1..12); quote it to keep it as text (e.g. \"2001-13-45\")",
    ),
    (
        "an impossible timestamp",
        ("scrape_interval: 15s", "scrape_interval: 2001-02-03 25:00:00"),
        "monitoring.yaml:3:20: stack.scrape_interval: '2001-02-03 25:00:00' looks like a date but is not one (hour must be in 0..23); quote it to keep it as text (e.g. \"2001-02-03 25:00:00\")",
    ),
    (
        "an impossible date as a key",
        ("grafana_url: http://grafana.test", "2001-02-30: http://grafana.test"),
        "monitoring.yaml:5:3: stack.2001-02-30: '2001-02-30' looks like a date but is not one (day is out of range for month); quote it to keep it as text (e.g. \"2001-02-30\")",
    ),
    (
        "a hexadecimal number with no digits",
        ("scrape_interval: 15s", "scrape_interval: 0x_"),
        "monitoring.yaml:3:20: stack.scrape_interval: '0x_' looks like an integer but is not one; quote it to keep it as text (e.g. \"0x_\")",
    ),
    (
        "an explicit tag the value does not fit",
        ("scrape_interval: 15s", "scrape_interval: !!int 15s"),
        "monitoring.yaml:3:20: stack.scrape_interval: '15s' is not a valid !!int; remove the tag or fix the value (e.g. 5)",
    ),
    (
        "a list as a key",
        ("grafana_url: http://grafana.test", "[grafana_url]: http://grafana.test"),
        "monitoring.yaml:5:3: stack: a key must be a name, not a list or mapping (e.g. api:)",
    ),
    (
        "a YAML syntax error",
        ("critical: [pager, chat]", "critical: [pager, chat"),
        "monitoring.yaml:13:10: YAML syntax error: expected ',' or ']', but got ':'",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_spec_is_reported_exactly(tmp_path: Path, mutation: tuple[str, str], expected: str | list[str]) -> None:
    if "PromQL" in str(expected):
        require_tool("promtool")
    assert problems_for(tmp_path, mutate(*mutation)) == (expected if isinstance(expected, list) else [expected])


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = mutate("scrape_interval: 15s", "scrape_interval: 5 minutes").replace("kind: redis", "kind: rediss")
    text = text.replace("warning: [chat]", "warning: [chatt]")
    found = problems_for(tmp_path, text)
    assert [p.split(": ")[1] for p in found] == ["stack.scrape_interval", "routing.warning[0]", "services.cache.kind"]


def test_empty_file(tmp_path: Path) -> None:
    assert problems_for(tmp_path, "# only a comment\n") == [
        "monitoring.yaml:1:1: the spec is empty; start from the example monitoring.yaml"
    ]


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_bytes(GOOD.encode().replace(b"#alerts", b"#al\xe9rts"))
    with pytest.raises(SpecError) as caught:
        spec.load(path)
    assert [str(p).replace(str(path), "monitoring.yaml") for p in caught.value.problems] == [
        "monitoring.yaml:9:36: byte 0xe9 is not valid UTF-8; save the file as UTF-8"
    ]


def alias_bomb() -> str:
    """Nine levels of ten aliases each: 10**9 values if expanded."""
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# Loads a spec in a fresh process and reports what it cost: how many values PyYAML constructed and how much
# the peak RSS grew. A fresh process, because ru_maxrss never decreases and xdist workers run other tests.
_MEASURE = """
import json, resource, sys
import yaml
from generators.pipeline import spec
from generators.errors import SpecError

constructed = 0
original = yaml.constructor.BaseConstructor.construct_object

def counting(self, node, deep=False):
    global constructed
    constructed += 1
    return original(self, node, deep)

yaml.constructor.BaseConstructor.construct_object = counting
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    spec.load(sys.argv[1])
    problems = []
except SpecError as exc:
    problems = [str(p) for p in exc.problems]
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"problems": problems, "constructed": constructed, "grown_kib": grown}))
"""


def test_alias_bomb_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(alias_bomb())
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True, check=True)
    report = json.loads(proc.stdout)
    assert [p.replace(str(path), "monitoring.yaml") for p in report["problems"]] == [
        "monitoring.yaml:1:53: e[7][8][8][8][9]: the document expands to more than 100000 values (an alias bomb?); write the values out or use fewer nested aliases"
    ]
    # Stopped at the budget (10**9 values if expanded), in memory terms too: ~30 MiB here, many GiB unchecked.
    assert report["constructed"] <= source.MAX_NODES
    assert report["grown_kib"] < 200 * 1024


DOCUMENT_CASES = [
    (
        "3,000 nested lists (6 KB)",
        "x: " + "[" * 3000 + "]" * 3000 + "\n",
        "monitoring.yaml:1:103: x[0][0][0][0]...: lists and mappings nest more than 100 levels deep; the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "3,000 nested flow mappings",
        "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "monitoring.yaml:1:400: x.a.a.a.a...: lists and mappings nest more than 100 levels deep; the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "150 nested block lists",
        "x:\n" + "".join("  " * i + "- \n" for i in range(150)),
        "monitoring.yaml:101:199: x[0][0][0][0]...: lists and mappings nest more than 100 levels deep; the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "deep nesting after valid content, path through lists and mappings",
        "version: 1\nx: [1, [2, " + "{a: [" * 60 + "]}" * 60 + "]]\n",
        "monitoring.yaml:2:256: x[1][1].a[0]...: lists and mappings nest more than 100 levels deep; the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "a recursive alias",
        "x: &a [*a]\n",
        "monitoring.yaml:1:4: x[0][0][0][0]...: aliases nest lists and mappings more than 100 levels deep (a recursive alias?); the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "a mapping that merges itself",
        "x: &a {<<: *a}\n",
        "monitoring.yaml:1:4: x: aliases nest lists and mappings more than 100 levels deep (a recursive alias?); the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "a chain of aliases each one level deeper",
        "".join(f"a{i}: &a{i} [{f'*a{i - 1}' if i else 1}]\n" for i in range(150)),
        "monitoring.yaml:1:5: a99[0][0][0][0]...: aliases nest lists and mappings more than 100 levels deep (a recursive alias?); the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)",
    ),
    (
        "100 levels are still read (the unknown key is the only problem)",
        GOOD + "x: " + "[" * 99 + "]" * 99 + "\n",
        "monitoring.yaml:39:1: x: unknown key 'x' (allowed here: business, channels, containers, custom, defaults, ha, hosts, kubernetes, long_term_store, probes, remote_write, reports, routing, services, stack, version)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in DOCUMENT_CASES], ids=[c[0] for c in DOCUMENT_CASES])
def test_bad_document_is_reported_exactly(tmp_path: Path, text: str, expected: str) -> None:
    assert problems_for(tmp_path, text) == [expected]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        spec.load(tmp_path / "nope.yaml")
    assert str(caught.value.problems[0]).endswith("cannot read the spec: No such file or directory")


def test_watchdog_false_says_no_dead_mans_switch_on_purpose(tmp_path: Path) -> None:
    path = tmp_path / "monitoring.yaml"
    path.write_text(mutate("  info: [mail]\n", "  info: [mail]\n  watchdog: false\n"))
    model, warnings = spec.load(path)
    assert warnings == []
    assert model.routing.watchdog is None
    path.write_text(mutate("  info: [mail]\n", "  info: [mail]\n  watchdog: true\n"))
    assert problems_for(tmp_path, path.read_text()) == [
        "monitoring.yaml:15:13: routing.watchdog: true names no channel: write the dead man's switch channel "
        "(e.g. watchdog: deadmans-switch), or false for none"
    ]

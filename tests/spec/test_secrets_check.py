"""Literal secrets in the spec: the good fixture plus one pasted secret per case, with the exact message.

Two detectors: a key that names a secret (`password:`, `routing_key:`, ...) and a value that looks like
one wherever it is written (a Slack hooks URL under `url:`, a 32-character key in a `*_secret:` field).
"""

from __future__ import annotations

import dataclasses

import pytest

from generators.outputs.alertmanager import channels
from generators.spec import secrets_check, source
from tests.spec.test_spec_errors import mutate

STORE = "and store the value in compose/secrets/<name> (git-ignored)"


def looks_like(what: str, example: str) -> str:
    return f"this looks like {what}: never write secrets in the spec; write e.g. '{example}' {STORE}"


def named(key: str, suggestion: str) -> str:
    return f"'{key}' would put a secret in the spec; reference a secret file instead: '{suggestion}: <name>' {STORE}"


def problems(text: str) -> list[str]:
    return [str(p) for p in secrets_check.check(source.load("monitoring.yaml", text.encode()))]


CHAT = 'chat: {type: slack, channel: "#alerts", webhook_secret: slack_hook}'
PAGER = "pager: {type: pagerduty, routing_key_secret: pd_key}"
MAIL = 'mail: {type: email, to: a@example.com, from: b@example.com, smarthost: "smtp.example.com:587"}'

BY_VALUE = [
    (
        "a Slack hooks URL under url: of a webhook channel",
        (CHAT, 'chat: {type: webhook, url: "https://hooks.slack.com/services/T0/B0/XYZ"}'),
        "monitoring.yaml:9:30: channels.chat.url: " + looks_like("a Slack webhook URL", "webhook_secret: slack_alerts_webhook"),
    ),
    (
        "a Slack token inside a relay URL",
        (CHAT, 'chat: {type: webhook, url: "http://relay.example/post?t=xoxb-1234567890-abcdef"}'),
        "monitoring.yaml:9:30: channels.chat.url: " + looks_like("a Slack token", "webhook_secret: slack_alerts_webhook"),
    ),
    (
        "a PagerDuty events URL carrying the integration key",
        (CHAT, 'chat: {type: webhook, url: "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"}'),
        "monitoring.yaml:9:30: channels.chat.url: " + looks_like("a PagerDuty key in a URL", "routing_key_secret: pagerduty_routing_key"),
    ),
    (
        "a 32-character key pasted where the secret's file name goes",
        (PAGER, "pager: {type: pagerduty, routing_key_secret: 0123456789abcdef0123456789abcdef}"),
        "monitoring.yaml:8:48: channels.pager.routing_key_secret: "
        + looks_like("a 32-character key (PagerDuty integration key?)", "routing_key_secret: pagerduty_routing_key"),
    ),
    (
        "a URL with user:password@",
        (CHAT, 'chat: {type: webhook, url: "https://alertbot:hunter2@hooks.example.com/alert"}'),
        "monitoring.yaml:9:30: channels.chat.url: " + looks_like("a URL with a password", "url_secret: my_webhook_url"),
    ),
    (
        "an sk- API key pasted as the Opsgenie key's file name",
        (PAGER, "pager: {type: opsgenie, api_key_secret: sk-live_0123456789abcdefghij}"),
        "monitoring.yaml:8:43: channels.pager.api_key_secret: " + looks_like("an API key", "api_key_secret: my_api_key"),
    ),
    (
        "a password inside a scrape target of a list",
        ('targets: ["api:8000"]', 'targets: ["https://scraper:s3cret@api.example.com:8000"]'),
        "monitoring.yaml:19:15: services.api.targets[0]: " + looks_like("a URL with a password", "url_secret: my_webhook_url"),
    ),
]

BY_KEY = [
    (
        "an SMTP password written as password:",
        (MAIL, MAIL.replace("}", ", password: hunter2}")),
        "monitoring.yaml:10:98: channels.mail.password: " + named("password", "auth_password_secret"),
    ),
    (
        "a PagerDuty key written as routing_key:",
        (PAGER, "pager: {type: pagerduty, routing_key: abc}"),
        "monitoring.yaml:8:28: channels.pager.routing_key: " + named("routing_key", "routing_key_secret"),
    ),
    (
        "an Opsgenie key written as api_key:",
        (PAGER, "pager: {type: opsgenie, api_key: abc}"),
        "monitoring.yaml:8:27: channels.pager.api_key: " + named("api_key", "api_key_secret"),
    ),
    (
        "a bearer token",
        (PAGER, "pager: {type: webhook, url: http://sink/hook, token: abc}"),
        "monitoring.yaml:8:49: channels.pager.token: " + named("token", "token_secret"),
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), [c[1:] for c in BY_VALUE + BY_KEY], ids=[c[0] for c in BY_VALUE + BY_KEY])
def test_a_pasted_secret_is_reported_exactly(mutation: tuple[str, str], expected: str) -> None:
    assert problems(mutate(*mutation)) == [expected]


@pytest.mark.parametrize(
    "mutation",
    [
        ('description: "Quota at', 'description: "See https://hooks.slack.com/services/T0/B0/XYZ; quota at'),
        ("summary: Quota high", "summary: Quota high, token sk-0123456789abcdefghijklmn"),
        (PAGER, "pager: {type: pagerduty, routing_key_secret: pagerduty_routing_key}"),
    ],
    ids=["a hooks URL in a description is prose", "an sk- word in a summary is prose", "a secret file name is not a secret"],
)
def test_prose_and_secret_names_are_not_flagged(mutation: tuple[str, str]) -> None:
    assert problems(mutate(*mutation)) == []


def test_the_good_fixture_has_no_secrets() -> None:
    assert problems(mutate("version: 1", "version: 1")) == []


ROUTED = "pager: {type: pagerduty, routing_key_secret: pd_key, routing_key: db-oncall}"


@pytest.mark.parametrize(
    ("declares", "expected"),
    [
        pytest.param(
            False,
            ["monitoring.yaml:8:56: channels.pager.routing_key: " + named("routing_key", "routing_key_secret")],
            id="a secret-looking key the channel type does not declare is a secret",
        ),
        pytest.param(True, [], id="a key the channel type declares as a plain field is no secret"),
    ],
)
def test_a_channel_type_vouches_for_its_own_plain_fields(monkeypatch: pytest.MonkeyPatch, declares: bool, expected: list[str]) -> None:
    pagerduty = channels.TYPES["pagerduty"]
    if declares:  # a type like VictorOps, whose routing_key names a route
        fields = {**pagerduty.fields, "routing_key": {"type": "string"}}
        monkeypatch.setattr(channels, "TYPES", {**channels.TYPES, "pagerduty": dataclasses.replace(pagerduty, fields=fields)})
    assert problems(mutate(PAGER, ROUTED)) == expected


def test_a_declared_field_s_value_is_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    pagerduty = channels.TYPES["pagerduty"]
    fields = {**pagerduty.fields, "routing_key": {"type": "string"}}
    monkeypatch.setattr(channels, "TYPES", {**channels.TYPES, "pagerduty": dataclasses.replace(pagerduty, fields=fields)})
    key = "0123456789abcdef0123456789abcdef"
    assert problems(mutate(PAGER, f"pager: {{type: pagerduty, routing_key_secret: pd_key, routing_key: {key}}}")) == [
        "monitoring.yaml:8:69: channels.pager.routing_key: "
        + looks_like("a 32-character key (PagerDuty integration key?)", "routing_key_secret: pagerduty_routing_key")
    ]

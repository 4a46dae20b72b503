"""The notification sinks answer like the real services and record exactly what arrived."""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from generators.stack import demo, sinks

GOOD_EVENT = {
    "routing_key": "oncall-pager",
    "event_action": "trigger",
    "dedup_key": "abc",
    "payload": {"summary": "ApiHighErrorRate (api): too many requests fail", "source": "alertmanager", "severity": "critical"},
}


def mutated(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(GOOD_EVENT))
    target = event
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return event


@pytest.mark.parametrize(
    ("event", "errors"),
    [
        pytest.param(GOOD_EVENT, [], id="a complete trigger is accepted"),
        pytest.param(mutated(("routing_key",), None), ["'routing_key' is missing"], id="a trigger without routing key is rejected"),
        pytest.param(
            mutated(("event_action",), "fire"),
            ["'event_action' must be one of trigger, acknowledge, resolve"],
            id="an unknown action is rejected",
        ),
        pytest.param(mutated(("payload", "summary"), None), ["'payload.summary' is missing"], id="a trigger without summary is rejected"),
        pytest.param(
            mutated(("payload", "severity"), "page"),
            ["'payload.severity' must be one of critical, error, warning, info"],
            id="a severity PagerDuty does not know is rejected",
        ),
        pytest.param(
            {"routing_key": "k", "event_action": "resolve"},
            ["'dedup_key' is required to acknowledge or resolve"],
            id="a resolve without dedup_key is rejected",
        ),
    ],
)
def test_pagerduty_event_validation(event: dict[str, Any], errors: list[str]) -> None:
    assert sinks.pagerduty_errors(event) == errors


@pytest.fixture
def running() -> Iterator[sinks.Sinks]:
    pytest.importorskip("aiosmtpd")
    sink = sinks.Sinks(demo.free_port(), demo.free_port())
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def _post(url: str, body: Any) -> tuple[int, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_pagerduty_answers_202_records_and_fails_on_demand(running: sinks.Sinks) -> None:
    status, text = _post(f"{running.url}/v2/enqueue", GOOD_EVENT)
    assert (status, json.loads(text)) == (202, {"dedup_key": "abc", "message": "Event processed", "status": "success"})
    assert _post(f"{running.url}/v2/enqueue", mutated(("payload", "source"), None))[0] == 400
    running.fail_pagerduty(30)
    assert _post(f"{running.url}/v2/enqueue", GOOD_EVENT)[0] == 500
    running.fail_pagerduty(0)
    assert _post(f"{running.url}/v2/enqueue", GOOD_EVENT)[0] == 202
    assert [(r.sink, r.channel) for r in running.received()] == [("pagerduty", "oncall-pager")] * 2
    assert running.pagerduty_failures == 1


def test_slack_webhook_and_smtp_are_recorded_per_channel(running: sinks.Sinks) -> None:
    assert _post(f"{running.url}/slack/alerts-slack", {"channel": "#alerts", "attachments": [{"title": "[FIRING:1] X (api)"}]}) == (
        200,
        "ok",
    )
    assert _post(f"{running.url}/slack/alerts-slack", {"channel": "#alerts"}) == (400, "no_text")
    assert _post(f"{running.url}/webhook/deadmans-switch", {"version": "4", "status": "firing", "alerts": []})[0] == 200
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = "[FIRING:1] X", "am@example.com", "sre@example.com"
    mail.set_content("body text")
    with smtplib.SMTP("127.0.0.1", running.smtp_port, timeout=5) as client:
        client.send_message(mail)
    deadline = time.monotonic() + 5
    while len(running.received()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    got = [(r.sink, r.channel) for r in running.received()]
    assert got == [("slack", "alerts-slack"), ("webhook", "deadmans-switch"), ("email", "sre@example.com")]
    assert running.received("email")[0].body == {
        "from": "am@example.com",
        "to": ["sre@example.com"],
        "subject": "[FIRING:1] X",
        "text": "body text\n",
    }


@pytest.mark.parametrize(
    ("sink", "body", "line"),
    [
        pytest.param(
            "pagerduty", GOOD_EVENT, "trigger: ApiHighErrorRate (api): too many requests fail", id="pagerduty: action and summary"
        ),
        pytest.param("slack", {"attachments": [{"title": "[FIRING:1] X (api)"}]}, "[FIRING:1] X (api)", id="slack: the attachment title"),
        pytest.param("slack", {"text": "plain"}, "plain", id="slack without attachments: the text"),
        pytest.param("email", {"subject": "[FIRING:1] X"}, "[FIRING:1] X", id="email: the subject"),
        pytest.param(
            "webhook",
            {"status": "firing", "alerts": [{"labels": {"alertname": "B"}}, {"labels": {"alertname": "A"}}]},
            "firing: A, B",
            id="webhook: status and sorted alert names",
        ),
        pytest.param("opsgenie", {"message": "m"}, '{"message": "m"}', id="opsgenie: the JSON body"),
    ],
)
def test_headline_speaks_each_channel_type_s_protocol(sink: str, body: dict[str, Any], line: str) -> None:
    assert sinks.headline(sinks.Received(sink, "c", 0.0, body)) == line

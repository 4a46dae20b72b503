"""Slack (incoming webhook): the chat channel. The webhook URL is a secret file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.outputs.alertmanager.channel_type import ChannelType, DemoSink, Secret, SecretFile, template


def render(settings: Mapping[str, Any], secret_file: SecretFile) -> dict[str, Any]:
    return {
        "api_url_file": secret_file(settings["webhook_secret"]),
        "channel": settings["channel"],
        "title": template("slack.monitoring.title"),
        "text": template("slack.monitoring.text"),
    }


CHANNEL = ChannelType(
    name="slack",
    config_key="slack_configs",
    fields={"channel": {"type": "string", "x-string": "go-template-text", "maxLength": 81, "examples": ["#alerts"]}, "webhook_secret": {}},
    required=("channel", "webhook_secret"),
    secrets={"webhook_secret": Secret("slack_alerts_webhook", "https://hooks.slack.invalid/services/REPLACE/WITH/WEBHOOK")},
    examples=({"channel": "#alerts", "webhook_secret": "slack_alerts_webhook"},),
    render=render,
    # api_url_file: "Add support to set the Slack URL from a file" (0.22.0, #2534)
    versions={"api_url_file": "0.22.0", "channel": "0.15.0", "title": "0.15.0", "text": "0.15.0"},
    # The webhook URL file holds the sink's per-channel path.
    sink=DemoSink(protocol="slack", path="/slack/", where="{sinks}/slack/{channel}", secrets={"webhook_secret": "{sinks}/slack/{channel}"}),
)

"""Opsgenie: on-call alerts with team responders. The API key is a secret file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.outputs.alertmanager.channel_type import ChannelType, DemoSink, Secret, SecretFile, template


def render(settings: Mapping[str, Any], secret_file: SecretFile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "api_key_file": secret_file(settings["api_key_secret"]),
        "message": template("slack.monitoring.title"),
        "description": template("email.monitoring.text"),
    }
    if settings.get("responders"):
        out["responders"] = [{"name": r, "type": "team"} for r in settings["responders"]]
    return out


CHANNEL = ChannelType(
    name="opsgenie",
    config_key="opsgenie_configs",
    fields={
        "api_key_secret": {},
        "responders": {"type": "array", "items": {"type": "string", "x-string": "go-template-text", "maxLength": 100}},
    },
    required=("api_key_secret",),
    # No placeholder shape: an Opsgenie API key is an opaque token.
    secrets={"api_key_secret": Secret("opsgenie_api_key", "REPLACE-WITH-{NAME}")},
    examples=({"api_key_secret": "opsgenie_api_key", "responders": ["db-team"]},),
    render=render,
    # api_key_file: in OpsGenieConfig since 0.24.0 (#2728); responders replaced `teams` in 0.18.0 (#1863)
    versions={"api_key_file": "0.24.0", "message": "0.15.0", "description": "0.15.0", "responders": "0.18.0", "api_url": "0.15.0"},
    # Alertmanager posts to <api_url>v2/alerts; the sink records that rest of the path.
    sink=DemoSink(protocol="opsgenie", path="/opsgenie/", where="{sinks}/opsgenie/", config={"api_url": "{sinks}/opsgenie/"}),
)

"""PagerDuty (Events API v2): pages on-call. The routing key is a secret file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.outputs.alertmanager.channel_type import ChannelType, DemoSink, Secret, SecretFile, template

# PagerDuty knows critical, error, warning and info; anything else would be rejected, so it becomes error.
SEVERITY = '{{ if eq .CommonLabels.severity "critical" "warning" "info" }}{{ .CommonLabels.severity }}{{ else }}error{{ end }}'


# The custom details, written out: Alertmanager 0.25 defaulted them to text, 0.33 to JSON (toJson, which 0.25
# lacks); pagerduty.monitoring.instances is the text form, which both versions render alike (docs/versions.md).
DETAILS = {
    "firing": '{{ template "pagerduty.monitoring.instances" .Alerts.Firing }}',
    "resolved": '{{ template "pagerduty.monitoring.instances" .Alerts.Resolved }}',
    "num_firing": "{{ .Alerts.Firing | len }}",
    "num_resolved": "{{ .Alerts.Resolved | len }}",
}


def render(settings: Mapping[str, Any], secret_file: SecretFile) -> dict[str, Any]:
    return {
        "routing_key_file": secret_file(settings["routing_key_secret"]),
        "description": template("pagerduty.monitoring.description"),
        "severity": SEVERITY,
        "details": dict(DETAILS),
    }


CHANNEL = ChannelType(
    name="pagerduty",
    config_key="pagerduty_configs",
    fields={"routing_key_secret": {}},
    required=("routing_key_secret",),
    secrets={"routing_key_secret": Secret("pagerduty_routing_key", "REPLACE-WITH-THE-PAGERDUTY-ROUTING-KEY")},
    examples=({"routing_key_secret": "pagerduty_routing_key"},),
    render=render,
    # routing_key_file: "Add support for reading PagerDuty routing and service keys from files" (0.25.0, #3107)
    versions={"routing_key_file": "0.25.0", "description": "0.15.0", "severity": "0.15.0", "url": "0.15.0", "details": "0.15.0"},
    # The sink knows a channel by its routing key, so the demo's key file holds the channel name.
    sink=DemoSink(
        protocol="pagerduty",
        path="/v2/enqueue",
        where="{sinks}/v2/enqueue (routing key {channel})",
        config={"url": "{sinks}/v2/enqueue"},
        secrets={"routing_key_secret": "{channel}"},
    ),
)

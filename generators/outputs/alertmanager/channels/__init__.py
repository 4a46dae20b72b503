"""Every channel type, listed once (the order is the schema's and the error messages' order).

Adding a type: write channels/<type>.py with a `CHANNEL = ChannelType(...)` (see channel_type.py and the five
below), add it here, and run `make render` (the spec's JSON Schema changes). tests/outputs/alertmanager/test_channels.py walks this
registry and fails on an incomplete entry; it checks each type's examples against the schema, its renderer
against its version table and against amtool, its templates, and that stack/sinks.py implements its sink.
If the type needs a sink protocol the sinks do not speak yet, stack/sinks.py is the one other file to touch.
"""

from __future__ import annotations

from collections.abc import Mapping

from generators.outputs.alertmanager.channel_type import ChannelType, Secret
from generators.outputs.alertmanager.channels import email, opsgenie, pagerduty, slack, webhook

TYPES: Mapping[str, ChannelType] = {
    c.name: c
    for c in (
        pagerduty.CHANNEL,
        slack.CHANNEL,
        email.CHANNEL,
        webhook.CHANNEL,
        opsgenie.CHANNEL,
    )
}


def secret(key: str) -> Secret:
    """The declaration of a `*_secret` key (the first type that has it)."""
    return next(t.secrets[key] for t in TYPES.values() if key in t.secrets)

"""The native demo's alertmanager.yml: the rendered config with every channel pointed at the local sinks.

Only destinations change: routes, inhibitions, timings, templates and receiver names are the rendered
ones. Each channel type says how (its `sink`, a DemoSink in outputs/alertmanager/channels/<type>.py): the
fields it sets in the entry, what its secret files hold, and the destination printed for it. A secret the
sink does not name holds a placeholder.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generators.model.types import Model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import channels as channel_types
from generators.outputs.alertmanager.channel_type import DemoSink

PLACEHOLDER = "demo-placeholder"


def _fill(text: str, name: str, settings: Mapping[str, Any], sinks_url: str, smtp: str) -> str:
    return text.format(sinks=sinks_url, smtp=smtp, channel=name, settings=settings)


def channel_endpoints(model: Model, sinks_url: str, smtp: str) -> dict[str, str]:
    """channel name -> where its notifications land (for the demo's printout)."""
    return {
        name: _fill(channel_types.TYPES[c.type].sink.where, name, c.settings, sinks_url, smtp) for name, c in sorted(model.channels.items())
    }


def local_channel(
    name: str, channel_type: str, config: dict[str, Any], settings: dict[str, Any], sinks_url: str, smtp: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the config entry pointed at the sinks, secret name -> file content)."""
    sink: DemoSink = channel_types.TYPES[channel_type].sink
    local = dict(config)
    for field, value in sink.config.items():
        if f"{field}_file" not in config:  # Alertmanager takes a field or its file, never both: the secret carries it
            local[field] = _fill(value, name, settings, sinks_url, smtp) if isinstance(value, str) else value
    secrets = {
        str(settings[key]): _fill(content, name, settings, sinks_url, smtp) for key, content in sink.secrets.items() if key in settings
    }
    for key, value in settings.items():
        if key.endswith("_secret"):
            secrets.setdefault(str(value), PLACEHOLDER)
    return local, secrets


def localize(model: Model, sinks_url: str, smtp: str, secrets_dir: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(alertmanager.yml document, files under secrets/ relative to the work dir)."""
    doc = copy.deepcopy(alertmanager.config(model))
    secrets: dict[str, str] = {}
    swaps: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for name, channel in sorted(model.channels.items()):
        key, original = alertmanager.channel_config(channel)
        local, channel_secrets = local_channel(name, channel.type, original, dict(channel.settings), sinks_url, smtp)
        swaps.append((key, original, local))
        for secret, content in channel_secrets.items():
            secrets.setdefault(secret, content)
    for receiver in doc["receivers"]:
        for key, original, local in swaps:
            if key in receiver:
                receiver[key] = [local if entry == original else entry for entry in receiver[key]]
        for entries in (v for k, v in receiver.items() if k.endswith("_configs")):
            for entry in entries:
                for field, value in entry.items():
                    if field.endswith("_file") and str(value).startswith(alertmanager.SECRETS_DIR + "/"):
                        entry[field] = str(secrets_dir / str(value).removeprefix(alertmanager.SECRETS_DIR + "/"))
    return doc, {f"secrets/{name}": f"{content}\n".encode() for name, content in sorted(secrets.items())}

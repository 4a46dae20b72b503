"""The native demo's alertmanager.yml: the rendered config with every channel pointed at the local sinks.

Only destinations change: routes, inhibitions, timings, templates and receiver names are the rendered
ones. Per channel type:
  slack      api_url_file stays; the file (in the work dir) holds <sinks>/slack/<channel>
  pagerduty  routing_key_file stays (the key is the channel name); `url:` is set to <sinks>/v2/enqueue
  webhook    url (or the url_file's content) becomes <sinks>/webhook/<channel>
  email      smarthost becomes the local SMTP sink and require_tls false (it offers no STARTTLS)
  opsgenie   api_url becomes <sinks>/opsgenie/
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from generators.model.types import Model
from generators.outputs.alertmanager import alertmanager

PLACEHOLDER = "demo-placeholder"


def channel_endpoints(model: Model, sinks_url: str, smtp: str) -> dict[str, str]:
    """channel name -> where its notifications land (for the demo's printout)."""
    where = {"slack": "{url}/slack/{name}", "pagerduty": "{url}/v2/enqueue (routing key {name})", "webhook": "{url}/webhook/{name}"}
    where |= {"email": "smtp://{smtp} (to {to})", "opsgenie": "{url}/opsgenie/"}
    return {
        name: where[c.type].format(url=sinks_url, name=name, smtp=smtp, to=c.settings.get("to", ""))
        for name, c in sorted(model.channels.items())
    }


def local_channel(
    name: str, channel_type: str, config: dict[str, Any], settings: dict[str, Any], sinks_url: str, smtp: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the config entry pointed at the sinks, secret name -> file content)."""
    local = dict(config)
    secrets: dict[str, str] = {}
    if channel_type == "pagerduty":
        local["url"] = f"{sinks_url}/v2/enqueue"
        secrets[settings["routing_key_secret"]] = name
    elif channel_type == "slack":
        secrets[settings["webhook_secret"]] = f"{sinks_url}/slack/{name}"
    elif channel_type == "webhook":
        if "url_secret" in settings:
            secrets[settings["url_secret"]] = f"{sinks_url}/webhook/{name}"
        else:
            local["url"] = f"{sinks_url}/webhook/{name}"
    elif channel_type == "email":
        local["smarthost"] = smtp
        local["require_tls"] = False
    elif channel_type == "opsgenie":
        local["api_url"] = f"{sinks_url}/opsgenie/"
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

"""Generic webhook (Alertmanager's JSON payload): dead man's switches and home-made receivers.

The URL is plain (`url:`) or, for a URL that is itself a secret, a secret file (`url_secret:`), which
renders `url_file:` and so needs a newer Alertmanager than the tested 0.25 (a warning says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generators.outputs.alertmanager.channel_type import ChannelType, DemoSink, Finding, Secret, SecretFile

# url_file: the project's claim so far (the spec warns with it); see the Alertmanager changelog for url_file.
URL_FILE_VERSION = "0.27"


def render(settings: Mapping[str, Any], secret_file: SecretFile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "url_secret" in settings:
        out["url_file"] = secret_file(settings["url_secret"])
    else:
        out["url"] = settings["url"]
    if "max_alerts" in settings:
        out["max_alerts"] = settings["max_alerts"]
    return out


def check(settings: Mapping[str, Any]) -> Sequence[Finding]:
    """Exactly one of url and url_secret; url_secret warns that it needs a newer Alertmanager."""
    url, url_secret = settings.get("url"), settings.get("url_secret")
    if not url and not url_secret:
        return [Finding((), f"a webhook channel needs `url:` (or `url_secret:` on Alertmanager >= {URL_FILE_VERSION})")]
    if url and url_secret:
        return [Finding((), "set either `url:` or `url_secret:`, not both")]
    if url_secret:
        message = (
            f"renders `url_file:`, which needs Alertmanager >= {URL_FILE_VERSION} (0.25 rejects the config); "
            "use `url:` for a URL that is not a secret"
        )
        return [Finding(("url_secret",), message, warning=True)]
    return []


CHANNEL = ChannelType(
    name="webhook",
    config_key="webhook_configs",
    fields={
        "url": {"type": "string", "examples": ["http://sink:8080/hook"]},
        "url_secret": {"description": f"Alertmanager >= {URL_FILE_VERSION} only (url_file)"},
        "max_alerts": {"type": "integer", "minimum": 0},
    },
    required=(),
    secrets={"url_secret": Secret("my_webhook_url", "https://example.invalid/REPLACE-WITH-THE-WEBHOOK-URL")},
    examples=({"url": "http://sink:8080/hook", "max_alerts": 10}, {"url_secret": "my_webhook_url"}),
    render=render,
    # max_alerts: 0.21.0 (#2274)
    versions={"url": "0.15.0", "url_file": f"{URL_FILE_VERSION}.0", "max_alerts": "0.21.0"},
    check=check,
    # The URL, or the url_file's content, becomes the sink's per-channel path.
    sink=DemoSink(
        protocol="webhook",
        path="/webhook/",
        where="{sinks}/webhook/{channel}",
        config={"url": "{sinks}/webhook/{channel}"},
        secrets={"url_secret": "{sinks}/webhook/{channel}"},
    ),
)

"""Generic webhook (Alertmanager's JSON payload): dead man's switches and home-made receivers.

The URL is plain (`url:`) or, for a URL that is itself a secret, a secret file (`url_secret:`), which
renders `url_file:` and so needs a newer Alertmanager than the tested 0.25 (a warning says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generators.outputs.alertmanager.channel_type import ChannelType, DemoSink, Finding, Secret, SecretFile

# max_alerts: 0.21.0 (#2274). url_file: read since 0.26.0 (#3223), but 0.26 and 0.27 panic when the webhook
# answers an error status and url_file is set (#3798; fixed in 0.28.0 by #3800): it works from 0.28.0 on.
VERSIONS = {"url": "0.15.0", "url_file": "0.28.0", "max_alerts": "0.21.0"}
URL_FILE_VERSION = VERSIONS["url_file"].removesuffix(".0")  # as the messages say it: 0.28


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
            f"renders `url_file:`, which needs Alertmanager >= {URL_FILE_VERSION} (0.25 rejects the config, "
            "0.26 and 0.27 crash when the webhook answers an error); "
            "use `url:` for a URL that is not a secret"
        )
        return [Finding(("url_secret",), message, warning=True)]
    return []


CHANNEL = ChannelType(
    name="webhook",
    config_key="webhook_configs",
    fields={
        "url": {"type": "string", "x-string": "url", "examples": ["http://sink:8080/hook"]},
        "url_secret": {"description": f"Alertmanager >= {URL_FILE_VERSION} only (url_file)"},
        "max_alerts": {"type": "integer", "minimum": 0, "maximum": 2_147_483_647},
    },
    required=(),
    secrets={"url_secret": Secret("my_webhook_url", "https://example.invalid/REPLACE-WITH-THE-WEBHOOK-URL")},
    examples=({"url": "http://sink:8080/hook", "max_alerts": 10}, {"url_secret": "my_webhook_url"}),
    render=render,
    versions=VERSIONS,
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

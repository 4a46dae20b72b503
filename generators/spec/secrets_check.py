"""Reject literal secrets in the spec: they would end up in git and in rendered files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generators.errors import Problem
from generators.outputs.alertmanager import channels
from generators.spec.source import Path, Source, dotted

_SECRET_KEYS = re.compile(
    r"^(password|passwd|auth_password|api_key|apikey|routing_key|service_key|token|bearer_token|"
    r"api_url|webhook_url|webhook|secret)$"
)
_SLACK = f"webhook_secret: {channels.secret('webhook_secret').example}"
_PAGERDUTY = f"routing_key_secret: {channels.secret('routing_key_secret').example}"
_SECRET_VALUES = (
    (re.compile(r"https://hooks\.slack\.com/"), "a Slack webhook URL", _SLACK),
    (re.compile(r"\bxox[abpors]-[0-9A-Za-z-]{10,}"), "a Slack token", _SLACK),
    (re.compile(r"https://events\.pagerduty\.com/.*[0-9a-f]{32}"), "a PagerDuty key in a URL", _PAGERDUTY),
    (re.compile(r"^[0-9a-z]{32}$"), "a 32-character key (PagerDuty integration key?)", _PAGERDUTY),
    (re.compile(r"://[^/\s:@]+:[^/\s@]+@"), "a URL with a password", f"url_secret: {channels.secret('url_secret').example}"),
    (re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_-]{20,}"), "an API key", "api_key_secret: my_api_key"),
)


def check(source: Source) -> list[Problem]:
    problems = []
    for path, key, value in _walk(source.data, ()):
        if key is not None and _SECRET_KEYS.match(key) and isinstance(value, str) and not _declared(source.data, path):
            problems.append(
                Problem(
                    source.key_at(path),
                    dotted(path),
                    f"'{key}' would put a secret in the spec; reference a secret file instead: "
                    f"'{_suggest(key)}: <name>' and store the value in compose/secrets/<name> (git-ignored)",
                )
            )
            continue
        if isinstance(value, str):
            for pattern, what, example in _SECRET_VALUES:
                if pattern.search(value):
                    problems.append(
                        Problem(
                            source.at(path),
                            dotted(path),
                            f"this looks like {what}: never write secrets in the spec; write e.g. "
                            f"'{example}' and store the value in compose/secrets/<name> (git-ignored)",
                        )
                    )
                    break
    return problems


def _declared(data: Any, path: Path) -> bool:
    """channels.<name>.<key> where the channel's type declares <key> a plain field: the type says it is no secret
    (e.g. a VictorOps `routing_key` names a route); the value is still checked."""
    if len(path) != 3 or path[0] != "channels" or not isinstance(data, dict) or not isinstance(data.get("channels"), dict):
        return False
    channel = data["channels"].get(path[1])
    kind = channels.TYPES.get(channel["type"]) if isinstance(channel, dict) and isinstance(channel.get("type"), str) else None
    return kind is not None and path[2] in kind.fields and not str(path[2]).endswith("_secret")


def secret_paths(problems: list[Problem]) -> set[str]:
    return {p.path for p in problems}


def _suggest(key: str) -> str:
    if "password" in key or key == "passwd":
        return "auth_password_secret"
    if key in ("api_url", "webhook_url", "webhook"):
        return "webhook_secret"
    if key in ("routing_key", "service_key"):
        return "routing_key_secret"
    if "key" in key:
        return "api_key_secret"
    return f"{key}_secret"


def _walk(data: Any, path: Path) -> Iterator[tuple[Path, str | None, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("expr", "labels", "value", "rate", "values", "description", "summary", "notes"):
                continue  # PromQL and prose: too many false positives, and never secrets by design
            yield (*path, key), key, value
            yield from _walk(value, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if not isinstance(item, (dict, list)):
                yield (*path, i), None, item
            yield from _walk(item, (*path, i))

"""The interface every channel type implements (one module per type under channels/, listed in channels/__init__.py).

A channel type is data plus two small functions: the spec keys it accepts (its JSON Schema fragment), the
secrets it names, how one spec channel becomes an Alertmanager `<integration>_configs` entry, the first
Alertmanager release that knows each field it renders, and how the native demo points it at the local sinks.
Nothing here imports the rest of the generators: spec/, model/, outputs/ and stack/ read these records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Fields of every `*_configs` entry (Alertmanager's NotifierConfig), rendered by alertmanager.py, not by a type.
COMMON_VERSIONS: Mapping[str, str] = {"send_resolved": "0.15.0"}

# The secret path of a secret name (alertmanager.py passes /run/secrets/<name>).
SecretFile = Callable[[str], str]
# settings (the spec channel without `type` and `send_resolved`) -> the `*_configs` entry without send_resolved.
Renderer = Callable[[Mapping[str, Any], SecretFile], dict[str, Any]]


@dataclass(frozen=True)
class Secret:
    """A `*_secret` spec key: the value is the name of a file under compose/secrets/, never the secret."""

    example: str  # the secret name schema examples and error messages suggest, e.g. slack_alerts_webhook
    placeholder: str  # what compose/secrets/<name>.example holds: the shape of the value; {NAME} is the name in capitals


@dataclass(frozen=True)
class Finding:
    """A per-type check's verdict on one spec channel (the hook for rules a JSON Schema cannot say)."""

    path: tuple[str, ...]  # below channels.<name>; () for the channel itself
    message: str
    warning: bool = False  # False: a spec error (exit 1)


Checker = Callable[[Mapping[str, Any]], Sequence[Finding]]


def no_findings(settings: Mapping[str, Any]) -> Sequence[Finding]:
    return ()


@dataclass(frozen=True)
class DemoSink:
    """How the native demo (stack/demo_alertmanager.py) points a channel at the local sinks (stack/sinks.py).

    Strings are templates: {sinks} is the sinks' HTTP base URL, {smtp} the SMTP sink's host:port, {channel} the
    channel's name and {settings[key]} one of its spec settings.
    """

    protocol: str  # the stack/sinks.py protocol that answers it: slack, pagerduty, webhook, opsgenie or smtp
    path: str  # the HTTP path it is served at: ending in "/", a prefix whose rest the protocol may record; "" for smtp
    where: str  # the destination the demo prints for the channel
    config: Mapping[str, str | bool] = field(default_factory=dict)  # fields set in the entry (skipped when <field>_file is rendered)
    secrets: Mapping[str, str] = field(default_factory=dict)  # `*_secret` key -> what the demo writes into that secret file


@dataclass(frozen=True, eq=False)
class ChannelType:
    name: str  # the spec's `type:`
    config_key: str  # the receiver key of its entries, e.g. slack_configs
    fields: Mapping[str, Mapping[str, Any]]  # spec key -> JSON Schema fragment (a `*_secret` key gets the secret schema too)
    required: tuple[str, ...]  # spec keys the schema requires
    secrets: Mapping[str, Secret]  # every `*_secret` key of `fields`
    examples: tuple[Mapping[str, Any], ...]  # valid settings that, together, use every spec key and every rendered field
    render: Renderer
    versions: Mapping[str, str]  # every field `render` can emit -> the first Alertmanager release that accepts it
    sink: DemoSink
    check: Checker = no_findings  # extra per-type rules, run when the model is built (after the schema)

    def min_version(self, entry: Mapping[str, Any]) -> str:
        """The first Alertmanager release that accepts every field of one rendered entry."""
        known = {**COMMON_VERSIONS, **self.versions}
        return max((known[k] for k in entry), key=version_key, default=COMMON_VERSIONS["send_resolved"])


def version_key(version: str) -> tuple[int, ...]:
    """Comparable form of a release: 0.25.0 -> (0, 25, 0)."""
    return tuple(int(part) for part in version.split("."))


def template(name: str) -> str:
    """A field value that expands one of alertmanager/templates/*.tmpl."""
    return "{{ template " + f'"{name}"' + " . }}"

"""The channel-type registry (generators/outputs/alertmanager/channels/): every entry complete, and true.

`incomplete()` walks one ChannelType and says what it lacks; every registered type must give nothing, and
each mutation of a good entry must give the exact sentence. The schema, the demo sinks and amtool 0.25
(the tested Alertmanager) then judge the entries' claims: examples the schema accepts, sinks that
stack/sinks.py speaks, and version claims that agree with what amtool accepts and rejects.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generators import catalog
from generators.errors import SpecError
from generators.outputs.alertmanager import alertmanager, alertmanager_templates, channels
from generators.outputs.alertmanager.channel_type import COMMON_VERSIONS, ChannelType, version_key
from generators.pipeline import spec, writer
from generators.spec import schema
from generators.stack import sinks
from tests import test_architecture
from tests.conftest import ROOT, require_tool

TYPES = sorted(channels.TYPES)
_SECRET_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")  # the schema's secret-name pattern
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_TEMPLATE_REF = re.compile(r'\{\{ template "([^"]+)" \.[A-Za-z.]* \}\}')  # . or .Alerts.Firing


def secret_file(name: str) -> str:
    return f"/run/secrets/{name}"


def rendered(t: ChannelType, example: Mapping[str, Any]) -> dict[str, Any]:
    return {"send_resolved": True, **t.render(example, secret_file)}


def incomplete(t: ChannelType) -> list[str]:
    """What a channel type lacks, one sentence each (empty: complete)."""
    out: list[str] = []
    if not t.config_key.endswith("_configs"):
        out.append(f"{t.name}: config_key '{t.config_key}' is not an Alertmanager `<integration>_configs` key")
    if not t.fields:
        out.append(f"{t.name}: no spec keys (fields): the schema would accept no destination")
    if missing := [k for k in t.required if k not in t.fields]:
        out.append(f"{t.name}: required keys {', '.join(missing)} are not in fields")
    secret_keys = [k for k in t.fields if k.endswith("_secret")]
    if missing := [k for k in secret_keys if k not in t.secrets]:
        out.append(f"{t.name}: {', '.join(missing)} has no Secret (example name and placeholder)")
    if extra := [k for k in t.secrets if k not in secret_keys]:
        out.append(f"{t.name}: secrets {', '.join(extra)} are not `*_secret` keys of fields")
    for key, secret in t.secrets.items():
        if not _SECRET_NAME.match(secret.example):
            out.append(f"{t.name}: {key}'s example '{secret.example}' is not a secret file name")
        if "REPLACE" not in secret.placeholder:
            out.append(f"{t.name}: {key}'s placeholder '{secret.placeholder}' does not say REPLACE (it shows a shape, never a value)")
    if not t.examples:
        out.append(f"{t.name}: no examples")
    used = {k for example in t.examples for k in example}
    if unused := [k for k in t.fields if k not in used]:
        out.append(f"{t.name}: no example uses {', '.join(unused)}")
    emitted: set[str] = set()
    failed = False  # an example that did not render: what it would have rendered is unknown
    for i, example in enumerate(t.examples, 1):
        if lacking := [k for k in t.required if k not in example]:
            out.append(f"{t.name}: example {i} lacks required {', '.join(lacking)}")
            failed = True
            continue
        try:
            entry = rendered(t, example)
        except Exception as exc:  # the point of the check: a renderer that breaks on its own example
            out.append(f"{t.name}: render fails on example {i}: {type(exc).__name__} {exc}")
            failed = True
            continue
        emitted.update(entry)
        if errors := [f.message for f in t.check(example) if not f.warning]:
            out.append(f"{t.name}: example {i} is an error for the type's own check: {'; '.join(errors)}")
        for key in (k for k in example if k.endswith("_secret")):
            if secret_file(example[key]) not in entry.values():
                out.append(f"{t.name}: example {i}: {key} does not render as a `*_file` secret path")
    sink_fields = set(t.sink.config)
    if unversioned := sorted(k for k in emitted | sink_fields if k not in t.versions and k not in COMMON_VERSIONS):
        out.append(f"{t.name}: renders {', '.join(unversioned)} but versions does not say which Alertmanager release accepts it")
    if not failed and (stale := sorted(k for k in t.versions if k not in emitted | sink_fields)):
        out.append(f"{t.name}: versions lists {', '.join(stale)}, which neither render nor the demo sink sets")
    if bad := sorted(v for v in t.versions.values() if not _VERSION.match(v)):
        out.append(f"{t.name}: versions {', '.join(bad)} are not releases like 0.25.0")
    out += _sink_problems(t)
    return out


def _sink_problems(t: ChannelType) -> list[str]:
    sink, out = t.sink, []
    if sink.protocol not in sinks.PROTOCOLS:
        out.append(f"{t.name}: stack/sinks.py speaks no '{sink.protocol}' protocol (speaks: {', '.join(sinks.PROTOCOLS)})")
    elif (sinks.PROTOCOLS[sink.protocol].answer is None) != (sink.path == ""):
        out.append(f"{t.name}: the sink's path must be empty for smtp and an HTTP path otherwise, not '{sink.path}'")
    elif sink.path and not sink.path.startswith("/"):
        out.append(f"{t.name}: the sink's path '{sink.path}' does not start with /")
    if not sink.where:
        out.append(f"{t.name}: the sink says nothing for the demo to print (where)")
    if unknown := [k for k in sink.secrets if k not in t.secrets]:
        out.append(f"{t.name}: the sink fills {', '.join(unknown)}, which are not secrets of the type")
    return out


@pytest.mark.parametrize("name", TYPES)
def test_every_registered_type_is_complete(name: str) -> None:
    assert incomplete(channels.TYPES[name]) == []


SLACK = channels.TYPES["slack"]
EMAIL = channels.TYPES["email"]


def _broken_render(settings: Mapping[str, Any], secret: Any) -> dict[str, Any]:
    return {"api_url_file": secret(settings["webhook_url_secret"])}


@pytest.mark.parametrize(
    ("entry", "problems"),
    [
        pytest.param(
            dataclasses.replace(SLACK, secrets={}),
            [
                "slack: webhook_secret has no Secret (example name and placeholder)",
                "slack: the sink fills webhook_secret, which are not secrets of the type",
            ],
            id="a secret key without its example and placeholder",
        ),
        pytest.param(
            dataclasses.replace(SLACK, required=("channel", "webhook")),
            ["slack: required keys webhook are not in fields", "slack: example 1 lacks required webhook"],
            id="a required key the schema fragment does not define",
        ),
        pytest.param(
            dataclasses.replace(EMAIL, examples=EMAIL.examples[:1]),
            [
                "email: no example uses auth_username, auth_password_secret, require_tls",
                "email: versions lists auth_password_file, auth_username, which neither render nor the demo sink sets",
            ],
            id="examples that leave spec keys untried",
        ),
        pytest.param(
            dataclasses.replace(SLACK, render=_broken_render),
            ["slack: render fails on example 1: KeyError 'webhook_url_secret'"],
            id="a renderer that fails on its own example",
        ),
        pytest.param(
            dataclasses.replace(SLACK, versions={k: v for k, v in SLACK.versions.items() if k != "api_url_file"}),
            ["slack: renders api_url_file but versions does not say which Alertmanager release accepts it"],
            id="a rendered field without a minimum version",
        ),
        pytest.param(
            dataclasses.replace(SLACK, versions={**SLACK.versions, "footer": "0.15.0"}),
            ["slack: versions lists footer, which neither render nor the demo sink sets"],
            id="a version for a field nothing renders",
        ),
        pytest.param(
            dataclasses.replace(SLACK, sink=dataclasses.replace(SLACK.sink, protocol="pigeon")),
            ["slack: stack/sinks.py speaks no 'pigeon' protocol (speaks: slack, pagerduty, webhook, opsgenie, smtp)"],
            id="a demo sink stack/sinks.py does not implement",
        ),
        pytest.param(
            dataclasses.replace(SLACK, sink=dataclasses.replace(SLACK.sink, secrets={"api_secret": "{sinks}"})),
            ["slack: the sink fills api_secret, which are not secrets of the type"],
            id="a demo sink filling a secret the type does not have",
        ),
    ],
)
def test_an_incomplete_entry_is_named_exactly(entry: ChannelType, problems: list[str]) -> None:
    assert incomplete(entry) == problems


def test_the_schema_offers_exactly_the_registered_types() -> None:
    channel = schema.build()["properties"]["channels"]["additionalProperties"]
    assert channel["properties"]["type"]["enum"] == list(channels.TYPES)
    assert [b["if"]["properties"]["type"]["const"] for b in channel["allOf"]] == list(channels.TYPES)
    assert tuple(channels.TYPES) == schema.CHANNEL_TYPES


def test_a_key_two_types_share_has_one_meaning() -> None:
    """The schema lists every type's keys in one `properties`: a shared key must mean the same in each."""
    seen: dict[str, tuple[str, Any, Any]] = {}
    for t in channels.TYPES.values():
        for key, fragment in t.fields.items():
            first = seen.setdefault(key, (t.name, fragment, t.secrets.get(key)))
            assert (first[1], first[2]) == (fragment, t.secrets.get(key)), f"{key}: {first[0]} and {t.name} disagree"


@pytest.mark.parametrize(("name", "i"), [(n, i) for n in TYPES for i in range(len(channels.TYPES[n].examples))])
def test_the_schema_accepts_every_example(name: str, i: int) -> None:
    example = channels.TYPES[name].examples[i]
    doc = {"version": 1, "channels": {"c": {"type": name, **example}}, "routing": {"critical": ["c"]}}
    errors = [e.message for e in jsonschema.Draft202012Validator(schema.build()).iter_errors(doc)]
    assert errors == []


@pytest.mark.parametrize(("name", "i"), [(n, i) for n in TYPES for i in range(len(channels.TYPES[n].examples))])
def test_every_example_loads_through_the_whole_spec_check(name: str, i: int, tmp_path: Path) -> None:
    """Schema, literal-secret check, model building and the type's own check all accept the example."""
    minimal = yaml.safe_load((ROOT / "tests" / "cases" / "minimal" / "spec.yaml").read_text())
    minimal["channels"] = {"c": {"type": name, **channels.TYPES[name].examples[i]}}
    minimal["routing"] = {"critical": ["c"]}
    path = tmp_path / "spec.yaml"
    path.write_text(writer.dump_yaml(minimal))
    model, _ = spec.load(path)
    assert model.channels["c"].type == name


def test_the_channels_use_every_message_template_and_only_defined_ones() -> None:
    sources = [catalog.template_text(f"alertmanager/{f}") for f in alertmanager_templates.STATIC]
    defined = {name for text in sources for name in re.findall(r'define "([^"]+)"', text)}
    used = {
        ref
        for t in channels.TYPES.values()
        for example in t.examples
        for value in rendered(t, example).values()  # headers: {Subject: ...} included, as text
        for ref in _TEMPLATE_REF.findall(str(value))
    }
    assert used - defined == set()
    assert defined - used == {"monitoring.silence_filter"}  # a helper the message templates call


def _amtool_version(amtool: str) -> str:
    out = subprocess.run([amtool, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"version (\d+\.\d+\.\d+)", out.stdout + out.stderr)
    assert found, out.stdout + out.stderr
    return found.group(1)


@pytest.mark.parametrize(("name", "i"), [(n, i) for n in TYPES for i in range(len(channels.TYPES[n].examples))])
def test_amtool_agrees_with_the_minimum_version(name: str, i: int, tmp_path: Path) -> None:
    """amtool accepts an entry exactly when its fields' minimum version is at most amtool's own."""
    amtool = require_tool("amtool")
    t = channels.TYPES[name]
    entry = {"send_resolved": True, **t.render(t.examples[i], alertmanager._secret)}
    config = {"route": {"receiver": "r"}, "receivers": [{"name": "r", t.config_key: [entry]}]}
    (tmp_path / "alertmanager.yml").write_text(writer.dump_yaml(config))
    proc = subprocess.run([amtool, "check-config", "alertmanager.yml"], cwd=tmp_path, capture_output=True, text=True, check=False)
    needs, have = t.min_version(entry), _amtool_version(amtool)
    accepted = version_key(needs) <= version_key(have)
    assert (proc.returncode == 0) == accepted, f"needs {needs}, amtool {have}: {proc.stdout}{proc.stderr}"


def test_one_example_needs_a_newer_alertmanager_than_the_tested_one() -> None:
    """So the amtool test above sees a rejection too: a webhook url_secret renders url_file, unknown to 0.25."""
    t = channels.TYPES["webhook"]
    above = [e for e in t.examples if version_key(t.min_version(rendered(t, e))) > version_key("0.25.0")]
    assert above == [{"url_secret": "my_webhook_url"}]


@pytest.mark.parametrize("name", [n for n in TYPES if channels.TYPES[n].sink.protocol != sinks.SMTP])
def test_the_sinks_route_a_type_s_path_back_to_it(name: str) -> None:
    path = channels.TYPES[name].sink.path
    assert sinks.route(path + ("some-channel" if path.endswith("/") else "")) == (name, "some-channel" if path.endswith("/") else "")


def test_a_path_no_type_serves_is_not_routed() -> None:
    assert sinks.route("/teams/x") is None
    assert sinks.route("/v2/enqueue/x") is None  # an exact path is no prefix


def test_the_committed_schema_lists_the_registered_types() -> None:
    committed = json.loads((ROOT / "generators" / "schema" / "monitoring.schema.json").read_text())
    assert committed["properties"]["channels"]["additionalProperties"]["properties"]["type"]["enum"] == list(channels.TYPES)


def test_the_registry_is_a_leaf_every_stage_may_read() -> None:
    """spec/ and model/ import the registry (tests/test_architecture.py's BASE): it must import nothing else."""
    edges = test_architecture.graph()
    registry = {m for m in edges if m.startswith("outputs.alertmanager.channels") or m == "outputs.alertmanager.channel_type"}
    assert {m: sorted(edges[m] - registry) for m in sorted(registry)} == {m: [] for m in sorted(registry)}


# -- the per-type check hook, through the spec: webhook.py's rules, located ---------------------------------------------
FIXTURE = ROOT / "tests" / "cases" / "alertmanager" / "spec.yaml"
DMS = 'dms: {type: webhook, url: "http://dms.example/ping", send_resolved: false}'


@pytest.mark.parametrize(
    ("dms", "message"),
    [
        pytest.param(
            "dms: {type: webhook, send_resolved: false}",
            "10:8: channels.dms: a webhook channel needs `url:` (or `url_secret:` on Alertmanager >= 0.28)",
            id="a webhook without url or url_secret",
        ),
        pytest.param(
            'dms: {type: webhook, url: "", send_resolved: false}',
            [
                "10:8: channels.dms: a webhook channel needs `url:` (or `url_secret:` on Alertmanager >= 0.28)",
                "10:29: channels.dms.url: '' has no scheme; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com)",
            ],
            id="an empty url is no url",
        ),
        pytest.param(
            'dms: {type: webhook, url: "http://dms.example/ping", url_secret: dms_url, send_resolved: false}',
            "10:8: channels.dms: set either `url:` or `url_secret:`, not both",
            id="a webhook with both url and url_secret",
        ),
    ],
)
def test_a_type_s_check_reports_located_spec_errors(tmp_path: Path, dms: str, message: str | list[str]) -> None:
    text = FIXTURE.read_text()
    assert DMS in text
    path = tmp_path / "spec.yaml"
    path.write_text(text.replace(DMS, dms))
    with pytest.raises(SpecError) as err:
        spec.load(path)
    assert [str(p) for p in err.value.problems] == [f"{path}:{m}" for m in ([message] if isinstance(message, str) else message)]

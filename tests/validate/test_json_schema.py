"""json_schema.Validator: jsonschema_rs' verdict equals jsonschema's on the rendered example and on mutations of it.

Every mutation below replaces, drops or adds one key of a real instance (the dashboard, one panel of each type's
options and field config, a target, the ServiceMonitor and Probe specs), so the two validators meet every keyword
those schemas use on values of the wrong type, missing required keys and unknown keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from generators.pipeline import render, spec
from generators.validate import grafana_checks, json_schema, scaling_validate
from tests.conftest import ROOT, require_shared

WRONG: list[Any] = [None, 7, 1.0, 1.5, True, "text", [], {}, {"unknown": 1}]


def mutations(instance: Any) -> Iterator[Any]:
    yield instance
    if not isinstance(instance, dict):
        return
    yield {**instance, "notAKeyOfTheSchema": 1}
    for key in sorted(instance):
        yield {k: v for k, v in instance.items() if k != key}
        for value in WRONG:
            yield {**instance, key: value}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    require_shared("grafana-schema/dashboard.jsonschema.json")
    return render.documents(spec.load(ROOT / "monitoring.yaml")[0])


def instances(files: dict[str, bytes]) -> Iterator[tuple[str, str | None, Any]]:
    """(schema file, definition, instance): what grafana_checks.schema_problems validates, one panel per type."""
    board = json.loads(files["grafana/dashboards/Services/service-health.json"])
    yield "dashboard.jsonschema.json", None, {k: v for k, v in board.items() if k != "panels"} | {"panels": board["panels"][:3]}
    seen: set[str] = set()
    for name, raw in sorted(files.items()):
        if not name.startswith("grafana/dashboards/"):
            continue
        for panel in grafana_checks.panels(json.loads(raw)):
            kind = panel.get("type", "")
            if kind == "row" or kind in seen:
                continue
            seen.add(kind)
            yield f"{kind}.jsonschema.json", "Options", panel.get("options", {})
            custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
            if custom:
                yield f"{kind}.jsonschema.json", "FieldConfig", custom
            for target in panel.get("targets", [])[:1]:
                yield "prometheus.jsonschema.json", None, target


def _agree(validator: json_schema.Validator, instance: Any) -> bool:
    return validator.fast_verdict(instance) == (validator.slow_errors(instance) == [])


def test_the_compiled_validator_is_used_for_the_grafana_schemas(files: dict[str, bytes]) -> None:
    for file, definition, _ in instances(files):
        assert grafana_checks._validator(file, definition).fast_verdict({}) is not None, file


def test_both_validators_agree_on_grafana_instances_and_their_mutations(files: dict[str, bytes]) -> None:
    checked = 0
    for file, definition, instance in instances(files):
        validator = grafana_checks._validator(file, definition)
        for mutated in mutations(instance):
            checked += 1
            assert _agree(validator, mutated), (file, definition, mutated)
    assert checked > 500


@pytest.mark.parametrize("kind", ["ServiceMonitor", "Probe", "PrometheusRule"])
def test_both_validators_agree_on_crd_specs_and_their_mutations(files: dict[str, bytes], kind: str) -> None:
    require_shared(f"k8s-schema/{scaling_validate.CRD_FILES[kind]}")
    objects = [yaml.safe_load(v) for k, v in files.items() if k.startswith("kubernetes/") and b"kind: " + kind.encode() in v]
    validator = scaling_validate._crd_validator(kind, scaling_validate.K8S_SCHEMA)
    assert validator.fast_verdict({}) is not None
    for mutated in (m for obj in objects[:2] for m in mutations(obj["spec"])):
        assert _agree(validator, mutated), mutated
    endpoint = objects[0]["spec"].get("endpoints", [{}])[0] if kind == "ServiceMonitor" else objects[0]["spec"]
    for mutated in mutations(endpoint):
        spec_ = {**objects[0]["spec"], "endpoints": [mutated]} if kind == "ServiceMonitor" else mutated
        assert _agree(validator, spec_), spec_


def test_a_pattern_it_cannot_compile_is_left_out_only_where_no_value_meets_it() -> None:
    require_shared(f"k8s-schema/{scaling_validate.CRD_FILES['PrometheusRule']}")
    # `^(?i)(abort|warn)?$` in the CRD: Go's syntax, not ECMA 262
    validator = scaling_validate._crd_validator("PrometheusRule", scaling_validate.K8S_SCHEMA)
    assert validator.fast_verdict({"groups": [{"name": "a", "rules": []}]}) is True
    assert validator.fast_verdict({"groups": [{"name": "a", "rules": [], "partial_response_strategy": "warn"}]}) is None
    assert validator.errors({"groups": [{"rules": []}]}) == [(["groups", 0], "'name' is a required property")]


BAD = "^((?i)a|b)$"  # an inline flag after the start: jsonschema_rs refuses to compile it


@pytest.mark.parametrize(
    ("schema", "unchecked"),
    [
        ({"properties": {"a": {"items": {"pattern": BAD}}}}, [["a", "*"]]),
        ({"properties": {"a": {"pattern": "^ok$"}, "b": {"pattern": BAD}}}, [["b"]]),
        ({"allOf": [{"pattern": BAD}]}, None),
        ({"properties": {"a": {"additionalProperties": {"pattern": BAD}}}}, None),
        ({"properties": {"a": {"pattern": BAD}, "b": {"$ref": "#/properties/a"}}}, None),
    ],
    ids=["under items", "beside a pattern it compiles", "under allOf", "under additionalProperties", "a $ref"],
)
def test_where_a_left_out_pattern_would_apply(schema: dict[str, Any], unchecked: list[list[str]] | None) -> None:
    validator = json_schema.Validator(schema)
    assert (validator._unchecked if validator._fast is not None else None) == unchecked


def test_errors_are_jsonschemas_words_sorted_by_path() -> None:
    validator = json_schema.Validator({"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "integer"}}})
    assert validator.errors({"b": 1, "a": "x"}) == [(["a"], "'x' is not of type 'integer'"), (["b"], "1 is not of type 'string'")]
    assert validator.errors({"b": "y", "a": 2}) == []

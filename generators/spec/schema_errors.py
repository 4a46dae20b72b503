"""Turn jsonschema errors into located, actionable problems ('did you mean', examples)."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from generators.errors import Problem
from generators.spec import schema
from generators.spec.source import Source, dotted

if TYPE_CHECKING:
    import jsonschema

_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "true/false",
    int: "an integer",
    float: "a number",
    type(None): "nothing (null)",
}
_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true/false",
    "integer": "an integer",
    "number": "a number",
}


@functools.cache
def _compiled() -> Any:
    """jsonschema_rs on the spec's schema (0.37 s -> 0.01 s at 1,000 services), or None without it."""
    try:
        import jsonschema_rs

        return jsonschema_rs.Draft202012Validator(schema.build(), validate_formats=False)
    except Exception:
        return None


def check(source: Source) -> list[Problem]:
    """A spec jsonschema_rs accepts has no problem; one it rejects is walked by jsonschema, whose errors are explained
    (so jsonschema is imported only then). tests/test_spec_errors.py: every bad spec there is rejected."""
    fast = _compiled()
    try:
        if fast is not None and fast.is_valid(source.data):
            return []
    except Exception:  # a value it cannot convert: jsonschema decides
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema.build())
    problems: list[Problem] = []
    for error in _leaves(validator.iter_errors(source.data)):
        problems.extend(_explain(source, error))
    unique = {(str(p)): p for p in problems}
    return list(unique.values())


def _leaves(errors: Iterator[jsonschema.ValidationError]) -> Iterator[jsonschema.ValidationError]:
    """Errors from allOf/if-then branches carry their real cause in context; report those."""
    for error in errors:
        if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
            yield from _leaves(iter(error.context))
        else:
            yield error


def _example(subschema: dict[str, Any]) -> str:
    examples = subschema.get("examples")
    if examples:
        return f" (example: {json.dumps(examples[0])})"
    if "enum" in subschema:
        return f" (one of: {', '.join(map(str, subschema['enum']))})"
    return ""


def _explain(source: Source, error: jsonschema.ValidationError) -> list[Problem]:
    path = tuple(error.absolute_path)
    where = source.at(path)
    value = error.instance
    kind = error.validator
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for key in sorted(set(value) - set(allowed)):
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            options = f" (allowed here: {', '.join(allowed)})" if allowed else ""
            out.append(Problem(source.key_at((*path, key)), dotted((*path, key)), f"unknown key '{key}'{hint}{options}"))
        return out
    if "propertyNames" in error.schema_path and kind == "enum":
        allowed = error.validator_value
        key = value if isinstance(value, str) else str(value)
        parent = tuple(error.absolute_path)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return [
            Problem(
                source.key_at((*parent, key)),
                dotted((*parent, key)),
                f"unknown key '{key}' for this channel type{hint} (allowed: {', '.join(allowed)})",
            )
        ]
    if "propertyNames" in error.schema_path:
        return [Problem(where, dotted(path), f"name {error.instance!r} must be lower-case letters, digits and '-' (example: api-gateway)")]
    if kind == "required":
        missing = error.message.split("'")[1]
        sub = error.schema.get("properties", {}).get(missing) or _property_anywhere(missing)
        example = f" (example: {missing}: {_flow(sub['examples'][0])})" if sub.get("examples") else _example(sub)
        return [Problem(where, dotted(path), f"missing required key '{missing}'{example}")]
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(_JSON_TYPES.get(str(w), str(w)) for w in wanted)
        got = _TYPE_NAMES.get(type(value), type(value).__name__)
        return [Problem(where, dotted(path), f"expected {names}, got {got} {_short(value)}{_example(error.schema)}")]
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return [Problem(where, dotted(path), f"{_short(value)} is not allowed here{hint} (allowed: {', '.join(map(str, allowed))})")]
    if kind == "not":
        return [Problem(where, dotted(path), 'write severity tiers (e.g. {warning: "> 5% for 5m"}) or false to disable')]
    if kind == "pattern":
        return [Problem(where, dotted(path), f"{_short(value)} has the wrong form{_example(error.schema)}")]
    return [Problem(where, dotted(path), f"{error.message}{_example(error.schema)}")]


@functools.cache
def _property_index() -> dict[str, dict[str, Any]]:
    """Every property schema in the spec schema by name, for examples of keys required by if/then branches."""
    index: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and "examples" in sub:
                    index.setdefault(name, sub)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema.build())
    return index


def _property_anywhere(name: str) -> dict[str, Any]:
    return _property_index().get(name, {})


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.@/-]*")
_NOT_TEXT = re.compile(r"(?i)y|n|yes|no|on|off|true|false|null")


def _flow(value: Any) -> str:
    """A value as a YAML flow line, the way a user writes it: {critical: [oncall-pager]}."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and _PLAIN.fullmatch(value) and not _NOT_TEXT.fullmatch(value):
        return value
    return json.dumps(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

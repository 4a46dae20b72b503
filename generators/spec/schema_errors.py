"""Turn jsonschema errors into located, actionable problems ('did you mean', examples)."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema

from generators.errors import Problem
from generators.model import values
from generators.spec import ignored_keys, schema, schema_fields, strings
from generators.spec.source import Source, dotted

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


def _x_string(validator: Any, kind: str, instance: Any, subschema: dict[str, Any]) -> Iterator[jsonschema.ValidationError]:
    """`x-string: <kind>`: the text must pass generators/spec/strings.py's check of that kind."""
    if isinstance(instance, str) and (problem := strings.KINDS[kind](instance)):
        yield jsonschema.ValidationError(problem)


def _x_duration(validator: Any, bounds: dict[str, Any], instance: Any, subschema: dict[str, Any]) -> Iterator[jsonschema.ValidationError]:
    """`x-duration: {minimum, maximum, positive, why}`: a Prometheus duration inside those bounds."""
    if not isinstance(instance, str):
        return  # the type keyword says so
    try:
        values.parse_duration(instance)
    except values.ValueProblem as exc:
        yield jsonschema.ValidationError(str(exc))
        return
    if problem := values.duration_bounds(instance, **bounds):
        yield jsonschema.ValidationError(problem)


# The spec's own keywords: editors ignore them, the validator runs them (messages are final: no example added).
_OWN_KEYWORDS = {"x-string": _x_string, "x-duration": _x_duration}
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, _OWN_KEYWORDS)


def check_sizes(source: Source) -> list[Problem]:
    """The size limits alone (services, business, custom), cheap: run before anything walks every entry."""
    data = source.data if isinstance(source.data, dict) else {}
    problems = []
    for key, limit in (
        ("services", schema_fields.MAX_SERVICES),
        ("business", schema_fields.MAX_ENTRIES),
        ("custom", schema_fields.MAX_ENTRIES),
    ):
        value = data.get(key)
        if isinstance(value, (list, dict)) and len(value) > limit:
            problems.append(_too_many(source, (key,), value, limit))
    return problems


def _too_many(source: Source, path: tuple[str | int, ...], value: list[Any] | dict[str, Any], limit: int) -> Problem:
    what = "entries" if isinstance(value, list) else "names"
    return Problem(
        source.at(path),
        dotted(path),
        f"{len(value):,} {what}, more than the {limit:,} a spec may have here: each one adds rules, "
        "tests and panels that the render and its validators check (time grows with every one); split the spec",
    )


def check(source: Source) -> list[Problem]:
    validator = _Validator(schema.build())
    problems: list[Problem] = []
    for error in _leaves(validator.iter_errors(source.data)):
        problems.extend(_explain(source, error))
    problems.extend(ignored_keys.check(source))
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
    if kind in _OWN_KEYWORDS:
        if "propertyNames" in error.schema_path:  # a key's text: locate the key itself
            return [Problem(source.key_at((*path, value)), dotted((*path, value)), error.message)]
        return [Problem(where, dotted(path), error.message)]
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
        key = (*path, value)
        if kind == "maxLength":
            limit = error.validator_value
            message = f"name {_short(value)} is {len(value)} characters long; names are at most {limit} (they become file and object names)"
            return [Problem(source.key_at(key), dotted(path) + f".{_short(value)}", message)]
        return [
            Problem(source.key_at(key), dotted(key), f"name {value!r} must be lower-case letters, digits and '-' (example: api-gateway)")
        ]
    if kind in ("maximum", "minimum") and isinstance(value, (int, float)):
        bound = f"{error.validator_value:,}"
        side = "more than {}, the most" if kind == "maximum" else "less than {}, the least"
        return [Problem(where, dotted(path), f"{_short(value)} is {side.format(bound)} allowed here")]
    if kind in ("maxItems", "maxProperties") and isinstance(value, (list, dict)):
        return [_too_many(source, path, value, error.validator_value)]
    if kind == "maxLength" and isinstance(value, str):
        return [Problem(where, dotted(path), f"{_short(value)} is {len(value)} characters long; the limit here is {error.validator_value}")]
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

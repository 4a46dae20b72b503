"""JSON Schema (Draft 7) verdicts: jsonschema_rs decides whether an instance is valid, jsonschema words the errors.

jsonschema walks a 1,000-service dashboard (14 MB) against Grafana's Dashboard kind in 6 s; jsonschema_rs, compiled,
in 0.02 s. Only an instance jsonschema_rs rejects is walked by jsonschema, so every message stays jsonschema's,
word for word, and a rejection needs both to agree. Neither checks `format` (jsonschema does only when given a
format checker; jsonschema_rs is told not to). tests/validate/test_json_schema.py holds both to the same verdict on the
rendered example and on mutations of it. Without jsonschema_rs installed, jsonschema decides alone (slower).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Path = list[str | int]


class Validator:
    """One compiled schema; `errors(instance)` -> [(absolute path, jsonschema's message)], sorted by path."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._slow: Any = None
        self._fast: Any = None
        self._unchecked: list[Path] = []  # where a pattern jsonschema_rs cannot compile was left out
        try:
            import jsonschema_rs
        except ImportError:  # jsonschema decides alone
            return
        try:
            self._fast = jsonschema_rs.Draft7Validator(dict(schema), validate_formats=False)
        except Exception:  # a pattern it cannot compile, such as Go's `(?i)` in the Kubernetes CRDs
            pruned = _without_patterns(schema, lambda p: _compiles(jsonschema_rs, p), [], self._unchecked)
            try:
                self._fast = None if pruned is None else jsonschema_rs.Draft7Validator(pruned, validate_formats=False)
            except Exception:
                self._fast = None

    def fast_verdict(self, instance: Any) -> bool | None:
        """jsonschema_rs' verdict, or None when it has none: not installed, the instance cannot be converted, or it
        holds a value where a left-out pattern would apply (elsewhere leaving it out changes nothing)."""
        if self._fast is None or any(_reaches(instance, path) for path in self._unchecked):
            return None
        try:
            return bool(self._fast.is_valid(instance))
        except Exception:  # e.g. an integer beyond 64 bits
            return None

    def slow_errors(self, instance: Any) -> list[tuple[Path, str]]:
        if self._slow is None:
            import jsonschema  # here, not at the top: `render --skip-validation` never pays for the import

            self._slow = jsonschema.Draft7Validator(self.schema)
        found = sorted(self._slow.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [(list(e.absolute_path), e.message) for e in found]

    def errors(self, instance: Any) -> list[tuple[Path, str]]:
        if self.fast_verdict(instance):
            return []
        return self.slow_errors(instance)


def _compiles(jsonschema_rs: Any, pattern: str) -> bool:
    try:
        jsonschema_rs.Draft7Validator({"pattern": pattern})
    except Exception:
        return False
    return True


def _without_patterns(schema: Any, compiles: Any, where: Path, dropped: list[Path]) -> Any:
    """The schema without the patterns that do not compile, each noted in `dropped` by the instance path it applies
    to ("*" for any item); None when one sits anywhere but under properties/items steps from the root, or the schema
    has a $ref (then the path would not say which values it applies to)."""
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return None
    out = dict(schema)
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not compiles(pattern):
        del out["pattern"]
        dropped.append(list(where))
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            children = {}
            for name, sub in value.items():
                children[name] = _without_patterns(sub, compiles, [*where, name], dropped)
                if children[name] is None:
                    return None
            out[key] = children
        elif key == "items" and isinstance(value, dict):
            out[key] = _without_patterns(value, compiles, [*where, "*"], dropped)
            if out[key] is None:
                return None
        elif key != "pattern" and _has_bad(value, compiles):
            return None  # one under allOf, additionalProperties, ...
    return out


def _has_bad(value: Any, compiles: Any) -> bool:
    """A $ref or a pattern that does not compile anywhere in value."""
    if isinstance(value, dict):
        pattern = value.get("pattern")
        bad = "$ref" in value or (isinstance(pattern, str) and not compiles(pattern))
        return bad or any(_has_bad(v, compiles) for v in value.values())
    if isinstance(value, list):
        return any(_has_bad(v, compiles) for v in value)
    return False


def _reaches(instance: Any, path: Path) -> bool:
    """Whether the instance has a value at path ("*": any item of a list)."""
    if not path:
        return True
    step, rest = path[0], path[1:]
    if step == "*":
        return isinstance(instance, list) and any(_reaches(item, rest) for item in instance)
    return isinstance(instance, dict) and step in instance and _reaches(instance[step], rest)

"""JSON Schema (Draft 7) verdicts: jsonschema_rs decides whether an instance is valid, jsonschema words the errors.

jsonschema walks a 1,000-service dashboard (14 MB) against Grafana's Dashboard kind in 6 s; jsonschema_rs, compiled,
in 0.02 s. Only an instance jsonschema_rs rejects is walked by jsonschema, so every message stays jsonschema's,
word for word, and a rejection needs both to agree. Neither checks `format` (jsonschema does only when given a
format checker; jsonschema_rs is told not to). tests/test_json_schema.py holds both to the same verdict on the
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
        try:
            import jsonschema_rs

            self._fast = jsonschema_rs.Draft7Validator(dict(schema), validate_formats=False)
        except Exception:  # not installed, or a pattern it cannot compile: jsonschema decides alone
            self._fast = None

    def fast_verdict(self, instance: Any) -> bool | None:
        """jsonschema_rs' verdict, or None when it has none (not installed, or the instance cannot be converted)."""
        if self._fast is None:
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

"""The signal catalog as data: YAML flow lists split at every comma, so a sentence with a comma must be quoted."""

from __future__ import annotations

from typing import Any

from generators import catalog


def _list_items(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [item for key, v in value.items() for item in _list_items(v, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [(f"{path}[{i}]", v) if isinstance(v, str) else ("", "") for i, v in enumerate(value)] + [
            item for i, v in enumerate(value) for item in _list_items(v, f"{path}[{i}]")
        ]
    return []


def test_no_list_item_was_cut_at_a_comma_inside_parentheses() -> None:
    items = [(path, text) for path, text in _list_items(catalog.load()) if path]
    assert len(items) > 100  # causes, checks and steps of every signal
    cut = [f"{path}: {text!r}" for path, text in items if text.count("(") != text.count(")")]
    assert cut == []


def test_a_cause_with_commas_is_one_bullet() -> None:
    causes = catalog.signals("http")["error_rate"]["causes"]
    assert "A dependency (database, cache, external API) failing" in causes

"""The changed part of two strings, as the review prints it (generators/review/text.py)."""

from __future__ import annotations

import pytest

from generators.review import text


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('x{service="api"} > 0.05', 'x{service="api"} > 0.06', [("> 0.05", "> 0.06")]),
        ("vector(0.995)", "vector(0.999)", [("0.995", "0.999")]),
        ("Threshold: > 5% for 5m.", "Threshold: > 5% for 10m.", [("for 5m", "for 10m")]),
        ("| warning | > 2% | pager, chat |", "| warning | > 2% | genie, pager, chat |", [("pager", "genie, pager")]),
        ("service=api, team=backend", "service=api, team=data", [("team=backend", "team=data")]),
        ("a b c d e f g", "a B c d e f G", [("a b", "a B"), ("f g", "f G")]),
        ("5m", "10m", [("5m", "10m")]),
        ("same", "same", []),
    ],
    ids=[
        "a threshold keeps its operator",
        "a number glued to a bracket stands alone",
        "a duration keeps its word, not the full stop",
        "an insertion keeps the word after it",
        "a label keeps its name",
        "changes far apart are two parts",
        "a whole value",
        "nothing changed",
    ],
)
def test_spans(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert text.spans(old, new) == expected


def test_span_text_counts_a_repeated_part() -> None:
    assert text.span_text("a > 0.05 and b > 0.05", "a > 0.06 and b > 0.06") == "`> 0.05` → `> 0.06` (2×)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("plain", "`plain`"), ("`q` / 2", "`` `q` / 2 ``"), ("a`b", "``a`b``")],
    ids=["plain", "backticks at the edge", "a backtick inside"],
)
def test_code_spans_survive_backticks(value: str, expected: str) -> None:
    assert text.code(value) == expected

"""Our prediction of Prometheus' template functions, cases worked out from template.go's algorithm."""

from __future__ import annotations

import pytest

from generators.outputs.prometheus import gotemplate

CASES = [
    ("humanize", 0, "0"),
    ("humanize", 1234567.0, "1.235M"),
    ("humanize", 0.0012, "1.2m"),
    ("humanize", 5.5, "5.5"),
    ("humanize_percentage", 0.055, "5.5%"),
    ("humanize_percentage", 0.1234567, "12.35%"),
    ("humanize_duration", 0, "0s"),
    ("humanize_duration", 3.3, "3.3s"),
    ("humanize_duration", 0.055, "55ms"),
    ("humanize_duration", 660, "11m 0s"),
    ("humanize_duration", 1088640, "12d 14h 24m 0s"),
    ("humanize_duration", 3601, "1h 0m 1s"),
    ("go_float", 3.0, "3"),
    ("go_float", 0.25, "0.25"),
]


@pytest.mark.parametrize(("fn", "value", "text"), CASES, ids=[f"{c[0]}({c[1]})" for c in CASES])
def test_functions(fn: str, value: float, text: str) -> None:
    assert getattr(gotemplate, fn)(value) == text


def test_expand_labels_and_value() -> None:
    text = "{{ $labels.instance }} at {{ $value | humanizePercentage }} ({{ $labels.missing }})"
    assert gotemplate.expand(text, 0.9, {"instance": "db-1"}) == "db-1 at 90% (<no value>)"

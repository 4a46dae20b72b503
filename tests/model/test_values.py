"""Durations and thresholds parse exactly (Decimal) and say what would be right when they do not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generators.model.values import ValueProblem, format_duration, number, parse_duration, parse_threshold

GOOD = [
    ("> 5% for 5m", "percent", ">", "0.05", "5%", 300),
    ("> 0.05", "percent", ">", "0.05", "0.05", 60),
    ("> 0.1% for 1h30m", "percent", ">", "0.001", "0.1%", 5400),
    ("> 33.3%", "percent", ">", "0.333", "33.3%", 60),
    ("< 60% for 15m", "percent", "<", "0.6", "60%", 900),
    (">= 500ms", "seconds", ">=", "0.5", "500ms", 60),
    ("> 2s for 15m", "seconds", ">", "2", "2s", 900),
    ("< 14d", "seconds", "<", "1209600", "14d", 60),
    ("> 1.5s", "seconds", ">", "1.5", "1.5s", 60),
    ("< 0.1/s for 15m", "per_second", "<", "0.1", "0.1/s", 900),
    ("< 10/min", "per_minute", "<", "10", "10/min", 60),
    ("> 5000 for 10m", "count", ">", "5000", "5000", 600),
]


@pytest.mark.parametrize(("text", "unit", "op", "value", "shown", "for_"), GOOD, ids=[g[0] for g in GOOD])
def test_thresholds_parse_exactly(text: str, unit: str, op: str, value: str, shown: str, for_: int) -> None:
    threshold = parse_threshold(text, unit, Decimal(60))
    assert (threshold.op, number(threshold.value or Decimal(0)), threshold.text, threshold.for_) == (op, value, shown, Decimal(for_))


BAD = [
    ("> 105%", "percent", "'105%' is not a percentage between 0% and 100% (examples: 5%, 0.05)"),
    ("> 5 percent", "percent", "'5 percent' is not a percentage (examples: 5%, 0.05)"),
    ("> 5", "percent", "'5' is not a percentage; write 5% or a ratio (examples: 5%, 0.05)"),
    ("> 2 seconds", "seconds", "'2 seconds' is not a duration (examples: 500ms, 2s, 10m, 14d)"),
    ("> 5/min", "per_second", "'5/min' is not a per-second rate (examples: 0.5/s, 2)"),
    ("> 5%", "count", "'5%' must be a plain number here (examples: 10, 5000)"),
    ("5%", "percent", "'5%' has no comparison; write e.g. \"> 5% for 5m\" (operators: > >= < <=)"),
    ("> 5% for ever", "percent", "in '> 5% for ever': 'ever' is not a duration (examples: 30s, 5m, 1h30m, 7d)"),
    (5, "percent", '5 is not a threshold; write a string like "> 5% for 5m"'),
]


@pytest.mark.parametrize(("text", "unit", "message"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_thresholds_say_what_is_right(text: object, unit: str, message: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_threshold(text, unit, Decimal(60))
    assert str(caught.value) == message


def test_signals_without_a_value_take_only_a_duration() -> None:
    assert parse_threshold("for 2m", "count", Decimal(0), has_value=False).for_ == Decimal(120)
    with pytest.raises(ValueProblem) as caught:
        parse_threshold("> 0 for 2m", "count", Decimal(0), has_value=False)
    assert str(caught.value) == "'> 0 for 2m': this signal has no value to compare; write only the duration, e.g. \"for 5m\""


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("1h30m", 5400), ("7d", 604800), ("1w", 604800), ("250ms", "0.25")])
def test_durations(text: str, seconds: object) -> None:
    assert parse_duration(text) == Decimal(str(seconds))


@pytest.mark.parametrize("text", ["5 minutes", "", "5", "m5", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (90, "1m30s"), (5400, "1h30m"), (86400, "1d"), ("0.5", "500ms")])
def test_format_duration(seconds: object, text: str) -> None:
    assert format_duration(Decimal(str(seconds))) == text


def test_numbers_are_exact_as_written() -> None:
    assert number(Decimal("5") / 100) == "0.05"
    assert number(Decimal("0.050")) == "0.05"
    assert number(Decimal("5E+1")) == "50"

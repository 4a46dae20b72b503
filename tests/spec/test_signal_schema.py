"""The thresholds' schema examples are in each signal's own unit (generators/spec/signal_schema.py)."""

from __future__ import annotations

import pytest

from generators import catalog
from generators.spec import signal_schema


@pytest.mark.parametrize(
    ("kind", "signal", "example"),
    [
        ("http", "error_rate", "> 2% for 10m"),  # its first default tier
        ("http", "latency_p99", "> 2s for 10m"),  # opt-in, seconds
        ("http", "traffic_drop", "< 0.1/s for 15m"),  # opt-in, per second, bad below
        ("queue", "depth", "> 1000 for 15m"),  # a count, not "> 5%"
        ("business", "rate_per_minute", "< 10/min for 15m"),
        ("histogram", "p95", "> 2s for 10m"),
        ("gauge", "value", "> 1000 for 15m"),
        ("target", "target_down", "for 2m"),  # no value: a duration only
    ],
)
def test_each_signal_has_an_example_in_its_unit(kind: str, signal: str, example: str) -> None:
    assert signal_schema.example(catalog.signals(kind)[signal]) == example


def test_a_service_may_set_its_own_target_signals() -> None:
    props = signal_schema.thresholds("redis", target=True)["properties"]
    assert list(props)[:3] == ["target_down", "scrape_empty", "metric_absent"]
    assert "target_down" not in signal_schema.thresholds("redis")["properties"]


def test_every_example_is_a_threshold_its_signal_accepts() -> None:
    from generators.model.values import parse_threshold

    refused = []
    for kind in catalog.load():
        for name, signal in catalog.signals(kind).items():
            text = signal_schema.example(signal)
            threshold = parse_threshold(text, catalog.signal_unit(signal), catalog.default_for(signal), catalog.has_value(signal))
            ops = signal.get("ops") or ([">", ">="] if signal.get("direction", "above") == "above" else ["<", "<="])
            if threshold.op is not None and threshold.op not in ops:
                refused.append(f"{kind}.{name}: {text}")
    assert refused == []

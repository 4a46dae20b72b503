"""Backtest: evaluate the rendered alert rules over recorded history and count what Alertmanager would send.

source (query_range) -> rules (recordings inlined) -> evaluator (Prometheus' `for` / keep_firing_for state)
-> notify (the rendered Alertmanager tree: grouping, timers, inhibition, time intervals) -> report (Markdown, PNG).
corpus + tsdb build a deterministic recorded history (benign and incident traces) served by a real Prometheus;
quality scores the notifications against the corpus' incidents. docs/backtest.md describes all of it.
"""

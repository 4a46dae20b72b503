"""What would be deployed: the render pipeline's own documents for a spec, read back as rules and routing.

The backtest never reads prometheus/ or alertmanager/ from disk: it renders the spec in memory with the
render pipeline's own builders and writer (the bytes `make render` writes; tests/test_backtest_rules.py
compares them with pipeline.render.documents) and parses those, so it evaluates exactly the rules and
routes a deploy of that spec would run, whether or not they were rendered and committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generators.backtest.common import BacktestError, Labels, duration_ms, labels
from generators.backtest.evaluator import AlertRule
from generators.backtest.inline import Inliner, recordings_from
from generators.model.types import Model
from generators.outputs.alertmanager import alertmanager
from generators.outputs.prometheus import prometheus_config, slo_rules
from generators.outputs.prometheus import rules as prometheus_rules
from generators.pipeline import spec, writer

RULES_PREFIX = "prometheus/rules/"
PROMETHEUS_CONFIG = "prometheus/prometheus.yml"
DEFAULT_INTERVAL = "1m"  # Prometheus' own default evaluation_interval


@dataclass(frozen=True)
class Deployment:
    spec_path: str
    model: Model
    rules: tuple[AlertRule, ...]
    alertmanager: Mapping[str, Any]  # alertmanager/alertmanager.yml as rendered
    external_labels: Labels  # added by Prometheus to every alert it sends
    evaluation_interval_ms: int
    scrape_interval_ms: int

    def queries(self) -> dict[tuple[str, int], list[AlertRule]]:
        """(inlined query, interval) -> the rules that share it (severity tiers and escalation copies differ in `for`)."""
        out: dict[tuple[str, int], list[AlertRule]] = {}
        for rule in self.rules:
            out.setdefault((rule.query, rule.interval_ms), []).append(rule)
        return out


# The render pipeline's builders for what the backtest reads: the same functions (and bytes) as in
# pipeline.render.OUTPUTS, without the dashboards, compose and kubernetes/ (2/3 of a render's time).
OUTPUTS: tuple[Callable[[Model], Mapping[str, Any]], ...] = (
    lambda model: {PROMETHEUS_CONFIG: prometheus_config.build(model)},
    prometheus_rules.build,
    slo_rules.build,
    alertmanager.build,
)


def documents(model: Model) -> dict[str, bytes]:
    return {path: writer.serialize(path, doc) for output in OUTPUTS for path, doc in output(model).items()}


def load(spec_path: str | Path) -> Deployment:
    """Render the spec (SpecError when it is invalid) and read the documents back."""
    model, _ = spec.load(spec_path)
    return from_documents(str(spec_path), model, documents(model))


def _yaml(data: bytes) -> Any:
    return yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 50x faster on 1 MB of rules


def from_documents(spec_path: str, model: Model, files: Mapping[str, bytes]) -> Deployment:
    config = _yaml(files[PROMETHEUS_CONFIG])
    global_ = config.get("global") or {}
    interval = duration_ms(global_.get("evaluation_interval") or DEFAULT_INTERVAL, "global.evaluation_interval")
    scrape = duration_ms(global_.get("scrape_interval") or DEFAULT_INTERVAL, "global.scrape_interval")
    groups = [g for path in sorted(files) if path.startswith(RULES_PREFIX) for g in _yaml(files[path])["groups"]]
    inliner = Inliner(recordings_from(groups, interval))
    rules = []
    for group in groups:
        group_interval = duration_ms(str(group["interval"])) if group.get("interval") else interval
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            rule_labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
            templated = [k for k, v in rule_labels.items() if "{{" in v]
            if templated:
                raise BacktestError(f"{rule['alert']}: label {templated[0]} is a template; the backtest needs static rule labels")
            rules.append(
                AlertRule(
                    group=str(group["name"]),
                    name=str(rule["alert"]),
                    expr=str(rule["expr"]),
                    query=inliner.expand(str(rule["expr"])),
                    for_ms=duration_ms(rule.get("for"), f"{rule['alert']}: for"),
                    keep_firing_for_ms=duration_ms(rule.get("keep_firing_for"), f"{rule['alert']}: keep_firing_for"),
                    labels=labels(rule_labels),
                    interval_ms=group_interval,
                )
            )
    return Deployment(
        spec_path=spec_path,
        model=model,
        rules=tuple(rules),
        alertmanager=_yaml(files[alertmanager.CONFIG]),
        external_labels=labels({str(k): str(v) for k, v in (global_.get("external_labels") or {}).items()}),
        evaluation_interval_ms=interval,
        scrape_interval_ms=scrape,
    )

"""prometheus/ha/prometheus-<n>.yml: one config per replica of an HA pair (spec `ha: {replicas: 2}`).

Each replica scrapes and evaluates the same rules; they differ in the external label `replica` and in the
`instance` of their self-scrape (`prometheus-<n>:9090`, not `localhost:9090`: the two processes' own series must
stay two series once a store drops the replica label and merges the pair's identical series).
Alerts drop that label before they reach Alertmanager (alert_relabel_configs), so both replicas send the
same label set and Alertmanager deduplicates them into one notification. Samples keep it, so the remote
TSDB can deduplicate the pair (Mimir HA tracker, Thanos --query.replica-label, VictoriaMetrics -dedup).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from generators.model import conventions
from generators.model.types import Model
from generators.outputs.prometheus import prometheus_config


def replica_config(
    model: Model, index: int, alertmanagers: tuple[str, ...] | None = None, password_file: str | None = prometheus_config.PASSWORD_FILE
) -> dict[str, Any]:
    label = model.ha.replica_label
    config = prometheus_config.build(model, alertmanagers, password_file)
    labels = {**config["global"].get("external_labels", {}), label: f"prometheus-{index}"}
    config["global"]["external_labels"] = dict(sorted(labels.items()))
    config["alerting"] = {"alert_relabel_configs": [{"action": "labeldrop", "regex": label}], **config["alerting"]}
    config["rule_files"] = ["../rules/*.rules.yml"]  # relative to this file
    for job in config["scrape_configs"]:
        if job["job_name"] == conventions.PROMETHEUS_JOB:
            for static in job["static_configs"]:
                static["labels"] = {**static.get("labels", {}), "instance": f"prometheus-{index}:9090"}
    return config


def build(
    model: Model, alertmanagers: tuple[str, ...] | None = None, password_file: str | None = prometheus_config.PASSWORD_FILE
) -> dict[str, dict[str, Any]]:
    if model.ha.replicas < 2:
        return {}
    return {f"prometheus/ha/prometheus-{i}.yml": replica_config(model, i, alertmanagers, password_file) for i in range(model.ha.replicas)}


def compose_services(model: Model, prometheus: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Compose profile `ha`: prometheus-0/1 cloned from the compose generator's `prometheus` service.

    Each reads its own config from prometheus/ha/ and keeps its own TSDB volume (`prometheus-<n>-data`);
    no host port is published (the single `prometheus` service keeps that). Plug into the compose build:
    services.update(ha.compose_services(model, services["prometheus"])) and add the returned volume names.
    """
    if model.ha.replicas < 2:
        return {}
    out = {}
    for i in range(model.ha.replicas):
        service = copy.deepcopy(dict(prometheus))
        service["profiles"] = ["ha"]
        service["command"] = [
            f"--config.file=/etc/prometheus/ha/prometheus-{i}.yml" if str(arg).startswith("--config.file=") else arg
            for arg in service.get("command", [])
        ]
        service["volumes"] = [
            f"prometheus-{i}-data:/prometheus" if str(v).startswith("prometheus-data:") else v for v in service.get("volumes", [])
        ]
        service.pop("ports", None)
        out[f"prometheus-{i}"] = service
    return out

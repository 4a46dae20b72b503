"""prometheus/prometheus.yml: global settings, Alertmanager, rule files and scrape jobs from the model."""

from __future__ import annotations

from typing import Any

from generators.model import build_model, conventions, prom_compat
from generators.model.types import Model, ScrapeJob
from generators.outputs.prometheus import remote_write


def build(model: Model, alertmanagers: tuple[str, ...] | None = None) -> dict[str, Any]:
    stack = model.stack
    global_: dict[str, Any] = {
        "scrape_interval": stack.scrape_interval,
        "evaluation_interval": stack.evaluation_interval,
    }
    if stack.external_labels:
        # Prometheus 3 expands $VAR in these values; $$ keeps a `$` literal (prom_compat)
        global_["external_labels"] = {k: prom_compat.external_label_value(v) for k, v in stack.external_labels.items()}
    targets = alertmanagers or build_model.STACK_TARGETS[conventions.ALERTMANAGER_JOB]
    out: dict[str, Any] = {
        "global": global_,
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": list(targets)}]}]},
        "rule_files": ["rules/*.rules.yml"],
        "scrape_configs": [_job(job) for job in model.jobs],
    }
    if remote_write.endpoints(model):
        out["remote_write"] = [remote_write.compose(rw) for rw in remote_write.endpoints(model)]
    return out


def _job(job: ScrapeJob) -> dict[str, Any]:
    out: dict[str, Any] = {"job_name": job.name}
    if job.module is not None:
        out["metrics_path"] = "/probe"
        out["params"] = {"module": [job.module]}
        out["static_configs"] = [{"targets": list(job.targets)}]
        out["relabel_configs"] = [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": build_model.BLACKBOX_ADDRESS},
        ]
        return out
    if job.metrics_path != "/metrics":
        out["metrics_path"] = job.metrics_path
    if job.name == conventions.PUSHGATEWAY_JOB:
        out["honor_labels"] = True  # pushed series keep their own job/instance labels
    static: dict[str, Any] = {"targets": list(job.targets)}
    if job.labels:
        static["labels"] = dict(job.labels)
    out["static_configs"] = [static]
    return out

"""prometheus/prometheus.yml: global settings, Alertmanager, rule files and scrape jobs from the model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generators.model import build_model, conventions, prom_compat
from generators.model.types import Model, ScrapeJob
from generators.model.values import format_duration
from generators.outputs.prometheus import remote_write

# Prometheus restores the `for` state of pending alerts after a restart only for a `for` >= its grace period
# (default 10m), and only when it was down less than the outage tolerance (default 1h).
DEFAULT_GRACE = Decimal(600)
OUTAGE_TOLERANCE = "1h"


def for_grace_period(model: Model) -> str:
    """The spec's shortest `for` (at most Prometheus' 10m default): every pending alert resumes after a restart.

    A restored alert whose remaining `for` is shorter than the grace period fires a grace period after the start.
    """
    durations = [t.for_ for a in model.alerts for t in a.tiers] + [Decimal(t.for_) for s in model.slos for t in s.tiers]
    return format_duration(min([d for d in durations if d > 0 and d < DEFAULT_GRACE], default=DEFAULT_GRACE))


def server_flags(model: Model) -> list[str]:
    """Prometheus command-line flags the spec decides (compose, the HA replicas and the native demo)."""
    return [f"--rules.alert.for-grace-period={for_grace_period(model)}", f"--rules.alert.for-outage-tolerance={OUTAGE_TOLERANCE}"]


PASSWORD_FILE = conventions.secret_path(conventions.WEB_PASSWORD_SECRET)
# Jobs whose targets answer behind the web config (Prometheus itself, the Alertmanagers).
AUTHENTICATED_JOBS = (conventions.PROMETHEUS_JOB, conventions.ALERTMANAGER_JOB)


def basic_auth(password_file: str) -> dict[str, str]:
    return {"username": conventions.WEB_USER, "password_file": password_file}


def build(model: Model, alertmanagers: tuple[str, ...] | None = None, password_file: str | None = PASSWORD_FILE) -> dict[str, Any]:
    """password_file: where Prometheus reads the web password for itself and the Alertmanagers (None: no auth)."""
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
    if password_file is not None:
        out["alerting"]["alertmanagers"][0] = {"basic_auth": basic_auth(password_file), **out["alerting"]["alertmanagers"][0]}
        for job in out["scrape_configs"]:
            if job["job_name"] in AUTHENTICATED_JOBS:
                job["basic_auth"] = basic_auth(password_file)
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

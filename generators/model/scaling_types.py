"""The scale-out part of the model (spec `kubernetes:`, `remote_write:`, `ha:`, `long_term_store:`); model.types
re-exports these, so `from generators.model.types import RemoteWrite` keeps working."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Kubernetes:
    """Where and how the prometheus-operator objects are rendered (spec `kubernetes:`)."""

    namespace: str = "monitoring"
    release: str = "kube-prometheus-stack"
    labels: Mapping[str, str] = field(default_factory=dict)
    service_label: str = "app.kubernetes.io/name"
    port: str = "metrics"
    prober: str = "blackbox-exporter:9115"
    credentials_secret: str = "monitoring-credentials"


@dataclass(frozen=True)
class RemoteWrite:
    """One remote_write endpoint (spec `remote_write:`); secrets are names, never values."""

    name: str
    url: str
    username: str | None = None
    password_secret: str | None = None
    bearer_token_secret: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    queue: Mapping[str, Any] = field(default_factory=dict)
    drop_metrics: tuple[str, ...] = ()
    drop_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class HighAvailability:
    replicas: int = 1
    replica_label: str = "replica"


@dataclass(frozen=True)
class LongTermStore:
    """Where every Prometheus writes and Grafana reads the global view (spec `long_term_store:`).

    The defaults are the VictoriaMetrics single node that compose (profile `long-term-store`) and `make demo` run.
    """

    write_url: str = "http://victoria-metrics:8428/api/v1/write"
    query_url: str = "http://victoria-metrics:8428"
    headers: Mapping[str, str] = field(default_factory=dict)
    drop_replica_label: bool = True  # the store deduplicates identical series (VictoriaMetrics -dedup.minScrapeInterval)
    retention: str = "1y"

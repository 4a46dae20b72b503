"""remote_write endpoints, twice: prometheus.yml (compose, secret files) and the Prometheus CR (Secret key refs).

The spec's `remote_write:` list, then the long-term store (`long_term_store:`) as one more endpoint of the same
shape. Every Prometheus renders them all: the single one, each HA replica (ha.py builds on prometheus.yml) and the
operator's replicas (kubernetes/prometheus-values.yaml).
"""

from __future__ import annotations

from typing import Any

from generators.model import conventions
from generators.model.types import Model, RemoteWrite

# prometheus.yml queue_config key -> Prometheus CR queueConfig key
_QUEUE_CR = {
    "capacity": "capacity",
    "max_shards": "maxShards",
    "min_shards": "minShards",
    "max_samples_per_send": "maxSamplesPerSend",
    "batch_send_deadline": "batchSendDeadline",
}


def store(model: Model) -> RemoteWrite | None:
    """The long-term store as a remote_write endpoint.

    With `replica_label: drop` (the default) the HA replica label is removed on write: both replicas then send
    identical series, which a store that deduplicates samples of one series (VictoriaMetrics with
    -dedup.minScrapeInterval = the scrape interval) keeps once, from whichever replica is alive. With `keep` the
    label reaches the store, which deduplicates by it (Mimir's HA tracker, Thanos' --query.replica-label).
    """
    lts = model.long_term_store
    if lts is None:
        return None
    drop = (model.ha.replica_label,) if lts.drop_replica_label else ()
    return RemoteWrite(name=conventions.LONG_TERM_STORE, url=lts.write_url, headers=dict(lts.headers), drop_labels=drop)


def endpoints(model: Model) -> tuple[RemoteWrite, ...]:
    """Every endpoint a Prometheus of this spec writes to: the spec's list, then the long-term store."""
    lts = store(model)
    return (*model.remote_write, lts) if lts else model.remote_write


def relabel(rw: RemoteWrite) -> list[dict[str, Any]]:
    """write_relabel_configs: drop whole series by name, then drop labels (both as anchored regex alternations)."""
    out: list[dict[str, Any]] = []
    if rw.drop_metrics:
        out.append({"source_labels": ["__name__"], "regex": "|".join(rw.drop_metrics), "action": "drop"})
    if rw.drop_labels:
        out.append({"regex": "|".join(rw.drop_labels), "action": "labeldrop"})
    return out


def compose(rw: RemoteWrite) -> dict[str, Any]:
    """One prometheus.yml remote_write entry; credentials are files under /run/secrets."""
    out: dict[str, Any] = {"name": rw.name, "url": rw.url}
    if rw.password_secret:
        out["basic_auth"] = {"username": rw.username, "password_file": conventions.secret_path(rw.password_secret)}
    if rw.bearer_token_secret:
        out["authorization"] = {"type": "Bearer", "credentials_file": conventions.secret_path(rw.bearer_token_secret)}
    if rw.headers:
        out["headers"] = dict(rw.headers)
    if rw.queue:
        out["queue_config"] = dict(rw.queue)
    rules = relabel(rw)
    if rules:
        out["write_relabel_configs"] = rules
    out["enable_http2"] = False  # Prometheus 3's default (one connection per shard); 2.x defaulted to true
    return out


def operator(rw: RemoteWrite, secret: str) -> dict[str, Any]:
    """The same endpoint as a Prometheus CR `remoteWrite` item; credentials are keys of one Kubernetes Secret."""
    out: dict[str, Any] = {"name": rw.name, "url": rw.url}
    if rw.password_secret:
        out["basicAuth"] = {
            "username": {"name": secret, "key": f"{rw.name}_username"},
            "password": {"name": secret, "key": rw.password_secret},
        }
    if rw.bearer_token_secret:
        out["authorization"] = {"type": "Bearer", "credentials": {"name": secret, "key": rw.bearer_token_secret}}
    if rw.headers:
        out["headers"] = dict(rw.headers)
    if rw.queue:
        out["queueConfig"] = {_QUEUE_CR[k]: v for k, v in rw.queue.items()}
    rules = [{("sourceLabels" if k == "source_labels" else k): v for k, v in rule.items()} for rule in relabel(rw)]
    if rules:
        out["writeRelabelConfigs"] = rules
    return out


def secret_names(model: Model) -> list[str]:
    """Secret files the Prometheus container needs for remote_write (compose: add them to its `secrets:`)."""
    names = {n for rw in model.remote_write for n in (rw.password_secret, rw.bearer_token_secret) if n}
    return sorted(names)

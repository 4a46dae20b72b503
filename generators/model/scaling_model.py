"""Map the spec's `kubernetes:`, `remote_write:`, `ha:` and `long_term_store:` sections onto the model (structure is
checked by the schema)."""

from __future__ import annotations

import re
from typing import Any

from generators.model import conventions
from generators.model.context import Context
from generators.model.types import HighAvailability, Kubernetes, LongTermStore, RemoteWrite


def build(b: Context) -> tuple[Kubernetes, tuple[RemoteWrite, ...], HighAvailability]:
    return kubernetes(b), remote_write(b), ha(b)


def kubernetes(b: Context) -> Kubernetes:
    raw = b.spec.get("kubernetes")
    if not isinstance(raw, dict):
        return Kubernetes()
    defaults = Kubernetes()
    return Kubernetes(
        namespace=raw.get("namespace", defaults.namespace),
        release=raw.get("release", defaults.release),
        labels=dict(sorted((raw.get("labels") or {}).items())),
        service_label=raw.get("service_label", defaults.service_label),
        port=raw.get("port", defaults.port),
        prober=raw.get("prober", defaults.prober),
        credentials_secret=raw.get("credentials_secret", defaults.credentials_secret),
    )


def remote_write(b: Context) -> tuple[RemoteWrite, ...]:
    raw_list = b.spec.get("remote_write")
    if not isinstance(raw_list, list):
        return ()
    out: list[RemoteWrite] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_list):
        if not isinstance(raw, dict) or "name" not in raw or "url" not in raw:
            continue  # reported by the schema check
        path = ("remote_write", i)
        if raw["name"] == conventions.LONG_TERM_STORE and isinstance(b.spec.get("long_term_store"), dict):
            b.problem(
                (*path, "name"),
                f"'{raw['name']}' is the remote_write name of long_term_store; name this endpoint otherwise, e.g. mimir",
            )
        if raw["name"] in seen:
            b.problem((*path, "name"), f"remote_write name '{raw['name']}' is used twice; names must be unique, e.g. mimir, thanos")
        seen.add(raw["name"])
        if raw.get("password_secret") and raw.get("bearer_token_secret"):
            b.problem(path, "use either password_secret (basic auth) or bearer_token_secret, not both")
        if bool(raw.get("username")) != bool(raw.get("password_secret")):
            b.problem(
                path, "basic auth needs both username and password_secret, e.g. {username: tenant-1, password_secret: mimir_password}"
            )
        queue: dict[str, Any] = dict(sorted((raw.get("queue") or {}).items()))
        if "batch_send_deadline" in queue:
            queue["batch_send_deadline"] = b.duration((*path, "queue", "batch_send_deadline"), queue["batch_send_deadline"], "5s")
        for key in ("drop_metrics", "drop_labels"):
            for j, pattern in enumerate(raw.get(key) or ()):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    b.problem((*path, key, j), f"not a valid regular expression ({exc}), e.g. 'go_gc_.*'")
        out.append(
            RemoteWrite(
                name=raw["name"],
                url=raw["url"],
                username=raw.get("username"),
                password_secret=raw.get("password_secret"),
                bearer_token_secret=raw.get("bearer_token_secret"),
                headers=dict(sorted((raw.get("headers") or {}).items())),
                queue=queue,
                drop_metrics=tuple(raw.get("drop_metrics") or ()),
                drop_labels=tuple(raw.get("drop_labels") or ()),
            )
        )
    return tuple(out)


def ha(b: Context) -> HighAvailability:
    raw = b.spec.get("ha")
    if not isinstance(raw, dict):
        return HighAvailability()
    stack = b.spec.get("stack") or {}
    label = raw.get("replica_label", "replica")
    if label in (stack.get("external_labels") or {}):
        b.problem(
            ("ha", "replica_label"),
            f"'{label}' is already a stack.external_labels key; pick another, e.g. replica_label: prometheus_replica",
        )
    return HighAvailability(replicas=raw.get("replicas", 1), replica_label=label)


def long_term_store(b: Context) -> LongTermStore | None:
    raw = b.spec.get("long_term_store")
    if not isinstance(raw, dict):
        return None
    defaults = LongTermStore()
    return LongTermStore(
        write_url=raw.get("write_url", defaults.write_url),
        query_url=raw.get("query_url", defaults.query_url),
        headers=dict(sorted((raw.get("headers") or {}).items())),
        drop_replica_label=raw.get("replica_label", "drop") == "drop",
        retention=b.duration(("long_term_store", "retention"), raw.get("retention"), defaults.retention),
    )

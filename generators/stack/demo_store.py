"""The native stack's HA pair and long-term store: what compose runs with the profiles `ha` and `long-term-store`.

With `ha: {replicas: 2}` the rendered prometheus/ha/prometheus-<n>.yml run beside the single Prometheus, each
scraping the same loopback targets (its own self-scrape is its own address). With `long_term_store:` Debian's
VictoriaMetrics single node runs with the flags compose gives it (outputs/compose/long_term_store.py), and every
Prometheus writes to it: the store's endpoint is pointed at the local process, whatever host the spec names.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generators.model import conventions
from generators.model.types import Model
from generators.outputs.compose import long_term_store
from generators.outputs.prometheus import ha
from generators.pipeline import writer
from generators.stack.demo_databases import Process
from generators.validate import tools

Localize = Callable[[dict[str, Any], dict[str, str]], tuple[dict[str, Any], dict[str, str]]]
BINARY = "victoria-metrics"


def _binary() -> str:
    """The current set's victoria-metrics (make tools); bookworm's 1.79 on PATH otherwise (Stack.start says if neither)."""
    try:
        return tools.which(BINARY, tools.CURRENT)
    except tools.ToolMissing:
        return BINARY


def write_url(address: str) -> str:
    return f"http://{address}/api/v1/write"


def point_at_store(config: dict[str, Any], address: str | None) -> dict[str, Any]:
    """prometheus.yml with the long-term store's remote_write sent to the local store."""
    out = copy.deepcopy(config)
    for endpoint in out.get("remote_write", []):
        if address is not None and endpoint["name"] == conventions.LONG_TERM_STORE:
            endpoint["url"] = write_url(address)
    return out


def store(model: Model, work: Path, address: str) -> list[Process]:
    if model.long_term_store is None:
        return []
    argv = [_binary(), *long_term_store.flags(model, f"{work}/data/{conventions.LONG_TERM_STORE_SERVICE}", address)]
    return [Process(conventions.LONG_TERM_STORE_SERVICE, argv, f"http://{address}", "/health")]


def replicas(
    model: Model,
    work: Path,
    addresses: dict[str, str],
    alertmanagers: tuple[str, ...],
    localize: Localize,
    flags: list[str],
    password_file: str | None = None,
) -> tuple[list[Process], dict[str, bytes]]:
    """prometheus-<n> processes and their configs (targets localized like the single Prometheus'); password_file:
    where they read the web password for the Alertmanagers and the single Prometheus (the stack's own secret)."""
    procs, files = [], {}
    store_address = addresses.get(conventions.LONG_TERM_STORE_SERVICE)
    for i in range(model.ha.replicas if model.ha.replicas > 1 else 0):
        name = f"prometheus-{i}"
        own = {**addresses, "localhost": addresses[name]}  # the self-scrape reaches this replica
        config, _ = localize(ha.replica_config(model, i, alertmanagers, password_file), own)
        files[f"prometheus/ha/{name}.yml"] = writer.serialize(f"{name}.yml", point_at_store(config, store_address))
        argv = [
            "prometheus",
            f"--config.file={work}/prometheus/ha/{name}.yml",
            f"--storage.tsdb.path={work}/data/{name}",
            f"--web.listen-address={addresses[name]}",
            "--storage.tsdb.retention.time=1d",
            *flags,
        ]
        procs.append(Process(name, argv, f"http://{addresses[name]}", "/-/ready"))
    return procs, files

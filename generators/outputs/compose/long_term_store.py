"""The long-term store in compose: VictoriaMetrics single node, profile `long-term-store` (spec `long_term_store:`).

Its image is the victoria-metrics component of catalog/versions.yaml at the version `make e2e` runs natively.
The flags are shared with the native stack (generators/stack/demo_store.py), so both deduplicate alike:
`-dedup.minScrapeInterval` is the scrape interval, and VictoriaMetrics keeps one sample per series per interval,
from whichever replica wrote it (both write identical series: the replica label is dropped on write).
"""

from __future__ import annotations

import math
from typing import Any

from generators.model import conventions
from generators.model.types import Model
from generators.model.values import parse_duration
from generators.outputs.compose.compose_base import hardened, http_health, images, local

PORT = 8428
DATA = "/storage"
EXCEPTION = (
    "runs as root: the image has no other user, and the new named volume mounted at /storage is root's; "
    "read_only, no capabilities and no-new-privileges still apply"
)


def retention_period(text: str) -> str:
    """A Prometheus duration as -retentionPeriod reads it (suffixes h, d, w, y; no suffix means months)."""
    seconds = parse_duration(text)
    if seconds % 86400 == 0:
        return f"{int(seconds // 86400)}d"
    return f"{math.ceil(seconds / 3600)}h"


def flags(model: Model, data_path: str, listen: str) -> list[str]:
    """victoria-metrics command-line flags for this spec's store."""
    assert model.long_term_store is not None
    return [
        f"-storageDataPath={data_path}",
        f"-httpListenAddr={listen}",
        f"-retentionPeriod={retention_period(model.long_term_store.retention)}",
        f"-dedup.minScrapeInterval={model.stack.scrape_interval}",  # one sample per series per scrape interval
    ]


def services(model: Model) -> dict[str, dict[str, Any]]:
    if model.long_term_store is None:
        return {}
    return {
        conventions.LONG_TERM_STORE_SERVICE: {
            "image": images()["victoria-metrics"],
            "profiles": [conventions.LONG_TERM_STORE],
            "command": flags(model, DATA, f":{PORT}"),
            "volumes": [f"{conventions.LONG_TERM_STORE_SERVICE}-data:{DATA}"],
            "ports": [local(PORT, PORT)],
            "healthcheck": http_health(PORT, "/health"),
            **hardened("1g", user="0:0"),
        }
    }

"""Schema parts for values checked beyond their type (spec/schema.py uses them): bounded durations, strings
that reach Go templates or URLs (the `x-duration` and `x-string` keywords: generators/spec/schema_errors.py
runs them, editors ignore them), and the size limits of a spec.
"""

from __future__ import annotations

from typing import Any

# Every service or entry adds rules, unit tests and panels that the render writes and promtool/amtool check:
# time grows linearly (1,000 business entries: about 10 s to render, a minute more to validate on 2 cores).
# Past these a render would run into the validators' timeouts; the limit says so at the spec line instead.
MAX_SERVICES = 5000  # issue 14 benchmarks 3,000
MAX_ENTRIES = 1000

DURATION = {"type": "string", "description": "Prometheus duration", "examples": ["30s", "5m", "1h30m"], "x-duration": {}}


def duration(**bounds: Any) -> dict[str, Any]:
    """A duration with bounds (generators/model/values.py duration_bounds: minimum, maximum, positive, why)."""
    return {**DURATION, "x-duration": bounds}


INTERVAL_WHY = (
    "Prometheus reads 0s as unset (it would use 1m), looks back 5m for the latest sample and the catalog's rates "
    "read [5m] windows, which need two samples"
)
FOR = duration(maximum="1d", why="the generated tests replay every minute of it; for days, use an SLO (slos:)")
LABEL_NAME = {"type": "string", "x-string": "label-name", "examples": ["tenant"]}
# Labels Prometheus attaches to every series and alert: label names it accepts, values on one line.
PROM_LABELS = {
    "type": "object",
    "propertyNames": {"x-string": "label-name"},
    "additionalProperties": {"type": "string", "x-string": "go-template-text"},
    "examples": [{"cluster": "prod"}],
}
URL = {"type": "string", "x-string": "url"}
TEXT = {"type": "string", "x-string": "go-template-text"}

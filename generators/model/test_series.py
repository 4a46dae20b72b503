"""The language of generated promtool test series, shared by the spec check and the test generators.

A test series template (catalog `test:` or a custom alert's `test.series`) may use the alert's context plus
what `series_context` adds. The spec check renders each custom template once with these names, so a bad
template is reported at its spec line; the generators render it again for every row under test.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

STEP = 60  # seconds between input samples and between rule evaluations
INSTANCES = ("instance-1", "instance-2")
DECOY_JOB = "decoy-job"  # a second job whose series must never make an alert fire


def _restarts(v: Decimal, t: Decimal) -> str:
    return f"1000+{1 if v else 0}x{int(t) // STEP}"


def series_context(base: Mapping[str, Any], job: str | None, instance: str, v: Decimal, t: int, n: int) -> dict[str, Any]:
    """What a test series template may use: the alert's context plus the row and time under test."""
    return {**base, "job": job, "instance": instance, "v": v, "t": Decimal(t), "n": n, "restarts": _restarts}

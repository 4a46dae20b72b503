"""The language of generated promtool test series, shared by the spec check and the test generators.

A test series template (catalog `test:` or a custom alert's `test.series`) may use the alert's context plus
what `series_context` adds. The spec check renders each custom template once with these names, so a bad
template is reported at its spec line; the generators render it again for every row under test.
"""

from __future__ import annotations

import re
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


# Status values the generated tests try: a bad one is the first the spec's error pattern matches, a good one
# the first it does not (Prometheus anchors regex matchers: fullmatch), each list most typical first.
BAD_STATUSES = ("500", "503", "502", "5xx", "error", "timeout", "failed", "ERROR", "429")
GOOD_STATUSES = ("200", "204", "2xx", "ok", "success", "OK", "301", "404")


def status_examples(
    bad_pattern: str, bad_first: tuple[str, ...] = BAD_STATUSES, good_first: tuple[str, ...] = GOOD_STATUSES
) -> tuple[str, str] | None:
    """(a status the pattern calls bad, one it calls good), or None when the pattern is no regex or no candidate
    falls on one side."""
    try:
        regex = re.compile(bad_pattern)
    except re.error:
        return None
    bad = [s for s in (*bad_first, *good_first) if regex.fullmatch(s)]
    good = [s for s in (*good_first, *bad_first) if not regex.fullmatch(s)]
    return (bad[0], good[0]) if bad and good else None


# A business counter's statuses (payments, generations): candidates for the statuses a ratio counts and the others.
BUSINESS = (
    ("failed", "declined", "error", "timeout", "refunded", "cancelled", "expired"),
    ("succeeded", "success", "ok", "completed", "paid", "approved", "done"),
)


def matched_status(pattern: str) -> str:
    """Jinja filter: a business status `ratio_status` matches (`{{ m.ratio_status | matched_status }}`)."""
    found = status_examples(pattern, *BUSINESS)
    if found is None:
        raise ValueError(f"no test status matches {pattern!r}")
    return found[0]


def other_status(pattern: str) -> str:
    """Jinja filter: a business status `ratio_status` does not match."""
    found = status_examples(pattern, *BUSINESS)
    if found is None:
        raise ValueError(f"no test status avoids {pattern!r}")
    return found[1]


def bad_status(pattern: str) -> str:
    """Jinja filter for catalog test series: `{{ m.error_status | bad_status }}`."""
    found = status_examples(pattern)
    if found is None:
        raise ValueError(f"no test status matches {pattern!r}")
    return found[0]


def good_status(pattern: str) -> str:
    """Jinja filter: a status the error pattern does not match (`{{ m.error_status | good_status }}`)."""
    found = status_examples(pattern)
    if found is None:
        raise ValueError(f"no test status avoids {pattern!r}")
    return found[1]

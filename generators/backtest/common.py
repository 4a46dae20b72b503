"""Types and helpers every backtest module shares: label sets, millisecond times, durations, the error type."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from generators.model.values import ValueProblem, parse_duration

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs: hashable, stable order
SECOND = 1000  # times are integer milliseconds since the epoch, as Prometheus and Alertmanager count
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR


class BacktestError(Exception):
    """Something the user can act on (bad --from, a source that refuses a query, an unsupported rule): one line."""


def labels(mapping: Mapping[str, str]) -> Labels:
    return tuple(sorted(mapping.items()))


def duration_ms(text: str | None, what: str = "duration") -> int:
    """'5m' -> 300000; None or '' -> 0."""
    if not text:
        return 0
    try:
        return int(parse_duration(text) * SECOND)
    except ValueProblem as exc:
        raise BacktestError(f"{what}: {exc}") from None


def show_duration(ms: int) -> str:
    """300000 -> '5m', 5400000 -> '1h30m', 0 -> '0s'."""
    if ms == 0:
        return "0s"
    out, rest = "", abs(ms)
    for name, size in (("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", 1)):
        count, rest = divmod(rest, size)
        if count:
            out += f"{count}{name}"
    return ("-" if ms < 0 else "") + out


def show_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / SECOND, UTC).strftime("%Y-%m-%d %H:%M:%S")


_RELATIVE = re.compile(r"^now(?:-(?P<ago>.+))?$")


def parse_time(text: str, now_ms: int | None = None, what: str = "--from") -> int:
    """'now', 'now-1h', RFC 3339 ('2026-01-05T00:00:00Z') or Unix seconds -> milliseconds."""
    now_ms = int(time.time() * SECOND) if now_ms is None else now_ms
    bad = BacktestError(f"{what} {text!r}: not a time (examples: now-1h, 2026-01-05T00:00:00Z, 1767571200)")
    relative = _RELATIVE.match(text.strip())
    if relative:
        try:
            return now_ms - duration_ms(relative.group("ago"), what) if relative.group("ago") else now_ms
        except BacktestError:
            raise bad from None
    try:
        return int(float(text) * SECOND)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * SECOND)

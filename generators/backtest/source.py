"""History from any Prometheus-compatible query API (Prometheus, VictoriaMetrics, Thanos, Mimir): query_range only.

A range is cut into chunks of at most MAX_POINTS steps (Prometheus refuses more than 11,000 points per
series) and each chunk is one POST (inlined expressions are long: no URL length limit). Steps are aligned
to multiples of the step since the epoch, as a Prometheus rule group's evaluations are up to its offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from generators.backtest.common import BacktestError, Labels, labels, show_time

MAX_POINTS = 10_000
TIMEOUT = 300.0  # seconds for one chunk; a 3d subquery over 10,000 steps takes a few seconds on a laptop


@dataclass(frozen=True)
class Series:
    labels: Labels
    samples: tuple[tuple[int, float], ...]  # (ms, value), ascending


def steps(start_ms: int, end_ms: int, step_ms: int) -> list[int]:
    """The evaluation times in [start, end]: multiples of step."""
    first = -(-start_ms // step_ms) * step_ms
    return list(range(first, end_ms + 1, step_ms))


def chunks(start_ms: int, end_ms: int, step_ms: int, max_points: int = MAX_POINTS) -> Iterator[tuple[int, int]]:
    times = steps(start_ms, end_ms, step_ms)
    for i in range(0, len(times), max_points):
        part = times[i : i + max_points]
        yield part[0], part[-1]


class Source:
    """query_range against base_url (e.g. http://127.0.0.1:9090, http://vm:8428, http://mimir/prometheus)."""

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update(headers or {})

    def query_range(self, expr: str, start_ms: int, end_ms: int, step_ms: int, tick: Callable[[], object] | None = None) -> list[Series]:
        """Every series the expression returns over [start, end], chunks merged."""
        merged: dict[Labels, list[tuple[int, float]]] = {}
        for first, last in chunks(start_ms, end_ms, step_ms):
            for series in self._chunk(expr, first, last, step_ms):
                merged.setdefault(series.labels, []).extend(series.samples)
            if tick is not None:
                tick()
        return [Series(key, tuple(samples)) for key, samples in sorted(merged.items())]

    def _chunk(self, expr: str, first: int, last: int, step_ms: int) -> list[Series]:
        url = f"{self.base_url}/api/v1/query_range"
        form = {"query": expr, "start": f"{first / 1000:.3f}", "end": f"{last / 1000:.3f}", "step": f"{step_ms / 1000:g}"}
        try:
            response = self.session.post(url, data=form, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise BacktestError(f"--source {self.base_url}: cannot query it: {_reason(exc)}") from None
        body = _json(response)
        if response.status_code != 200 or body.get("status") != "success":
            what = body.get("error") or response.text[:200].strip() or response.reason
            window = f"{show_time(first)} .. {show_time(last)}"
            raise BacktestError(f"--source {self.base_url}: query_range {window} failed (HTTP {response.status_code}): {what}")
        data = body.get("data", {})
        if data.get("resultType") != "matrix":
            raise BacktestError(f"--source {self.base_url}: query_range answered {data.get('resultType')!r}, expected a matrix")
        return [_series(item) for item in data.get("result", [])]


def _series(item: Mapping[str, Any]) -> Series:
    values = tuple((round(float(ts) * 1000), float(value)) for ts, value in item.get("values", ()))
    return Series(labels({str(k): str(v) for k, v in item.get("metric", {}).items()}), values)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reason(exc: requests.RequestException) -> str:
    text = str(exc)
    for hint in ("Connection refused", "Name or service not known", "timed out", "No route to host"):
        if hint in text:
            return hint
    return text.splitlines()[0][:200] if text else type(exc).__name__


def present(series: Sequence[Series]) -> dict[int, list[tuple[Labels, float]]]:
    """Evaluation time -> the (labels, value) the expression returned then."""
    out: dict[int, list[tuple[Labels, float]]] = {}
    for one in series:
        for ts, value in one.samples:
            out.setdefault(ts, []).append((one.labels, value))
    return out

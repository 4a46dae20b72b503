"""The scrape timeline of the corpus and the numpy helpers its services are built from (deterministic).

Every target is scraped every `step` seconds for `hours` hours. A target's series are arrays over its
scrapes; NaN means "no sample". A scrape can fail (the target answers nothing: up 0, no other series, as
Prometheus records it) or be missing altogether (no sample at all, as when Prometheus itself was down).
Counters are cumulative sums of per-scrape increments; a reset starts the sum again from zero.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass
class Timeline:
    start_ms: int
    hours: float
    step_s: int

    @property
    def n(self) -> int:
        return int(self.hours * 3600) // self.step_s

    @property
    def hour(self) -> Array:
        """Hours since the start at every scrape."""
        return np.arange(self.n, dtype=np.float64) * self.step_s / 3600

    def index(self, hour: float) -> int:
        return round(hour * 3600 / self.step_s)

    def window(self, start_h: float, end_h: float) -> Mask:
        h = self.hour
        mask: Mask = (h >= start_h) & (h < end_h)
        return mask

    def season(self) -> Array:
        """Daily traffic shape: 0.4 at midnight UTC, 1.6 at noon, mean 1."""
        out: Array = 1 + 0.6 * np.sin(2 * np.pi * (self.hour - 6) / 24)
        return out

    def ms(self, hour: float) -> int:
        return self.start_ms + round(hour * 3_600_000)


def rng(*names: str) -> np.random.Generator:
    """A generator seeded by the series' name: the same numbers whatever order the corpus is built in."""
    return np.random.default_rng(zlib.crc32("/".join(names).encode()))


def wander(name: str, n: int, sd: float, tau_scrapes: float) -> Array:
    """Autocorrelated noise (AR(1), standard deviation sd, correlation time tau): a value that drifts, not jitters."""
    a = float(np.exp(-1 / tau_scrapes))
    shocks = rng(name).normal(0, sd * np.sqrt(1 - a * a), n)
    out = np.empty(n)
    level = rng(name, "start").normal(0, sd)
    for i, shock in enumerate(shocks.tolist()):
        level = a * level + shock
        out[i] = level
    return out


def counter(increments: Array, resets: list[int] = []) -> Array:  # noqa: B006 (read only)
    """Cumulative sum that starts again at each reset index (the process restarted)."""
    out: Array = np.cumsum(increments)
    for r in sorted(resets):
        out[r:] -= out[r - 1] if r > 0 else 0.0
    return out


def ramp(tl: Timeline, start_h: float, end_h: float, a: float, b: float) -> Array:
    """a before start_h, b after end_h, linear in between."""
    out: Array = np.interp(tl.hour, [start_h, end_h], [a, b])
    return out


@dataclass
class Target:
    """One scrape target: its series (labels incl. __name__ -> values) and the state of every scrape."""

    job: str
    instance: str
    timeline: Timeline
    offset_ms: int  # where in the scrape interval this target is scraped (Prometheus spreads targets)
    series: dict[tuple[tuple[str, str], ...], Array] = field(default_factory=dict)
    failed: Mask | None = None  # scrape failed: up 0, nothing else
    missing: Mask | None = None  # no sample at all, up included

    def __post_init__(self) -> None:
        self.failed = np.zeros(self.timeline.n, dtype=np.bool_)
        self.missing = np.zeros(self.timeline.n, dtype=np.bool_)

    def add(self, metric: str, values: npt.ArrayLike, **extra: str) -> None:
        key = tuple(sorted({"__name__": metric, "job": self.job, "instance": self.instance, **extra}.items()))
        self.series[key] = np.broadcast_to(np.asarray(values, dtype=np.float64), (self.timeline.n,)).copy()

    def fail(self, start_h: float, scrapes: int) -> None:
        i = self.timeline.index(start_h)
        assert self.failed is not None
        self.failed[i : i + scrapes] = True

    def down(self, start_h: float, end_h: float) -> None:
        assert self.failed is not None
        self.failed |= self.timeline.window(start_h, end_h)

    def gap(self, start_h: float, scrapes: int) -> None:
        i = self.timeline.index(start_h)
        assert self.missing is not None
        self.missing[i : i + scrapes] = True

    def all_series(self) -> dict[tuple[tuple[str, str], ...], Array]:
        """The stored series, with up and scrape_samples_scraped as Prometheus adds them."""
        assert self.failed is not None and self.missing is not None
        out = {}
        for key, values in self.series.items():
            kept = values.copy()
            kept[self.failed | self.missing] = np.nan
            out[key] = kept
        count = float(len(self.series))
        for name, ok, bad in (("up", 1.0, 0.0), ("scrape_samples_scraped", count, 0.0)):
            values = np.where(self.failed, bad, ok)
            values[self.missing] = np.nan
            out[tuple(sorted({"__name__": name, "job": self.job, "instance": self.instance}.items()))] = values
        return out

    def times_ms(self) -> npt.NDArray[np.int64]:
        tl = self.timeline
        out: npt.NDArray[np.int64] = tl.start_ms + self.offset_ms + np.arange(tl.n, dtype=np.int64) * tl.step_s * 1000
        return out

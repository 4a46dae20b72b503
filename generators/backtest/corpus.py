"""The recorded corpus: 72 hours of the example spec's services, deterministic, with known benign and incident traces.

`build()` makes every target's series (corpus_services) and the ground truth: the incidents, each with the
alert that must notify for it, the alerts it may also set off, and how long the data takes to show it
(`fill`: the time from onset until the alert's condition holds in the samples, computed from the very
counts written). `write_openmetrics()` writes one OpenMetrics file per 2-hour TSDB block, the input of
`promtool tsdb create-blocks-from openmetrics` (tsdb.py); Prometheus then serves it like any history.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from generators.backtest import corpus_services as svc
from generators.backtest.common import HOUR, MINUTE, Labels, labels, show_time
from generators.backtest.corpus_series import Array, Target, Timeline

START_MS = 1_767_571_200_000  # 2026-01-05T00:00:00Z, a Monday
HOURS = 72
STEP_S = 15  # the example spec's scrape_interval
BLOCK_MS = 2 * HOUR  # Prometheus' smallest block: one input file per block, so promtool reads each sample once
SLO_RATE_LAG = 5 * MINUTE  # SLO windows sum 5m rates: they see a step up to one rate window late


@dataclass(frozen=True)
class Incident:
    name: str
    description: str
    onset_ms: int
    end_ms: int
    detect: Labels  # the labels an alert must carry to count as detecting it
    related: tuple[str, ...]  # alertnames it may also set off (notifications of these are true positives)
    fill_ms: int  # onset -> the alert's condition holds in the data
    fill_why: str


@dataclass(frozen=True)
class Benign:
    name: str
    at_ms: int
    description: str


@dataclass(frozen=True)
class Corpus:
    start_ms: int
    end_ms: int
    step_s: int
    targets: tuple[Target, ...]
    incidents: tuple[Incident, ...]
    benign: tuple[Benign, ...]

    @property
    def samples(self) -> int:
        return sum(int(np.count_nonzero(~np.isnan(v))) for t in self.targets for v in t.all_series().values())

    @property
    def series(self) -> int:
        return sum(len(t.all_series()) for t in self.targets)


def _ratio_crossing(bad: Array, total: Array, windows: Sequence[tuple[int, float]], onset: int, step_s: int) -> int:
    """Scrapes after onset until bad/total over every (window ms, threshold) exceeds its threshold."""
    cb, ct = np.concatenate([[0.0], np.cumsum(bad)]), np.concatenate([[0.0], np.cumsum(total)])
    ok = np.ones(len(bad), dtype=bool)
    idx = np.arange(1, len(bad) + 1)
    for window_ms, threshold in windows:
        lo = np.maximum(idx - window_ms // (step_s * 1000), 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ok &= (cb[idx] - cb[lo]) / (ct[idx] - ct[lo]) > threshold
    hits = np.nonzero(ok[onset:])[0]
    return int(hits[0]) if len(hits) else len(bad)


def build() -> Corpus:
    tl = Timeline(START_MS, HOURS, STEP_S)
    api, sli = svc.api(tl)
    host = svc.host(tl)
    targets = (api, svc.worker(tl), svc.postgres(tl), svc.redis(tl), host, svc.containers(tl), *svc.probes(tl), *svc.stack(tl))
    step_ms = STEP_S * 1000

    def at(hour: float) -> int:
        return tl.ms(hour)

    def ratio(kind: str, windows: Sequence[tuple[int, float]], onset_h: float) -> int:
        return _ratio_crossing(sli[kind], sli["total"], windows, tl.index(onset_h), STEP_S) * step_ms

    free = host.series[labels({"__name__": "node_filesystem_avail_bytes", "job": "node", "instance": host.instance,
                               "mountpoint": "/data", "fstype": "xfs", "device": "/dev/sdb1"})] / 500e9  # fmt: skip
    disk_cross = int(np.nonzero(free[tl.index(svc.DISK_FILL[0]) :] < 0.10)[0][0]) * step_ms
    incidents = (
        Incident("error-rate step", "api 5xx ratio 0.1% -> 8% for 20m", at(svc.ERROR_STEP[0]), at(svc.ERROR_STEP[1]),
                 labels({"alertname": "ApiHighErrorRate", "severity": "critical"}),
                 ("ApiHighErrorRate", "ApiAvailabilityErrorBudgetBurn", "ApiErrorRateErrorBudgetBurn"),
                 ratio("bad", [(5 * MINUTE, 0.05)], svc.ERROR_STEP[0]), "5m error ratio above 5%"),
        Incident("latency tail", "2% of api requests take 5-10s for 30m", at(svc.LATENCY_TAIL[0]), at(svc.LATENCY_TAIL[1]),
                 labels({"alertname": "ApiHighLatencyP99", "severity": "warning"}),
                 ("ApiHighLatencyP99", "ApiHighLatencyP95", "ApiLatencyErrorBudgetBurn"),
                 ratio("tail", [(5 * MINUTE, 0.01)], svc.LATENCY_TAIL[0]), "over 1% of the 5m window above 5s (p99 > 5s)"),
        Incident("target down", "worker target down for 10m", at(svc.WORKER_DOWN[0]), at(svc.WORKER_DOWN[1]),
                 labels({"alertname": "WorkerTargetDown", "severity": "critical"}),
                 ("WorkerTargetDown", "WorkerMetricAbsent", "WorkerTargetScrapeEmpty"), 0, "the first failed scrape"),
        Incident("disk fill", "/data from 45% to 2% free in 90m", at(svc.DISK_FILL[0]), at(svc.DISK_FILL[2]),
                 labels({"alertname": "HostLowDiskSpace", "severity": "critical"}),
                 ("HostLowDiskSpace", "HostDiskWillFillSoon"), disk_cross, "free space under 10%"),
        Incident("cert expiry", "a certificate valid for 5 days deployed on api.example.com for 1h", at(svc.CERT[0]),
                 at(svc.CERT[1]), labels({"alertname": "ProbesTlsCertificateExpiring", "severity": "critical"}),
                 ("ProbesTlsCertificateExpiring",), 0, "the first probe of the new certificate"),
        Incident("SLO burn 14.4x", "api 5xx at 7.56% (14.4x the availability budget, + 5%) for 90m", at(svc.FAST_BURN[0]),
                 at(svc.FAST_BURN[1]), labels({"alertname": "ApiAvailabilityErrorBudgetBurn", "tier": "page-1h"}),
                 ("ApiAvailabilityErrorBudgetBurn", "ApiErrorRateErrorBudgetBurn", "ApiHighErrorRate"),
                 ratio("bad", [(HOUR, 0.072), (5 * MINUTE, 0.072)], svc.FAST_BURN[0]) + SLO_RATE_LAG,
                 "1h and 5m error ratios above 7.2%, + 5m for the rates inside the SLO recordings"),
        Incident("SLO burn 2x", "10% of api requests over 0.5s (2x the latency budget) for 48h", at(svc.SLOW_BURN[0]),
                 at(svc.SLOW_BURN[1]), labels({"alertname": "ApiLatencyErrorBudgetBurn", "tier": "ticket-3d"}),
                 ("ApiLatencyErrorBudgetBurn",),
                 ratio("slow", [(72 * HOUR, 0.05), (6 * HOUR, 0.05)], svc.SLOW_BURN[0]) + SLO_RATE_LAG,
                 "3d and 6h slow-request ratios above 5%, + 5m for the rates inside the SLO recordings"),
    )  # fmt: skip
    benign = (
        Benign("daily seasonality", START_MS, "api traffic 8-32 req/s (midnight to noon), CPU and connections follow"),
        Benign("noise around the threshold", START_MS,
               "queue depth 930 +- 45 (warning > 1000 for 15m), tenant quota 87% +- 2% (> 90% for 5m), LLM 429s at 3.5% (> 5%)"),
        Benign("slow ramp inside", START_MS, "memory 40% -> 68% (warning 70%), LLM quota 30% -> 85% (90%), / fills 10% in 3 days"),
        Benign("deploy restart spike", at(svc.DEPLOY_H), "api: one failed scrape, counters reset, 30s of 15% errors, 60s slow"),
        Benign("counter reset", at(svc.REDIS_RESET_H), "redis restarted: hit and miss counters start again at 0"),
        Benign("scrape gaps", at(svc.API_GAP_H),
               "api 2 scrapes missing (15:00), node 3 failed (16:00), postgres 1 failed (17:00), redis 3 missing (20:00)"),
    )  # fmt: skip
    return Corpus(START_MS, START_MS + HOURS * HOUR, STEP_S, targets, incidents, benign)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _lines(series: dict[Labels, Array], times: npt.NDArray[np.int64], lo: int, hi: int) -> Iterator[str]:
    inside = (times >= lo) & (times < hi)
    stamps = [f"{t // 1000}.{t % 1000:03d}" for t in times[inside].tolist()]
    for key, values in sorted(series.items()):
        name = dict(key)["__name__"]
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in key if k != "__name__")
        head = f"{name}{{{text}}} "
        chosen = values[inside]
        for value, stamp in zip(chosen.tolist(), stamps, strict=True):
            if value == value:  # not NaN: no sample
                yield f"{head}{value!r} {stamp}\n"


def blocks(corpus: Corpus) -> list[int]:
    """Start of every 2h block the corpus has samples in (aligned to the epoch, as Prometheus' blocks are)."""
    first = corpus.start_ms - corpus.start_ms % BLOCK_MS
    return list(range(first, corpus.end_ms + max(t.offset_ms for t in corpus.targets), BLOCK_MS))


def write_openmetrics(corpus: Corpus, folder: Path, only: Sequence[int] | None = None) -> list[Path]:
    """One OpenMetrics file per 2h block (only: those block starts)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    stored = [(t.all_series(), t.times_ms()) for t in corpus.targets]
    for lo in blocks(corpus) if only is None else only:
        path = folder / f"corpus-{show_time(lo).replace(' ', 'T').replace(':', '')}.om"
        with path.open("w") as out:
            for series, times in stored:
                out.writelines(_lines(series, times, lo, lo + BLOCK_MS))
            out.write("# EOF\n")
        files.append(path)
    return files

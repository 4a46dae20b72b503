"""The corpus is deterministic, says what its traces claim, and promtool turns it into TSDB blocks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from generators.backtest import corpus, corpus_services
from generators.backtest.common import HOUR, MINUTE
from generators.backtest.corpus_series import Target
from tests.conftest import require_tool


@pytest.fixture(scope="module")
def built() -> corpus.Corpus:
    return corpus.build()


def _series(c: corpus.Corpus, job: str, metric: str, **match: str) -> np.ndarray:
    target: Target = next(t for t in c.targets if t.job == job)
    hits = [
        v for k, v in target.all_series().items() if dict(k)["__name__"] == metric and all(dict(k).get(a) == b for a, b in match.items())
    ]
    assert len(hits) == 1, (metric, match)
    return hits[0]


def _longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for hit in mask.tolist():
        run = run + 1 if hit else 0
        best = max(best, run)
    return best


def test_two_builds_are_identical(built: corpus.Corpus) -> None:
    again = corpus.build()
    for a, b in zip(built.targets, again.targets, strict=True):
        assert a.series.keys() == b.series.keys()
        assert all(np.array_equal(a.series[k], b.series[k]) for k in a.series)


def test_noise_around_thresholds_crosses_them_but_never_for_the_rules_for(built: corpus.Corpus) -> None:
    """Queue depth (warning > 1000 for 15m) and tenant quota (> 90% for 5m) go over their thresholds, briefly."""
    for metric, job, match, threshold, for_m in (
        ("job_queue_depth", "worker", {"queue": "default"}, 1000, 15),
        ("llm_tenant_quota_used_ratio", "api", {"tenant": "acme"}, 0.9, 5),
    ):
        above = np.nan_to_num(_series(built, job, metric, **match), nan=0) > threshold
        assert above.sum() > 20, metric
        assert _longest_run(above) < for_m * 60 // built.step_s, metric


def test_slow_ramps_stay_inside(built: corpus.Corpus) -> None:
    total = _series(built, "node", "node_memory_MemTotal_bytes")
    used = 1 - _series(built, "node", "node_memory_MemAvailable_bytes") / total
    assert 0.66 < np.nanmax(used) < 0.70  # warning > 70%
    quota = _series(built, "api", "llm_quota_used_ratio")
    assert 0.84 < np.nanmax(quota) < 0.90  # warning > 90%


def test_gaps_failures_and_resets_are_where_the_timetable_says(built: corpus.Corpus) -> None:
    hour = np.arange(corpus.HOURS * 3600 // corpus.STEP_S) * corpus.STEP_S / 3600
    up = _series(built, "node", "up")
    assert hour[up == 0].tolist() == [corpus_services.NODE_FAIL_H + i * corpus.STEP_S / 3600 for i in range(3)]
    assert np.isnan(_series(built, "redis", "up")).sum() == 3
    hits = _series(built, "redis", "redis_keyspace_hits_total")
    assert (np.diff(hits[~np.isnan(hits)]) < 0).sum() == 1  # one counter reset (the redis restart)


def test_incidents_onsets_and_fills(built: corpus.Corpus) -> None:
    by_name = {i.name: i for i in built.incidents}
    assert len(by_name) == 7
    step = by_name["error-rate step"]
    assert step.onset_ms == corpus.START_MS + 27 * HOUR and step.end_ms == step.onset_ms + 20 * MINUTE
    # 5m window, 0.1% -> 8%: over 5% after 62% of the window (186s) at constant traffic; noise moves it a few scrapes
    assert 120_000 <= step.fill_ms <= 240_000
    # the fast burn: the 1h ratio reaches 7.2% after (7.2 - 0.1) / (7.56 - 0.1) of an hour (57m), + 5m of rate lag
    burn = by_name["SLO burn 14.4x"]
    assert 57 * MINUTE <= burn.fill_ms <= 66 * MINUTE
    assert by_name["target down"].fill_ms == 0


def test_one_block_backfills_with_promtool(built: corpus.Corpus, tmp_path: Path) -> None:
    first = corpus.blocks(built)[0]
    [path] = corpus.write_openmetrics(built, tmp_path / "om", only=[first])
    assert path.read_text().endswith("# EOF\n")
    result = subprocess.run(
        [require_tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(path), str(tmp_path / "data")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len([p for p in (tmp_path / "data").iterdir() if (p / "meta.json").is_file()]) == 1

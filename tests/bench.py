"""`make bench`: render time, peak memory and rules/s for the example and synthetic specs (prints numbers),
then breach -> notification latency on the native stack (tests/bench_e2e.py).

Each measurement is a whole process (`python -m generators render`), as a user runs it. Numbers, not
assertions: targets (example <= 0.5 s, 1,000 services <= 5 s, linear growth) are read, not enforced.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synthetic_spec(services: int) -> str:
    lines = [
        "version: 1",
        "channels:",
        "  pager: {type: pagerduty, routing_key_secret: pd}",
        "  chat: {type: slack, channel: '#a', webhook_secret: hook}",
        "routing: {critical: [pager, chat], warning: [chat]}",
        "hosts: {team: platform, targets: ['node:9100']}",
        "services:",
    ]
    for i in range(services):
        kind = ("http", "postgres", "redis", "queue")[i % 4]
        lines.append(f"  svc{i:04d}: {{team: team{i % 7}, kind: {kind}, targets: ['svc{i:04d}:8000']}}")
    return "\n".join(lines) + "\n"


# validation level -> the render flag; "full" is the default a user gets (promtool unit tests included)
LEVELS = {"none": ["--skip-validation"], "quick": ["--quick-validation"], "full": []}


def measure(spec: Path, level: str) -> tuple[float, float, float, float, str]:
    """(wall s, user CPU s, system CPU s (of the process and its children), peak MiB, the CLI's summary line)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "generators", "render", "--spec", str(spec), "--out", out, *LEVELS[level]]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return wall, user, system, max(after.ru_maxrss, before.ru_maxrss) / 1024, proc.stdout.strip()


def rules_of(summary: str) -> int:
    return int(summary.split(" alert rules")[0].rsplit(" ", 1)[1])


def main() -> int:
    print(f"{'spec':<26}{'validate':>9}{'wall s':>8}{'user s':>8}{'sys s':>7}{'peak MiB':>10}{'alert rules':>13}{'rules/s':>9}")
    cases: list[tuple[str, Path, tuple[str, ...]]] = [("example monitoring.yaml", ROOT / "monitoring.yaml", ("none", "quick", "full"))]
    with tempfile.TemporaryDirectory() as tmp:
        for n in (10, 100, 1000):
            path = Path(tmp) / f"synthetic-{n}.yaml"
            path.write_text(synthetic_spec(n))
            # validators on 1,000 services are promtool's time, not the generator's
            cases.append((f"synthetic {n} services", path, ("none", "quick") if n < 1000 else ("none",)))
        for name, path, levels in cases:
            for level in levels:
                wall, user, system, peak, summary = measure(path, level)
                rules = rules_of(summary)
                print(f"{name:<26}{level:>9}{wall:>8.2f}{user:>8.2f}{system:>7.2f}{peak:>10.1f}{rules:>13}{rules / wall:>9.0f}")
    print("user/sys s: CPU of the render and everything it started (promtool, amtool, its forked worker); sys is")
    print("mostly creating the files, which on a shared VM disk varies several-fold between identical runs")
    print("peak MiB is the largest child process so far (ru_maxrss), so it never decreases down the table")
    from tests import bench_e2e

    return bench_e2e.main()


if __name__ == "__main__":
    raise SystemExit(main())

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


def measure(spec: Path, validate: bool) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "generators", "render", "--spec", str(spec), "--out", out]
        if not validate:
            cmd.append("--skip-validation")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, proc.stdout.strip()


def rules_of(summary: str) -> int:
    return int(summary.split(" alert rules")[0].rsplit(" ", 1)[1])


def main() -> int:
    print(f"{'spec':<28}{'validate':>9}{'wall s':>9}{'peak MiB':>10}{'alert rules':>13}{'rules/s':>10}")
    cases: list[tuple[str, Path]] = [("example monitoring.yaml", ROOT / "monitoring.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        for n in (10, 100, 1000):
            path = Path(tmp) / f"synthetic-{n}.yaml"
            path.write_text(synthetic_spec(n))
            cases.append((f"synthetic {n} services", path))
        for name, path in cases:
            for validate in (False, True):
                if validate and "1000" in name:
                    continue  # promtool dominates; the generator is what this measures
                wall, peak, summary = measure(path, validate)
                rules = rules_of(summary)
                print(f"{name:<28}{'yes' if validate else 'no':>9}{wall:>9.2f}{peak:>10.1f}{rules:>13}{rules / wall:>10.0f}")
    print("peak MiB is the largest child process so far (ru_maxrss), so it never decreases down the table")
    from tests import bench_e2e

    return bench_e2e.main()


if __name__ == "__main__":
    raise SystemExit(main())

"""`make bench`, part 1: whole-process render time per spec size and validation level (prints numbers).

Specs: the example (monitoring.yaml) and synthetic ones of 100, 1,000 and 3,000 services (`synthetic_spec`; any
number up to schema_fields.MAX_SERVICES, 5,000, may be named with --specs).
Levels, each a fresh `python -m generators render` as a user runs it:

- skip:  `--skip-validation`;
- quick: `--quick-validation`;
- warm:  full validation with nothing changed (the output folder and GENERATORS_CACHE_DIR of a full render just
         before: what `make render` costs when the spec did not change);
- cold:  full validation with a fresh, empty GENERATORS_CACHE_DIR (CI, a new machine).

skip and quick start from a copy of a folder that holds only Jinja's bytecode (a skip render made it), so no
validation verdict is reused. Each cell is the median of --runs runs with its min-max: wall, CPU (user + system
of the render and every process it waited for: its worker processes, promtool, amtool, docker-compose), peak
MiB (the largest of those processes), objects/s (alert rules + recording rules + panels per wall second) and
the ratio to `promtool check rules` on all rule files of the same output, timed in the same run. Then each larger
size ÷ 1,000 services per level (3,000 ÷ 1,000: 3.0x is linear; issue 14 asks <= 3.2x). Nothing is asserted. Run a part: `python -m tests.bench --specs example,1000
--levels quick,cold --runs 1`, or `make bench BENCH_SIZES=example,1000 BENCH_LEVELS=skip,quick BENCH_RUNS=3`
(BENCH_SPECS is the same as BENCH_SIZES).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECS = ("example", "100", "1000", "3000")
LEVELS = {"skip": ["--skip-validation"], "quick": ["--quick-validation"], "warm": [], "cold": []}


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


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mib: float


def timed(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """One whole process: wall, CPU of it and its waited-for descendants (wait4), their largest resident set."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def render_cmd(spec: Path, out: Path, level: str) -> list[str]:
    return [sys.executable, "-m", "generators", "render", "--spec", str(spec), "--out", str(out), *LEVELS[level]]


def environment(cache: Path) -> dict[str, str]:
    """A user's environment with its own cache folder; Python may write its bytecode (the first render of a
    size does), as it does for a user: PYTHONDONTWRITEBYTECODE would recompile every module in every run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "GENERATORS_CACHE_DIR": str(cache)}


def objects(out: Path) -> int:
    """Alert rules + recording rules + panels (rows excluded) of a rendered tree."""
    count = 0
    for file in (out / "prometheus" / "rules").glob("*.yml"):
        for group in (yaml.load(file.read_text(), Loader=yaml.CSafeLoader) or {}).get("groups", []):
            count += len(group.get("rules", []))
    for file in (out / "grafana" / "dashboards").glob("*/*.json"):
        for panel in json.loads(file.read_text()).get("panels", []):
            count += sum(1 for p in [panel, *panel.get("panels", [])] if p.get("type") != "row")
    return count


def promtool_floor(out: Path, runs: int) -> list[Run]:
    rules = sorted(str(p.relative_to(out)) for p in (out / "prometheus" / "rules").glob("*.yml"))
    promtool = shutil.which("promtool")
    if promtool is None:
        raise SystemExit("promtool is not installed (apt-get install -y prometheus)")
    return [timed([promtool, "check", "rules", *rules], out, dict(os.environ)) for _ in range(runs)]


def measure(spec: Path, level: str, runs: int, work: Path, jinja: Path) -> list[Run]:
    results = []
    if level == "warm":
        cache, out = work / "warm-cache", work / "warm-out"
        timed(render_cmd(spec, out, "cold"), ROOT, environment(cache))  # fills the cache and the output folder
    for i in range(runs):
        if level == "warm":
            results.append(timed(render_cmd(spec, out, level), ROOT, environment(cache)))
            continue
        cache, out = work / f"{level}-{i}-cache", work / f"{level}-{i}-out"
        if level == "cold" and cache.exists():
            raise SystemExit(f"{cache}: a cold run must start without a cache folder")
        if level != "cold":
            shutil.copytree(jinja, cache)
        results.append(timed(render_cmd(spec, out, level), ROOT, environment(cache)))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    return results


def spread(values: list[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def spec_file(name: str, folder: Path) -> Path:
    if name == "example":
        return ROOT / "monitoring.yaml"
    path = folder / f"synthetic-{name}.yaml"
    path.write_text(synthetic_spec(int(name)))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--specs", default=os.environ.get("BENCH_SIZES") or os.environ.get("BENCH_SPECS") or ",".join(SPECS))
    parser.add_argument("--levels", default=os.environ.get("BENCH_LEVELS", ",".join(LEVELS)))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    args = parser.parse_args(argv)
    specs, levels = args.specs.split(","), args.levels.split(",")
    unknown = sorted({s for s in specs if s != "example" and not s.isdigit()} | (set(levels) - set(LEVELS)))
    if unknown:
        parser.error(
            f"unknown {unknown}: specs are example or a number of services (default {','.join(SPECS)}); levels are {', '.join(LEVELS)}"
        )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} runs per cell; {os.cpu_count()} CPUs")
    print("levels: skip = --skip-validation, quick = --quick-validation, warm = full with a pre-filled cache, cold = full, empty cache")
    header = f"{'spec':<9}{'level':<7}{'wall s median (min-max)':>26}{'CPU s median (min-max)':>26}{'peak MiB':>10}{'objects/s':>11}{'÷ promtool':>12}"
    print(header)
    medians: dict[tuple[str, str], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in specs:
            work = Path(tmp) / name
            work.mkdir()
            spec = spec_file(name, work)
            jinja, first = work / "jinja-cache", work / "first-out"
            timed(render_cmd(spec, first, "skip"), ROOT, environment(jinja))
            count = objects(first)
            floor = promtool_floor(first, args.runs)
            shutil.rmtree(first)
            floor_wall = statistics.median(r.wall for r in floor)
            print(
                f"{name:<9}{'rules':<7}{spread([r.wall for r in floor], '.2f'):>26}{spread([r.cpu for r in floor], '.2f'):>26}"
                f"{max(r.peak_mib for r in floor):>10.0f}{count / floor_wall:>11,.0f}{'1.0':>11}x   <- promtool check rules; {count:,} objects"
            )
            for level in levels:
                results = measure(spec, level, args.runs, work, jinja)
                wall = statistics.median(r.wall for r in results)
                medians[(name, level)] = (wall, statistics.median(r.cpu for r in results))
                print(
                    f"{name:<9}{level:<7}{spread([r.wall for r in results], '.2f'):>26}{spread([r.cpu for r in results], '.2f'):>26}"
                    f"{max(r.peak_mib for r in results):>10.0f}{count / wall:>11,.0f}{wall / floor_wall:>11.1f}x",
                    flush=True,
                )
            shutil.rmtree(work, ignore_errors=True)
    for name in (s for s in specs if s.isdigit() and int(s) > 1000):
        for level in levels:
            if ("1000", level) in medians and (name, level) in medians:
                (w1, c1), (w2, c2) = medians[("1000", level)], medians[(name, level)]
                print(
                    f"{int(name):,} ÷ 1,000 services, {level}: wall {w2 / w1:.2f}x, CPU {c2 / c1:.2f}x ({int(name) / 1000:.2f}x is linear)"
                )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("CPU: user + system of the render and every process it waited for; peak: the largest single process")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

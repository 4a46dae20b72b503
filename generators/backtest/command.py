"""`python -m generators backtest`: the command line of the backtest (generators/cli.py hands over here).

Exit codes: 0 ok, 1 the spec (or --compare's) is invalid, 2 usage (bad --from/--to, no source), 3 the source
or a tool failed (unreachable, a query refused, prometheus/promtool missing).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from generators.backtest.common import BacktestError, parse_time
from generators.errors import SpecError
from generators.validate import tools

if TYPE_CHECKING:
    from generators.backtest import run

EXIT_OK, EXIT_SPEC, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--spec", default="monitoring.yaml", help="spec file (default: monitoring.yaml)")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--source", help="Prometheus-compatible query API, e.g. http://127.0.0.1:9090 (query_range only)")
    where.add_argument("--corpus", action="store_true", help="the recorded corpus, served by a local Prometheus (the default)")
    cmd.add_argument("--from", dest="start", help="start: now-1h, RFC 3339 or Unix seconds (default: now-1h; the corpus' start)")
    cmd.add_argument("--to", dest="end", help="end (default: now; the corpus' end)")
    cmd.add_argument("--compare", metavar="OLD_SPEC", help="also backtest this spec over the same window, side by side")
    cmd.add_argument("--out", default="backtest-report", help="folder for backtest.md and timeline.png (default: backtest-report)")
    cmd.add_argument("--header", action="append", default=[], help="HTTP header for the source, 'Name: value' (repeatable)")
    cmd.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    # imported here, not at the top: cli.py builds this command's arguments on every command, and numpy,
    # matplotlib, requests and tqdm would add about a second to every render
    from generators.backtest import corpus, rules, run, source, tsdb

    try:
        headers = dict(_header(h) for h in args.header)
        window = None if args.source else (corpus.START_MS, corpus.START_MS + corpus.HOURS * 3_600_000)
        start = parse_time(args.start, what="--from") if args.start else (window[0] if window else parse_time("now-1h"))
        end = parse_time(args.end, what="--to") if args.end else (window[1] if window else parse_time("now"))
        if start >= end:
            raise BacktestError(f"--from must be before --to (got {args.start} .. {args.end})")
    except BacktestError as exc:
        return _fail(EXIT_USAGE, str(exc))
    try:
        deployments = [rules.load(args.spec)] + ([rules.load(args.compare)] if args.compare else [])
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was backtested", file=sys.stderr)
        return EXIT_SPEC
    try:
        with ExitStack() as stack:
            url = args.source or stack.enter_context(tsdb.serve(_corpus_blocks()))
            src = source.Source(url, headers)
            results = [run.backtest(d, src, start, end, progress=not args.no_progress) for d in deployments]
    except (BacktestError, tools.ToolMissing) as exc:
        return _fail(EXIT_TOOL, str(exc))
    return _write(args, results)


def _corpus_blocks() -> Path:
    from generators.backtest import tsdb

    if not (tsdb.cached() / "COMPLETE").is_file():
        print(f"corpus: building its TSDB blocks once (about a minute) into {tsdb.cached()}", file=sys.stderr)
    return tsdb.blocks()


def _write(args: argparse.Namespace, results: list[run.Result]) -> int:
    from generators.backtest import corpus, quality, report, timeline

    new = results[0]
    text = report.markdown(new)
    incidents: list[tuple[str, int, int]] = []
    if not args.source:
        built = corpus.build()
        text += "\n" + quality.markdown(quality.score(new, built.incidents))
        incidents = [(i.name, i.onset_ms, i.end_ms) for i in built.incidents]
    if len(results) > 1:
        text = report.compare(results[1], new) + "\n" + text
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "backtest.md").write_text(text)
        timeline.draw(new, out / "timeline.png", incidents)
    except OSError as exc:
        return _fail(EXIT_USAGE, f"--out {out}: cannot write: {exc.strerror}")
    print(text, end="")
    print(f"wrote {out / 'backtest.md'} and {out / 'timeline.png'}", file=sys.stderr)
    return EXIT_OK


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise BacktestError(f"--header {text!r}: expected 'Name: value' (example: --header 'X-Scope-OrgID: tenant-1')")
    return name.strip(), value.strip()


def _fail(code: int, message: str) -> int:
    print(f"python -m generators backtest: {message}", file=sys.stderr)
    return code

"""Rewrite the golden cases' expected/ from the current generators: python -m tests.update_golden [CASE ...].

Writes tests/cases/<case>/expected/ (SHA256SUMS + copies, see tests/golden.py) and prints what changed;
it compares nothing and passes no test. Read `git diff tests/cases` before committing the result.
Each case is rendered with --quick-validation (promtool/amtool/docker-compose check the output), so an
output the real tools reject never becomes a golden file; --skip-validation renders without them.
Exit codes: 0 written, 1 a case failed to render (its expected/ is left as it was), 2 unknown case.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tests import golden


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.update_golden", description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"case names (default: all of {', '.join(golden.names())})")
    parser.add_argument("--skip-validation", action="store_true", help="render without promtool/amtool/docker-compose")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.cases) - set(golden.names()))
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)} (known: {', '.join(golden.names())})", file=sys.stderr)
        return 2
    validation = "--skip-validation" if args.skip_validation else "--quick-validation"
    failed = 0
    for case in args.cases or golden.names():
        try:
            files = golden.render(golden.CASES / case / "spec.yaml", validation)
        except golden.RenderFailed as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        report = golden.write(golden.CASES / case / "expected", files)
        print(f"tests/cases/{case}: {summary(report)} ({len(files)} rendered files)")
        for line in report:
            print(f"  {line}")
    return 1 if failed else 0


def summary(report: list[str]) -> str:
    if not report:
        return "unchanged"
    counts = {verb: sum(line.startswith(verb) for line in report) for verb in ("changed", "added", "removed")}
    other = len(report) - sum(counts.values())
    return ", ".join([*(f"{n} {verb}" for verb, n in counts.items() if n), *([f"{other} repaired"] if other else [])])


if __name__ == "__main__":
    sys.exit(main())

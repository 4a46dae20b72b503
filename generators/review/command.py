"""`python -m generators diff [--base REV] [--spec monitoring.yaml] [--base-generators]`.

Exit codes: 0 the summary was printed (whether or not anything changed), 1 a spec is invalid (every
problem, located in REV:spec for the base side), 2 usage: no git, an unknown revision, a spec the revision
does not have, or REV's own generators failing (--base-generators).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from generators.errors import SpecError
from generators.review import report, sources


def run(base: str, spec: Path, base_generators: bool = False, out: TextIO | None = None) -> int:
    try:
        old = sources.base(base, spec, base_generators)
        new = sources.working(spec)
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); no review", file=sys.stderr)
        return 1
    except sources.ReviewError as exc:
        print(f"python -m generators diff: --base {base}: {exc}", file=sys.stderr)
        return 2
    (out or sys.stdout).write(report.build(old, new, str(spec), base_generators))
    return 0

"""What every mapper of the model shares: the spec being mapped, the problems found so far, where things are.

The mappers (build_model for services, routing_model, slo_model, custom_alerts, scaling_model) each read
one section of the spec and report into one Context, so every problem of a spec is reported together.
"""

from __future__ import annotations

import itertools
from typing import Any

from generators.errors import Location, Problem
from generators.model import conventions
from generators.model.types import ScrapeJob, Tier
from generators.model.values import ValueProblem, parse_duration
from generators.spec.source import Path, Source, dotted


class Context:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.spec: dict[str, Any] = source.data if isinstance(source.data, dict) else {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.jobs: dict[str, ScrapeJob] = {}
        self.paths: dict[str, Path] = {}

    # -- helpers ---------------------------------------------------------------------------
    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(self.source.at(path), dotted(path), message))

    def reported(self, path: Path) -> bool:
        """Whether a problem was already reported at path or inside it (one cause, one message)."""
        at = dotted(path)
        return any(p.path == at or p.path.startswith((f"{at}.", f"{at}[")) for p in self.problems)

    def warn(self, path: Path, message: str) -> None:
        self.warnings.append(Problem(self.source.at(path), dotted(path), f"warning: {message}"))

    def locate(self, spec_path: str) -> Location | None:
        """Location of a dotted path recorded on the model (alerts keep theirs as text)."""
        path = self.paths.get(spec_path)
        return self.source.at(path) if path is not None else None

    def duration(self, path: Path, text: Any, default: str) -> str:
        if text is None:
            return default
        try:
            parse_duration(text)
        except ValueProblem as exc:
            self.problem(path, str(exc))
            return default
        return str(text)

    def check_order(self, path: Path, tiers: list[Tier], direction: str) -> None:
        rank = {s: i for i, s in enumerate(conventions.SEVERITIES)}
        valued = sorted((t for t in tiers if t.threshold.value is not None), key=lambda t: rank.get(t.severity, 9))
        for stricter, looser in itertools.pairwise(valued):
            a, b = stricter.threshold.value, looser.threshold.value
            assert a is not None and b is not None
            if (direction == "above" and a <= b) or (direction == "below" and a >= b):
                side = "lower" if direction == "above" else "higher"
                self.problem(
                    (*path, looser.severity),
                    f"{looser.severity} ({looser.threshold.describe()}) must be less severe than {stricter.severity} "
                    f"({stricter.threshold.describe()}): its threshold must be {side}, "
                    f'e.g. warning "> 2%" with critical "> 5%"',
                )

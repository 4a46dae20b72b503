"""Error types shared by every stage: a located message the CLI can print as is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file, 1-based, as editors count."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the spec: where, at which path, what, and an example of right."""

    location: Location | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message}"


class SpecError(Exception):
    """Raised with every problem found, so the user fixes them in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        problems = list(dict.fromkeys(problems))  # two checks that find the same thing say it once
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = sorted(problems, key=_sort_key)


class ToolError(Exception):
    """A real validator (promtool, amtool, ...) rejected the rendered output."""


def _sort_key(problem: Problem) -> tuple[int, int, str]:
    if problem.location is None:
        return (1 << 30, 0, problem.path)
    return (problem.location.line, problem.location.column, problem.path)

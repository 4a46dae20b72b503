"""Load a YAML spec into plain Python data while remembering where every value came from.

PyYAML's safe_load silently keeps the last of two duplicate keys and expands aliases without bound.
This loader composes the node graph (aliases are shared, never copied), walks it with a node budget,
rejects duplicate keys, and records the line and column of every key and value by its path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from generators.errors import Location, Problem, SpecError

MAX_NODES = 100_000
MAX_BYTES = 2_000_000

Path = tuple[str | int, ...]


@dataclass
class Source:
    """A loaded document: the data and where each path sits in the file."""

    file: str
    data: Any
    marks: dict[Path, Location] = field(default_factory=dict)
    key_marks: dict[Path, Location] = field(default_factory=dict)

    def at(self, path: Path) -> Location | None:
        """The location of the value at path, or of its closest ancestor."""
        while True:
            if path in self.marks:
                return self.marks[path]
            if not path:
                return None
            path = path[:-1]

    def key_at(self, path: Path) -> Location | None:
        """The location of the key that introduces path (falls back to the value)."""
        return self.key_marks.get(path) or self.at(path)


def dotted(path: Path) -> str:
    """services.api.thresholds[0] style path text."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load(file: str, raw: bytes) -> Source:
    """Parse raw bytes; raise SpecError with a located message on any problem."""
    if len(raw) > MAX_BYTES:
        raise _fail(file, None, f"file is {len(raw)} bytes; the limit is {MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _fail(
            file,
            Location(file, line, column),
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise _fail(file, loc, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise _fail(file, None, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise _fail(file, Location(file, 1, 1), "the spec is empty; start from the example monitoring.yaml")
    walker = _Walker(file)
    data = walker.walk(node, ())
    if walker.problems:
        raise SpecError(walker.problems)
    return Source(file, data, walker.marks, walker.key_marks)


def _fail(file: str, loc: Location | None, message: str) -> SpecError:
    return SpecError([Problem(loc or Location(file, 1, 1), "", message)])


class _Walker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.marks: dict[Path, Location] = {}
        self.key_marks: dict[Path, Location] = {}
        self.problems: list[Problem] = []
        self.constructor = yaml.SafeLoader("")

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(
                [
                    Problem(
                        self.loc(node),
                        dotted(path),
                        f"the document expands to more than {MAX_NODES} values "
                        "(an alias bomb?); write the values out or use fewer nested aliases",
                    )
                ]
            )
        self.marks.setdefault(path, self.loc(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        explicit: set[str] = set()
        merged: list[tuple[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self.merge_sources(value_node, path))
                continue
            key = self.constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                key = str(key)
            key = str(key)
            if key in explicit:
                first = self.key_marks[(*path, key)]
                self.problems.append(
                    Problem(
                        self.loc(key_node),
                        dotted((*path, key)),
                        f"duplicate key '{key}' (first defined at line {first.line}); "
                        "YAML keeps only the last one, so merge the two entries",
                    )
                )
                continue
            explicit.add(key)
            self.key_marks[(*path, key)] = self.loc(key_node)
            out[key] = self.walk(value_node, (*path, key))
        for key, value in merged:
            out.setdefault(key, value)
        return out

    def merge_sources(self, node: yaml.Node, path: Path) -> list[tuple[str, Any]]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[str, Any]] = []
        for source in nodes:
            value = self.walk(source, path)
            if not isinstance(value, dict):
                self.problems.append(Problem(self.loc(source), dotted(path), "a '<<' merge key needs a mapping (an &anchor of one)"))
                continue
            pairs.extend(value.items())
        return pairs

"""Load a YAML spec into plain Python data while remembering where every value came from.

PyYAML's safe_load silently keeps the last of two duplicate keys, expands aliases without bound, recurses
once per nesting level and lets constructor exceptions escape (unknown tags, impossible dates). This loader
composes the node graph with a nesting limit (aliases are shared, never copied), walks it with a node budget,
rejects duplicate keys, unknown tags and scalars that do not construct, and records the line and column of
every key and value by its path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from generators.errors import Location, Problem, SpecError

MAX_NODES = 100_000
MAX_BYTES = 1_000_000  # a 1,000-service spec is about 70 KB; PyYAML composes about 100 KB/s with marks on a busy core
MAX_DEPTH = 100  # nested lists/mappings; the spec needs about 10, Python's stack gives out near 1,000

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML}{t}": t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_TEXT_TAGS = {f"{_YAML}merge", f"{_YAML}value"}  # '<<' and '=' outside a key: PyYAML has no constructor
_KINDS = {"int": "an integer", "float": "a number", "bool": "true/false", "null": "null", "timestamp": "a date"}
_EXAMPLES = {"int": "5", "float": "0.5", "bool": "true", "null": "null", "timestamp": "2001-12-31", "str": "text"}
_DEPTH_HINT = "the spec needs about 10 at most (e.g. services.api.thresholds.error_rate.critical is 5)"

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
    if len(raw) > MAX_BYTES:  # readers pass at most MAX_BYTES + 1 (read_capped): the true size may be unknown
        raise _fail(file, None, f"the file is larger than {MAX_BYTES:,} bytes, the limit for a spec (a 1,000-service spec is about 70 KB)")
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
    node = _compose_fast(text)
    if node is _SLOW:
        node = _compose(text, file)
    if node is None:
        raise _fail(file, Location(file, 1, 1), "the spec is empty; start from the example monitoring.yaml")
    walker = _Walker(file)
    data = walker.walk(node, ())
    if walker.problems:
        raise SpecError(walker.problems)
    return Source(file, data, walker.marks, walker.key_marks)


_SLOW = yaml.Node("", "", None, None)  # "let the pure-Python composer decide": it words every error and limit


def _compose_fast(text: str) -> yaml.Node | None:
    """The node graph composed by libyaml (C, a tenth of the pure-Python composer's time on a 1,000-service spec),
    or _SLOW when the pure-Python composer must speak: libyaml missing, any YAML error, or nesting deeper than
    MAX_DEPTH (found by a first pass over libyaml's events, so libyaml's own recursion stays shallow). Both build
    the same nodes (same resolver, same marks), so the walker sees no difference."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return _SLOW
    scan = loader_class(text)
    try:
        depth = 0
        while scan.check_event():
            event = scan.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return _SLOW
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
        loader = loader_class(text)
        try:
            node: yaml.Node | None = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return _SLOW
    finally:
        scan.dispose()
    return node


def _compose(text: str, file: str) -> yaml.Node | None:
    """The pure-Python composer with the nesting limit and located errors."""
    loader = _Loader(text, file)
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
    return node


def read_capped(path: str) -> bytes:
    """At most MAX_BYTES + 1 bytes of a file: enough to tell it is too large, without reading /dev/zero forever."""
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def check_is_spec(source: Source, keys: Iterable[str]) -> None:
    """Refuse a document that is not a spec at all, without quoting it.

    A spec path can be a symlink to anything (/etc/shadow, a .env file): its lines would come back as
    "unknown key '<line>'" or "expected a mapping, got a string '<content>'". Such a file is reported in
    one sentence that shows none of its content.
    """
    data = source.data
    if isinstance(data, dict) and set(map(str, data)) & set(keys):
        return
    kind = "a mapping without any spec key" if isinstance(data, dict) else f"{_KIND_NAMES.get(type(data), 'a value')}, not a mapping"
    message = (
        f"this is not a monitoring spec: the document is {kind} (a spec starts with version: 1, channels:, routing:); "
        "its content is not shown. Check --spec, or start from the example monitoring.yaml"
    )
    raise _fail(source.file, Location(source.file, 1, 1), message)


_KIND_NAMES = {list: "a list", str: "a text", int: "a number", float: "a number", bool: "true/false", type(None): "empty"}


def _fail(file: str, loc: Location | None, message: str) -> SpecError:
    return SpecError([Problem(loc or Location(file, 1, 1), "", message)])


def _tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer stops at MAX_DEPTH nested collections instead of exhausting the stack."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.depth = 0
        self.path: list[str | int] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # PyYAML passes the item's position as index: an int in a list, the key node in a mapping
        part = index.value if isinstance(index, yaml.ScalarNode) else index
        named = parent is not None and isinstance(part, (str, int))
        event = self.peek_event()  # type: ignore[no-untyped-call]
        nests = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if nests and self.depth >= MAX_DEPTH:
            loc = Location(self.file, event.start_mark.line + 1, event.start_mark.column + 1)
            path = (*self.path, part) if named else tuple(self.path)
            message = f"lists and mappings nest more than {MAX_DEPTH} levels deep; {_DEPTH_HINT}"
            raise SpecError([Problem(loc, _deep(path), message)])
        self.depth += nests
        if named:
            self.path.append(part)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nests
            if named:
                self.path.pop()


def _deep(path: Path) -> str:
    """The first few steps of a very deep path."""
    return dotted(path[:5]) + ("..." if len(path) > 5 else "")


class _Walker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.marks: dict[Path, Location] = {}
        self.key_marks: dict[Path, Location] = {}
        self.problems: list[Problem] = []
        self.depth = 0
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
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if node.tag not in (f"{_YAML}map", f"{_YAML}seq"):
            self.problems.append(Problem(self.loc(node), dotted(path), f"YAML tag '{_tag(node.tag)}' is not supported; remove it"))
        if self.depth >= MAX_DEPTH:  # only aliases get here: the composer stops literal nesting
            message = f"aliases nest lists and mappings more than {MAX_DEPTH} levels deep (a recursive alias?); {_DEPTH_HINT}"
            raise SpecError([Problem(self.loc(node), _deep(path), message)])
        self.depth += 1
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.depth -= 1

    def scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        """The constructed value, or None with a problem recorded (unknown tag, impossible date, ...)."""
        if node.tag in _TEXT_TAGS:
            return node.value
        kind = _SCALAR_TAGS.get(node.tag)
        if kind is None:
            plain = f"{path[-1]}: {node.value}" if path and isinstance(path[-1], str) else node.value
            message = f"YAML tag '{_tag(node.tag)}' is not supported; remove it (e.g. {plain})"
            self.problems.append(Problem(self.loc(node), dotted(path), message))
            return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:
            short = kind == "timestamp" and isinstance(exc, ValueError) and len(str(exc)) <= 40
            why = f" ({exc})" if short else ""  # 'month must be in 1..12', not the timezone offset essay
            implicit = self.constructor.resolve(yaml.ScalarNode, node.value, (True, False)) == node.tag  # type: ignore[no-untyped-call]
            if implicit:  # a plain scalar PyYAML read as a date/number: quoting keeps the text
                message = f'{node.value!r} looks like {_KINDS[kind]} but is not one{why}; quote it to keep it as text (e.g. "{node.value}")'
            else:
                message = f"{node.value!r} is not a valid {_tag(node.tag)}{why}; remove the tag or fix the value (e.g. {_EXAMPLES[kind]})"
            self.problems.append(Problem(self.loc(node), dotted(path), message))
            return None

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        explicit: set[str] = set()
        merged: list[tuple[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self.merge_sources(value_node, path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(Problem(self.loc(key_node), dotted(path), "a key must be a name, not a list or mapping (e.g. api:)"))
                continue
            before = len(self.problems)
            key = self.scalar(key_node, (*path, key_node.value))
            key = key_node.value if len(self.problems) > before else str(key)
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

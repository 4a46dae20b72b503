"""promtool unit-test files that promtool must answer alike: one run of a class's first file stands for the class.

A test file and the rule files it loads are read as promtool reads them, as a tree of YAML values. Some values are
opaque to promtool: it only compares them for equality or copies them into its output, never computes on them.
They are:

- label values: of a rule's `labels:`, of `exp_labels:`, and the quoted value of an `=` / `!=` matcher in an
  `expr`, a `series` or an `exp_samples` `labels` selector (a regex matcher's value is not opaque);
- alert names (`alert:`, `alertname:`), group and test names, the rule file paths of `rule_files:`;
- the literal text of annotations and `exp_annotations` around `{{ $labels.NAME }}` and `{{ $value }}` (with
  humanize, humanizePercentage, humanizeDuration or humanize1024): those actions copy a value, compute nothing
  from a label.

Every other word is syntax: keys, label names, metric and function names, numbers, durations, series values,
regexes, the words inside template actions, every non-string value. Two files whose trees differ only by a
one-to-one renaming of words that are opaque in both (`svc0004` for `svc0000`, `team4` for `team0`, one
dashboard link's panel id for another's) get the same class: promtool's verdict is unchanged by such a renaming,
since equality and copying commute with it, and both sides of every comparison it makes (an expected against
a computed alert or sample, each list sorted by its labels) are renamed alike. A word that is syntax anywhere
in a file is never renamed in it, so a renaming cannot turn `rate` into `irate`, `5m` into `1h` or a regex
into another.

Not classed (each runs on its own, class None): a template action other than those above, a `rule_files` glob, a
quoted matcher value with a backslash, a file that does not parse. tests/validate/test_promtool_classes.py
changes one of two same-kind services' files in ways no renaming explains (each then has a class of its own and
promtool fails those the generated tests cover) and renames one consistently (same class, promtool passes it).

Both version sets' jobs class the same files at the same time: keys() takes them from either end and shares what
it computed through a memo in the cache folder (content hash -> class), so each computes about half.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO

import yaml

from generators.model import conventions
from generators.validate import promtool_cache

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FILE = "promtool-classes.txt"
MAX_ENTRIES = 40_000  # about 5 MB; past it the newest half is kept
_WORD = re.compile(r"[A-Za-z0-9_]+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_EQUALITY = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*\s*!?=\s*$")  # before an opaque quoted value (a label
# name longer than the 200 characters searched is not found: its value counts as syntax)
_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_COPYING = re.compile(r"\{\{-?\s*(?:\$labels\.[A-Za-z_][A-Za-z0-9_]*|\$value(?:\s*\|\s*humanize(?:Percentage|Duration|1024)?)?)\s*-?\}\}")
_OPAQUE_MAPS = {"labels", "exp_labels", "annotations", "exp_annotations"}  # their values (their keys are label names)
_OPAQUE_VALUES = {"alert", "alertname", "name"}
_SELECTORS = {"expr", "series", "labels"}  # PromQL text (a string under `labels:` is an exp_samples selector)


class _Unclassed(Exception):
    """The file runs on its own."""


def _syntax_of_selector(text: str, syntax: set[str]) -> None:
    """Words of PromQL text that are not the quoted value of an equality matcher go to syntax."""
    last = 0
    for quoted in _QUOTED.finditer(text):
        before = text[last : quoted.start()]
        syntax.update(_WORD.findall(before))
        if "\\" in quoted.group() or not _EQUALITY.search(text, max(0, quoted.start() - 200), quoted.start()):
            syntax.update(_WORD.findall(quoted.group()))
        last = quoted.end()
    syntax.update(_WORD.findall(text[last:]))


def _syntax_of_text(text: str, syntax: set[str]) -> None:
    """Annotation or label text: the words of its template actions are syntax; an action that computes is refused."""
    for action in _ACTION.findall(text):
        if not _COPYING.fullmatch(action):
            raise _Unclassed(action)
        syntax.update(_WORD.findall(action))
    if "{{" in _ACTION.sub("", text) or "}}" in _ACTION.sub("", text):
        raise _Unclassed(text)


_STR = "tag:yaml.org,2002:str"


def _walk(node: yaml.Node, key: str, parent: str, syntax: set[str], pieces: list[str | tuple[str]]) -> None:
    """Collect the syntax words of a composed YAML node found under `key` (whose own key is `parent`), and the
    node as pieces of text: a tuple holds a string value whose words may be renamed."""
    if isinstance(node, yaml.MappingNode):
        pieces.append("{")
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.tag != _STR:
                raise _Unclassed(k)
            syntax.update(_WORD.findall(k.value))
            pieces.append(repr(k.value))
            _walk(v, k.value, key, syntax, pieces)
        pieces.append("}")
    elif isinstance(node, yaml.SequenceNode):
        pieces.append("[")
        for item in node.value:
            _walk(item, key, parent, syntax, pieces)
        pieces.append("]")
    elif not isinstance(node, yaml.ScalarNode) or node.tag != _STR:  # a number, a boolean, null, a date: all syntax
        syntax.update(_WORD.findall(str(node.value)))
        pieces.append(f"{node.tag}:{node.value!r}")
    else:
        value = node.value
        pieces.append((value,))
        if "\0" in value:  # the renamed words are numbered between NULs
            raise _Unclassed(value)
        if key in _SELECTORS:
            _syntax_of_selector(value, syntax)
        elif parent in _OPAQUE_MAPS:
            _syntax_of_text(value, syntax)
        elif key == "rule_files":
            if any(c in value for c in "*?["):
                raise _Unclassed(value)
        elif key not in _OPAQUE_VALUES:
            syntax.update(_WORD.findall(value))


def _canonical(pieces: list[str | tuple[str]], syntax: set[str]) -> str:
    """The pieces as text, each word that is not syntax replaced by its number in order of first appearance."""
    names: dict[str, int] = {}

    def rename(match: re.Match[str]) -> str:
        word = match.group()
        return word if word in syntax else f"\0{names.setdefault(word, len(names))}\0"

    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            (value,) = piece
            out.append("s" + repr(value if syntax.issuperset(_WORD.findall(value)) else _WORD.sub(rename, value)))
    return "\n".join(out)


def key(root: Path, test: str, tool: str) -> str | None:
    """The class of a test file (with the rule files it loads) for a promtool binary; None: it runs on its own."""
    found = shape(root, test)
    return None if found is None else hashlib.sha256(f"{tool}\0{found}".encode()).hexdigest()


def keys(root: Path, tests: list[str], tool: str, backwards: bool = False) -> dict[str, str | None]:
    """key() of every test, through Memo: files are taken in order, or last first with backwards (the other
    version set's job, running at the same time, takes them first first: each computes about half)."""
    memo = Memo()
    out: dict[str, str | None] = {}
    try:
        for test in reversed(tests) if backwards else tests:
            content = promtool_cache.key(root, test, "")
            found = memo.get(content) if content else None
            if found is None:
                found = shape(root, test) or ""
                if content:
                    memo.add(content, found)
            out[test] = hashlib.sha256(f"{tool}\0{found}".encode()).hexdigest() if found else None
    finally:
        memo.close()
    return {test: out[test] for test in tests}


class Memo:
    """content hash (promtool_cache.key without a binary) -> shape, or "" when unclassed; one line each in the
    cache folder, appended as they are computed, so the other set's job reads what this one found (and a later
    render what this one did). Only a cache: a line lost or torn is computed again."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or Path(conventions.cache_folder())) / FILE
        self.known: dict[str, str] = {}
        self.offset = 0
        self.handle: IO[bytes] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+b")  # noqa: SIM115  (closed by close())
        except OSError:
            return
        self._read()
        if len(self.known) > MAX_ENTRIES:
            self._trim()

    def _read(self) -> None:
        if self.handle is None:
            return
        self.handle.seek(self.offset)
        data = self.handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode("ascii", "replace").splitlines():
            content, _, found = line.partition(" ")
            if len(content) == 64 and (found == "" or len(found) == 64):
                self.known[content] = found

    def get(self, content: str) -> str | None:
        if content not in self.known:
            self._read()
        return self.known.get(content)

    def add(self, content: str, found: str) -> None:
        self.known[content] = found
        if self.handle is not None:
            with contextlib.suppress(OSError):  # only a cache
                os.write(self.handle.fileno(), f"{content} {found}\n".encode())  # O_APPEND: one write, one line

    def _trim(self) -> None:
        kept = list(self.known.items())[-MAX_ENTRIES // 2 :]
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".promtool-classes-")
            with os.fdopen(fd, "w") as out:
                out.write("".join(f"{c} {f}\n" for c, f in kept))
            os.replace(tmp, self.path)
        except OSError:
            return

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def shape(root: Path, test: str) -> str | None:
    """The class of a test file and the rule files it loads, any binary (the hash of its canonical text)."""
    path = root / test
    syntax: set[str] = set()
    pieces: list[str | tuple[str]] = []
    try:
        data = yaml.compose(path.read_text(), Loader=_LOADER)
        if not isinstance(data, yaml.MappingNode):
            return None
        files = [v for k, v in data.value if k.value == "rule_files"]
        paths = [item.value for f in files if isinstance(f, yaml.SequenceNode) for item in f.value if isinstance(item, yaml.ScalarNode)]
        _walk(data, "", "", syntax, pieces)
        for rule_file in paths:
            pieces.append("\0file\0")
            rules = yaml.compose((path.parent / rule_file).read_text(), Loader=_LOADER)
            if rules is None:  # an empty rule file
                return None
            _walk(rules, "", "", syntax, pieces)
    except (OSError, yaml.YAMLError, UnicodeDecodeError, _Unclassed):
        return None
    return hashlib.sha256(f"class\0{_canonical(pieces, syntax)}".encode()).hexdigest()

"""Small text helpers: the changed part of two strings, code spans, arrows."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

ARROW = "→"
_EDGE = " .,;:|()"  # trimmed from both spans when old and new share it: punctuation around the change


def code(text: str) -> str:
    """A Markdown code span that survives backticks inside the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def codes(items: Iterable[str]) -> str:
    return ", ".join(code(i) for i in items)


def change(old: str, new: str) -> str:
    return f"{code(old)} {ARROW} {code(new)}"


_TOKEN = re.compile(r"[\w.%=-]+|[^\w\s]")  # words, numbers with units (0.05, 5%, 1h30m, after-30m), k=v; or one sign


def spans(old: str, new: str) -> list[tuple[str, str]]:
    """The changed parts of two strings, token-wise, cut from the strings themselves.

    A changed part takes the word before it when a space separates them ('> 5%', 'for 10m', not
    'vector(0.995'), and both neighbours when it only inserts or deletes; then the punctuation both sides
    share at the edges is trimmed. '... Threshold: > 5% for 5m.' vs '... > 6% for 5m.' -> [('> 5%', '> 6%')]
    """
    a, b = list(_TOKEN.finditer(old)), list(_TOKEN.finditer(new))
    matcher = difflib.SequenceMatcher(None, [m.group() for m in a], [m.group() for m in b], autojunk=False)
    groups: list[list[int]] = []  # [i1, i2, j1, j2] of runs of changes less than 3 equal tokens apart
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if groups and i1 - groups[-1][1] < 3:
            groups[-1][1], groups[-1][3] = i2, j2
        else:
            groups.append([i1, i2, j1, j2])
    out = []
    for i1, i2, j1, j2 in groups:
        one_sided = i1 == i2 or j1 == j2
        if i1 > 0 and j1 > 0 and (one_sided or (_spaced(a, i1) and _spaced(b, j1))):
            i1, j1 = i1 - 1, j1 - 1
        if one_sided and i2 < len(a) and j2 < len(b):
            i2, j2 = i2 + 1, j2 + 1
        out.append(_trim(_cut(old, a, i1, i2), _cut(new, b, j1, j2)))
    return out


def _spaced(tokens: list[re.Match[str]], i: int) -> bool:
    """Whether token i is a word of its own, apart from the token before it."""
    return i < len(tokens) and tokens[i].start() > tokens[i - 1].end()


def _cut(source: str, tokens: list[re.Match[str]], i1: int, i2: int) -> str:
    return source[tokens[i1].start() : tokens[i2 - 1].end()] if i1 < i2 else ""


def _trim(old: str, new: str) -> tuple[str, str]:
    while old and new and old[0] == new[0] and old[0] in _EDGE:
        old, new = old[1:], new[1:]
    while old and new and old[-1] == new[-1] and old[-1] in _EDGE:
        old, new = old[:-1], new[:-1]
    return old, new


def span_text(old: str, new: str) -> str:
    """'`> 5%` → `> 6%`'; several changed parts joined with '; ', a part repeated counted ('(2×)')."""
    return "; ".join(counted(change(o, n) for o, n in spans(old, new)))


def counted(items: Iterable[str]) -> list[str]:
    """Each distinct item once, in first-seen order, with '(N×)' when it came N > 1 times."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return [item if n == 1 else f"{item} ({n}×)" for item, n in counts.items()]


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"

"""Route tests that amtool must answer alike: one amtool run stands for each class (alertmanager_check).

Alertmanager picks receivers by walking the route tree, and what it reads of an alert is, for each route matcher,
whether that matcher matches the value of its label (a missing label reads as ""). Two alerts whose labels give
every matcher of the tree the same answer take the same path and reach the same receivers, so `amtool config
routes test --verify.receivers=R` answers both alike when R is the same. The class of a test is:

- for a label that only `=`/`!=` matchers with plain quoted values read: its value if one of those values names
  it, else "another value" (every such matcher answers all other values alike);
- for a label a regex matcher reads: its exact value (no regex of ours decides the class);
- labels no matcher reads: left out;
- plus the receivers the spec expects.

A tree with a matcher this module does not parse (unquoted values, several matchers in one string, `match:` /
`match_re:` maps, escapes) gives every test its own class keyed by all its labels, and so does a test whose
labels hold characters amtool's command line could read differently. tests/validate/test_route_classes.py runs amtool on
every test of the example and of mutated trees and finds the class verdict equal to each test's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"\\]*)"\s*$')
_PLAIN = re.compile(r"^[A-Za-z0-9_.:/-]*$")  # label names and values passed to amtool as `name=value` unchanged
OTHER = "\0other"  # the class of every value no equality matcher names

Key = tuple[Any, ...]


def _routes(route: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield route
    for child in route.get("routes", None) or ():
        yield from _routes(child)


def read_labels(route: Mapping[str, Any]) -> dict[str, set[str] | None] | None:
    """Label -> the values `=`/`!=` matchers compare it with, or None when a regex reads it; None: not parsed."""
    labels: dict[str, set[str] | None] = {}
    for node in _routes(route):
        if "match" in node or "match_re" in node or "object_matchers" in node:
            return None
        for text in node.get("matchers", None) or ():
            found = _MATCHER.match(str(text))
            if not found:
                return None
            name, op, value = found.groups()
            literals = labels.get(name, set())
            if op in ("=~", "!~"):
                labels[name] = None
            elif literals is not None:
                labels[name] = literals | {value}
    return labels


def _plain(labels: Mapping[str, str]) -> bool:
    return all(_PLAIN.match(str(k)) and _PLAIN.match(str(v)) for k, v in labels.items())


def key(read: Mapping[str, set[str] | None] | None, test: Mapping[str, Any]) -> Key:
    labels: Mapping[str, str] = test["labels"]
    receivers = tuple(test["receivers"])
    if read is None or not _plain(labels):
        return ("exact", tuple(sorted((str(k), str(v)) for k, v in labels.items())), receivers)
    values: list[tuple[str, str | None]] = []
    for name in sorted(read):
        value = labels.get(name)
        literals = read[name]
        if value is None:
            values.append((name, None))  # missing: reads as "", kept apart from an explicit "" for clarity
        elif literals is None or str(value) in literals:
            values.append((name, str(value)))
        else:
            values.append((name, OTHER))
    return ("class", tuple(values), receivers)


def classes(config: Mapping[str, Any], tests: Sequence[Mapping[str, Any]]) -> dict[Key, list[int]]:
    """Class key -> indexes of its tests, in test order (the first is the one amtool runs)."""
    read = read_labels(config.get("route") or {})
    out: dict[Key, list[int]] = {}
    for i, test in enumerate(tests):
        out.setdefault(key(read, test), []).append(i)
    return out

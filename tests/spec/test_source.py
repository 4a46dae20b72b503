"""spec/source.py composes with libyaml when it can and with the pure-Python composer otherwise: the same result.

Every spec the tests use (the example, the golden cases, the fixtures, every hostile spec) and YAML edge cases
load to the same data, value and key locations, or to the same located problems, either way.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from generators.errors import SpecError
from generators.spec import source
from tests import test_hostile
from tests.conftest import ROOT

EDGES = {
    "non-ASCII keys and values": "version: 1\nservices:\n  café: {team: é, kind: http, targets: ['ü:80']}\n  日本: {team: x}\n",
    "anchors, aliases and a merge key": "a: &x {k: 1, m: [1, 2]}\nb: *x\nc:\n  <<: *x\n  k: 2\n",
    "a duplicate key": "version: 1\nversion: 2\n",
    "an unknown tag": "version: !!python/object 1\n",
    "an impossible date": "when: 2001-13-45\n",
    "flow style across lines": "services: {api: {team: a,\n  kind: http}, b: [1,\n 2]}\n",
    "block scalars and comments": "notes: |\n  line one\n  line two\n# comment\nmore: >-\n  folded\n  text\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a syntax error": "services:\n  api: {team: [}\n",
    "a tab where an indent goes": "services:\n\tapi: 1\n",
    "nesting 100 deep": "a: " + "[" * 99 + "]" * 99 + "\n",
    "nesting 101 deep": "a: " + "[" * 100 + "]" * 100 + "\n",
    "an alias to nothing": "a: *nowhere\n",
    "a recursive alias": "a: &r [*r]\n",
    "only a comment": "# nothing\n",
    "a bare scalar": "just text\n",
}


def _texts() -> list[Any]:
    files = [
        ROOT / "monitoring.yaml",
        *sorted((ROOT / "tests" / "cases").glob("*/spec.yaml")),
        *sorted((ROOT / "tests" / "fixtures").glob("*.yaml")),
    ]
    out = [pytest.param(path.read_text(), id=str(path.relative_to(ROOT))) for path in files]
    out += [pytest.param(test_hostile.spec_text(case.values[0]), id=case.id) for case in test_hostile._cases()]
    return out + [pytest.param(text, id=name) for name, text in EDGES.items()]


def _load(text: str) -> Any:
    try:
        loaded = source.load("monitoring.yaml", text.encode())
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    return loaded.data, loaded.marks, loaded.key_marks


@pytest.mark.parametrize("text", _texts())
def test_libyaml_and_the_python_composer_give_the_same_source(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _load(text)
    monkeypatch.setattr(source, "_compose_fast", lambda _: source._SLOW)
    assert fast == _load(text)


def test_the_fast_path_is_taken_and_left_where_it_must() -> None:
    assert isinstance(source._compose_fast("a: [1, 2]\n"), yaml.MappingNode)
    assert source._compose_fast("") is None
    for name in ("a syntax error", "two documents", "nesting 101 deep", "an alias to nothing"):
        assert source._compose_fast(EDGES[name]) is source._SLOW, name
    assert source._compose_fast(EDGES["nesting 100 deep"]) is not source._SLOW


def test_deep_nesting_is_refused_at_its_line() -> None:
    with pytest.raises(SpecError) as caught:
        source.load("s.yaml", EDGES["nesting 101 deep"].encode())
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:1:103: a[0][0][0][0]...: lists and mappings nest more than 100 levels deep; the spec needs about 10 at most "
        "(e.g. services.api.thresholds.error_rate.critical is 5)"
    ]

"""promtool_classes: which unit-test files one promtool run answers for, and the proof that promtool answers them alike.

Two http services of a synthetic spec (svc0000, svc0004) render test and rule files that differ only in opaque
names (service, team, alert names, dashboard panel ids): one class. Each change below, made to svc0004's files
alone, is one a renaming cannot explain, so svc0004 gets a class of its own (or none) and promtool runs on it;
promtool fails on those the generated tests cover, which a shared class would have hidden. A consistent renaming
keeps the class, and promtool passes the renamed files as it passes svc0000's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from generators.pipeline import render, spec, writer
from generators.validate import promtool_classes, tools
from generators.validate import suite as validate
from tests.bench import synthetic_spec
from tests.conftest import require_tool

TESTS = "prometheus/tests/svc{}.test.yml"
RULES = "prometheus/rules/svc{}.rules.yml"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("classes")
    (folder / "monitoring.yaml").write_text(synthetic_spec(5))
    documents = render.documents(spec.load(folder / "monitoring.yaml")[0])
    return {k: documents[k] for n in ("0000", "0004") for k in (TESTS.format(n), RULES.format(n))}


def write(root: Path, tree: dict[str, bytes], changes: Sequence[tuple[str, str, str]] = ()) -> Path:
    """The files with each (path, old, new): the first `old` in path replaced."""
    files = {k: v.decode() for k, v in tree.items()}
    for path, old, new in changes:
        assert old in files[path], f"{old!r} is not in {path}"
        files[path] = files[path].replace(old, new, 1)
    writer.write_tree(root, {k: v.encode() for k, v in files.items()})
    return root


def key(root: Path, service: str) -> str | None:
    return promtool_classes.key(root, TESTS.format(service), "promtool:1")


def test_two_services_of_a_kind_share_a_class_and_other_kinds_do_not(tree: dict[str, bytes], tmp_path: Path) -> None:
    root = write(tmp_path, tree)
    assert key(root, "0000") is not None
    assert key(root, "0000") == key(root, "0004")
    assert key(root, "0000") != promtool_classes.key(root, TESTS.format("0000"), "promtool:2")  # another binary


T4, R4 = TESTS.format("0004"), RULES.format("0004")
# change -> whether svc0004's own tests fail on it (the generated tests do not cover every expression: a change they
# miss must still leave the class, so it is no weaker than running that file)
CHANGES = {
    "a duration in one rule": ([(R4, "for: 2m", "for: 3m")], False),
    "rate read as irate": ([(R4, "(rate(http_requests_total", "(irate(http_requests_total")], False),
    "an equality matcher made a regex": ([(R4, 'up{job="svc0004"}', 'up{job=~".+"}')], True),
    "one recording labelled with another service": (
        [(R4, "    labels:\n      service: svc0004", "    labels:\n      service: svc0000")],
        True,
    ),
    "an expected label value the alert does not carry": ([(T4, "severity: critical", "severity: warning")], True),
    "a series value": ([(T4, "values: 0+0x7", "values: 1+0x7")], True),
    "an annotation template that computes": ([(R4, "{{ $labels.job }}", "{{ $labels.job | toUpper }}")], True),
}


@pytest.mark.parametrize(("changes", "fails"), list(CHANGES.values()), ids=list(CHANGES))
def test_a_change_no_renaming_explains_gets_its_own_verdict(
    tree: dict[str, bytes], tmp_path: Path, changes: list[tuple[str, str, str]], fails: bool
) -> None:
    root = write(tmp_path, tree, changes)
    assert key(root, "0004") != key(root, "0000")
    require_tool("promtool")
    assert tools.promtool(["test", "rules", T4], root).ok is not fails


def test_a_consistent_renaming_keeps_the_class_and_promtool_passes_it(tree: dict[str, bytes], tmp_path: Path) -> None:
    files = {k.replace("svc0004", "payments"): v.replace(b"svc0004", b"payments").replace(b"Svc0004", b"Payments") for k, v in tree.items()}
    files = {k: v.replace(b"team4", b"checkout") for k, v in files.items()}
    root = write(tmp_path, files)
    renamed = promtool_classes.key(root, "prometheus/tests/payments.test.yml", "promtool:1")
    assert renamed == key(root, "0000")
    require_tool("promtool")
    assert tools.promtool(["test", "rules", "prometheus/tests/payments.test.yml"], root).ok


@pytest.mark.parametrize(
    ("old", "new"),
    [("- ../rules/svc0004.rules.yml", "- ../rules/svc000*.rules.yml"), ("{{ $labels.job }}", '{{ printf "%.3s" $labels.job }}')],
    ids=["a rule_files glob", "a template function of a label"],
)
def test_what_it_cannot_class_runs_alone(tree: dict[str, bytes], tmp_path: Path, old: str, new: str) -> None:
    path = T4 if old.startswith("- ../") else R4
    assert key(write(tmp_path, tree, [(path, old, new)]), "0004") is None


def test_a_class_runs_once_and_a_changed_member_gets_a_fresh_verdict(
    tree: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("promtool")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    runs: list[list[str]] = []
    real = tools.promtool

    def counting(args: list[str], cwd: Path, toolset: str = tools.STABLE) -> tools.Result:
        runs.append(list(args[2:]))
        return real(args, cwd, toolset)

    monkeypatch.setattr(tools, "promtool", counting)
    root = write(tmp_path / "out", tree)
    tests = [TESTS.format("0000"), T4]
    assert validate._unit_tests(root, tests) == []
    assert runs == [[TESTS.format("0000")]]  # svc0004 shares its class
    assert validate._unit_tests(root, tests) == [] and len(runs) == 1  # the class's pass is on record
    write(root, tree, [(T4, "severity: critical", "severity: warning")])
    (problem,) = validate._unit_tests(root, tests)
    assert runs[1:] == [[T4]] and problem.startswith("promtool test rules:") and T4 in problem
    write(root, tree, [(T4, "severity: critical", "severity: warning"), (TESTS.format("0000"), "severity: critical", "severity: warning")])
    runs.clear()
    problems = validate._unit_tests(root, tests)
    assert runs == [[TESTS.format("0000")], [T4]]  # the class's first failed: the others run on their own
    assert len(problems) == 2 and all("FAILED" in p for p in problems)
    assert [TESTS.format("0000") in problems[0], T4 in problems[1]] == [True, True]


def test_the_memo_answers_for_unchanged_files_and_a_changed_one_is_classed_again(
    tree: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    root = write(tmp_path / "out", tree)
    tests = [TESTS.format("0000"), T4]
    first = promtool_classes.keys(root, tests, "promtool:1")
    assert first == {t: key(root, t[len("prometheus/tests/svc") : -len(".test.yml")]) for t in tests}
    assert len((tmp_path / "cache" / promtool_classes.FILE).read_text().splitlines()) == 2
    other_binary = {t: promtool_classes.key(root, t, "promtool:2") for t in tests}
    calls: list[str] = []
    real = promtool_classes.shape
    monkeypatch.setattr(promtool_classes, "shape", lambda r, t: calls.append(t) or real(r, t))
    assert promtool_classes.keys(root, tests, "promtool:2", backwards=True) == other_binary
    assert calls == []  # the other set's job read both from the memo
    write(root, tree, [(R4, "for: 2m", "for: 3m")])
    again = promtool_classes.keys(root, tests, "promtool:1")
    assert calls == [T4] and again[T4] != first[T4] and again[TESTS.format("0000")] == first[TESTS.format("0000")]
    with (tmp_path / "cache" / promtool_classes.FILE).open("a") as memo:
        memo.write("torn line\nabc")
    assert promtool_classes.keys(root, tests, "promtool:1") == again

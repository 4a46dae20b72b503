"""promtool_cache: a unit-test file runs again exactly when it, a rule file it loads, or promtool changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.validate import promtool_cache, tools
from generators.validate import suite as validate
from tests.conftest import require_set_tool, require_tool

RULES = "groups:\n- name: g\n  rules:\n  - alert: Up\n    expr: up == 0\n"
TEST = """rule_files:
- ../rules/g.rules.yml
evaluation_interval: 1m
tests:
- interval: 1m
  input_series:
  - series: up{job="a"}
    values: 0x5
  alert_rule_test:
  - eval_time: 2m
    alertname: Up
    exp_alerts:
    - exp_labels: {alertname: Up, job: a}
"""


def tree(root: Path, test: str = TEST, rules: str = RULES) -> Path:
    (root / "prometheus" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "tests").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "rules" / "g.rules.yml").write_text(rules)
    (root / "prometheus" / "tests" / "g.test.yml").write_text(test)
    return root


def test_the_key_follows_the_test_and_its_rule_files(tmp_path: Path) -> None:
    root = tree(tmp_path)
    first = promtool_cache.key(root, "prometheus/tests/g.test.yml", "promtool:1")
    assert first is not None and first == promtool_cache.key(root, "prometheus/tests/g.test.yml", "promtool:1")
    tree(root, rules=RULES.replace("up == 0", "up == 1"))
    second = promtool_cache.key(root, "prometheus/tests/g.test.yml", "promtool:1")
    assert second not in (None, first)
    tree(root, test=TEST.replace("0x5", "0x6"), rules=RULES)
    assert promtool_cache.key(root, "prometheus/tests/g.test.yml", "promtool:1") not in (None, first, second)
    assert promtool_cache.key(root, "prometheus/tests/g.test.yml", "promtool:2") not in (None, first, second)  # another binary
    tree(root, test=TEST.replace("rule_files:", "rules:"))  # no rule_files header: never cached
    assert promtool_cache.key(root, "prometheus/tests/g.test.yml", "promtool:1") is None


def test_passed_keys_are_saved_and_trimmed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promtool_cache, "MAX_ENTRIES", 3)
    passed = promtool_cache.Passed(tmp_path)
    passed.add(["a", "b", None, "a", "c", "d"])
    passed.save()
    again = promtool_cache.Passed(tmp_path)
    assert again.keys == ["b", "c", "d"] and "a" not in again and "d" in again
    (tmp_path / "promtool-passed.txt").write_bytes(b"\xff\xfe not text")
    assert promtool_cache.Passed(tmp_path).keys == []  # a corrupt record is dropped, never an error


def test_a_passing_file_runs_once_and_a_failing_one_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("promtool")
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    runs: list[list[str]] = []
    real = tools.promtool

    def counting(args: list[str], cwd: Path, toolset: str = tools.STABLE) -> tools.Result:
        runs.append(list(args))
        return real(args, cwd, toolset)

    monkeypatch.setattr(tools, "promtool", counting)
    root = tree(tmp_path / "out")
    tests = ["prometheus/tests/g.test.yml"]
    assert validate._unit_tests(root, tests) == []
    assert validate._unit_tests(root, tests) == []
    assert len(runs) == 1  # the second call found the pass on record
    tree(root, test=TEST.replace("job: a}", "job: b}"))  # now the expected labels are wrong
    for _ in range(2):
        (problem,) = validate._unit_tests(root, tests)
        assert problem.startswith("promtool test rules:") and "FAILED" in problem
    assert len(runs) == 3  # a failure is never recorded


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("rule_files: [rules/*.yml]\n", ["promtool check config"]),
        ("rule_files: [rules/g.rules.yml]\n", ["promtool check rules"]),
    ],
    ids=["a broken rule file the config loads fails check config", "one it does not load still gets check rules"],
)
def test_every_rule_file_gets_promtools_verdict_once(tmp_path: Path, config: str, expected: list[str]) -> None:
    require_tool("promtool")
    root = tree(tmp_path)
    (root / "prometheus" / "prometheus.yml").write_text(config)
    (root / "prometheus" / "rules" / "z.rules.yml").write_text(RULES.replace("up == 0", "up =="))
    runs: list[list[str]] = []
    real = tools.promtool

    def counting(args: list[str], cwd: Path, toolset: str = tools.STABLE) -> tools.Result:
        runs.append(list(args))
        return real(args, cwd, toolset)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tools, "promtool", counting)
        problems = validate.prometheus(root, False)
    assert [p.split(":\n")[0] for p in problems] == expected
    assert "could not parse expression" in problems[0]
    checked_by_rules = [a for r in runs if r[:2] == ["check", "rules"] for a in r[2:]]
    assert checked_by_rules == ([] if "*" in config else ["prometheus/rules/z.rules.yml"])


@pytest.mark.parametrize(("files", "sizes"), [(3, [1, 1, 1]), (20, [3] * 6 + [2]), (1005, [40] * 25 + [5])], ids=["3", "20", "1005"])
def test_test_files_go_to_promtool_biggest_first_in_even_chunks(tmp_path: Path, files: int, sizes: list[int]) -> None:
    names = [f"t{i:04d}.yml" for i in range(files)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text("x" * (i % 7))
    chunks = validate._chunks(tmp_path, names)
    assert [len(c) for c in chunks] == sizes
    flat = [t for c in chunks for t in c]
    assert sorted(flat) == names
    assert [(tmp_path / t).stat().st_size for t in flat] == sorted(((tmp_path / t).stat().st_size for t in names), reverse=True)


def test_two_records_saved_at_the_same_time_keep_each_others_passes(tmp_path: Path) -> None:
    # Both version sets' validator processes load the record before either saves (a cold render): the second
    # save used to write the whole file from its own copy, and the first set's passes were lost.
    stable, current = promtool_cache.Passed(tmp_path), promtool_cache.Passed(tmp_path)
    stable.add(["s1", "s2"])
    current.add(["c1"])
    stable.save()
    current.save()
    assert promtool_cache.Passed(tmp_path).keys == ["s1", "s2", "c1"]


def test_concurrent_processes_lose_no_pass(tmp_path: Path) -> None:
    import multiprocessing

    def save(prefix: str) -> None:
        for i in range(20):
            passed = promtool_cache.Passed(tmp_path)
            passed.add([f"{prefix}{i}"])
            passed.save()

    workers = [multiprocessing.get_context("fork").Process(target=save, args=(p,)) for p in "ab"]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(promtool_cache.Passed(tmp_path).keys) == sorted(f"{p}{i}" for p in "ab" for i in range(20))


def test_a_full_render_records_the_unit_test_passes_of_both_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generators import cli

    for toolset in tools.SETS:
        require_set_tool("promtool", toolset)
    monkeypatch.setenv("GENERATORS_CACHE_DIR", str(tmp_path / "cache"))
    good = Path(__file__).parents[1] / "fixtures" / "good.yaml"
    assert cli.main(["render", "--spec", str(good), "--out", str(tmp_path / "out")]) == cli.EXIT_OK
    test_files = list((tmp_path / "out" / "prometheus" / "tests").glob("*.test.yml"))
    assert len(promtool_cache.Passed(tmp_path / "cache").keys) == len(tools.SETS) * len(test_files)

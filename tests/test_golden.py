"""Golden cases: tests/cases/<name>/spec.yaml must render exactly what tests/cases/<name>/expected/ records.

    Update (after an intended change; writes, compares nothing, passes no test):
        python -m tests.update_golden [CASE ...]      # or: make golden
    then read `git diff tests/cases` before committing it. This file only compares.

expected/SHA256SUMS covers every rendered file (prometheus config, rules, unit tests and HA configs,
Alertmanager config, templates and route tests, runbooks, docs/signals.md, Grafana dashboards and
provisioning, compose, kubernetes/, the writer's .generated-files); every file but the dashboards is also kept
as a copy, so a change fails with a unified diff (tests/golden.py, tests/cases/README.md). The renders skip
the validators: their bytes do not depend on them, and the validators have their own tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from generators import cli
from tests import golden, update_golden

MINIMAL = golden.CASES / "minimal"


def check(case: str, files: dict[str, bytes], expected: Path) -> None:
    """The compare mode: fail with every difference, never write."""
    problems = golden.compare(expected, files)
    if problems:
        pytest.fail(golden.failure(case, problems), pytrace=False)


@pytest.mark.parametrize("case", golden.names())
def test_golden(case: str) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        pytest.fail(f"UPDATE_GOLDEN no longer rewrites goldens inside pytest: run `{golden.UPDATE}` (make golden), then read git diff")
    check(case, golden.render(golden.CASES / case / "spec.yaml"), golden.CASES / case / "expected")


def test_every_case_covers_every_output_kind() -> None:
    """A case whose expected/ lost an output folder (say, a render that stopped writing kubernetes/) fails."""
    kinds = {
        "prometheus/prometheus.yml", "prometheus/rules/", "prometheus/tests/", "alertmanager/alertmanager.yml",
        "alertmanager/templates/", "alertmanager/tests/routes.yml", "docs/runbooks/", "docs/signals.md",
        "grafana/dashboards/", "grafana/provisioning/", "compose/docker-compose.yml", "kubernetes/",
    }  # fmt: skip
    for case in golden.names():
        listed = golden.read_sums(golden.CASES / case / "expected")
        assert sorted(k for k in kinds if not any(rel.startswith(k) for rel in listed)) == [], case
    scaling = golden.read_sums(golden.CASES / "scaling-slo" / "expected")
    assert [rel for rel in scaling if rel.startswith("prometheus/ha/")] == [
        "prometheus/ha/prometheus-0.yml",
        "prometheus/ha/prometheus-1.yml",
    ]
    assert "prometheus/rules/slo-api-availability.rules.yml" in scaling


@pytest.fixture(scope="module")
def minimal_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal") / "out"
    assert cli.main(["render", "--spec", str(MINIMAL / "spec.yaml"), "--out", str(out), "--skip-validation"]) == cli.EXIT_OK
    return out


HASH_NOTE = "  (hash only: expected/ keeps no copy of {}; `make render && git diff grafana/` shows such a change on monitoring.yaml)"

# One byte changed in one rendered file: (file, bytes found in it, the same bytes with one of them changed)
ONE_BYTE = {
    "a rule file: named, with its unified diff": ("prometheus/rules/shop.rules.yml", b'{job="shop"}[5m]', b'{job="shop"}[6m]'),
    "a unit test file": ("prometheus/tests/shop.test.yml", b"evaluation_interval: 60s", b"evaluation_interval: 90s"),
    "the Alertmanager config": ("alertmanager/alertmanager.yml", b"receiver:", b"receivez:"),
    "an Alertmanager template": ("alertmanager/templates/slack.tmpl", b"define", b"definE"),
    "a runbook": ("docs/runbooks/ShopHighErrorRate.md", b"# ShopHighErrorRate", b"# ShopHighErrorRatf"),
    "docs/signals.md": ("docs/signals.md", b"|", b"!"),
    "grafana provisioning": ("grafana/provisioning/datasources/datasources.yml", b"Prometheus", b"Prometheuz"),
    "the compose file": ("compose/docker-compose.yml", b"restart: unless-stopped", b"restart: unless-stoppee"),
    "a kubernetes object": ("kubernetes/kustomization.yaml", b"kind: Kustomization", b"kind: Kustomizatiom"),
    "a dashboard: named, hash only": ("grafana/dashboards/Services/service-health.json", b'"title"', b'"titlf"'),
    "a dashboard ConfigMap: named, hash only": ("kubernetes/grafana/dashboards/service-health.yaml", b"ConfigMap", b"ConfigMaq"),
}


@pytest.mark.parametrize(("rel", "before", "after"), ONE_BYTE.values(), ids=ONE_BYTE.keys())
def test_compare_fails_naming_the_file_when_one_rendered_byte_changes(
    minimal_tree: Path, tmp_path: Path, rel: str, before: bytes, after: bytes
) -> None:
    copy = tmp_path / "out"
    shutil.copytree(minimal_tree, copy)
    original = (copy / rel).read_bytes()
    assert before in original and len(before) == len(after)
    mutated = original.replace(before, after, 1)
    assert sum(a != b for a, b in zip(original, mutated, strict=True)) == 1
    (copy / rel).write_bytes(mutated)

    with pytest.raises(pytest.fail.Exception) as failed:
        check("minimal", golden.tree(copy), MINIMAL / "expected")
    lines = str(failed.value).splitlines()
    assert lines[:3] == [
        "golden case minimal: 1 difference(s) from tests/cases/minimal/expected/.",
        "If the change is intended: `python -m tests.update_golden minimal`, then read `git diff tests/cases/minimal` before committing.",
        f"changed: {rel} (sha256 {hashlib.sha256(original).hexdigest()[:12]}… expected, {hashlib.sha256(mutated).hexdigest()[:12]}… rendered)",
    ]
    if rel.startswith(golden.HASH_ONLY):
        assert lines[3:] == [HASH_NOTE.format(rel)]
        return
    old_line = next(line for line in original.decode().splitlines() if before.decode() in line)
    assert lines[3:5] == [f"  --- expected/{rel}", f"  +++ rendered/{rel}"]
    assert [line for line in lines[5:] if line.startswith(("  -", "  +"))] == [
        f"  -{old_line}",
        f"  +{old_line.replace(before.decode(), after.decode(), 1)}",
    ]


def sums_edit(expected: Path, drop: tuple[str, ...] = (), put: dict[str, str] | None = None) -> None:
    """Edit expected/SHA256SUMS by hand (the test's own parser, not golden.read_sums)."""
    entries = dict(line.split("  ")[::-1] for line in (expected / "SHA256SUMS").read_text().splitlines())
    entries = {rel: digest for rel, digest in {**entries, **(put or {})}.items() if rel not in drop}
    (expected / "SHA256SUMS").write_text("".join(f"{d}  {r}\n" for r, d in sorted(entries.items())))


def mutate(files: dict[str, bytes], expected: Path, mutation: str) -> None:
    if mutation == "render adds a file":
        files["prometheus/rules/new.rules.yml"] = b"groups: []\n"
    elif mutation == "render drops a file":
        del files["docs/signals.md"]
    elif mutation == "stray file":
        (expected / "notes.txt").write_text("left over\n")
    elif mutation == "copy deleted":
        (expected / "docs" / "signals.md").unlink()
    elif mutation == "copy edited":
        (expected / "compose" / "docker-compose.yml").write_text("edited by hand\n")
    else:
        assert mutation == "no SHA256SUMS"
        (expected / "SHA256SUMS").unlink()


# A mutation of the rendered files or of expected/ -> the exact problems compare() reports
OTHER_DIFFERENCES = {
    "a file the render adds": ("render adds a file", "added: prometheus/rules/new.rules.yml (rendered, not in SHA256SUMS)"),
    "a file the render no longer writes": ("render drops a file", "missing: docs/signals.md (in SHA256SUMS, not rendered)"),
    "a stray file in expected/": ("stray file", "stray: expected/notes.txt is not a copy of a file in SHA256SUMS"),
    "a copy deleted from expected/": ("copy deleted", "missing copy: expected/docs/signals.md (listed in SHA256SUMS)"),
    "a copy edited by hand": ("copy edited", "edited: expected/compose/docker-compose.yml does not match its sha256 in SHA256SUMS"),
    "no SHA256SUMS": ("no SHA256SUMS", "{expected}/SHA256SUMS is missing"),
}


@pytest.mark.parametrize(("mutation", "problem"), OTHER_DIFFERENCES.values(), ids=OTHER_DIFFERENCES.keys())
def test_compare_reports_added_missing_and_edited_files_and_writes_nothing(
    minimal_tree: Path, tmp_path: Path, mutation: str, problem: str
) -> None:
    expected = tmp_path / "expected"
    shutil.copytree(MINIMAL / "expected", expected)
    files = golden.tree(minimal_tree)
    mutate(files, expected, mutation)
    before = golden.tree(expected)
    assert golden.compare(expected, files) == [problem.format(expected=expected)]
    assert golden.tree(expected) == before


def stale_case(tmp_path: Path) -> Path:
    """A copy of the minimal case whose expected/ an older generator wrote, then someone edited."""
    case = tmp_path / "cases" / "minimal"
    shutil.copytree(MINIMAL, case)
    expected = case / "expected"
    (expected / "prometheus" / "rules" / "shop.rules.yml").write_text("old rules\n")
    (expected / "prometheus" / "rules" / "gone.rules.yml").write_text("groups: []\n")
    sums_edit(
        expected,
        drop=("docs/signals.md",),
        put={
            "prometheus/rules/shop.rules.yml": hashlib.sha256(b"old rules\n").hexdigest(),
            "prometheus/rules/gone.rules.yml": hashlib.sha256(b"groups: []\n").hexdigest(),
            "grafana/dashboards/Services/service-health.json": "0" * 64,
        },
    )
    (expected / "docs" / "signals.md").unlink()
    (expected / "compose" / "docker-compose.yml").write_text("edited by hand\n")
    (expected / "stray").mkdir()
    (expected / "stray" / "notes.txt").write_text("left over\n")
    return case


def test_update_writes_and_reports_without_comparing(
    minimal_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = stale_case(tmp_path)
    monkeypatch.setattr(golden, "CASES", case.parent)
    compare = golden.compare

    def no_compare(*_: object) -> list[str]:
        raise AssertionError("update mode must not compare")

    monkeypatch.setattr(golden, "compare", no_compare)
    rendered = golden.tree(minimal_tree)
    assert update_golden.main(["minimal", "--skip-validation"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"tests/cases/minimal: 2 changed, 1 added, 1 removed, 2 repaired ({len(rendered)} rendered files)",
        "  removed prometheus/rules/gone.rules.yml",
        "  added docs/signals.md",
        "  changed grafana/dashboards/Services/service-health.json (hash only)",
        "  changed prometheus/rules/shop.rules.yml",
        "  deleted stray expected/stray/notes.txt",
        "  rewrote expected/compose/docker-compose.yml (it did not match SHA256SUMS)",
    ]
    expected = case / "expected"
    assert not (expected / "stray").exists() and not (expected / "prometheus" / "rules" / "gone.rules.yml").exists()
    assert compare(expected, rendered) == []
    assert golden.tree(expected) == golden.tree(MINIMAL / "expected")  # what the committed case holds
    assert update_golden.main(["minimal", "--skip-validation"]) == 0
    assert capsys.readouterr().out == f"tests/cases/minimal: unchanged ({len(rendered)} rendered files)\n"


def test_update_leaves_expected_alone_when_a_case_does_not_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "cases" / "broken"
    (case / "expected").mkdir(parents=True)
    (case / "expected" / "SHA256SUMS").write_text("kept\n")
    (case / "spec.yaml").write_text("version: 1\nservices: {web: {kind: nope}}\n")
    monkeypatch.setattr(golden, "CASES", case.parent)
    assert update_golden.main(["broken"]) == 1
    assert capsys.readouterr().err.startswith(f"{case / 'spec.yaml'}: render exited 1:\n")
    assert golden.tree(case / "expected") == {"SHA256SUMS": b"kept\n"}
    assert update_golden.main(["nope"]) == 2
    assert capsys.readouterr().err == "unknown case(s): nope (known: broken)\n"

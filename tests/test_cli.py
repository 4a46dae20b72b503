"""The CLI contract: exit codes, no traceback, nothing lost on error, stale files removed, same bytes twice."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from generators import cli
from generators.pipeline import parallel, render, writer
from tests.conftest import require_tool

GOOD = Path(__file__).parent / "fixtures" / "good.yaml"
# Most tests here are about the tree, not the validators: they skip the slow checks (promtool unit tests,
# amtool route tests; ~1.5 s per render of good.yaml). The default, full validation, has its own tests below.
QUICK = "--quick-validation"


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(out), QUICK]) == cli.EXIT_OK
    return out


def test_render_writes_the_expected_tree(rendered: Path) -> None:
    files = set(writer.previous(rendered))
    assert {
        "prometheus/prometheus.yml",
        "prometheus/rules/api.rules.yml",
        "prometheus/rules/cache.rules.yml",
        "prometheus/tests/api.test.yml",
        "docs/runbooks/ApiHighErrorRate.md",
        "docs/runbooks/CacheLowCacheHitRatio.md",
    } <= files
    assert all((rendered / f).is_file() for f in files)
    assert (rendered / writer.MANIFEST).read_text().splitlines() == sorted(files)


def test_same_spec_gives_the_same_bytes(rendered: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(again), QUICK]) == cli.EXIT_OK
    assert tree_digest(rendered) == tree_digest(again)


def test_invalid_spec_exits_1_and_keeps_previous_output(rendered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(rendered)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.read_text().replace('"> 5% for 5m"', '"> 5 percent for 5m"'))
    assert cli.main(["render", "--spec", str(bad), "--out", str(rendered)]) == cli.EXIT_SPEC
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == f"1 problem(s) in {bad}; nothing was written"
    assert tree_digest(rendered) == before


def test_validator_failure_exits_3_and_keeps_previous_output(
    rendered: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from generators.validate import suite as validate

    before = tree_digest(rendered)
    monkeypatch.setattr(validate, "VALIDATORS", [lambda root, full, toolset: ["promtool check config:\nbroken on purpose"]])
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(rendered)]) == cli.EXIT_TOOL
    assert "broken on purpose" in capsys.readouterr().err
    assert tree_digest(rendered) == before
    assert not list(rendered.glob(".render-*")), "the scratch folder must be cleaned up"


def test_render_runs_the_generated_unit_tests_before_the_swap(rendered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A custom alert whose user-written test series cannot fire: its generated test fails, so render exits 3."""
    require_tool("promtool")
    before = tree_digest(rendered)
    bad = tmp_path / "bad.yaml"
    anchor = '    description: "Quota at {{ $value | humanizePercentage }}"\n'
    assert GOOD.read_text().count(anchor) == 1
    series = "    test: {series: [{labels: 'quota_ratio{job=\"api\"}', value: '0.1'}]}\n"  # stays below 90%
    bad.write_text(GOOD.read_text().replace(anchor, anchor + series))
    assert cli.main(["render", "--spec", str(bad), "--out", str(rendered)]) == cli.EXIT_TOOL
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "promtool test rules:" in err
    assert "alertname: QuotaHigh" in err
    # the failure points back to the spec line of the custom alert whose generated test failed
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if text == "  - name: QuotaHigh")
    assert f"{bad}:{line}:5: custom[0]: produced what failed validation:" in err.splitlines(), err
    assert err.splitlines()[-1] == "the rendered output failed validation; the previous output is unchanged"
    assert tree_digest(rendered) == before
    assert not list(rendered.glob(".render-*")), "the scratch folder must be cleaned up"
    # The same spec with the quick checks only renders: what failed above is the unit test, nothing else.
    assert cli.main(["render", "--spec", str(bad), "--out", str(tmp_path / "quick"), QUICK]) == cli.EXIT_OK


def test_render_validates_fully_by_default(rendered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generators.validate import suite as validate

    seen = rendered.parent / "seen.txt"  # the validators run in worker processes: they say what they saw in a file

    def validator(root: Path, full: bool, toolset: str) -> list[str]:
        with seen.open("a") as out:
            out.write(f"{full} {toolset}\n")
        return []

    monkeypatch.setattr(validate, "VALIDATORS", [validator])
    runs = []
    for flags in ([], [QUICK], ["--skip-validation"]):
        seen.write_text("")
        assert cli.main(["render", "--spec", str(GOOD), "--out", str(rendered), *flags]) == cli.EXIT_OK
        runs.append(sorted(seen.read_text().splitlines()))
    assert runs == [["True current", "True stable"], ["False current", "False stable"], []]  # every validator on both sets


def test_stale_generated_files_are_removed_and_others_kept(rendered: Path, tmp_path: Path) -> None:
    (rendered / "notes.txt").write_text("mine")
    smaller = tmp_path / "smaller.yaml"
    text = GOOD.read_text()
    start = text.index("  cache:\n")
    end = text.index("custom:\n")
    smaller.write_text(text[:start] + text[end:])
    assert cli.main(["render", "--spec", str(smaller), "--out", str(rendered), QUICK]) == cli.EXIT_OK
    assert not (rendered / "prometheus/rules/cache.rules.yml").exists()
    assert not (rendered / "docs/runbooks/CacheLowCacheHitRatio.md").exists()
    assert (rendered / "notes.txt").read_text() == "mine"


def test_usage_error_exits_2() -> None:
    assert cli.main(["frobnicate"]) == cli.EXIT_USAGE


USAGE_CASES = [
    (
        "render --out at an existing file",
        ["render", "--spec", str(GOOD), "--out", "{tmp}/file"],
        "python -m generators render: --out {tmp}/file: is a file, not a folder; give the output folder (e.g. --out .)",
    ),
    (
        "render --out below an existing file",
        ["render", "--spec", str(GOOD), "--out", "{tmp}/file/out"],
        "python -m generators render: --out {tmp}/file/out: {tmp}/file is a file, not a folder; give the output folder (e.g. --out .)",
    ),
    (
        "check --out at an existing file",
        ["check", "--spec", str(GOOD), "--out", "{tmp}/file"],
        "python -m generators check: --out {tmp}/file: is a file, not a folder; give the output folder (e.g. --out .)",
    ),
    (
        "schema --out in a folder that does not exist",
        ["schema", "--out", "{tmp}/nonexistent/dir/x.json"],
        "python -m generators schema: --out {tmp}/nonexistent/dir/x.json: cannot write the schema: No such file or directory (the folder {tmp}/nonexistent/dir must exist)",
    ),
    (
        "schema --out at a folder",
        ["schema", "--out", "{tmp}"],
        "python -m generators schema: --out {tmp}: cannot write the schema: Is a directory",
    ),
]


@pytest.mark.parametrize(("argv", "expected"), [c[1:] for c in USAGE_CASES], ids=[c[0] for c in USAGE_CASES])
def test_bad_out_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    (tmp_path / "file").write_text("mine")
    assert cli.main([arg.format(tmp=tmp_path) for arg in argv]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.splitlines() == [expected.format(tmp=tmp_path)]
    assert (tmp_path / "file").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"], "nothing was written"


def test_check_detects_a_hand_edit(rendered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = rendered / "prometheus/rules/api.rules.yml"
    rules.write_text(rules.read_text().replace("> 0.05", "> 0.5"))
    code = cli.main(["check", "--spec", str(GOOD), "--out", str(rendered)])
    assert code in (cli.EXIT_DRIFT, cli.EXIT_TOOL)
    assert "prometheus/rules/api.rules.yml: differs from a fresh render (run make render)" in capsys.readouterr().err


def test_check_detects_a_missing_file(rendered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (rendered / "docs/runbooks/ApiHighErrorRate.md").unlink()
    assert cli.main(["check", "--spec", str(GOOD), "--out", str(rendered)]) in (cli.EXIT_DRIFT, cli.EXIT_TOOL)
    assert "docs/runbooks/ApiHighErrorRate.md: missing (run make render)" in capsys.readouterr().err


def test_generated_files_say_so(rendered: Path) -> None:
    for rel in ("prometheus/prometheus.yml", "prometheus/rules/api.rules.yml", "prometheus/tests/api.test.yml"):
        assert (rendered / rel).read_text().startswith("# Generated by `make render` from monitoring.yaml. Do not edit")
    assert (rendered / "docs/runbooks/ApiHighErrorRate.md").read_text().startswith("<!-- Generated by `make render`")


def test_scratch_folder_is_removed_after_success(rendered: Path) -> None:
    assert not list(rendered.glob(".render-*"))
    shutil.rmtree(rendered)


def test_a_series_template_failing_at_render_time_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The build-time check renders each series once; a branch it did not take still fails as a spec error."""
    bad = tmp_path / "bad.yaml"
    series = "{% if v > 0.95 %}{{ nope }}{% else %}{{ v }}{% endif %}"
    bad.write_text(GOOD.read_text() + f'    test: {{series: [{{labels: \'quota_ratio{{job="api"}}\', value: "{series}"}}]}}\n')
    assert cli.main(["render", "--spec", str(bad), "--out", str(tmp_path / "out"), QUICK]) == cli.EXIT_SPEC
    assert capsys.readouterr().err.splitlines() == [
        "custom[0].test.series: template error: 'nope' is undefined (while generating the unit tests)",
        f"1 problem(s) in {bad}; nothing was written",
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            parallel.WorkerDied("the render worker process ended without a result (killed by signal 9; out of memory?)"),
            "python -m generators render: the render worker process ended without a result (killed by signal 9; "
            "out of memory?); the previous output is unchanged",
        ),
        (
            OSError(12, "Cannot allocate memory"),
            "python -m generators render: Cannot allocate memory; the previous output is unchanged",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "/usr/bin/promtool"),
            "python -m generators render: No such file or directory: /usr/bin/promtool; the previous output is unchanged",
        ),
    ],
    ids=["a worker killed", "no memory to fork", "a tool that cannot be started"],
)
def test_a_machine_failure_is_one_line_and_exit_3(
    rendered: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: Exception, expected: str
) -> None:
    before = tree_digest(rendered)

    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(render, "documents", failing)
    capsys.readouterr()
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(rendered)]) == cli.EXIT_TOOL
    assert capsys.readouterr().err.splitlines() == [expected]
    assert tree_digest(rendered) == before


def test_a_mapper_that_fails_on_a_valid_spec_is_a_bug_exit_70_not_a_dropped_service(
    rendered: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kind whose catalog record lacks a table used to drop the service silently (exit 0, alerts gone)."""
    from generators.model import build_model

    before = tree_digest(rendered)
    original = build_model.Builder.service

    def incomplete_kind(self: build_model.Builder, path: object, raw: object, name: str, kind: str, stack: object) -> object:
        if name == "cache":
            raise KeyError("signals")  # what a catalog record without its signal table raises
        return original(self, path, raw, name, kind, stack)  # type: ignore[arg-type]

    monkeypatch.setattr(build_model.Builder, "service", incomplete_kind)
    capsys.readouterr()
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(rendered), QUICK]) == cli.EXIT_BUG
    assert capsys.readouterr().err.splitlines() == [
        f"python -m generators render: internal error, a bug in the generators (not in {GOOD}): KeyError: 'signals'; "
        "the previous output is unchanged; rerun with --debug for the traceback"
    ]
    assert tree_digest(rendered) == before
    with pytest.raises(KeyError, match="signals"):
        cli.main(["render", "--spec", str(GOOD), "--out", str(rendered), QUICK, "--debug"])
    assert tree_digest(rendered) == before


# -- nothing outside --out ---------------------------------------------------------------------------
# The manifest is data in the output folder: a pull request can plant lines in it. A render must validate
# every line before it removes anything, and refuse folders it does not own.
PLANTED = [
    ("a parent path", "../victim.txt", "leaves the folder through '..'"),
    ("an absolute path", "{tmp}/victim.txt", "is an absolute path"),
    ("a path that climbs out midway", "prometheus/../../victim.txt", "leaves the folder through '..'"),
    ("a path with an empty part", "prometheus//prometheus.yml", "is not a plain relative path (empty or '.' parts)"),
]


@pytest.mark.parametrize(("line", "why"), [c[1:] for c in PLANTED], ids=[c[0] for c in PLANTED])
def test_a_planted_manifest_line_removes_nothing(
    rendered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, why: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    manifest = rendered / writer.MANIFEST
    number = len(manifest.read_text().splitlines()) + 1
    line = line.format(tmp=tmp_path)
    manifest.write_text(manifest.read_text() + line + "\n")
    shown = repr(line) if len(line) <= 80 else repr(line[:77]) + "..."  # the message shows 77 characters of a long line
    before = tree_digest(rendered)
    capsys.readouterr()
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(rendered), QUICK]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"python -m generators render: --out {rendered}: {manifest}:{number}: {shown} {why}; nothing was written or removed. "
        ".generated-files lists what earlier renders wrote: remove that line (or the file) if no render of yours put it there"
    )
    assert victim.read_text() == "keep me"
    assert tree_digest(rendered) == before


def test_a_symlinked_output_folder_is_not_written_through(rendered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "api.rules.yml").write_text("not yours")
    shutil.rmtree(rendered / "prometheus" / "rules")
    (rendered / "prometheus" / "rules").symlink_to(elsewhere)
    capsys.readouterr()
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(rendered), QUICK]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.splitlines()[-1]
    assert f"goes through a symlink to {elsewhere}, outside the output folder; nothing was written or removed" in err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["api.rules.yml"]
    assert (elsewhere / "api.rules.yml").read_text() == "not yours"


REFUSED_OUT = [
    ("the filesystem root", "/", "refusing to render into the filesystem root; give a folder of its own (e.g. --out monitoring)"),
    (
        "the home folder",
        "{home}",
        "refusing to render into the home folder or a folder above it; give a folder of its own (e.g. --out ~/monitoring)",
    ),
    (
        "a folder above the home folder",
        "{tmp}",
        "refusing to render into the home folder or a folder above it; give a folder of its own (e.g. --out ~/monitoring)",
    ),
    (
        "a non-empty folder that holds no earlier render",
        "{tmp}/project",
        "the folder is not empty and holds no earlier render (no .generated-files); render into a new or empty folder, "
        "or add --force to write beside what is there (files of the same names are replaced)",
    ),
]


@pytest.mark.parametrize(("out", "why"), [c[1:] for c in REFUSED_OUT], ids=[c[0] for c in REFUSED_OUT])
def test_render_refuses_folders_it_does_not_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], out: str, why: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("mine")
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "main.py").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    before = tree_digest(tmp_path)
    target = out.format(tmp=tmp_path, home=home)
    assert cli.main(["render", "--spec", str(GOOD), "--out", target, QUICK]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.splitlines() == [f"python -m generators render: --out {target}: {why}"]
    assert tree_digest(tmp_path) == before


def test_force_renders_beside_other_files_and_an_empty_folder_needs_none(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text("mine")
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(project), "--skip-validation", "--force"]) == cli.EXIT_OK
    assert (project / "main.py").read_text() == "mine"
    assert (project / writer.MANIFEST).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(empty), "--skip-validation"]) == cli.EXIT_OK

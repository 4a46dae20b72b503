"""Only changed files are written: unchanged ones keep their inode, the validators still see the whole tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generators import cli
from generators.pipeline import render, spec, writer

GOOD = Path(__file__).parents[1] / "fixtures" / "good.yaml"
THRESHOLD = '"> 5% for 5m"'  # good.yaml's api error-rate threshold: changing it changes a handful of files


def specs(tmp_path: Path) -> tuple[Path, str]:
    """A copy of good.yaml and its text with the threshold changed (same file name: runbooks name the spec)."""
    path = tmp_path / "spec" / "monitoring.yaml"
    path.parent.mkdir()
    path.write_text(GOOD.read_text())
    changed = GOOD.read_text().replace(THRESHOLD, '"> 6% for 5m"', 1)
    assert changed != GOOD.read_text()
    return path, changed


def inodes(root: Path) -> dict[str, tuple[int, int]]:
    return {rel: (os.stat(root / rel).st_ino, os.stat(root / rel).st_nlink) for rel in writer.previous(root)}


def test_unchanged_is_exactly_the_regular_files_holding_these_bytes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "d").mkdir(parents=True)
    (out / "same").write_bytes(b"same")
    (out / "resized").write_bytes(b"longer")
    (out / "edited").write_bytes(b"old!")  # same size, other bytes
    (tmp_path / "elsewhere").write_bytes(b"link")
    (out / "d" / "symlink").symlink_to(tmp_path / "elsewhere")  # equal bytes, but not a regular file of out
    (out / "folder").mkdir()
    files = {"same": b"same", "resized": b"short", "edited": b"new!", "missing": b"x", "d/symlink": b"link", "folder": b"f"}
    assert writer.unchanged(out, files) == {"same"}


def test_a_rerender_replaces_exactly_the_changed_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    changed_spec, changed = specs(tmp_path)
    assert cli.main(["render", "--spec", str(changed_spec), "--out", str(out), "--quick-validation"]) == cli.EXIT_OK
    before = inodes(out)
    changed_spec.write_text(changed)
    old = {rel: (out / rel).read_bytes() for rel in before}
    assert cli.main(["render", "--spec", str(changed_spec), "--out", str(out), "--quick-validation"]) == cli.EXIT_OK
    files = render.documents(spec.load(changed_spec)[0])
    after = inodes(out)
    assert set(after) == set(files) - {writer.MANIFEST}
    assert all((out / rel).read_bytes() == data for rel, data in files.items()), "every file holds the new render's bytes"
    differing = {rel for rel in after if old.get(rel) != files[rel]}
    assert "prometheus/rules/api.rules.yml" in differing
    assert len(differing) < len(after) / 4, "a threshold change touches a few files, not the tree"
    assert {rel for rel in after if rel in before and after[rel][0] != before[rel][0]} == differing & set(before)
    assert {nlink for _, nlink in after.values()} == {1}, "no hard link of the scratch tree outlives the render"
    assert not list(out.glob(".render-*"))


def test_validators_see_the_whole_tree_with_unchanged_files_linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    changed_spec, changed = specs(tmp_path)
    assert cli.main(["render", "--spec", str(changed_spec), "--out", str(out), "--skip-validation"]) == cli.EXIT_OK
    changed_spec.write_text(changed)
    before = {rel: (out / rel).read_bytes() for rel in writer.previous(out)}
    seen: dict[str, bool] = {}

    def look(root: Path, strict: bool, log: object, full: bool = False) -> None:
        for rel in writer.previous(root):  # the scratch tree carries the new manifest
            seen[rel] = os.stat(root / rel).st_ino == os.stat(out / rel).st_ino if (out / rel).exists() else False
        raise render.ValidationFailed(["broken on purpose"])

    monkeypatch.setattr(render, "validate_tree", look)
    assert cli.main(["render", "--spec", str(changed_spec), "--out", str(out)]) == cli.EXIT_TOOL
    files = render.documents(spec.load(changed_spec)[0])
    assert set(seen) == set(files) - {writer.MANIFEST}
    assert {rel for rel, linked in seen.items() if linked} == {rel for rel in seen if before.get(rel) == files[rel]}
    assert seen["prometheus/rules/api.rules.yml"] is False
    assert {rel: (out / rel).read_bytes() for rel in writer.previous(out)} == before, "a failed validation changes nothing"
    assert {nlink for _, nlink in inodes(out).values()} == {1}
    assert not list(out.glob(".render-*"))

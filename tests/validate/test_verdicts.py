"""validate.verdicts: what the key of a tree covers, and a pass that no longer holds once a tool changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.pipeline import writer
from generators.validate import verdicts

NAMES = ["generators.validate.suite.prometheus"]


def tree(root: Path) -> Path:
    writer.write_tree(root, writer.with_manifest({"prometheus/rules/a.yml": b"groups: []\n", "grafana/x.json": b"{}\n"}))
    (root / "notes.txt").write_text("not rendered")
    return root


def test_the_key_covers_the_rendered_folders_the_level_and_the_validators(tmp_path: Path) -> None:
    root = tree(tmp_path / "out")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "s.json").write_text("{}")
    base = verdicts.key(root, True, NAMES, [schemas])
    assert base is not None and base == verdicts.key(root, True, NAMES, [schemas])
    (root / "notes.txt").write_text("edited, but no validator reads it")
    assert verdicts.key(root, True, NAMES, [schemas]) == base
    assert verdicts.key(root, False, NAMES, [schemas]) != base
    assert verdicts.key(root, True, [*NAMES, "generators.validate.suite.compose"], [schemas]) != base
    (schemas / "s.json").write_text('{"type": "object"}')
    changed_schema = verdicts.key(root, True, NAMES, [schemas])
    assert changed_schema != base
    (root / "prometheus" / "rules" / "b.yml").write_text("groups: []\n")  # a stale file a validator's glob reads
    assert verdicts.key(root, True, NAMES, [schemas]) != changed_schema


def test_no_key_without_a_manifest(tmp_path: Path) -> None:
    root = tree(tmp_path / "out")
    (root / writer.MANIFEST).unlink()
    assert verdicts.key(root, True, NAMES) is None


def test_a_pass_holds_while_the_tools_it_ran_stay_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "sometool"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    record = verdicts.Record(tmp_path / "cache")
    record.add("k1", "what it printed\n", ["sometool"])
    assert verdicts.Record(tmp_path / "cache").passed("k1") == "what it printed\n"
    assert verdicts.Record(tmp_path / "cache").passed("k2") is None
    tool.write_text("#!/bin/sh\n# upgraded\nexit 0\n")
    assert verdicts.Record(tmp_path / "cache").passed("k1") is None
    (tmp_path / "cache" / verdicts.FILE).write_text("not json")
    assert verdicts.Record(tmp_path / "cache").passed("k1") is None  # a corrupt record is dropped, never an error


def test_the_record_keeps_the_newest_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verdicts, "MAX_ENTRIES", 2)
    record = verdicts.Record(tmp_path)
    for k in ("a", "b", "c"):
        record.add(k, k, [])
    again = verdicts.Record(tmp_path)
    assert [again.passed(k) for k in ("a", "b", "c")] == [None, "b", "c"]


def test_two_records_written_at_the_same_time_keep_each_others_entries(tmp_path: Path) -> None:
    first, second = verdicts.Record(tmp_path), verdicts.Record(tmp_path)  # both loaded before either adds
    first.add("a", "log a", [])
    second.add("b", "log b", [])
    again = verdicts.Record(tmp_path)
    assert (again.passed("a"), again.passed("b")) == ("log a", "log b")

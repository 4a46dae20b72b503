"""Golden cases, tests/cases/<name>/: render a case's spec.yaml, then either write or compare its expected/.

expected/SHA256SUMS lists every rendered file with its sha256 (the format of `sha256sum`); expected/<path>
holds a copy of every rendered file except the dashboards (HASH_ONLY: large JSON, checked by hash only), so
that a change shows as a unified diff. The two modes never mix:

- write() (python -m tests.update_golden) makes expected/ match a fresh render and reports what changed;
  it compares nothing and asserts nothing.
- compare() (tests/test_golden.py) reads expected/ and returns every difference; it writes nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import tempfile
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from generators import cli

CASES = Path(__file__).resolve().parent / "cases"
SUMS = "SHA256SUMS"
HASH_ONLY = ("grafana/dashboards/", "kubernetes/grafana/dashboards/")  # up to ~100 KB of JSON each
UPDATE = "python -m tests.update_golden"
DIFF_LINES = 60  # per file; the rest is counted, not shown


class RenderFailed(Exception):
    pass


def names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "spec.yaml").is_file())


def render(spec: Path, validation: str = "--skip-validation") -> dict[str, bytes]:
    """Every file a render of spec writes, by relative path, rendered in-process into a temporary folder.

    validation is the CLI flag: --skip-validation (the bytes do not depend on it) or --quick-validation.
    """
    log = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        out = Path(tmp) / "out"
        with redirect_stdout(log), redirect_stderr(log):
            code = cli.main(["render", "--spec", str(spec), "--out", str(out), validation])
        if code != cli.EXIT_OK:
            raise RenderFailed(f"{spec}: render exited {code}:\n{log.getvalue()}")
        return tree(out)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copied(rel: str) -> bool:
    return not rel.startswith(HASH_ONLY)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sums_text(files: Mapping[str, bytes]) -> str:
    return "".join(f"{sha256(data)}  {rel}\n" for rel, data in sorted(files.items()))


def read_sums(expected: Path) -> dict[str, str]:
    sums = {}
    for line in (expected / SUMS).read_text().splitlines():
        digest, _, rel = line.partition("  ")
        sums[rel] = digest
    return sums


def expected_tree(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """What expected/ holds for a render: SHA256SUMS plus a copy of each file that is not HASH_ONLY."""
    return {SUMS: sums_text(files).encode(), **{rel: data for rel, data in sorted(files.items()) if copied(rel)}}


# -- update mode -------------------------------------------------------------------------------------


def write(expected: Path, files: Mapping[str, bytes]) -> list[str]:
    """Make expected/ hold exactly expected_tree(files). Returns the rendered files that changed against the
    previous SHA256SUMS ('added', 'changed', 'removed' + path), then any other file of expected/ that had
    to be rewritten or deleted (a copy edited by hand, a stray file)."""
    old_sums = read_sums(expected) if (expected / SUMS).is_file() else {}
    removed = sorted(old_sums.keys() - files.keys())
    added = sorted(files.keys() - old_sums.keys())
    changed = sorted(rel for rel in files.keys() & old_sums.keys() if old_sums[rel] != sha256(files[rel]))
    report = [f"removed {rel}" for rel in removed] + [f"added {rel}" for rel in added]
    report += [f"changed {rel}" + ("" if copied(rel) else " (hash only)") for rel in changed]
    explained = {SUMS, *removed, *added, *changed}
    want = expected_tree(files)
    have = tree(expected) if expected.is_dir() else {}
    for rel in sorted(have.keys() - want.keys()):
        (expected / rel).unlink()
        _prune(expected, (expected / rel).parent)
        if rel not in explained:
            report.append(f"deleted stray expected/{rel}")
    for rel, data in want.items():
        if have.get(rel) != data:
            (expected / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected / rel).write_bytes(data)
            if rel not in explained:
                report.append(f"rewrote expected/{rel} (it did not match {SUMS})")
    return report


def _prune(root: Path, folder: Path) -> None:
    while folder != root and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


# -- compare mode ------------------------------------------------------------------------------------


def compare(expected: Path, files: Mapping[str, bytes]) -> list[str]:
    """Every way the rendered files differ from expected/ (empty when they match). Writes nothing."""
    if not (expected / SUMS).is_file():
        return [f"{expected / SUMS} is missing"]
    sums = read_sums(expected)
    copies = {rel: data for rel, data in tree(expected).items() if rel != SUMS}
    problems = [f"added: {rel} (rendered, not in {SUMS})" for rel in sorted(files.keys() - sums.keys())]
    problems += [f"missing: {rel} (in {SUMS}, not rendered)" for rel in sorted(sums.keys() - files.keys())]
    for rel in sorted(files.keys() & sums.keys()):
        digest = sha256(files[rel])
        if digest != sums[rel]:
            problems.append(f"changed: {rel} (sha256 {sums[rel][:12]}… expected, {digest[:12]}… rendered)")
            problems.extend(_diff(rel, copies.get(rel), files[rel]))
    for rel in sorted(copies.keys() - {r for r in sums if copied(r)}):
        problems.append(f"stray: expected/{rel} is not a copy of a file in {SUMS}")
    for rel in sorted(r for r in sums.keys() - copies.keys() if copied(r)):
        problems.append(f"missing copy: expected/{rel} (listed in {SUMS})")
    for rel in sorted(copies.keys() & sums.keys()):
        if sha256(copies[rel]) != sums[rel]:
            problems.append(f"edited: expected/{rel} does not match its sha256 in {SUMS}")
    return problems


def _diff(rel: str, old: bytes | None, new: bytes) -> list[str]:
    if old is None:
        return [
            f"  (hash only: expected/ keeps no copy of {rel}; `make render && git diff grafana/` shows such a change on monitoring.yaml)"
        ]
    try:
        before, after = old.decode(), new.decode()
    except UnicodeDecodeError:
        return [f"  (binary: {len(old)} bytes expected, {len(new)} rendered)"]
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"expected/{rel}", f"rendered/{rel}", lineterm=""))
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"… {len(lines) - DIFF_LINES} more diff lines"]
    return [f"  {line}" for line in lines]


def failure(case: str, problems: list[str]) -> str:
    count = sum(not line.startswith("  ") for line in problems)  # diff lines are indented under their file
    head = (
        f"golden case {case}: {count} difference(s) from tests/cases/{case}/expected/.\n"
        f"If the change is intended: `{UPDATE} {case}`, then read `git diff tests/cases/{case}` before committing."
    )
    return "\n".join([head, *problems])

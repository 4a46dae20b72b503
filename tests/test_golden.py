"""Golden cases: tests/cases/<name>/spec.yaml renders exactly the files under tests/cases/<name>/expected/.

Regenerate after an intended change with `UPDATE_GOLDEN=1 make test` (or pytest tests/test_golden.py),
then read the diff before committing it. Compared: prometheus/ (what the catalog and the spec decide:
scrape config, rules, their unit tests), the Alertmanager config and its route tests (where the spec's
routing sends each alert) and docs/runbooks/ (thresholds, receivers and escalations as on-call reads them).
Dashboards, compose and kubernetes/ have their own tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generators import cli

CASES = Path(__file__).parent / "cases"
COMPARED = ("prometheus", "alertmanager/alertmanager.yml", "alertmanager/tests/routes.yml", "docs/runbooks")


def compared(root: Path) -> dict[str, bytes]:
    """The compared files under root by relative path; a compared file or folder that is missing fails."""
    files: dict[str, bytes] = {}
    for part in COMPARED:
        path = root / part
        assert path.exists(), f"{path} is missing"
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files.update({str(p.relative_to(root)): p.read_bytes() for p in found})
    return files


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "spec.yaml").is_file()))
def test_golden(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    quick = "--quick-validation"  # the generated files are what is compared; validators have their own tests
    assert cli.main(["render", "--spec", str(CASES / case / "spec.yaml"), "--out", str(out), quick]) == cli.EXIT_OK
    expected = CASES / case / "expected"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(expected, ignore_errors=True)
        for part in COMPARED:
            (expected / part).parent.mkdir(parents=True, exist_ok=True)
            copy = shutil.copytree if (out / part).is_dir() else shutil.copyfile
            copy(out / part, expected / part)
    actual, wanted = compared(out), compared(expected)
    assert sorted(actual) == sorted(wanted), "files added or removed (UPDATE_GOLDEN=1 regenerates them)"
    for name, data in actual.items():
        assert data.decode() == wanted[name].decode(), f"{name} differs (UPDATE_GOLDEN=1 regenerates it)"

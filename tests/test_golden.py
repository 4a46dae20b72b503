"""Golden cases: tests/cases/<name>/spec.yaml renders exactly tests/cases/<name>/expected/prometheus/.

Regenerate after an intended change with `UPDATE_GOLDEN=1 make test` (or pytest tests/test_golden.py),
then read the diff before committing it. Only prometheus/ is compared: it is what the catalog and the
spec decide; the other outputs have their own tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generators import cli

CASES = Path(__file__).parent / "cases"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if (p / "spec.yaml").is_file()))
def test_golden(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    quick = "--quick-validation"  # the generated files are what is compared; validators have their own tests
    assert cli.main(["render", "--spec", str(CASES / case / "spec.yaml"), "--out", str(out), quick]) == cli.EXIT_OK
    expected = CASES / case / "expected" / "prometheus"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out / "prometheus", expected)
    assert tree(out / "prometheus") == tree(expected)

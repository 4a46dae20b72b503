"""A clone without ../shared/: the schema checks are skipped with one line; under CI=true they stay mandatory.

(docs/versions.md: a clone from a forge has no Grafana JSON Schema or prometheus-operator CRDs beside it.)
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators.pipeline import render, spec, writer
from generators.validate import grafana_checks, scaling_validate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render.documents(spec.load(ROOT / "monitoring.yaml")[0])


@pytest.fixture
def no_schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Both schema folders point at a folder that does not exist, as in a fresh clone."""
    nowhere = tmp_path / "nowhere"
    monkeypatch.setattr(grafana_checks, "SCHEMA_DIR", nowhere / "grafana-schema")
    monkeypatch.setattr(scaling_validate, "K8S_SCHEMA", nowhere / "k8s-schema")
    grafana_checks._validator.cache_clear()
    scaling_validate.spec_schema.cache_clear()
    yield nowhere
    grafana_checks._validator.cache_clear()
    scaling_validate.spec_schema.cache_clear()


def _tree(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """grafana/ and kubernetes/ (what the schemas judge) and the rule files they refer to (kept small: no promtool tests)."""
    root = tmp_path / "out"
    writer.write_tree(root, {k: v for k, v in files.items() if k.startswith(("grafana/", "kubernetes/", "prometheus/rules/"))})
    return root


SKIPPED = (
    "warning: skipped the schema checks (Grafana JSON Schema: not in {n}/grafana-schema, set GRAFANA_SCHEMA_DIR; "
    "prometheus-operator CRDs: not in {n}/k8s-schema, set K8S_SCHEMA_DIR; docs/versions.md#schemas says where to get them)"
)


@pytest.mark.parametrize("strict", [False, True], ids=["render", "check (outside CI)"])
def test_without_schemas_the_rest_runs_and_one_line_says_what_was_skipped(
    tmp_path: Path, files: dict[str, bytes], no_schemas: Path, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    monkeypatch.delenv("CI", raising=False)
    log = io.StringIO()
    render.validate_tree(_tree(tmp_path, files), strict=strict, log=log)
    assert log.getvalue().splitlines() == [SKIPPED.format(n=no_schemas)]


def test_under_ci_the_missing_schemas_fail_check(
    tmp_path: Path, files: dict[str, bytes], no_schemas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(render.ValidationFailed) as failed:
        render.validate_tree(_tree(tmp_path, files), strict=True, log=io.StringIO())
    assert failed.value.problems == [
        f"Grafana JSON Schema not found in {no_schemas}/grafana-schema (set GRAFANA_SCHEMA_DIR or put ../shared/ beside the project)",
        f"prometheus-operator CRDs not found in {no_schemas}/k8s-schema (set K8S_SCHEMA_DIR or put ../shared/ beside the project)",
    ]


def test_the_checks_that_need_no_schema_still_fail_a_bad_tree(
    tmp_path: Path, files: dict[str, bytes], no_schemas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    root = _tree(tmp_path, files)
    board = next((root / "grafana" / "dashboards").glob("*/*.json"))
    (board.parent / "copy.json").write_bytes(board.read_bytes())  # a second dashboard with the same uid
    with pytest.raises(render.ValidationFailed) as failed:
        render.validate_tree(root, strict=True, log=io.StringIO())
    assert any("is also used by" in p for p in failed.value.problems), failed.value.problems

"""Shared test helpers: locating the real tools (both version sets) and the shared schemas, with CI-strict skipping."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generators.validate import tools

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"
# Where each shared folder may be given instead (the validators read the same variables).
SCHEMA_VARIABLES = {"grafana-schema": "GRAFANA_SCHEMA_DIR", "k8s-schema": "K8S_SCHEMA_DIR"}
SCHEMA_SKIP = "reference schema missing"  # marks the skips the summary line counts


def require_tool(name: str) -> str:
    """Path of a validator binary; skip when absent, except under CI=true where absence fails."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install -y prometheus prometheus-alertmanager docker-compose)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_set_tool(name: str, toolset: str) -> str:
    """Path of `name` in a version set (catalog/versions.yaml); skip when absent, fail under CI=true."""
    try:
        return tools.which(name, toolset)
    except tools.ToolMissing as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def shared_path(relative: str) -> Path:
    """A file under ../shared, or under the folder its variable names (GRAFANA_SCHEMA_DIR, K8S_SCHEMA_DIR)."""
    folder, _, rest = relative.partition("/")
    explicit = os.environ.get(SCHEMA_VARIABLES.get(folder, ""))
    return Path(explicit) / rest if explicit else SHARED / relative


def require_shared(relative: str) -> Path:
    """A file under ../shared (Grafana/Kubernetes schemas); skip when absent, fail under CI=true."""
    path = shared_path(relative)
    if not path.exists():
        message = f"{SCHEMA_SKIP}: {path} (the shared reference schemas live beside the project)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for every test skipped for a missing schema, instead of one per test."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if SCHEMA_SKIP in str(getattr(r, "longrepr", ""))]
    if skipped:
        variables = " / ".join(SCHEMA_VARIABLES.values())
        terminalreporter.write_line(
            f"skipped {len(skipped)} schema tests: no ../shared/ beside the project ({variables} name the folders; "
            "docs/versions.md#schemas says where to get them)"
        )

"""Shared test helpers: locating the real tools and the shared schemas, with CI-strict skipping."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"


def require_tool(name: str) -> str:
    """Path of a validator binary; skip when absent, except under CI=true where absence fails."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install -y prometheus prometheus-alertmanager docker-compose)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_shared(relative: str) -> Path:
    """A file under ../shared (Grafana/Kubernetes schemas); skip when absent, fail under CI=true."""
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is missing (the shared reference schemas live beside the project)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path

"""Real products' alert tables (tests/products/<product>/): each spec was written from a product description
(the comment at its top), and each row of its table is checked by tests written by hand, not generated:
promtool runs `alerts.test.yml` against the rendered rules (fires past the threshold once `for` has passed,
pending before, silent just inside it) and amtool routes the row's labels to the channel type it names.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators import cli
from tests.conftest import require_tool

PRODUCTS = sorted(p for p in (Path(__file__).parent / "products").iterdir() if (p / "spec.yaml").is_file())


@pytest.fixture(scope="module", params=PRODUCTS, ids=[p.name for p in PRODUCTS])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    product: Path = request.param
    out = tmp_path_factory.mktemp(product.name)
    # full validation: promtool also runs the generated tests (exact annotation text) of every new kind here
    assert cli.main(["render", "--spec", str(product / "spec.yaml"), "--out", str(out)]) == 0
    return product, out


def test_every_row_fires_after_for_and_stays_silent_inside(rendered: tuple[Path, Path]) -> None:
    product, out = rendered
    promtool = require_tool("promtool")
    test_file = out / "prometheus" / "tests" / "product.test.yml"
    shutil.copy(product / "alerts.test.yml", test_file)
    result = subprocess.run([promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_row_is_tested_by_hand(rendered: tuple[Path, Path]) -> None:
    product, _ = rendered
    tests = (product / "alerts.test.yml").read_text()
    assert [r["alert"] for r in _table(product) if f'alertname="{r["alert"]}"' not in tests] == []


def _table(product: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = yaml.safe_load((product / "table.yaml").read_text())
    return rows


def _channel_types(config: dict[str, Any], receivers: list[str]) -> set[str]:
    by_name = {r["name"]: r for r in config["receivers"]}
    return {key.removesuffix("_configs") for name in receivers for key in by_name[name] if key.endswith("_configs")}


def test_every_row_reaches_its_channel_type(rendered: tuple[Path, Path]) -> None:
    product, out = rendered
    amtool = require_tool("amtool")
    config_file = out / "alertmanager" / "alertmanager.yml"
    config = yaml.safe_load(config_file.read_text())
    wrong = []
    for row in _table(product):
        labels = [f"{k}={row[k]}" for k in ("severity", "service", "team")] + [f"alertname={row['alert']}"]
        result = subprocess.run(
            [amtool, "config", "routes", "test", f"--config.file={config_file}", *labels], capture_output=True, text=True, timeout=60
        )
        receivers = [r.strip() for r in result.stdout.strip().split(",") if r.strip()]
        if row["channel"] not in _channel_types(config, receivers):
            wrong.append(f"{row['alert']}: {receivers} ({sorted(_channel_types(config, receivers))}), not {row['channel']}")
    assert wrong == []

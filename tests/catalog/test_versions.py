"""The version table (catalog/versions.yaml) against what runs: every compose image is a version the tests ran.

The binaries are asked for their version (--version); the table is the claim, the binaries are the judges.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators import catalog
from generators.catalog import versions
from generators.stack import fetch_tools
from generators.validate import tools
from tests.conftest import IN_CI, ROOT, require_set_tool

TABLE = versions.table()
UNTESTED = {str(v) for v in yaml.safe_load(catalog.IMAGES_FILE.read_text()).values()}  # catalog/images.yaml
COMPOSE = ROOT / "compose" / "docker-compose.yml"
# Debian's victoria-metrics build prints an empty --version (no build info linked in): the package and version
# `make tools` unpacked (its .complete record) are the judge instead, and the image tag must name that version.
SILENT = {"victoria-metrics"}


def _images(files: tuple[Path, ...] = (COMPOSE,)) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for file in files:
        services: dict[str, Any] = yaml.safe_load(file.read_text())["services"]
        out += [(name, str(s["image"])) for name, s in services.items() if "image" in s]
        out += [(name, str(s["build"]["args"]["PYTHON_IMAGE"])) for name, s in services.items() if "build" in s]
    return sorted(set(out), key=out.index)


# the golden cases' compose files too: profiles the example spec leaves off (long-term-store) pin images as well
EVERY_COMPOSE = (COMPOSE, *sorted(ROOT.glob("tests/cases/*/expected/compose/docker-compose.yml")))


def _component(image: str) -> versions.Component | None:
    name = image.rsplit(":", 1)[0]
    return next((c for c in TABLE.components.values() if c.image == name), None)


@pytest.mark.parametrize(("service", "image"), _images(EVERY_COMPOSE), ids=[f"{s}: {i}" for s, i in _images(EVERY_COMPOSE)])
def test_every_compose_image_is_a_version_the_tests_ran(service: str, image: str) -> None:
    component = _component(image)
    if component is None:
        assert image in UNTESTED, f"{service}: {image} is neither a component's image nor an untested image"
        return
    assert image == f"{component.image}:v{component.current}"
    for binary in component.binaries:
        path = require_set_tool(binary, tools.CURRENT)
        if component.name in SILENT:
            assert versions.reported_version(path) == "", f"{path} prints its version now: take {component.name} out of SILENT"
            package, debian = (versions.unpacked(component) / fetch_tools.COMPLETE).read_text().split()
            assert (package, fetch_tools.upstream(debian)) == (component.package, component.current)
            continue
        assert versions.reported_version(path) == component.current, f"{path} is not {component.name} {component.current}"


def test_the_images_no_test_runs_are_exactly_the_listed_ones() -> None:
    untested = {image for _, image in _images(EVERY_COMPOSE) if _component(image) is None}
    assert untested == UNTESTED


STABLE = [(c, b) for c in TABLE.components.values() if c.stable is not None for b in c.binaries]


@pytest.mark.parametrize(("component", "binary"), STABLE, ids=[f"{b} {c.stable}" for c, b in STABLE])
def test_the_stable_set_on_path_is_the_table_s_stable_version(component: versions.Component, binary: str) -> None:
    path = require_set_tool(binary, tools.STABLE)
    assert versions.reported_version(path) == component.stable, f"{path}: update `stable` of {component.name} in versions.yaml"


@pytest.mark.parametrize("component", TABLE.components.values(), ids=list(TABLE.components))
def test_each_unpacked_component_is_the_pinned_upstream_version(component: versions.Component) -> None:
    """What make tools recorded (the Debian package and version it unpacked): covers victoria-metrics, whose
    Debian build prints no version."""
    record = versions.unpacked(component) / fetch_tools.COMPLETE
    if not record.is_file():
        message = f"{component.name} {component.current} is not unpacked: run make tools"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    package, debian = record.read_text().split()
    assert (package, fetch_tools.upstream(debian)) == (component.package, component.current)


def test_each_set_s_binaries_are_found_where_the_set_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(versions.TOOLS_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(tools.ToolMissing) as missing:
        tools.which("amtool", tools.CURRENT)
    assert str(missing.value) == f"amtool {TABLE.owner('amtool').current} (current set) is not in {tmp_path}: run make tools"
    binary = tmp_path / f"alertmanager-{TABLE.owner('amtool').current}" / "usr" / "bin" / "amtool"
    binary.parent.mkdir(parents=True)
    shutil.copy(require_set_tool("amtool", tools.STABLE), binary)
    assert tools.which("amtool", tools.CURRENT) == str(binary)
    assert tools.which("amtool", tools.STABLE) == shutil.which("amtool")


def test_a_set_is_named_by_its_promtool_and_amtool() -> None:
    promtool, amtool = TABLE.owner("promtool"), TABLE.owner("amtool")
    assert tools.label(tools.CURRENT) == f"current set (promtool {promtool.current}, amtool {amtool.current})"
    assert tools.label(tools.STABLE) == f"stable set (promtool {promtool.stable}, amtool {amtool.stable})"


def test_the_table_in_docs_versions_md_is_the_table_of_versions_yaml() -> None:
    rows = [line.split("|")[1:-1] for line in (ROOT / "docs" / "versions.md").read_text().splitlines() if line.startswith("| ")]
    documented = {cells[0].strip().split(" ")[0]: [c.strip() for c in cells[1:]] for cells in rows if len(cells) == 5}
    documented.pop("component")
    assert documented == {c.name: [c.package, c.stable or "(not installed)", c.current, c.image or ""] for c in TABLE.components.values()}

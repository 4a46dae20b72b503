"""make tools (generators/stack/fetch_tools.py): the private apt configuration, version choice, warm runs.

The archive in these tests is example.invalid: the real one is read from the machine at run time and never
written into the repository. apt itself judges the private configuration (apt-config, apt-get indextargets).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generators.catalog import versions
from generators.stack import fetch_tools
from tests.conftest import IN_CI

TABLE = versions.table()
INDEXTARGETS = """\
MetaKey: main/binary-amd64/Packages
Repo-URI: http://example.invalid/debian-security/
Release: bookworm-security
Component: main
Origin: Debian
Target-Of: deb
Sourcesentry: {sources}:8

MetaKey: main/source/Sources
Repo-URI: http://example.invalid/debian/
Release: bookworm
Component: main
Target-Of: deb-src

MetaKey: contrib/binary-amd64/Packages
Repo-URI: http://example.invalid/debian/
Release: bookworm
Component: contrib
Target-Of: deb

MetaKey: main/binary-amd64/Packages
Repo-URI: http://example.invalid/debian/
Release: bookworm-updates
Component: main
Target-Of: deb

MetaKey: main/binary-amd64/Packages
Repo-URI: http://example.invalid/debian/
Release: bookworm
Component: main
Origin: Debian
Target-Of: deb
Sourcesentry: {sources}:1
"""
DEB822 = """\
Types: deb
URIs: http://example.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://example.invalid/debian-security
Suites: bookworm-security
Components: main
"""


def need_apt() -> None:
    if shutil.which("apt-config") is None:
        message = "apt is not installed (a Debian machine)"
        pytest.fail(message) if IN_CI else pytest.skip(message)


@pytest.mark.parametrize(
    ("debian", "upstream"),
    [
        ("3.5.3+ds1-6", "3.5.3"),
        ("0.19.1-1+b1", "0.19.1"),
        ("2.42.0+ds-5+deb12u1", "2.42.0"),
        ("1:2.0~rc1-2", "2.0"),
        ("1.86.0-1", "1.86.0"),
    ],
    ids=["+ds suffix", "binNMU", "stable update", "epoch and tilde", "plain"],
)
def test_the_upstream_version_drops_epoch_revision_and_repack_suffix(debian: str, upstream: str) -> None:
    assert fetch_tools.upstream(debian) == upstream


def test_the_newest_revision_of_the_pinned_version_is_chosen() -> None:
    prometheus = TABLE.components["prometheus"]
    assert fetch_tools.choose(prometheus, [f"{prometheus.current}+ds1-7", f"{prometheus.current}+ds1-6"]) == f"{prometheus.current}+ds1-7"


def test_a_pinned_version_that_left_the_archive_is_one_line_naming_what_it_has() -> None:
    prometheus = TABLE.components["prometheus"]
    with pytest.raises(fetch_tools.FetchError) as error:
        fetch_tools.choose(prometheus, ["3.6.0+ds1-1", "3.5.4+ds1-2"])
    assert error.value.code == 1
    assert str(error.value) == (
        f"versions.yaml: prometheus {prometheus.current} is not in Debian unstable "
        "(package prometheus has: 3.6.0+ds1-1, 3.5.4+ds1-2); pin one of those as `current`"
    )


def test_the_archive_is_the_machine_s_main_debian_source_with_its_keyring(tmp_path: Path) -> None:
    sources = tmp_path / "debian.sources"
    sources.write_text(DEB822)
    assert fetch_tools.archive(INDEXTARGETS.format(sources=sources)) == (
        "http://example.invalid/debian/",
        "/usr/share/keyrings/debian-archive-keyring.gpg",
    )


def test_a_one_line_source_gives_its_signed_by_option(tmp_path: Path) -> None:
    sources = tmp_path / "sources.list"
    sources.write_text("# main\ndeb [arch=amd64 signed-by=/etc/keys/debian.gpg] http://example.invalid/debian bookworm main\n")
    assert fetch_tools._signed_by(f"{sources}:2") == "/etc/keys/debian.gpg"
    assert fetch_tools._signed_by(f"{sources}:1") is None


def test_no_debian_archive_is_a_one_line_error() -> None:
    with pytest.raises(fetch_tools.FetchError, match=r"^make tools: the machine's apt sources name no Debian archive"):
        fetch_tools.archive(
            "MetaKey: x\nRepo-URI: http://example.invalid/ubuntu/\nRelease: noble\nComponent: main\nOrigin: Ubuntu\nTarget-Of: deb\n"
        )


@pytest.mark.parametrize("relative", [False, True], ids=["an absolute folder", "a relative folder (make tools --dir .cache/tools)"])
def test_apt_reads_only_the_private_folders_and_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool) -> None:
    need_apt()
    monkeypatch.chdir(tmp_path)
    apt = fetch_tools.PrivateApt(Path("apt") if relative else tmp_path / "apt")
    apt.configure("http://example.invalid/debian/", None)
    dump = subprocess.run(["apt-config", *apt.options, "dump"], capture_output=True, text=True, check=True).stdout
    settings = dict(line.rstrip(";").split(" ", 1) for line in dump.splitlines() if line.startswith("Dir::"))
    for key in ("Dir::Etc::sourcelist", "Dir::Etc::sourceparts", "Dir::State::lists", "Dir::State::status", "Dir::Cache"):
        assert settings[key].strip('"').startswith(str(tmp_path)), f"{key} = {settings[key]}"
    targets = subprocess.run(
        ["apt-get", *apt.options, "indextargets", "--no-release-info", "--format", "$(REPO_URI) $(RELEASE)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert set(targets.stdout.split("\n")) - {""} == {"http://example.invalid/debian/ unstable"}  # the machine's sources are not read


def _complete(folder: Path) -> None:
    for component in TABLE.components.values():
        target = versions.unpacked(component, folder)
        target.mkdir(parents=True)
        (target / fetch_tools.COMPLETE).write_text(f"{component.package} {component.current}-1\n")


def test_a_warm_run_touches_neither_apt_nor_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _complete(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-apt-here"))  # reaching apt-get would raise FetchError
    assert fetch_tools.fetch(TABLE, tmp_path) == []


def test_a_component_missing_its_record_is_fetched_again(tmp_path: Path) -> None:
    _complete(tmp_path)
    (versions.unpacked(TABLE.components["pushgateway"], tmp_path) / fetch_tools.COMPLETE).unlink()
    assert [c.name for c in fetch_tools.missing(TABLE, tmp_path)] == ["pushgateway"]


def test_folders_of_versions_no_longer_pinned_are_removed(tmp_path: Path) -> None:
    _complete(tmp_path)
    old = tmp_path / "prometheus-3.0.0"
    old.mkdir()
    kept = tmp_path / "prometheus-notes"
    kept.mkdir()
    fetch_tools._prune(TABLE, tmp_path)
    assert not old.exists() and kept.exists() and versions.unpacked(TABLE.components["prometheus"], tmp_path).exists()

"""generators/validate/tools.py: a validator that hangs is stopped and reported in one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import cli
from generators.validate import suite, tools

GOOD = Path(__file__).parents[1] / "fixtures" / "good.yaml"


def test_a_tool_past_its_timeout_is_stopped_with_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(TimeoutError) as caught:
        tools.run("sleep", ["30"], tmp_path, timeout=1)
    assert caught.value.strerror == "sleep 30 did not finish in 1 s and was stopped (a spec this large needs fewer services or entries)"


def test_a_render_whose_validator_hangs_exits_3_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(suite, "VALIDATORS", [lambda root, full, toolset: [tools.run("sleep", ["30"], root, timeout=1).output]])
    assert cli.main(["render", "--spec", str(GOOD), "--out", str(tmp_path / "out")]) == cli.EXIT_TOOL
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        "python -m generators render: sleep 30 did not finish in 1 s and was stopped "
        "(a spec this large needs fewer services or entries); the previous output is unchanged"
    )
    assert not (tmp_path / "out" / "prometheus").exists()


def test_schema_missing_survives_the_trip_back_from_a_worker_process() -> None:
    """validate.runner's workers return it pickled; rebuilt from the message alone it raised in the pool's
    result thread and left the render waiting forever."""
    import pickle

    sent = tools.SchemaMissing("Grafana JSON Schema", Path("/nowhere"), "GRAFANA_SCHEMA_DIR")
    back = pickle.loads(pickle.dumps(sent))
    assert (type(back), str(back), back.what, back.where, back.variable) == (
        tools.SchemaMissing,
        "Grafana JSON Schema not found in /nowhere (set GRAFANA_SCHEMA_DIR or put ../shared/ beside the project)",
        "Grafana JSON Schema",
        Path("/nowhere"),
        "GRAFANA_SCHEMA_DIR",
    )


def test_the_stable_set_skips_current_unpacks_on_path_wherever_they_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # make e2e puts the current set's folders first on PATH; another checkout's unpack (a worktree's own
    # .cache/tools) must not be taken for Debian stable's binary either.
    from generators.catalog import versions

    prometheus = versions.table().owner("promtool")
    elsewhere = tmp_path / "other-checkout" / f"{prometheus.name}-{prometheus.current}" / "usr" / "bin"
    stable = tmp_path / "debian" / "bin"
    for folder in (elsewhere, stable):
        folder.mkdir(parents=True)
        (folder / "promtool").write_text("#!/bin/sh\n")
        (folder / "promtool").chmod(0o755)
    monkeypatch.setenv("PATH", f"{elsewhere}:{stable}")
    assert tools.which("promtool", tools.STABLE) == str(stable / "promtool")

"""`python -m generators backtest`: usage, spec and source errors are one line with the exit code documented."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from generators import cli
from generators.backtest import rules, source, tsdb
from generators.pipeline import render, spec
from tests.conftest import ROOT

PREFIX = "python -m generators backtest: "


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "http://127.0.0.1:9", "--from", "yesterday"], "--from 'yesterday': not a time (examples: now-1h, 2026-01-05T00:00:00Z, 1767571200)"),
        (["--source", "http://127.0.0.1:9", "--from", "now-1x"], "--from 'now-1x': not a time (examples: now-1h, 2026-01-05T00:00:00Z, 1767571200)"),
        (["--source", "http://127.0.0.1:9", "--from", "2026-01-06T00:00:00Z", "--to", "2026-01-05T00:00:00Z"],
         "--from must be before --to (got 2026-01-06T00:00:00Z .. 2026-01-05T00:00:00Z)"),
        (["--source", "http://127.0.0.1:9", "--header", "X-Scope-OrgID"], "--header 'X-Scope-OrgID': expected 'Name: value' (example: --header 'X-Scope-OrgID: tenant-1')"),
    ],
    ids=["a time that does not parse", "a relative time with a bad duration", "from after to", "a header without a colon"],
)  # fmt: skip
def test_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backtest", *args]) == 2
    assert capsys.readouterr().err == PREFIX + message + "\n"


def test_an_invalid_spec_exits_1_with_located_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nstack: {scrape_interval: soon}\n")
    assert cli.main(["backtest", "--spec", str(bad), "--source", "http://127.0.0.1:9", "--from", "now-5m"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:1:1: ")
    assert err[-1].endswith("problem(s); nothing was backtested")


def test_an_unreachable_source_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{tsdb.free_port()}"
    code = cli.main(["backtest", "--source", url, "--from", "now-5m", "--no-progress", "--out", str(tmp_path)])
    assert code == 3
    assert capsys.readouterr().err == f"{PREFIX}--source {url}: cannot query it: Connection refused\n"


class _Refuse(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.dumps({"status": "error", "errorType": "bad_data", "error": "1:1: parse error: unexpected <op:/>"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_refused_query_names_the_window_and_the_servers_reason(refusing: str) -> None:
    with pytest.raises(source.BacktestError) as err:
        source.Source(refusing).query_range("up", 1_767_571_200_000, 1_767_571_260_000, 15_000)
    assert str(err.value) == (
        f"--source {refusing}: query_range 2026-01-05 00:00:00 .. 2026-01-05 00:01:00 failed (HTTP 400): 1:1: parse error: unexpected <op:/>"
    )


def test_long_ranges_are_cut_at_the_point_limit() -> None:
    chunks = list(source.chunks(0, 30_000 * 15_000, 15_000, max_points=10_000))
    assert [(a // 15_000, b // 15_000) for a, b in chunks] == [(0, 9_999), (10_000, 19_999), (20_000, 29_999), (30_000, 30_000)]
    assert source.steps(1, 46_000, 15_000) == [15_000, 30_000, 45_000]


def test_the_backtest_reads_the_render_pipelines_own_bytes() -> None:
    model, _ = spec.load(ROOT / "monitoring.yaml")
    everything, mine = render.documents(model), rules.documents(model)
    # reports (docs/reports.md) are schedules, always firing: no incident to detect, left out of the backtest
    alerting = {p for p in everything if p.startswith("prometheus/rules/") and not p.startswith("prometheus/rules/report-")}
    assert {p for p in mine if p.startswith("prometheus/rules/")} == alerting
    assert all(everything[p] == data for p, data in mine.items())

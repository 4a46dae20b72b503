"""make secrets (create missing, never overwrite) and make reload (POST /-/reload, report failures)."""

from __future__ import annotations

import io
import shutil
import socket
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.outputs.compose import compose
from generators.stack import stack_ops
from tests.conftest import ROOT, require_tool


@pytest.fixture
def compose_file(tmp_path: Path) -> Path:
    folder = tmp_path / "compose"
    (folder / "secrets").mkdir(parents=True)
    (folder / "secrets" / "slack_alerts_webhook.example").write_text("https://hooks.slack.invalid/x\n")
    path = folder / "docker-compose.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "services": {},
                "secrets": {n: {"file": f"./secrets/{n}"} for n in ("slack_alerts_webhook", "grafana_admin_password", "smtp_password")},
            }
        )
    )
    return path


def test_secrets_are_created_with_placeholders_and_random_values(compose_file: Path) -> None:
    out = io.StringIO()
    created = stack_ops.create_secrets(compose_file, out)
    folder = compose_file.parent / "secrets"
    assert created == ["grafana_admin_password", "slack_alerts_webhook", "smtp_password"]
    assert (folder / "slack_alerts_webhook").read_text() == "https://hooks.slack.invalid/x\n"
    password = (folder / "grafana_admin_password").read_text()
    assert len(password.strip()) == 43 and password.endswith("\n")  # token_urlsafe(32): 256 random bits
    assert len((folder / "smtp_password").read_text().strip()) == 43  # no .example: random, never empty
    assert stat.S_IMODE((folder / "grafana_admin_password").stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert (
        f"created {folder / 'slack_alerts_webhook'} (PLACEHOLDER copied from slack_alerts_webhook.example: put the real value in)"
        in out.getvalue()
    )


def test_existing_secrets_are_never_overwritten(compose_file: Path) -> None:
    folder = compose_file.parent / "secrets"
    (folder / "grafana_admin_password").write_text("mine\n")
    assert stack_ops.create_secrets(compose_file, io.StringIO()) == ["slack_alerts_webhook", "smtp_password"]
    assert (folder / "grafana_admin_password").read_text() == "mine\n"
    out = io.StringIO()
    assert stack_ops.create_secrets(compose_file, out) == []
    assert out.getvalue() == f"every secret in {folder} already exists; nothing changed\n"


def test_random_secrets_differ_between_checkouts(compose_file: Path) -> None:
    password = compose_file.parent / "secrets" / "grafana_admin_password"
    stack_ops.create_secrets(compose_file, io.StringIO())
    first = password.read_text()
    password.unlink()
    assert stack_ops.create_secrets(compose_file, io.StringIO()) == ["grafana_admin_password"]
    assert password.read_text() != first


def test_secrets_without_a_rendered_compose_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert stack_ops.main(["secrets", "--compose", str(tmp_path / "nope.yml")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nope.yml'}: missing; run make render first\n"


def test_the_committed_compose_file_declares_every_secret_make_secrets_creates() -> None:
    assert stack_ops.secret_names(ROOT / compose.COMPOSE_FILE) == sorted(
        [
            "grafana_admin_password",
            "grafana_secret_key",
            "pagerduty_routing_key",
            "postgres_password",
            "slack_alerts_webhook",
            "slack_backend_webhook",
            "slack_warnings_webhook",
            "smtp_password",
            "web_config",
            "web_password",
        ]
    )


class _Reload(BaseHTTPRequestHandler):
    calls: list[tuple[str, str]]
    status = 200
    body = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # /-/ready: every fake server is up
        type(self).calls.append(("GET", self.path))
        self.send_response(200)
        self.end_headers()

    def do_POST(self) -> None:
        type(self).calls.append(("POST", self.path))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def _server(status: int, body: bytes) -> tuple[HTTPServer, list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []
    handler = type("H", (_Reload,), {"calls": calls, "status": status, "body": body})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, calls


Servers = tuple[str, str, str, list[tuple[str, str]]]


@pytest.fixture
def servers() -> Iterator[Servers]:
    good, calls = _server(200, b"")
    bad, _ = _server(500, b"failed to reload config: yaml: line 3: mapping values are not allowed")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    yield f"http://127.0.0.1:{good.server_port}", f"http://127.0.0.1:{bad.server_port}", f"http://127.0.0.1:{closed}", calls
    good.shutdown()
    bad.shutdown()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the committed Prometheus and Alertmanager configs, as a server reads them."""
    require_tool("promtool")
    require_tool("amtool")
    for folder in ("prometheus", "alertmanager"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_reload_posts_and_reports_each_failure(servers: Servers, tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad, _, calls = servers
    assert stack_ops.main(["reload", "--tree", str(tree), good, bad]) == 1
    assert calls == [("GET", "/-/ready"), ("POST", "/-/reload")]
    lines = capsys.readouterr()
    assert lines.out.splitlines() == [
        f"reloaded {good}/-/reload (HTTP 200)",
        f"FAILED {bad}/-/reload: HTTP 500: failed to reload config: yaml: line 3: mapping values are not allowed "
        "(the new configuration was rejected; the old one stays active)",
    ]
    assert lines.err == "1 of 2 reloads failed (the others run the new configuration)\n"


def test_a_server_that_does_not_answer_means_nothing_is_reloaded(servers: Servers, tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, _, closed, calls = servers
    assert stack_ops.main(["reload", "--tree", str(tree), good, closed]) == 1
    assert calls == [("GET", "/-/ready")]  # asked whether it is up, never told to reload
    lines = capsys.readouterr()
    assert lines.out == ""
    assert lines.err.startswith(f"reload refused, nothing was reloaded: {closed} is not reachable (")
    assert lines.err.endswith("); is the stack running? (make up)\n") and lines.err.count("\n") == 1


BROKEN_RULE = "groups:\n- name: x\n  rules:\n  - alert: X\n    expr: rate(foo[5m]) >\n"


@pytest.mark.parametrize(
    ("path", "edit", "line"),
    [
        pytest.param(
            "prometheus/rules/broken.rules.yml",
            lambda text: BROKEN_RULE,
            'prometheus/rules/broken.rules.yml: 5:11: group "x", rule 1, "X": could not parse expression: 1:16: parse error: '
            "unexpected end of input (promtool check config)",
            id="a rule file promtool rejects",
        ),
        pytest.param(
            "alertmanager/alertmanager.yml",
            lambda text: text.replace("resolve_timeout: 5m", "resolve_timeout: 5x"),
            'alertmanager/alertmanager.yml: not a valid duration string: "5x" (amtool check-config)',
            id="an Alertmanager config amtool rejects",
        ),
        pytest.param(
            "prometheus/prometheus.yml",
            lambda text: text.replace("scrape_interval: 15s", "scrape_interval: 15", 1),
            'prometheus/prometheus.yml: parsing YAML file prometheus/prometheus.yml: not a valid duration string: "15" (promtool check config)',
            id="a Prometheus config promtool rejects",
        ),
    ],
)
def test_a_broken_tree_is_refused_before_any_server_is_asked(
    servers: Servers, tree: Path, capsys: pytest.CaptureFixture[str], path: str, edit: Any, line: str
) -> None:
    good, _, _, calls = servers
    target = tree / path
    target.write_text(edit(target.read_text() if target.exists() else ""))
    assert stack_ops.main(["reload", "--tree", str(tree), good, good]) == 1
    assert calls == []
    assert capsys.readouterr().err == f"reload refused, nothing was reloaded: {line}\n"


def test_reload_succeeds_when_every_endpoint_does(servers: Servers, tree: Path) -> None:
    good, _, _, calls = servers
    assert stack_ops.main(["reload", "--tree", str(tree), good, good + "/"]) == 0
    assert calls == [("GET", "/-/ready"), ("GET", "/-/ready"), ("POST", "/-/reload"), ("POST", "/-/reload")]


def test_reload_defaults_to_the_published_prometheus_and_alertmanager_ports() -> None:
    assert compose.reload_urls() == ("http://127.0.0.1:9090", "http://127.0.0.1:9093", "http://127.0.0.1:9095")
    services = yaml.safe_load((ROOT / compose.COMPOSE_FILE).read_text())["services"]
    published = {s["ports"][0].split(":")[1] for n in ("prometheus", "alertmanager-1", "alertmanager-2") for s in [services[n]]}
    assert published == {u.rsplit(":", 1)[1] for u in compose.reload_urls()}

"""The web config that puts Prometheus and Alertmanager behind basic auth: promtool is the judge of the file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import bcrypt
import pytest
import yaml

from generators.stack import stack_ops, web_auth
from tests.conftest import require_tool


def promtool_check(path: Path) -> str:
    tool = require_tool("promtool")
    result = subprocess.run([tool, "check", "web-config", str(path)], capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).strip()


def test_promtool_accepts_the_web_config_and_it_holds_only_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "web_config"
    path.write_bytes(web_auth.web_config("s3cret-password"))
    assert promtool_check(path) == f"{path} SUCCESS"
    text = path.read_text()
    assert "s3cret-password" not in text
    ((user, hashed),) = yaml.safe_load(text)["basic_auth_users"].items()
    assert user == "monitoring"
    assert bcrypt.checkpw(b"s3cret-password", hashed.encode()) and not bcrypt.checkpw(b"wrong", hashed.encode())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("basic_auth_user:\n  monitoring: x\n", "field basic_auth_user not found in type web.Config", id="a misspelt key"),
        pytest.param(
            "basic_auth_users:\n  monitoring: plain\n", "hashedSecret too short to be a bcrypted password", id="a password, not a hash"
        ),
    ],
)
def test_promtool_rejects_a_broken_web_config(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "web_config"
    path.write_text(text)
    assert problem in promtool_check(path)  # the check this project relies on can fail


def test_make_secrets_writes_the_password_and_its_hash_and_never_overwrites(tmp_path: Path) -> None:
    compose_file = tmp_path / "docker-compose.yml"
    compose_file.write_text(yaml.safe_dump({"secrets": {n: {"file": f"./secrets/{n}"} for n in ("web_config", "web_password")}}))
    out = tmp_path / "out.txt"
    with out.open("w") as handle:
        assert stack_ops.create_secrets(compose_file, handle) == ["web_password", "web_config"]
    password = (tmp_path / "secrets" / "web_password").read_text().strip()
    config = tmp_path / "secrets" / "web_config"
    assert promtool_check(config) == f"{config} SUCCESS"
    hashed = yaml.safe_load(config.read_text())["basic_auth_users"]["monitoring"]
    assert bcrypt.checkpw(password.encode(), hashed.encode())
    assert out.read_text().splitlines()[1] == f"created {config} (bcrypt hash of web_password)"
    before = config.read_bytes()
    with out.open("w") as handle:
        assert stack_ops.create_secrets(compose_file, handle) == []
    assert config.read_bytes() == before


def test_the_credentials_go_only_to_the_stacks_own_urls() -> None:
    web_auth.install(["http://127.0.0.1:1"], "pw")
    manager = web_auth._MANAGER
    assert manager.find_user_password(None, "http://127.0.0.1:1/api/v2/silences") == ("monitoring", "pw")
    assert manager.find_user_password(None, "http://127.0.0.1:2/") == (None, None)
    assert manager.is_authenticated("http://127.0.0.1:1/-/ready")  # sent up front, without waiting for a 401

"""Operating the compose stack: `make secrets` and `make reload`.

python -m generators.stack.stack_ops secrets [--compose FILE]   create missing secret files, never overwrite
python -m generators.stack.stack_ops reload [--tree DIR] [URL ...]   validate DIR with promtool and amtool, then
                                                                  POST /-/reload to Prometheus and the Alertmanagers

Exit codes: 0 ok, 1 a reload was refused (one line: the tree is invalid or a server does not answer; nothing was
reloaded) or failed (each failure printed), 2 usage.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import yaml

from generators.model import conventions
from generators.outputs.compose import compose
from generators.stack import reload, web_auth

RANDOM = (*compose.GRAFANA_SECRETS, *compose.KIND_SECRETS)  # values nobody needs to know in advance


def secret_names(compose_file: Path) -> list[str]:
    """The secrets the rendered compose file declares (the file is the truth, not the spec)."""
    doc = yaml.safe_load(compose_file.read_text()) or {}
    return sorted(doc.get("secrets") or {})


def create_secrets(compose_file: Path, out: TextIO) -> list[str]:
    """Create each missing secret file next to the compose file; returns the names created."""
    folder = compose_file.parent / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    created = []
    derived = conventions.WEB_CONFIG_SECRET  # from the password: after it
    names = sorted(secret_names(compose_file), key=lambda n: n == derived)
    for name in names:
        target = folder / name
        example = folder / f"{name}.example"
        if name == derived:
            if target.exists():
                continue
            password = web_auth.read_password(folder / conventions.WEB_PASSWORD_SECRET)
            value, note = web_auth.web_config(password).decode(), f"bcrypt hash of {conventions.WEB_PASSWORD_SECRET}"
        elif name in RANDOM or not example.is_file():
            value, note = secrets.token_urlsafe(32) + "\n", "random value"
        else:
            value, note = example.read_text(), f"PLACEHOLDER copied from {example.name}: put the real value in"
        try:
            # O_EXCL: never overwrite, even when two runs race. 0644: containers read secrets as non-root
            # users through a bind mount; the folder itself is 0700, so other host users cannot.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        created.append(name)
        print(f"created {target} ({note})", file=out)
    if not created:
        print(f"every secret in {folder} already exists; nothing changed", file=out)
    return created


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generators.stack.stack_ops")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("secrets", help="create missing compose/secrets/* files (never overwrites)")
    cmd.add_argument("--compose", default=compose.COMPOSE_FILE, help=f"compose file (default {compose.COMPOSE_FILE})")
    cmd = sub.add_parser("reload", help="validate the tree, then POST /-/reload to Prometheus and both Alertmanagers (all or none)")
    cmd.add_argument("--tree", default=".", help="the rendered tree whose configs the servers read (default: .)")
    password = f"{compose.SECRETS_DIR}/{conventions.WEB_PASSWORD_SECRET}"
    cmd.add_argument("--password-file", default=password, help=f"the web password (default {password}; none: no auth)")
    cmd.add_argument("urls", nargs="*", default=list(compose.reload_urls()), help="base URLs (default: the published ports)")
    args = parser.parse_args(argv)
    if args.command == "secrets":
        path = Path(args.compose)
        if not path.is_file():
            print(f"{path}: missing; run make render first", file=sys.stderr)
            return 2
        create_secrets(path, sys.stdout)
        return 0
    return reload.run(Path(args.tree), args.urls, sys.stdout, sys.stderr, web_auth.credentials(Path(args.password_file)))


if __name__ == "__main__":
    sys.exit(main())

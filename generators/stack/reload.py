"""make reload: all components or none. The rendered tree is validated first (promtool check config, which reads
every rule file, and amtool check-config), then every server must answer, and only then is each one reloaded.

Without this, a broken rule file left Prometheus on its old rules while both Alertmanagers ran the new routes.
A refusal is one line on stderr; nothing was sent to any server.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generators.outputs.alertmanager import alertmanager
from generators.validate import tools

PROMETHEUS_CONFIG = "prometheus/prometheus.yml"
CHECKS = (("promtool", ("check", "config"), PROMETHEUS_CONFIG), ("amtool", ("check-config",), alertmanager.CONFIG))


class Refused(Exception):
    """Nothing was reloaded; the message is the one line that says why."""


def headers(credentials: tuple[str, str] | None) -> dict[str, str]:
    if credentials is None:
        return {}
    token = base64.b64encode(":".join(credentials).encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _first_problem(output: str) -> str:
    """The line that says what is wrong: promtool prints `FAILED:` then the file's problem; amtool `FAILED: <why>`."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "FAILED" in line:
            rest = line.split("FAILED", 1)[1].lstrip(":").strip()
            return rest or (lines[i + 1] if i + 1 < len(lines) else line)
    return lines[-1] if lines else "(no output)"


def validate(tree: Path) -> None:
    """Raise Refused with the first problem promtool or amtool finds in the tree."""
    for tool, args, config in CHECKS:
        if not (tree / config).is_file():
            raise Refused(f"{tree / config}: missing; run make render first")
        try:
            result = tools.run(tool, [*args, config], tree, timeout=120)
        except (tools.ToolMissing, OSError) as exc:
            raise Refused(f"cannot validate {config}: {exc}") from None
        if not result.ok:
            problem = _first_problem(result.output)
            where = "" if problem.startswith(("prometheus/", "alertmanager/")) else f"{config}: "
            raise Refused(f"{where}{problem} ({tool} {' '.join(args)})")


def check_reachable(urls: Sequence[str], credentials: tuple[str, str] | None, timeout: float) -> None:
    """Raise Refused when a server does not answer /-/ready (a reload of the others would split the stack)."""
    for url in urls:
        request = urllib.request.Request(url.rstrip("/") + "/-/ready", headers=headers(credentials))
        try:
            urllib.request.urlopen(request, timeout=timeout).close()
        except urllib.error.HTTPError as exc:
            hint = " (wrong or missing credentials: compose/secrets/web_password)" if exc.code == 401 else ""
            raise Refused(f"{url} answers HTTP {exc.code} to /-/ready{hint}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise Refused(f"{url} is not reachable ({getattr(exc, 'reason', exc)}); is the stack running? (make up)") from None


def reload_all(urls: Sequence[str], out: TextIO, credentials: tuple[str, str] | None = None, timeout: float = 10.0) -> list[str]:
    """POST <url>/-/reload to each; returns the failures (also printed), empty when every reload worked."""
    failures = []
    for url in urls:
        endpoint = url.rstrip("/") + "/-/reload"
        request = urllib.request.Request(endpoint, data=b"", method="POST", headers=headers(credentials))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                print(f"reloaded {endpoint} (HTTP {response.status})", file=out)
                continue
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip()
            reason = f"HTTP {exc.code}: {detail or exc.reason} (the new configuration was rejected; the old one stays active)"
        except (urllib.error.URLError, OSError) as exc:
            cause = getattr(exc, "reason", exc)
            reason = f"not reachable ({cause}); is the stack running? (make up)"
        failures.append(f"{endpoint}: {reason}")
        print(f"FAILED {endpoint}: {reason}", file=out)
    return failures


def run(tree: Path, urls: Sequence[str], out: TextIO, err: TextIO, credentials: tuple[str, str] | None = None) -> int:
    """Validate, check every server answers, reload all: 0 when every reload worked, 1 otherwise (one line on err)."""
    try:
        validate(tree)
        check_reachable(urls, credentials, timeout=5.0)
    except Refused as exc:
        print(f"reload refused, nothing was reloaded: {exc}", file=err)
        return 1
    failures = reload_all(urls, out, credentials)
    if failures:
        print(f"{len(failures)} of {len(urls)} reloads failed (the others run the new configuration)", file=err)
        return 1
    return 0

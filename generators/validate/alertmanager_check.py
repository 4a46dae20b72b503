"""Validate a rendered alertmanager/ tree with amtool: check-config, then every generated route test.

check-config reads neither the `*_file` secrets nor the network, so it runs on a clean machine
without /run/secrets; the template files must exist (they are rendered beside the config).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

import yaml

from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.validate import tools


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def route_test(root: Path, test: dict[str, Any]) -> str | None:
    """None when amtool routes the labels to exactly the expected receivers, else the problem."""
    labels = [f"{k}={v}" for k, v in test["labels"].items()]
    want = ",".join(test["receivers"])
    result = tools.run(
        "amtool", ["config", "routes", "test", f"--config.file={alertmanager.CONFIG}", f"--verify.receivers={want}", *labels], root
    )
    if result.ok:
        return None
    got = next((line for line in result.output.splitlines() if line and not line.startswith(("Warning", "WARNING"))), "?")
    return (
        f"{alertmanager.ROUTE_TESTS}: {test['alert']} {{{', '.join(labels)}}}: the spec says it reaches {want}, amtool routes it to {got}"
    )


def validate(root: Path, full: bool, log: TextIO | None = None) -> list[str]:
    config_path = root / alertmanager.CONFIG
    if not config_path.is_file():
        return []
    log = log or sys.stderr
    problems: list[str] = []
    result = tools.run("amtool", ["check-config", alertmanager.CONFIG], root)
    if not result.ok:
        return [f"amtool check-config {alertmanager.CONFIG}:\n{result.output}"]
    tests = _load(root / alertmanager.ROUTE_TESTS)["tests"]
    report = am_routes.coverage(_load(config_path), tests)
    for route in report["unreached_routes"]:
        print(f"warning: {alertmanager.CONFIG}: no generated alert reaches {route}", file=log)
    problems.extend(
        f"{alertmanager.ROUTE_TESTS}: {name}: the route tree sends it elsewhere than the spec says" for name in report["mismatched"]
    )
    if full:
        with ThreadPoolExecutor(max_workers=4) as pool:  # amtool starts in ~15 ms; 2 cores, some I/O wait
            failed = [p for p in pool.map(lambda t: route_test(root, t), tests) if p]
        problems.extend(failed)
        print(
            f"alertmanager route tests: {len(tests) - len(failed)}/{len(tests)} alert rules reach the spec's receivers (amtool), "
            f"{report['routes_reached']}/{report['routes']} routes reached",
            file=log,
        )
    return problems

"""Validate a rendered alertmanager/ tree with amtool: check-config, then the generated route tests (one amtool run per
route_classes class, verdicts kept by content like promtool_cache).

check-config reads neither the `*_file` secrets nor the network, so it runs on a clean machine
without /run/secrets; the template files must exist (they are rendered beside the config).
"""

from __future__ import annotations

import hashlib
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

import yaml

from generators.catalog import versions
from generators.outputs.alertmanager import alertmanager
from generators.outputs.alertmanager import alertmanager_routes as am_routes
from generators.validate import promtool_cache, route_classes, tools

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_LOADER)


def route_test(root: Path, test: dict[str, Any], toolset: str = tools.STABLE) -> str | None:
    """None when amtool routes the labels to exactly the expected receivers, else the problem."""
    labels = [f"{k}={v}" for k, v in test["labels"].items()]
    want = ",".join(test["receivers"])
    result = tools.run(
        "amtool",
        ["config", "routes", "test", f"--config.file={alertmanager.CONFIG}", f"--verify.receivers={want}", *labels],
        root,
        toolset=toolset,
    )
    if result.ok:
        return None
    got = next((line for line in result.output.splitlines() if line and not line.startswith(("Warning", "WARNING"))), "?")
    return (
        f"{alertmanager.ROUTE_TESTS}: {test['alert']} {{{', '.join(labels)}}}: the spec says it reaches {want}, amtool routes it to {got}"
    )


def route_tests(root: Path, config: bytes, tests: list[dict[str, Any]], toolset: str = tools.STABLE) -> list[str]:
    """amtool on one test of each route_classes class whose verdict is not recorded yet (by amtool binary, config
    bytes and class); every test of a class that fails runs on its own, so each problem is amtool's answer to it."""
    groups = route_classes.classes(yaml.load(config, Loader=_LOADER), tests)
    tool = promtool_cache.binary(tools.which("amtool", toolset))
    keys = {k: hashlib.sha256(b"\0".join([tool.encode(), config, repr(k).encode()])).hexdigest() for k in groups}
    passed = promtool_cache.Passed(name="amtool-passed.txt")
    todo = [k for k in groups if keys[k] not in passed]
    with ThreadPoolExecutor(max_workers=4) as pool:  # amtool starts in ~15 ms; 2 cores, some I/O wait
        verdicts = dict(zip(todo, pool.map(lambda k: route_test(root, tests[groups[k][0]], toolset), todo), strict=True))
        passed.add(keys[k] for k in todo if verdicts[k] is None)
        passed.save()
        again = sorted(i for k in todo if verdicts[k] is not None for i in groups[k][1:])
        answers = dict(zip(again, pool.map(lambda i: route_test(root, tests[i], toolset), again), strict=True))
    answers.update({groups[k][0]: verdicts[k] for k in todo if verdicts[k] is not None})
    return [problem for _, problem in sorted(answers.items()) if problem]


def validate(root: Path, full: bool, toolset: str = tools.STABLE, log: TextIO | None = None) -> list[str]:
    config_path = root / alertmanager.CONFIG
    if not config_path.is_file():
        return []
    log = log or sys.stderr
    problems: list[str] = []
    result = tools.run("amtool", ["check-config", alertmanager.CONFIG], root, toolset=toolset)
    if not result.ok:
        return [f"amtool check-config {alertmanager.CONFIG}:\n{result.output}"]
    tests = _load(root / alertmanager.ROUTE_TESTS)["tests"]
    report = am_routes.coverage(_load(config_path), tests)
    for route in report["unreached_routes"] if toolset == tools.STABLE else ():  # the same on both sets: say it once
        print(f"warning: {alertmanager.CONFIG}: no generated alert reaches {route}", file=log)
    problems.extend(templates(root, toolset))
    problems.extend(
        f"{alertmanager.ROUTE_TESTS}: {name}: the route tree sends it elsewhere than the spec says" for name in report["mismatched"]
    )
    if full:
        failed = route_tests(root, config_path.read_bytes(), tests, toolset)
        problems.extend(failed)
        print(
            f"alertmanager route tests: {len(tests) - len(failed)}/{len(tests)} alert rules reach the spec's receivers "
            f"(amtool {versions.table().owner('amtool').version(toolset)}), "
            f"{report['routes_reached']}/{report['routes']} routes reached",
            file=log,
        )
    return problems


def _templated(value: Any, key: str = "") -> list[tuple[str, str]]:
    """(field name, text) of every string with `{{` in a receiver's configs."""
    if isinstance(value, str):
        return [(key, value)] if "{{" in value else []
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _templated(v, str(k))]
    return [found for item in value for found in _templated(item, key)] if isinstance(value, list) else []


def templates(root: Path, toolset: str = tools.STABLE) -> list[str]:
    """amtool template render of every templated field of the receivers (titles, texts, PagerDuty details, ...)
    with the rendered templates, on amtool's example alerts: a field or function an Alertmanager version lacks,
    or a template that fails when executed, fails here rather than in a notification. One call per type."""
    folder = (root / alertmanager.CONFIG).parent
    if not any(folder.glob("templates/*.tmpl")):
        return []
    fields = _templated(_load(root / alertmanager.CONFIG).get("receivers", []))
    problems = []
    for kind in ("text", "html"):
        texts = sorted({text for key, text in fields if (key == "html") == (kind == "html")})
        if not texts:
            continue
        text = "\n".join(texts)
        args = ["template", "render", "--template.glob=templates/*.tmpl", f"--template.type={kind}", f"--template.text={text}"]
        result = tools.run("amtool", args, folder, toolset=toolset)
        if not result.ok:
            problems.append(f"amtool template render ({kind}, the {len(texts)} templated receiver fields):\n{result.output}")
    return problems

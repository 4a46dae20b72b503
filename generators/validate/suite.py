"""Validators run on a rendered tree: each returns the problems the real tool reported."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from generators.validate import (
    alertmanager_check,
    grafana_checks,
    grafana_queries,
    promtool_cache,
    promtool_classes,
    scaling_validate,
    tools,
)

# (rendered tree, full, version set) -> problems. full=True (`render` before the swap, `check`, CI) adds the
# slower checks: promtool unit tests, amtool route tests, ...; full=False skips them (tests that render often).
# The set (tools.STABLE or tools.CURRENT, catalog/versions.yaml) says which promtool/amtool judge.
Validator = Callable[[Path, bool, str], list[str]]


def _chunks(root: Path, tests: list[str]) -> list[list[str]]:
    """The biggest test files first, at most 40 a chunk and at least 8 chunks where there are 8 files: the two
    promtool processes each take the next chunk when done, so no long file keeps one core busy alone at the end
    (the example's host tests take a fifth of all), and the chunks that pass are recorded when another fails."""
    ordered = sorted(tests, key=lambda t: (-(root / t).stat().st_size, t))
    size = max(1, min(40, -(-len(ordered) // 8)))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def prometheus(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """promtool check config (which runs check rules on the rule files it loads), check rules on any other rule
    file, and the generated unit tests."""
    problems = []
    config = root / "prometheus" / "prometheus.yml"
    if not config.is_file():
        return []
    result = tools.promtool(["check", "config", "prometheus/prometheus.yml"], root, toolset)
    if not result.ok:
        problems.append(f"promtool check config:\n{result.output}")
    checked = set(re.findall(r"^Checking (.+)$", result.output, re.MULTILINE))  # check config ran check rules on these
    rule_files = sorted(p for p in (str(p.relative_to(root)) for p in (root / "prometheus" / "rules").glob("*.yml")) if p not in checked)
    if rule_files:
        result = tools.promtool(["check", "rules", *rule_files], root, toolset)
        if not result.ok:
            problems.append(f"promtool check rules:\n{result.output}")
    tests = sorted(str(p.relative_to(root)) for p in (root / "prometheus" / "tests").glob("*.yml"))
    if full and tests and not problems:
        problems.extend(_unit_tests(root, tests, toolset))
    return problems


def _unit_tests(root: Path, tests: list[str], toolset: str = tools.STABLE) -> list[str]:
    """promtool test rules on the first file of each promtool_classes class (a file that is not classed is a class
    of its own) whose pass is not recorded for this promtool binary (promtool_cache: each set's verdicts are kept
    apart). When a chunk fails, the other files of its classes run too, so each failing file is promtool's own
    verdict on it; nothing of a failed chunk is recorded."""
    passed = promtool_cache.Passed()
    tool = promtool_cache.binary(tools.which("promtool", toolset))
    classes: dict[str, list[str]] = {}
    shared = promtool_classes.keys(root, tests, tool, backwards=toolset != tools.STABLE)
    for test in tests:
        alone = promtool_cache.key(root, test, tool) or f"alone:{test}"  # its own class: by its bytes, or never recorded
        classes.setdefault(shared[test] or alone, []).append(test)
    first = {members[0]: k for k, members in classes.items() if k not in passed}
    if not first:
        return []
    results = _run_chunks(root, list(first), toolset)
    passed.add(first[t] for chunk, result in results if result.ok for t in chunk if not first[t].startswith("alone:"))
    passed.save()
    again = [t for chunk, result in results if not result.ok for lead in chunk for t in classes[first[lead]][1:]]
    results += _run_chunks(root, again, toolset) if again else []
    return [f"promtool test rules:\n{r.output}" for _, r in results if not r.ok]


def _run_chunks(root: Path, tests: list[str], toolset: str) -> list[tuple[list[str], tools.Result]]:
    chunks = _chunks(root, tests)
    with ThreadPoolExecutor(max_workers=2) as pool:  # promtool test is single-threaded: two use both cores
        return list(zip(chunks, pool.map(lambda chunk: tools.promtool(["test", "rules", *chunk], root, toolset), chunks), strict=True))


def compose(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """docker-compose config -q on a copy of compose/ with placeholder secrets (never written into root)."""
    source = root / "compose" / "docker-compose.yml"
    if not source.is_file():
        return []
    binary = promtool_cache.binary(tools.which("docker-compose"))
    text = source.read_bytes()
    secrets = (yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}).get("secrets") or {}
    # Its verdict by content, like promtool's (docker-compose takes 0.7 s to start); a file that interpolates
    # variables (`$`) depends on the environment too and is always checked.
    key = hashlib.sha256(b"\0".join([binary.encode(), text, *sorted(str(s).encode() for s in secrets)])).hexdigest()
    passed = promtool_cache.Passed(name="compose-passed.txt")
    if b"$" not in text and key in passed:
        return []
    with tempfile.TemporaryDirectory(prefix="compose-check-") as tmp:
        folder = Path(tmp) / "compose"
        (folder / "secrets").mkdir(parents=True)
        (folder / "demo-app").mkdir()  # build context must exist; its content is not checked here
        (folder / "docker-compose.yml").write_bytes(text)  # the bytes the key hashed
        for name in secrets:
            (folder / "secrets" / name).write_text("placeholder\n")
        result = tools.run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], folder)
    if result.ok and b"$" not in text:
        passed.add([key])
        passed.save()
    return [] if result.ok else [f"docker-compose config -q:\n{result.output}"]


# Validators for every output kind; each generator module's issue adds its own here. Each runs once per version
# set, except those in ONE_SET, which call no promtool/amtool.
VALIDATORS: list[Validator] = [prometheus, alertmanager_check.validate]
VALIDATORS += [grafana_checks.grafana_schemas, grafana_checks.grafana_dashboards]  # Grafana's schema, then layout/uids
VALIDATORS += [grafana_queries.panel_queries, grafana_queries.panel_metrics]  # PromQL of every panel (per set), the metrics it reads (once)
VALIDATORS.append(compose)
VALIDATORS += [scaling_validate.ha, scaling_validate.kubernetes, scaling_validate.crd_schemas]
ONE_SET: tuple[Validator, ...] = (grafana_checks.grafana_schemas, grafana_checks.grafana_dashboards, grafana_queries.panel_metrics, compose)
ONE_SET += (scaling_validate.crd_schemas,)


def sets(validator: Validator) -> tuple[str, ...]:
    """The version sets a validator runs on: both, except for those in ONE_SET."""
    return (tools.STABLE,) if validator in ONE_SET else tools.SETS


def merged(validator: Validator, found: dict[str, list[str]]) -> list[str]:
    """One list from each set's problems: a problem every set reports is listed once; one only a set reports
    (the file is valid on the other, or only that set ran) names the set."""
    if validator in ONE_SET:
        return found.get(tools.STABLE, [])
    common = [p for p in found.get(tools.STABLE, []) if all(p in problems for problems in found.values())] if len(found) == 2 else []
    return common + [f"{tools.label(toolset)}: {p}" for toolset, problems in found.items() for p in problems if p not in common]


def on_every_set(validator: Validator, root: Path, full: bool) -> tuple[list[str], list[tools.ToolMissing]]:
    """The validator on each of its sets, one after the other (runner.run does the same on both cores)."""
    found: dict[str, list[str]] = {}
    missing: list[tools.ToolMissing] = []
    for toolset in sets(validator):
        try:
            found[toolset] = validator(root, full, toolset)
        except tools.ToolMissing as exc:
            missing.append(exc)
    return merged(validator, found), missing

"""Validators run on a rendered tree: each returns the problems the real tool reported."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from generators import alertmanager_check, scaling_validate, tools
from generators.grafana import checks as grafana_checks
from generators.grafana import checks_queries as grafana_queries

# (rendered tree, full) -> problems. full=False is what `render` runs before the swap (seconds);
# full=True adds the slower checks (`check`, CI): promtool unit tests, amtool route tests, ...
Validator = Callable[[Path, bool], list[str]]


def _split(items: list[str], parts: int) -> list[list[str]]:
    return [chunk for chunk in (items[i::parts] for i in range(parts)) if chunk]


def prometheus(root: Path, full: bool) -> list[str]:
    """promtool check config (which checks the rule files it loads) and the generated unit tests."""
    problems = []
    config = root / "prometheus" / "prometheus.yml"
    if not config.is_file():
        return []
    result = tools.promtool(["check", "config", "prometheus/prometheus.yml"], root)
    if not result.ok:
        problems.append(f"promtool check config:\n{result.output}")
    rule_files = sorted(str(p.relative_to(root)) for p in (root / "prometheus" / "rules").glob("*.yml"))
    if rule_files:
        result = tools.promtool(["check", "rules", *rule_files], root)
        if not result.ok:
            problems.append(f"promtool check rules:\n{result.output}")
    tests = sorted(str(p.relative_to(root)) for p in (root / "prometheus" / "tests").glob("*.yml"))
    if full and tests and not problems:
        tools.which("promtool")
        with ThreadPoolExecutor(max_workers=2) as pool:  # promtool test is single-threaded; use both cores
            results = list(pool.map(lambda chunk: tools.promtool(["test", "rules", *chunk], root), _split(tests, 2)))
        problems.extend(f"promtool test rules:\n{r.output}" for r in results if not r.ok)
    return problems


# Validators for every output kind; each generator module's issue adds its own here.
VALIDATORS: list[Validator] = [prometheus, alertmanager_check.validate]
VALIDATORS += [grafana_checks.grafana_dashboards, grafana_queries.grafana_queries]  # schema/layout/uids, then PromQL and metrics
VALIDATORS += [scaling_validate.ha, scaling_validate.kubernetes]

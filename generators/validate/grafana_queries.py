"""Every panel query parses as PromQL (promtool, one call) and uses only metrics the spec produces.

Grafana's variables are substituted first ($__rate_interval -> 5m, $service -> a placeholder, ...). A metric
is "produced" when it is a recording rule of the rendered rule files, appears in their expressions or in the
generated unit tests' input series, or is exported by an exporter whose kind the spec declares
(exporters.yaml lists the exporter metrics the dashboards use beyond those). This catches "No data" panels
before deploy; the end-to-end tests run the queries against a live Prometheus.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generators import catalog
from generators.pipeline import serialize
from generators.validate import tools
from generators.validate.grafana_checks import dashboards, panels

DURATIONS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__range_s": "3600", "__interval_ms": "60000"}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2"}
BUILTIN = {
    "up",
    "scrape_samples_scraped",
    "scrape_duration_seconds",
    "scrape_series_added",
    "scrape_samples_post_metric_relabeling",
    "ALERTS",
    "ALERTS_FOR_STATE",
}
JOB_MATCHER = re.compile(r'\bjob="([^"]*)"')
LABEL_VALUES = re.compile(r"^label_values\((.*),\s*\w+\)$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(file: Path) -> Any:
    return yaml.load(file.read_text(), Loader=_LOADER) or {}


def substitute(expr: str) -> str:
    """Grafana variables -> values PromQL accepts (durations for the interval variables)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return DURATIONS.get(name, "placeholder")

    return VARIABLE.sub(value, expr)


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (strings, matchers, ranges and grouping clauses removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = re.findall(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", text)
    return {n for n in names if n not in KEYWORDS}


def queries(root: Path) -> list[tuple[str, str]]:
    """(where, expr) of every panel target and every query variable of the rendered dashboards."""
    out = []
    for name, board in dashboards(root):
        for panel in panels(board):
            for target in panel.get("targets", []):
                out.append((f"{name}: panel {panel.get('id')} ({panel.get('title')!r}) {target.get('refId')}", target.get("expr", "")))
        for var in board.get("templating", {}).get("list", []):
            match = LABEL_VALUES.match(str(var.get("query", ""))) if var.get("type") == "query" else None
            if match:
                out.append((f"{name}: variable ${var['name']}", match.group(1)))
    return out


@functools.cache
def exporter_metrics() -> dict[str, tuple[str, ...]]:
    """Per exporter kind (catalog `exporter_metrics`, or a kind with compose services), what its panels read."""
    return {k.name: k.exporter_metrics for k in catalog.records() if k.exporter_metrics or k.compose}


def _required(kind: str) -> str | None:
    info = catalog.kind(kind)
    required = info.get("required")
    return None if required is None else str(info.get("metrics", {}).get(required, required))


def _rule_metrics(root: Path) -> set[str]:
    known = set(BUILTIN)
    for file in sorted((root / "prometheus" / "rules").glob("*.yml")):
        for group in _load(file).get("groups", []):
            for rule in group.get("rules", []):
                known |= metric_names(str(rule["expr"]))
                if "record" in rule:
                    known.add(rule["record"])
    return known


def _test_series(root: Path) -> set[str]:
    known = set()
    for file in sorted((root / "prometheus" / "tests").glob("*.yml")):
        for test in _load(file).get("tests", []):
            for series in test.get("input_series", []):
                known.add(str(series["series"]).split("{", 1)[0])
    return known


def known_metrics(root: Path, wanted: set[str] | None = None) -> set[str]:
    """What the rendered Prometheus side (rules and tests) plus the declared exporters provide. With `wanted`, the
    tests (15 MB of YAML at 1,000 services) are read only when the rules and exporters leave one of those unknown:
    _provided only adds names as its input grows, so what they cover, the tests cannot uncover."""
    from_rules = _rule_metrics(root)
    if wanted is not None and wanted <= (known := _provided(from_rules)):
        return known
    return _provided(from_rules | _test_series(root))


def _provided(found: set[str]) -> set[str]:
    """`found` plus the metrics of every exporter whose required metric is in it, plus _sum/_count of buckets."""
    known = set(found)
    for kind, names in exporter_metrics().items():
        required = _required(kind)
        if required is not None and required in known:
            known |= set(names) | {
                str(v) for k, v in catalog.kind(kind).get("metrics", {}).items() if not k.endswith("_label") and k != "error_status"
            }
    for name in list(known):
        if name.endswith("_bucket"):
            base = name.removesuffix("_bucket")
            known |= {base + "_sum", base + "_count"}
    return known


def _promtool(items: list[tuple[str, str]], toolset: str) -> list[str]:
    rules: list[dict[str, Any]] = [{"record": f"grafana_panel:query:{i}", "expr": substitute(expr)} for i, (_, expr) in enumerate(items)]
    with tempfile.TemporaryDirectory(prefix="grafana-queries-") as tmp:
        file = Path(tmp) / "queries.yml"
        file.write_text(serialize.dump_yaml({"groups": [{"name": "grafana-panels", "rules": rules}]}))
        result = tools.promtool(["check", "rules", str(file)], Path(tmp), toolset)
    if result.ok:
        return []
    located = [
        f"{items[int(n) - 1][0]}: {items[int(n) - 1][1]}"
        for n in sorted(set(re.findall(r"rule (\d+)", result.output)), key=int)
        if 0 < int(n) <= len(items)
    ]
    return [f"promtool rejects a panel query:\n{result.output}", *(f"  -> {where}" for where in located)]


def scrape_jobs(root: Path) -> set[str]:
    config = root / "prometheus" / "prometheus.yml"
    return {str(c["job_name"]) for c in _load(config).get("scrape_configs", [])} if config.is_file() else set()


def grafana_queries(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Both checks below: what every query parses to on the set's promtool, then the metrics and jobs it reads."""
    return panel_queries(root, full, toolset) + panel_metrics(root, full, toolset)


def panel_queries(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Validator: every panel query through the set's promtool, one call (fast enough for render too)."""
    del full
    items = queries(root)
    return _promtool(items, toolset) if items else []


def panel_metrics(root: Path, full: bool, toolset: str = tools.STABLE) -> list[str]:
    """Validator: the scrape jobs and metrics every query reads exist (no promtool/amtool: one set)."""
    del full, toolset
    items = queries(root)
    if not items:
        return []
    problems = []
    wanted = {name for _, expr in items for name in metric_names(substitute(expr))}
    known = known_metrics(root, wanted)
    jobs = scrape_jobs(root)
    for where, expr in items:
        for job in sorted(set(JOB_MATCHER.findall(expr)) - jobs if jobs else ()):
            problems.append(f'{where}: job="{job}" is not a scrape job of prometheus/prometheus.yml ({", ".join(sorted(jobs))})')
        for name in sorted(metric_names(substitute(expr)) - known):
            why = "no recording rule, alert input or declared exporter has it"
            problems.append(f"{where}: metric {name} is produced by nothing in the spec ({why}): the panel would show No data")
    return problems

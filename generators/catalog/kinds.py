"""A kind of the catalog as one typed record: its signals plus where it is declared, its dashboard panels, its
docs heading, its compose services and its demo role (all read from its block in catalog/signals.yaml).

`problems()` is the registry's consistency check: tests/catalog/test_catalog_registry.py runs it on every kind, and
`record()` refuses a kind it finds a problem in, so a half-written kind stops the render instead of silently
dropping the outputs its missing field would feed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Any

import jinja2

from generators.model import conventions

WHERE = ("services", "hosts", "containers", "probes")  # `declared:`: the spec section that declares such objects
DEMO_APPS = ("http", "queue")  # roles of the demo app (compose/demo-app --serve ROLE=PORT)
# What each role of the demo app exports (its metric families, histograms as their series, and their labels), as
# compose/demo-app/app.py writes them; tests/outputs/compose/test_demo_app.py scrapes the app and compares.
DEMO_APP_SERVES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "http": (
        frozenset(
            {
                "http_requests_total",
                *(f"{h}_{s}" for h in ("http_request_duration_seconds", "llm_api_request_duration_seconds") for s in ("bucket", "sum")),
                *(f"{h}_count" for h in ("http_request_duration_seconds", "llm_api_request_duration_seconds")),
                "llm_api_requests_total",
                "llm_quota_used_ratio",
                "llm_tenant_quota_used_ratio",
                "sse_active_connections",
                "recommendations_served_total",
            }
        ),
        frozenset({"handler", "method", "status_code", "provider", "tenant"}),
    ),
    "queue": (frozenset({"job_queue_depth", "job_queue_oldest_job_age_seconds"}), frozenset({"queue"})),
}
MAPPINGS = ("up",)  # value mappings a panel may name (0 DOWN red, 1 UP green)
BOUNDS = ("ratio",)  # axis bounds a panel may name (0..100%)
METRIC = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_FILTER_NAMES = ("base", "bad_status", "good_status", "matched_status", "other_status")  # catalog.FILTERS' names


class CatalogError(ValueError):
    """An incomplete or inconsistent kind record (a bug of the catalog, not of the spec)."""


@dataclass(frozen=True)
class QuerySpec:
    expr: str  # Jinja2 PromQL: job, service, m, limit
    legend: str = ""  # Grafana legend format, as written
    legend_label: str = ""  # or: the metric key whose label names the series ({{<label>}})
    instant: bool = False
    table: bool = False


@dataclass(frozen=True)
class PanelSpec:
    """One panel of a kind's dashboard row. `signal` panels show an alert (thresholds, runbook link); a signal
    panel without queries gets the default one (the alert's value expression), after the laid-out panels."""

    signal: str
    key: str
    title: str  # Jinja2: job, service, m, limit
    unit: str
    type: str
    width: int
    height: int
    stack: bool
    mappings: str
    bounds: str
    requires: tuple[str, ...]  # metric keys that must be set for the panel to exist
    queries: tuple[QuerySpec, ...]


@dataclass(frozen=True)
class ComposeService:
    name: str
    image: str  # a key of catalog/images.yaml
    entrypoint: tuple[str, ...]  # Jinja2 with secrets_dir (e.g. a shell that reads a secret into the environment)
    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]  # values are Jinja2 with secrets_dir
    volumes: tuple[str, ...]
    secrets: tuple[str, ...]
    healthcheck: tuple[str, ...]
    depends_on: tuple[str, ...]
    memory: str
    user: str
    tmpfs: tuple[str, ...]
    exception: str  # why the service lacks a hardening default (x-hardening-exceptions)


@dataclass(frozen=True)
class Demo:
    app: str  # the demo app serves the kind's scrape job with this role, or
    role: str  # a native role of generators/stack/demo_databases.py starts server and exporter
    packages: tuple[str, ...]  # Debian packages the role needs (.ci/run installs them)
    binaries: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    name: str
    declared: str  # "" for the stack's own kinds and the target signals
    docs_title: str
    dashboard: str  # a key of conventions.DASHBOARDS
    row: str  # the row title's prefix on its dashboard
    panels: tuple[PanelSpec, ...]
    exporter_metrics: tuple[str, ...]  # exporter metrics the panels read that no rule reads
    compose: tuple[ComposeService, ...]
    demo: Demo | None


def _query(raw: dict[str, Any]) -> QuerySpec:
    return QuerySpec(
        str(raw["expr"]), str(raw.get("legend", "")), str(raw.get("legend_label", "")), bool(raw.get("instant")), bool(raw.get("table"))
    )


def _panel(raw: dict[str, Any]) -> PanelSpec:
    return PanelSpec(
        signal=str(raw.get("signal", "")),
        key=str(raw.get("key", "")),
        title=str(raw.get("title", "")),
        unit=str(raw.get("unit", "short")),
        type=str(raw.get("type", "timeseries")),
        width=int(raw.get("width", 8)),
        height=int(raw.get("height", 8)),
        stack=bool(raw.get("stack", False)),
        mappings=str(raw.get("mappings", "")),
        bounds=str(raw.get("bounds", "")),
        requires=tuple(raw.get("requires", ())),
        queries=tuple(_query(q) for q in raw.get("queries", ())),
    )


def _service(name: str, raw: dict[str, Any]) -> ComposeService:
    return ComposeService(
        name=name,
        image=str(raw.get("image", "")),
        entrypoint=tuple(str(c) for c in raw.get("entrypoint", ())),
        command=tuple(str(c) for c in raw.get("command", ())),
        environment=tuple((str(k), str(v)) for k, v in (raw.get("environment") or {}).items()),
        volumes=tuple(raw.get("volumes", ())),
        secrets=tuple(raw.get("secrets", ())),
        healthcheck=tuple(str(c) for c in raw.get("healthcheck", ())),
        depends_on=tuple(raw.get("depends_on", ())),
        memory=str(raw.get("memory", "")),
        user=str(raw.get("user", "65534:65534")),
        tmpfs=tuple(raw.get("tmpfs", ("/tmp",))),
        exception=str(raw.get("exception", "")),
    )


def parse(name: str, raw: dict[str, Any]) -> Kind:
    demo = raw.get("demo")
    return Kind(
        name=name,
        declared=str(raw.get("declared", "")),
        docs_title=str(raw.get("docs_title", "")),
        dashboard=str(raw.get("dashboard", "")),
        row=str(raw.get("row", "")),
        panels=tuple(_panel(p) for p in raw.get("panels", ())),
        exporter_metrics=tuple(raw.get("exporter_metrics", ())),
        compose=tuple(_service(n, s) for n, s in (raw.get("compose") or {}).items()),
        demo=None
        if demo is None
        else Demo(str(demo.get("app", "")), str(demo.get("role", "")), tuple(demo.get("packages", ())), tuple(demo.get("binaries", ()))),
    )


_CHECKED: dict[str, str] = {}  # template name (its hash) -> source, for the check environment's loader


@functools.cache
def _check_environment() -> jinja2.Environment:
    """One environment for every check, templates loaded by content hash so Jinja's bytecode cache (the folder
    catalog.environment uses) skips compiling them again on the next run."""
    folder = os.path.join(conventions.cache_folder(), "jinja")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        folder = tempfile.gettempdir()
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_CHECKED.get),
        bytecode_cache=jinja2.FileSystemBytecodeCache(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update({f: (lambda m: m) if f == "base" else (lambda *a: "") for f in _FILTER_NAMES})
    return env


def _template_problem(template: str, context: dict[str, Any]) -> str:
    name = "check-" + hashlib.sha256(template.encode()).hexdigest()
    _CHECKED[name] = template
    try:
        _check_environment().get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        return str(exc)
    return ""


def _panel_problems(kind: str, raw: dict[str, Any], signals: dict[str, Any], metrics: dict[str, Any]) -> list[str]:
    out: list[str] = []
    optional = {key: key for s in signals.values() for key in s.get("requires", ())}  # optional metric keys
    keys = {**optional, **metrics, "required": "required"}
    context = {
        "job": "job",
        "service": "service",
        "m": keys,
        "limit": 1,
        "by": ["label"],
        "le": "0.5",
        "le_matcher": 'le="0.5"',
        "le_stored": "0.5",
    }
    shown: set[str] = set()
    for i, panel in enumerate(raw.get("panels") or ()):
        at = f"kinds.{kind}.panels[{i}]"
        spec = _panel(panel)
        if bool(spec.signal) == bool(spec.key):
            out.append(f"{at}: set either `signal` (a panel for an alert) or `key` (a panel without one)")
            continue
        if spec.signal and spec.signal not in signals:
            out.append(f"{at}.signal: '{spec.signal}' is not a signal of {kind} (signals: {', '.join(signals)})")
        shown.add(spec.signal)
        if not spec.queries:
            if spec.key:
                out.append(f"{at}: no queries (only a `signal` panel may leave them out and get the default panel)")
            continue
        if not spec.title:
            out.append(f"{at}: no title")
        for field, value, allowed in (("mappings", spec.mappings, MAPPINGS), ("bounds", spec.bounds, BOUNDS)):
            if value and value not in allowed:
                out.append(f"{at}.{field}: '{value}' is not one of {', '.join(allowed)}")
        out += [f"{at}.requires: '{r}' is not a metric key of {kind}" for r in spec.requires if r not in keys and r != "le"]
        for j, query in enumerate(spec.queries):
            if query.legend_label and query.legend_label not in metrics:
                out.append(f"{at}.queries[{j}].legend_label: '{query.legend_label}' is not a metric key of {kind}")
            problem = _template_problem(query.expr, context)
            if problem:
                out.append(f"{at}.queries[{j}].expr: {problem}")
    out += [
        f"kinds.{kind}.signals.{s}: no panel shows it (add `- {{signal: {s}, ...}}` to kinds.{kind}.panels)"
        for s in signals
        if s not in shown
    ]
    return out


def _compose_problems(kind: str, raw: dict[str, Any], images: set[str]) -> list[str]:
    out: list[str] = []
    services = raw.get("compose") or {}
    for name, service in services.items():
        at = f"kinds.{kind}.compose.{name}"
        spec = _service(name, service)
        if spec.image not in images:
            out.append(f"{at}.image: '{spec.image}' is not a key of generators/catalog/images.yaml")
        if not spec.memory:
            out.append(f"{at}: no memory (its mem_limit, e.g. 128m)")
        out += [f"{at}.depends_on: '{d}' is not a compose service of {kind}" for d in spec.depends_on if d not in services]
    return out


def _demo_problems(kind: str, raw: dict[str, Any], roles: set[str] | None) -> list[str]:
    at = f"kinds.{kind}.demo"
    demo = raw.get("demo")
    if demo is None:
        return [f"kinds.{kind}: no demo (app: {' or '.join(DEMO_APPS)}, or role: a role of generators/stack/demo_databases.py)"]
    spec = parse(kind, raw).demo
    assert spec is not None
    if bool(spec.app) == bool(spec.role):
        return [f"{at}: set either `app` (the demo app serves its job) or `role` (a native server and exporter)"]
    if spec.app:
        out = [] if spec.app in DEMO_APPS else [f"{at}.app: '{spec.app}' is not a role of the demo app ({', '.join(DEMO_APPS)})"]
        return out + ([f"kinds.{kind}.compose: the demo app serves this kind; exporters need `demo.role`"] if raw.get("compose") else [])
    out = []
    if roles is not None and spec.role not in roles:
        out.append(
            f"{at}.role: '{spec.role}' has no implementation in generators/stack/demo_databases.py (roles: {', '.join(sorted(roles))})"
        )
    if not spec.packages or not spec.binaries:
        out.append(f"{at}: a role needs `packages` (Debian) and `binaries` (to say which are missing)")
    if not raw.get("compose"):
        out.append(f"kinds.{kind}.compose: a kind scraped from an exporter needs its compose services")
    return out


def problems(kind: str, raw: dict[str, Any], images: set[str], roles: set[str] | None = None) -> list[str]:
    """Every reason the record of `kind` is incomplete or inconsistent; roles: the demo's implemented roles."""
    out: list[str] = []
    spec = parse(kind, raw)
    if spec.declared and spec.declared not in WHERE:
        out.append(f"kinds.{kind}.declared: '{spec.declared}' is not a spec section kinds are declared in ({', '.join(WHERE)})")
    if not spec.docs_title:
        out.append(f"kinds.{kind}: no docs_title (its heading in docs/signals.md)")
    if spec.dashboard not in conventions.DASHBOARDS:
        out.append(f"kinds.{kind}.dashboard: '{spec.dashboard}' is not a dashboard ({', '.join(sorted(conventions.DASHBOARDS))})")
    out += [f"kinds.{kind}.exporter_metrics: '{m}' is not a metric name" for m in spec.exporter_metrics if not METRIC.match(str(m))]
    if not isinstance(raw.get("shared_conditions", True), bool):
        out.append(f"kinds.{kind}.shared_conditions: '{raw['shared_conditions']}' is not true or false")
    if spec.declared != "services":
        return out
    signals, metrics = raw.get("signals") or {}, raw.get("metrics") or {}
    if spec.dashboard == "app-performance" and not spec.row:
        out.append(f"kinds.{kind}: no row (the title of its rows on the app-performance dashboard)")
    return out + _panel_problems(kind, raw, signals, metrics) + _compose_problems(kind, raw, images) + _demo_problems(kind, raw, roles)

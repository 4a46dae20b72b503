"""The signal catalog (catalog/signals.yaml): one record per kind, typed (catalog/kinds.py), and the Jinja2
environment for its PromQL templates."""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import yaml

from generators.catalog.kinds import CatalogError, ComposeService, Demo, Kind, PanelSpec, QuerySpec, parse, problems
from generators.model import conventions, test_series

CATALOG_DIR = Path(__file__).parent
CATALOG_FILE = CATALOG_DIR / "signals.yaml"
SLO_TIERS_FILE = CATALOG_DIR / "slo_tiers.yaml"  # burn-rate windows and tiers (Google SRE workbook)
IMAGES_FILE = CATALOG_DIR / "images.yaml"  # compose images no test runs; the others: versions.yaml
REPORTS_FILE = CATALOG_DIR / "reports.yaml"  # what a scheduled report may contain (docs/reports.md)


def _base(metric: str) -> str:
    """Counter name without its _total suffix, as recording-rule names use it."""
    return metric[: -len("_total")] if metric.endswith("_total") else metric


# The catalog's filters; spec templates (generators/spec_templates.py) get the same ones in their sandbox.
FILTERS = {
    "base": _base,
    "bad_status": test_series.bad_status,
    "good_status": test_series.good_status,
    "matched_status": test_series.matched_status,
    "other_status": test_series.other_status,
}

_SOURCES: dict[str, str] = {}


def _cache_dir() -> str:
    path = os.path.join(conventions.cache_folder(), "jinja")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        path = tempfile.gettempdir()
    return path


@functools.cache
def environment() -> jinja2.Environment:
    """Templates are loaded by content hash so Jinja's bytecode cache can skip recompiling them
    (compiling the catalog's few hundred templates costs about half a second per run)."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_SOURCES.get),
        bytecode_cache=jinja2.FileSystemBytecodeCache(_cache_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    return env


@functools.lru_cache(maxsize=4096)
def _compiled(template: str) -> tuple[jinja2.Template, dict[str, Any]]:
    """The template and a snapshot of its globals (Jinja's own: range, dict, ...; the same for every call)."""
    name = hashlib.sha256(template.encode()).hexdigest()
    _SOURCES[name] = template
    compiled = environment().get_template(name)
    return compiled, dict(compiled.globals)


def render(template: str, **context: Any) -> str:
    """Render one catalog string; StrictUndefined turns a typo into an error, not an empty selector.

    What Template.render does, but the context's parent is built from a snapshot of the globals: Jinja copies
    its globals ChainMap item by item on every call, a third of the cost of the 60,000 renders of a
    1,000-service spec. Same output, same exceptions."""
    compiled, globals_ = _compiled(template)
    env = compiled.environment
    ctx = env.context_class(env, {**globals_, **context}, compiled.name, compiled.blocks, globals=globals_)
    try:
        return env.concat(compiled.root_render_func(ctx))  # type: ignore[attr-defined,no-any-return]
    except Exception:
        env.handle_exception()
        raise  # handle_exception always raises; this line is for the type checker


@functools.cache
def load() -> dict[str, Any]:
    with CATALOG_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    kinds: dict[str, Any] = data["kinds"]
    return kinds


@functools.cache
def slo_tiers() -> dict[str, Any]:
    with SLO_TIERS_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


@functools.cache
def reports() -> dict[str, Any]:
    """The report contents (`contents:`) and the default list (`default_contents:`)."""
    with REPORTS_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


@functools.cache
def images() -> dict[str, str]:
    """Compose image per key: the tested components at their current version (versions.yaml), then images.yaml."""
    from generators.catalog import versions

    data = yaml.safe_load(IMAGES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {**versions.table().images(), **{str(k): str(v) for k, v in data.items()}}


@functools.cache
def template_text(name: str) -> str:
    """A template shipped with the catalog (templates/<name>): Alertmanager's message templates, the runbook's."""
    return (CATALOG_DIR / "templates" / name).read_text(encoding="utf-8")


def kind(name: str) -> dict[str, Any]:
    found: dict[str, Any] = load()[name]
    return found


def signals(kind_name: str) -> dict[str, dict[str, Any]]:
    return kind(kind_name).get("signals", {})  # type: ignore[no-any-return]


def signal_unit(signal: dict[str, Any]) -> str:
    return str(signal.get("unit", "count"))


def has_value(signal: dict[str, Any]) -> bool:
    return bool(signal.get("value", True))


def default_for(signal: dict[str, Any]) -> Decimal:
    from generators.model.values import parse_duration

    return parse_duration(signal.get("for", "0s"))


@functools.cache
def record(name: str) -> Kind:
    """The typed record of one kind; an incomplete record is refused (CatalogError), never half used."""
    found = problems(name, kind(name), set(images()))
    if found:
        raise CatalogError(f"generators/catalog/signals.yaml: {'; '.join(found)}")
    return parse(name, kind(name))


def records() -> tuple[Kind, ...]:
    """Every kind, in catalog order (the order of the schema's enum, docs/signals.md and the dashboards)."""
    return tuple(record(name) for name in load())


def dashboard(kind_name: str) -> str | None:
    """The dashboard (a conventions.DASHBOARDS key) that shows the signals of a kind; None if not a catalog kind."""
    return record(kind_name).dashboard if kind_name in load() else None


def exporter_kinds() -> frozenset[str]:
    """Service kinds whose scrape job an exporter serves (compose services of their own), not the demo app."""
    return frozenset(k.name for k in records() if k.compose)


# Kinds a service may declare under `services:`; the others are fixed blocks of the spec (`hosts:` -> host).
SERVICE_KINDS = tuple(k.name for k in records() if k.declared == "services")
BLOCK_KINDS = {k.declared: k.name for k in records() if k.declared and k.declared != "services"}
__all__ = ["CatalogError", "ComposeService", "Demo", "Kind", "PanelSpec", "QuerySpec"]

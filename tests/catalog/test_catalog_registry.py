"""The kind registry (generators/catalog/kinds.py): every record complete and consistent, and each mutation of a
good record reported with its exact message."""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generators import catalog
from generators.catalog import kinds
from generators.model import conventions
from generators.outputs.compose import compose
from generators.outputs.grafana import app_performance
from generators.stack import demo_databases

ROOT = Path(__file__).resolve().parents[2]
IMAGES = set(catalog.images())
ROLES = set(demo_databases.ROLES)


@pytest.mark.parametrize("kind", list(catalog.load()))
def test_every_kind_record_is_complete(kind: str) -> None:
    assert kinds.problems(kind, catalog.kind(kind), IMAGES, ROLES) == []


def test_the_old_tables_are_read_from_the_records() -> None:
    assert catalog.SERVICE_KINDS == ("http", "postgres", "redis", "queue", "external_api", "connections", "mysql", "histogram", "gauge")
    assert catalog.BLOCK_KINDS == {"hosts": "host", "containers": "container", "probes": "probe"}
    assert app_performance.kinds() == ("postgres", "redis", "queue", "external_api", "connections", "mysql", "histogram", "gauge")
    assert catalog.exporter_kinds() == {"postgres", "redis", "mysql"}
    assert compose.KIND_SECRETS == ("mysql_password", "postgres_password")
    assert demo_databases.native_kinds() == ("postgres", "redis", "mysql")


def test_every_demo_role_is_named_by_a_kind() -> None:
    named = {k.demo.role for k in catalog.records() if k.demo is not None and k.demo.role}
    assert named == ROLES


def test_ci_installs_the_packages_of_every_demo_role() -> None:
    line = next(x for x in (ROOT / ".ci" / "run").read_text().splitlines() if x.startswith("demo_packages="))
    out = subprocess.run(["bash", "-c", f"{line} && echo $demo_packages"], cwd=ROOT, capture_output=True, text=True, check=True)
    wanted = [p for k in catalog.records() if k.demo is not None for p in k.demo.packages]
    assert out.stdout.split() == wanted


def _postgres() -> dict[str, Any]:
    return copy.deepcopy(catalog.kind("postgres"))


def _panel(raw: dict[str, Any], signal: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in raw["panels"] if p.get("signal") == signal)
    return found


def _drop_panel(raw: dict[str, Any]) -> None:
    raw["panels"] = [p for p in raw["panels"] if p.get("signal") != "replication_lag"]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _both(raw: dict[str, Any]) -> None:
    _panel(raw, "slow_queries")["key"] = "slow"


def _legend(raw: dict[str, Any]) -> None:
    _panel(raw, "slow_queries")["queries"][0] = {"expr": "up", "legend_label": "database_label"}


def _typo(raw: dict[str, Any]) -> None:
    _panel(raw, "postgres_down")["queries"][0]["expr"] = 'min({{ m.upp }}{job="{{ job }}"})'


def _unknown_signal(raw: dict[str, Any]) -> None:
    _panel(raw, "replication_lag")["signal"] = "replica_lag"


def _app_with_exporter(raw: dict[str, Any]) -> None:
    raw["demo"] = {"app": "http"}


MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    (
        "a signal no panel shows",
        _drop_panel,
        ["kinds.postgres.signals.replication_lag: no panel shows it (add `- {signal: replication_lag, ...}` to kinds.postgres.panels)"],
    ),
    (
        "a panel of a signal the kind does not have",
        _unknown_signal,
        [
            "kinds.postgres.panels[4].signal: 'replica_lag' is not a signal of postgres "
            "(signals: postgres_down, pool_utilization, slow_queries, replication_lag)",
            "kinds.postgres.signals.replication_lag: no panel shows it (add `- {signal: replication_lag, ...}` to kinds.postgres.panels)",
        ],
    ),
    (
        "an image key not in images.yaml",
        _set("compose.postgres-exporter.image", "postgres_exporter"),
        ["kinds.postgres.compose.postgres-exporter.image: 'postgres_exporter' is not a key of generators/catalog/images.yaml"],
    ),
    (
        "an unknown dashboard",
        _set("dashboard", "databases"),
        [
            "kinds.postgres.dashboard: 'databases' is not a dashboard "
            "(alerts, app-performance, business, infrastructure, probes, service-health, slo, stack)"
        ],
    ),
    (
        "a demo role with no implementation",
        _set("demo.role", "postgresql"),
        [
            "kinds.postgres.demo.role: 'postgresql' has no implementation in generators/stack/demo_databases.py (roles: mysql, postgres, redis)"
        ],
    ),
    (
        "no demo",
        lambda raw: raw.pop("demo"),
        ["kinds.postgres: no demo (app: http or queue, or role: a role of generators/stack/demo_databases.py)"],
    ),
    (
        "the demo app serving a kind with an exporter",
        _app_with_exporter,
        ["kinds.postgres.compose: the demo app serves this kind; exporters need `demo.role`"],
    ),
    (
        "a role without its packages",
        _set("demo.packages", []),
        ["kinds.postgres.demo: a role needs `packages` (Debian) and `binaries` (to say which are missing)"],
    ),
    (
        "an unknown spec section",
        _set("declared", "databases"),
        ["kinds.postgres.declared: 'databases' is not a spec section kinds are declared in (services, hosts, containers, probes)"],
    ),
    ("no docs title", lambda raw: raw.pop("docs_title"), ["kinds.postgres: no docs_title (its heading in docs/signals.md)"]),
    ("no row title", lambda raw: raw.pop("row"), ["kinds.postgres: no row (the title of its rows on the app-performance dashboard)"]),
    (
        "a panel with both a signal and a key",
        _both,
        [
            "kinds.postgres.panels[3]: set either `signal` (a panel for an alert) or `key` (a panel without one)",
            "kinds.postgres.signals.slow_queries: no panel shows it (add `- {signal: slow_queries, ...}` to kinds.postgres.panels)",
        ],
    ),
    (
        "a legend label that is no metric key",
        _legend,
        ["kinds.postgres.panels[3].queries[0].legend_label: 'database_label' is not a metric key of postgres"],
    ),
    ("a typo in a query template", _typo, ["kinds.postgres.panels[0].queries[0].expr: 'dict object' has no attribute 'upp'"]),
    (
        "a dependency on a service the kind does not define",
        _set("compose.postgres-exporter.depends_on", ["postgresql"]),
        ["kinds.postgres.compose.postgres-exporter.depends_on: 'postgresql' is not a compose service of postgres"],
    ),
    (
        "a service without a memory limit",
        lambda raw: raw["compose"]["postgres"].pop("memory"),
        ["kinds.postgres.compose.postgres: no memory (its mem_limit, e.g. 128m)"],
    ),
    (
        "an unknown value mapping",
        lambda raw: _panel(raw, "postgres_down").update(mappings="updown"),
        ["kinds.postgres.panels[0].mappings: 'updown' is not one of up"],
    ),
    (
        "a bad exporter metric name",
        _set("exporter_metrics", ["pg-locks"]),
        ["kinds.postgres.exporter_metrics: 'pg-locks' is not a metric name"],
    ),
    (
        "shared_conditions that is not a boolean",
        _set("shared_conditions", "no"),
        ["kinds.postgres.shared_conditions: 'no' is not true or false"],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in MUTATIONS], ids=[i for i, _, _ in MUTATIONS])
def test_an_incomplete_record_is_reported(mutate: Callable[[dict[str, Any]], None], expected: list[str]) -> None:
    raw = _postgres()
    mutate(raw)
    assert kinds.problems("postgres", raw, IMAGES, ROLES) == expected


@pytest.fixture
def broken_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    raw = _postgres()
    raw["dashboard"] = "databases"
    original = catalog.kind
    monkeypatch.setattr(catalog, "kind", lambda name: raw if name == "postgres" else original(name))
    catalog.record.cache_clear()
    yield
    catalog.record.cache_clear()


@pytest.mark.usefixtures("broken_postgres")
def test_the_render_refuses_an_incomplete_record() -> None:
    with pytest.raises(catalog.CatalogError, match=re.escape("generators/catalog/signals.yaml: kinds.postgres.dashboard: 'databases'")):
        catalog.record("postgres")


def test_every_dashboard_a_kind_names_exists_and_every_compose_image_is_pinned() -> None:
    assert {k.dashboard for k in catalog.records()} <= set(conventions.DASHBOARDS)
    assert {s.image for k in catalog.records() for s in k.compose} <= IMAGES

"""End to end (make e2e): the `mysql` kind on Debian's MariaDB and mysqld-exporter, started by the native demo
(its catalog `demo.role`), and every panel of its dashboard row queried against the real exporter's data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from generators import catalog
from generators.model import conventions
from generators.model.types import Model
from generators.pipeline import render, spec, writer
from generators.stack import demo, demo_databases
from generators.validate.grafana_checks import panels
from tests import e2e_stack as e2e
from tests.conftest import IN_CI, ROOT, require_tool

pytestmark = pytest.mark.e2e
CASE = ROOT / "tests" / "cases" / "mysql" / "spec.yaml"
SERVICE = "orders-db"
# Panels of the row allowed to be empty, and why. Any other panel without data fails.
EXPECTED_EMPTY = {"replication_lag": "the demo MariaDB has no primary: SHOW SLAVE STATUS is empty, so no Seconds_Behind_Master"}
VARIABLES = {"__rate_interval": "1m", "__range": "1h", "service": SERVICE}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[demo.Stack, Model]]:
    for tool in e2e.BINARIES:
        require_tool(tool)
    if demo_databases.missing("mysql"):
        message = f"not installed: {', '.join(demo_databases.missing('mysql'))} (apt-get install {demo_databases.PACKAGES['mysql']})"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    folder = tmp_path_factory.mktemp("e2e-mysql")
    data = {**yaml.safe_load(CASE.read_text()), "stack": {"scrape_interval": "1s", "evaluation_interval": "1s"}}
    path = folder / "spec.yaml"
    path.write_bytes(writer.serialize("spec.yaml", data))
    model, _ = spec.load(path)
    running = demo.Stack(demo.plan(model, folder / "stack"), folder / "stack")
    try:
        running.start(timeout=90)
        yield running, model
    finally:
        running.stop()


def row_queries(model: Model) -> dict[str, list[str]]:
    """panel key -> its PromQL (variables substituted), for every panel of the service's row, from the rendered
    app-performance dashboard: the record's panels and the scrape-health panels."""
    documents = render.documents(model)
    uid = conventions.DASHBOARDS[catalog.record("mysql").dashboard].uid
    board: dict[str, Any] = next(json.loads(v) for k, v in documents.items() if k.endswith(f"/{uid}.json"))
    keys = [p.signal or p.key for p in catalog.record("mysql").panels] + ["target_down", "scrape_empty", "metric_absent"]
    by_id = {conventions.panel_id(SERVICE, key): key for key in keys}
    out: dict[str, list[str]] = {}
    for panel in panels(board):
        if panel.get("id") in by_id:
            exprs = [str(t["expr"]) for t in panel.get("targets", [])]
            for name, value in VARIABLES.items():
                exprs = [e.replace("${" + name + "}", value).replace("$" + name, value) for e in exprs]
            out[by_id[panel["id"]]] = [re.sub(r"\$\{?\w+\}?", ".*", e) for e in exprs]
    return out


def test_the_exporter_reaches_mariadb(live: tuple[demo.Stack, Model]) -> None:
    stack, _ = live
    e2e.wait_for("mysql_up == 1", lambda: e2e.query(stack, 'mysql_up{job="orders-db"} == 1'), timeout=60, every=1)


def test_every_panel_of_the_mysql_row_returns_data_from_the_exporter(live: tuple[demo.Stack, Model]) -> None:
    stack, model = live
    e2e.wait_for("two scrapes of the exporter", lambda: e2e.query(stack, 'count_over_time(mysql_up{job="orders-db"}[1m]) > 2'), timeout=60)
    queries = row_queries(model)
    record_keys = [p.signal or p.key for p in catalog.record("mysql").panels]
    assert sorted(queries) == sorted([*record_keys, "target_down", "scrape_empty", "metric_absent"])

    def empty() -> dict[str, list[str]]:
        return {key: exprs for key, exprs in queries.items() if not all(e2e.query(stack, e) for e in exprs)}

    # the recording rule and the rates need an evaluation or two after the first scrapes
    e2e.wait_for("every panel but the expected ones to have data", lambda: set(empty()) <= set(EXPECTED_EMPTY), timeout=60, every=1)
    assert sorted(empty()) == sorted(EXPECTED_EMPTY), json.dumps(empty(), indent=1)
    used = e2e.query(stack, queries["connection_utilization"][0])
    assert 0 < float(used[0]["value"][1]) <= 1, used  # the exporter's own connection of max_connections=20


def test_the_row_reads_the_metric_names_the_exporter_really_exports(live: tuple[demo.Stack, Model]) -> None:
    stack, _ = live
    names = {str(v) for k, v in catalog.kind("mysql")["metrics"].items()} - {"mysql_slave_status_seconds_behind_master"}
    found = {name for name in names if e2e.query(stack, f'{name}{{job="orders-db"}}')}
    assert found == names

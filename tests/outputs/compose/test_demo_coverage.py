"""The demo app's coverage (generators/outputs/compose/demo_coverage.py): a warning per service the demo app cannot
play, at its spec line, with the exact names it lacks; none for the example spec. And the list of what the demo
app serves (catalog.kinds.DEMO_APP_SERVES) is what compose/demo-app/app.py really exports: scraped here."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from generators.catalog.kinds import DEMO_APP_SERVES
from generators.pipeline import spec

ROOT = Path(__file__).parents[3]
GOOD = (ROOT / "tests" / "fixtures" / "good.yaml").read_text()
TAIL = (
    " it answers for job '{job}' with the example's names only (in the demo {effect}; point the job's targets at your app, "
    "or give the metrics the names of compose/demo-app/app.py)"
)


def _warnings(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "monitoring.yaml"
    path.write_text(text)
    _, warnings = spec.load(path)
    return [str(w).replace(str(path), "monitoring.yaml") for w in warnings if "demo-app" in str(w)]


CASES = [
    (
        "a service with its own metric names on a job the demo app answers for",
        GOOD.replace(
            "  cache:\n",
            "  payments:\n    team: payments\n    kind: http\n    targets: ['payments:8080']\n"
            "    metrics: {requests: payments_requests_total, status_label: status_code}\n  cache:\n",
        ),
        [
            "monitoring.yaml:24:3: services.payments: warning: the compose demo-app does not serve payments_requests_total:"
            + TAIL.format(job="payments", effect="its panels stay empty and PaymentsMetricAbsent fires")
        ],
    ),
    (
        "a histogram of the app the demo app does not export, kept per a label it has not",
        GOOD.replace(
            "  cache:\n",
            "  search:\n    team: search\n    kind: histogram\n    job: api\n"
            "    metrics: {histogram: search_seconds}\n    by: [index]\n    thresholds: {p95: {warning: '> 1s'}}\n  cache:\n",
        ),
        [
            "monitoring.yaml:24:3: services.search: warning: the compose demo-app does not serve search_seconds_bucket, label index:"
            + TAIL.format(job="api", effect="its panels stay empty and SearchMetricAbsent fires")
        ],
    ),
    (
        "the catalog's default status label where the demo app writes status_code",
        GOOD.replace("    metrics: {status_label: status_code}\n", ""),
        [
            "monitoring.yaml:16:3: services.api: warning: the compose demo-app does not serve label code:"
            + TAIL.format(job="api", effect="its rules and panels see no series with that label")
        ],
    ),
    ("the fixture: an http service with the demo app's names, a redis exporter", GOOD, []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_warning_per_service_the_demo_app_cannot_play(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert _warnings(tmp_path, text) == expected


def test_the_example_spec_gets_no_warning() -> None:
    _, warnings = spec.load(ROOT / "monitoring.yaml")
    assert [str(w) for w in warnings if "demo-app" in str(w)] == []


def test_the_served_list_is_what_the_app_exports() -> None:
    loaded = importlib.util.spec_from_file_location("demo_app", ROOT / "compose" / "demo-app" / "app.py")
    assert loaded is not None and loaded.loader is not None
    app = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(app)
    sim = app.Simulator(app.Metrics())
    sim.step(2.0)  # every family has samples: requests, their latencies, the LLM calls, recommendations
    for role, (metrics, labels) in DEMO_APP_SERVES.items():
        text = sim.metrics.exposition([role]).decode()
        samples = [line for line in text.splitlines() if line and not line.startswith("#")]
        names = {re.split(r"[{ ]", s, maxsplit=1)[0] for s in samples}
        names = {n for n in names if not n.endswith("_created")}  # prometheus_client's creation times: no rule reads them
        found = {label for s in samples for label in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', s)} - {"le"}
        assert (role, names, found) == (role, set(metrics), set(labels))

"""`python -m generators diff`: a git repo in tmp_path holds the base spec, the working tree a mutation of it.

Every expected line is written from the spec change (what the change must do to the render), not copied
from the tool's output: the thresholds' landing places, the route tree's channels, the panels of a new
service row as the README lists them for an HTTP service, the SLO's burn thresholds (factor x budget).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generators import cli

BASE = (Path(__file__).parents[1] / "fixtures" / "review-base.yaml").read_text()
SPEC = "spec.yaml"
HEADER = [
    "# Review: `spec.yaml`, HEAD → working tree",
    "",
    "Both specs are rendered by the working tree's generators: this shows what the spec change does, not a generator change.",
]
NEW_SERVICE = """
  payments:
    team: payments
    kind: http
    targets: ["payments:8080"]
    thresholds:
      error_rate: {critical: "> 1% for 5m"}
      latency_p95: false
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=review", "-c", "user.email=review@example.com", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose HEAD holds the base spec; the test's cwd."""
    (tmp_path / SPEC).write_text(BASE)
    git(tmp_path, "init", "-q", ".")
    git(tmp_path, "add", SPEC)
    git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def mutate(repo: Path, *edits: tuple[str, str]) -> None:
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    (repo / SPEC).write_text(text)


def review(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert cli.main(["diff", "--spec", SPEC, *args]) == cli.EXIT_OK
    return capsys.readouterr().out.splitlines()


def headings(lines: list[str]) -> list[str]:
    return [line.removeprefix("## ") for line in lines if line.startswith("## ")]


def section(lines: list[str], title: str) -> list[str]:
    """The list items of one section, intro and blank lines left out."""
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line.startswith(("- ", "  - "))]


ONE_THRESHOLD = [
    "- `ApiHighErrorRate` (`services.api.thresholds.error_rate`): critical `> 5% for 5m` → `> 6% for 5m`",
    "  - rule `prometheus/rules/api.rules.yml`: critical expr `> 0.05` → `> 0.06`",
    "  - annotation `prometheus/rules/api.rules.yml`: critical description `> 5%` → `> 6%`",
    "  - dashboard `Service health › api (backend) › Error ratio (5..)`: threshold red `0.05` → `0.06`; description `> 5%` → `> 6%`",
    "  - runbook `docs/runbooks/ApiHighErrorRate.md`: `> 5%` → `> 6%`",
    # fired and silent at 10% past / inside the threshold: 0.055 -> 0.066, 0.045 -> 0.054; the other four
    # groups of the alert carry the decoy job's series, which fires at the critical value
    "  - unit test `prometheus/tests/api.test.yml`: `ApiHighErrorRate critical fires at 0.055 (> 5% for 5m)` → "
    "`ApiHighErrorRate critical fires at 0.066 (> 6% for 5m)`; `ApiHighErrorRate critical silent at 0.045 (> 5% for 5m)` → "
    "`ApiHighErrorRate critical silent at 0.054 (> 6% for 5m)`; input_series in 4 more groups",
]
ONE_FOR = [
    "- `ApiHighErrorRate` (`services.api.thresholds.error_rate`): warning `> 2% for 10m` → `> 2% for 20m`",
    "  - rule `prometheus/rules/api.rules.yml`: warning for `10m` → `20m`",
    "  - annotation `prometheus/rules/api.rules.yml`: warning description `for 10m` → `for 20m`",
    "  - dashboard `Service health › api (backend) › Error ratio (5..)`: description `for 10m` → `for 20m`",
    "  - runbook `docs/runbooks/ApiHighErrorRate.md`: `for 10m` → `for 20m` (2×)",  # the description and the tier's row
    # the critical tier's silent group expects the warning alert firing: it now runs longer, past 20m
    "  - unit test `prometheus/tests/api.test.yml`: `ApiHighErrorRate warning fires at 0.022 (> 2% for 10m)` → "
    "`ApiHighErrorRate warning fires at 0.022 (> 2% for 20m)`; `ApiHighErrorRate warning pending before 10m` → "
    "`ApiHighErrorRate warning pending before 20m`; `ApiHighErrorRate warning silent at 0.018 (> 2% for 10m)` → "
    "`ApiHighErrorRate warning silent at 0.018 (> 2% for 20m)`; input_series, alert_rule_test in 1 more group",
]


def test_one_threshold_lists_that_threshold_and_its_five_landing_places(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(repo, ('critical: "> 5% for 5m"', 'critical: "> 6% for 5m"'))
    lines = review(capsys)
    assert lines[:3] == HEADER
    assert headings(lines) == ["Thresholds and `for`", "Rendered files"]
    assert section(lines, "Thresholds and `for`") == ONE_THRESHOLD
    assert section(lines, "Rendered files") == [
        "- changed (6): `docs/runbooks/ApiHighErrorRate.md`, `grafana/dashboards/Services/service-health.json`, "
        "`kubernetes/grafana/dashboards/service-health.yaml`, `kubernetes/prometheusrules/api.yaml`, "
        "`prometheus/rules/api.rules.yml`, `prometheus/tests/api.test.yml`"
    ]


def test_one_for_lists_the_tier_and_where_its_duration_lands(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(repo, ('warning: "> 2% for 10m"', 'warning: "> 2% for 20m"'))
    lines = review(capsys)
    assert headings(lines) == ["Thresholds and `for`", "Rendered files"]
    assert section(lines, "Thresholds and `for`") == ONE_FOR


def test_a_new_service_lists_its_alerts_routes_panels_and_scrape_job(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(
        repo,
        (
            '    slos:\n      availability: {sli: availability, objective: "99.5%", window: 30d}\n',
            '    slos:\n      availability: {sli: availability, objective: "99.5%", window: 30d}\n' + NEW_SERVICE,
        ),
    )
    lines = review(capsys)
    assert headings(lines) == ["Alerts", "Who gets what", "Inhibitions", "Dashboards", "Scrape jobs", "Rendered files"]
    assert section(lines, "Alerts") == [
        "- added `PaymentsTargetDown` (service `payments`, team `payments`): critical `for 2m`",
        "- added `PaymentsTargetScrapeEmpty` (service `payments`, team `payments`): warning `for 10m`",
        "- added `PaymentsMetricAbsent` (service `payments`, team `payments`): warning `for 10m`",
        "- added `PaymentsHighErrorRate` (service `payments`, team `payments`): critical `> 1% for 5m`",
    ]
    assert section(lines, "Who gets what") == [
        "- new → chat, pager: `PaymentsTargetDown` critical, `PaymentsHighErrorRate` critical",
        "- new → chat: `PaymentsTargetScrapeEmpty` warning, `PaymentsMetricAbsent` warning",
    ]
    assert section(lines, "Inhibitions") == [
        "- changed (equal `instance`): source `alertname=~` adds `PaymentsTargetDown`; target `alertname!~` adds `PaymentsTargetDown`"
    ]
    assert section(lines, "Dashboards") == [
        "- `Service health`, row `payments (payments)` (new row): added 14 panels: `Target state`, `Samples per scrape`, "
        "`Series of http_requests_total`, `Uptime (time range)`, `Request rate`, `Error ratio (5..)`, `Latency p50`, `Latency p95`, "
        "`Latency p99`, `Requests by status code`, `Top endpoints by request rate`, `Slowest endpoints (p95)`, `Endpoint error ratio`, "
        "`Firing alerts`"
    ]
    assert section(lines, "Scrape jobs") == ["- added `payments`: `payments:8080`"]


def test_a_new_channel_and_team_route_moves_the_teams_criticals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(
        repo,
        ("  chat:", "  data-genie: {type: opsgenie, api_key_secret: genie_key}\n  chat:"),
        ("  warning: [chat]\n", "  warning: [chat]\n  teams:\n    backend: {critical: [data-genie]}\n"),
    )
    lines = review(capsys)
    assert headings(lines) == ["Who gets what", "Channels, receivers and routes", "Other rendered changes", "Rendered files"]
    assert section(lines, "Who gets what") == [
        "- chat, pager → data-genie: `ApiTargetDown` critical, `ApiHighErrorRate` critical, "
        "`ApiAvailabilityErrorBudgetBurn` critical page-1h, `ApiAvailabilityErrorBudgetBurn` critical page-6h"
    ]
    assert section(lines, "Channels, receivers and routes") == [
        "- added channel `data-genie` (opsgenie)",
        '- added route `team="backend", severity="critical"` → `data-genie`',
        "- added receiver `data-genie`",
    ]
    assert section(lines, "Other rendered changes") == ["- runbook: `pager, chat` → `data-genie`: `ApiHighErrorRate`, `ApiTargetDown`"]


def test_a_removed_alert_is_listed_with_the_channels_it_no_longer_reaches(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(repo, ('error_rate: {warning: "> 2% for 10m", critical: "> 5% for 5m"}', "error_rate: false"))
    lines = review(capsys)
    assert headings(lines) == ["Alerts", "Who gets what", "Inhibitions", "Rendered files"]
    # the availability SLO page no longer mutes a threshold page: ApiHighErrorRate was its only target
    assert section(lines, "Inhibitions") == [
        '- removed: `alertname="ApiAvailabilityErrorBudgetBurn", slo="api-availability", tier=~"page-1h|page-6h"` mutes '
        '`alertname=~"ApiHighErrorRate", severity="critical"` with equal `service`'
    ]
    assert section(lines, "Alerts") == [
        "- removed `ApiHighErrorRate` (service `api`, team `backend`): warning `> 2% for 10m`, critical `> 5% for 5m`"
    ]
    assert section(lines, "Who gets what") == [
        "- chat → removed: `ApiHighErrorRate` warning",
        "- chat, pager → removed: `ApiHighErrorRate` critical",
    ]


def test_an_slo_objective_lists_every_burn_threshold_and_where_they_land(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(repo, ('objective: "99.5%"', 'objective: "99.9%"'))
    lines = review(capsys)
    assert headings(lines) == ["SLOs", "Rendered files"]
    slo = section(lines, "SLOs")
    # budget 0.005 -> 0.001; thresholds = factor x budget: 14.4, 6, 3, 1 (30d window)
    assert slo[0] == (
        "- `api-availability`: objective `99.5%` → `99.9%`; tier page-1h: error ratio threshold `0.072` → `0.0144`; "
        "tier page-6h: error ratio threshold `0.03` → `0.006`; tier ticket-1d: error ratio threshold `0.015` → `0.003`; "
        "tier ticket-3d: error ratio threshold `0.005` → `0.001`"
    )
    assert slo[1] == (
        "  - rule `prometheus/rules/slo-api-availability.rules.yml`: recording slo:objective:ratio expr `0.995` → `0.999`; "
        "recording slo:error_budget:ratio expr `0.005` → `0.001`; recording slo:error_budget_remaining:ratio expr `/ 0.005` → `/ 0.001`; "
        "critical page-1h expr `> 0.072` → `> 0.0144` (2×); critical page-6h expr `> 0.03` → `> 0.006` (2×); "
        "warning ticket-1d expr `> 0.015` → `> 0.003` (2×); warning ticket-3d expr `> 0.005` → `> 0.001` (2×)"
    )  # both windows of each tier compare with the threshold
    row = "SLOs and error budgets › api-availability: availability objective 0.999 over 30d (api, team backend)"
    assert f"  - dashboard `{row}`: title `objective 0.995` → `objective 0.999`" in slo
    assert (
        f"  - dashboard `{row} › SLI vs objective`: threshold green `0.995` → `0.999`; description `objective 0.995` → `objective 0.999`"
        in slo
    )
    assert (
        "  - runbook `docs/runbooks/ApiAvailabilityErrorBudgetBurn.md`: `99.5%` → `99.9%`; `0.005` → `0.001` (2×); "
        "`0.072` → `0.0144`; `0.03` → `0.006`; `0.015` → `0.003`"
    ) in slo
    kinds = [line.split(" `")[0] for line in slo[1:]]
    assert kinds == ["  - rule", "  - annotation", *["  - dashboard"] * 5, "  - runbook", *["  - unit test"] * 4]


def test_no_change_says_so(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert review(capsys) == [*HEADER, "", "No rendered file differs."]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "no-such-rev"], "python -m generators diff: --base no-such-rev: invalid object name 'no-such-rev'."),
        (["--spec", "other.yaml"], "python -m generators diff: --base HEAD: path 'other.yaml' exists on disk, but not in 'HEAD'"),
    ],
    ids=["an unknown revision", "a spec the revision does not have"],
)
def test_usage_errors_exit_2_with_one_line(repo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    (repo / "other.yaml").write_text(BASE)
    assert cli.main(["diff", "--spec", SPEC, *args]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.splitlines() == [message]


def test_an_invalid_base_spec_is_located_at_the_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate(repo, ('"> 5% for 5m"', '"> 5 percent for 5m"'))
    git(repo, "commit", "-q", "-a", "-m", "broken")
    mutate(repo)
    assert cli.main(["diff", "--spec", SPEC]) == cli.EXIT_SPEC
    assert capsys.readouterr().err.splitlines() == [
        "HEAD:spec.yaml:15:55: services.api.thresholds.error_rate.critical: '5 percent' is not a percentage (examples: 5%, 0.05)",
        "1 problem(s); no review",
    ]


def test_base_generators_render_the_revision_with_its_own_code(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The revision carries a copy of the generators whose runbook template says 'Causes': with
    --base-generators that wording shows as a change of every runbook; the spec change shows as before."""
    source = Path(cli.__file__).parent
    shutil.copytree(source, repo / "generators", ignore=shutil.ignore_patterns("__pycache__"))
    template = repo / "generators" / "catalog" / "templates" / "runbook.md.j2"
    assert "## Likely causes" in template.read_text()
    template.write_text(template.read_text().replace("## Likely causes", "## Causes"))
    git(repo, "add", "generators")
    git(repo, "commit", "-q", "-m", "generators")
    shutil.rmtree(repo / "generators")  # the working tree's generators are this checkout's
    mutate(repo, ('critical: "> 5% for 5m"', 'critical: "> 6% for 5m"'))
    lines = review(capsys, "--base-generators")
    assert lines[2] == "The HEAD side is rendered by HEAD's own generators, the working tree by its own: generator changes show too."
    changes = section(lines, "Thresholds and `for`")
    assert changes[:4] == ONE_THRESHOLD[:4]
    assert changes[4] == "  - runbook `docs/runbooks/ApiHighErrorRate.md`: `> 5%` → `> 6%`; `# Causes` → `# Likely causes`"
    assert changes[5] == ONE_THRESHOLD[5]

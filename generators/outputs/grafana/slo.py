"""SLOs and error budgets: per SLO the SLI against its objective, the budget left, burn rates, time to exhaustion.

Every number comes from `slo_rules.dashboard_data(model)` (exact decimal text): the objective is the SLI
panel's threshold, the tier factors are the burn-rate panel's thresholds (colored by the tier's severity).
Queries read only the SLO recordings, so the panels cost what the alerts already cost. Each row's queries
match both the SLO's own id and the `slo` variable: choosing SLOs in the variable empties the other rows.
An SLO alert's dashboard_url opens the burn-rate panel of its SLO (`conventions.SLO_ALERT_PANEL`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generators.model import conventions
from generators.outputs.grafana.adapter import Panel, Query, Step, Variable
from generators.outputs.grafana.signals import COLORS, Board
from generators.outputs.prometheus import slo_rules

KEY = "slo"
DESCRIPTION = (
    "The SLOs declared under `services.<name>.slos` in monitoring.yaml: SLI against the objective, error budget "
    "left over the SLO window, burn rate per window against the burn-rate tier factors, time until the budget "
    "is exhausted at the current burn rate. Empty while the spec declares no SLO."
)
VARIABLE = "slo"
BUDGET_STEPS = (Step("red", None), Step("green", Decimal(0)))  # below 0: the budget is overspent


def variables(board: Board) -> list[Variable]:
    ids = tuple(slo.id for slo in board.model.slos)
    return [Variable(VARIABLE, "SLO", values=ids)] if ids else []


def burn_steps(data: dict[str, Any]) -> tuple[Step, ...]:
    """Green below the slowest tier's factor; from each factor up, the color of that tier's severity."""
    rank = {s: i for i, s in enumerate(conventions.SEVERITIES)}
    by_value: dict[Decimal, str] = {}
    for tier in sorted(data["tiers"], key=lambda t: rank.get(t["severity"], 9)):
        by_value.setdefault(Decimal(tier["factor"]), COLORS.get(tier["severity"], "red"))
    return (Step("green", None), *(Step(color, value) for value, color in sorted(by_value.items())))


def burn_windows(data: dict[str, Any]) -> list[str]:
    """The long and short windows of the enabled tiers, shortest first (the order of the recordings)."""
    used = {w for t in data["tiers"] for w in (t["long_window"], t["short_window"])}
    return [w for w in data["windows"] if w in used]


def overview(board: Board) -> None:
    sel = f'{conventions.SLO}=~"${VARIABLE}"'
    firing = Query(
        f'sum by ({conventions.SLO}, {conventions.SLO_TIER}, {conventions.SEVERITY}) (ALERTS{{alertstate="firing", {sel}}})',
        instant=True,
        table=True,
    )
    uid = board.info.uid
    panels = [
        Panel(conventions.panel_id(uid, "firing"), "Firing burn-rate alerts (one row per SLO and tier)", "table", (firing,), width=12),
        Panel(
            conventions.panel_id(uid, "budget_left"),
            "Error budget left",
            "stat",
            (Query(f"{slo_rules.REMAINING}{{{sel}}}", "{{slo}}"),),
            "percentunit",
            BUDGET_STEPS,
            "Share of each SLO's error budget not yet spent over its window; negative once overspent.",
            width=6,
        ),
        Panel(
            conventions.panel_id(uid, "sli"),
            "SLI over the SLO window",
            "stat",
            (Query(f"1 - {slo_rules.WINDOW}{{{sel}}}", "{{slo}}"),),
            "percentunit",
            description="Share of good requests over each SLO's whole window.",
            width=6,
        ),
    ]
    board.add("Overview", f"{uid}/overview", panels)


def slo_rows(board: Board, data: dict[str, Any]) -> None:
    slo, budget, window = data["slo"], data["budget"], data["window"]
    sel = f'{{{conventions.SLO}="{slo}", {conventions.SLO}=~"${VARIABLE}"}}'
    ratios = data["ratio_recordings"]
    remaining = f"{slo_rules.REMAINING}{sel}"

    def panel(key: str, title: str, kind: str, queries: list[Query], unit: str, **kw: Any) -> Panel:
        return Panel(conventions.panel_id(slo, key), title, kind, tuple(queries), unit, **kw)

    factors = ", ".join(f"{t['name']} {t['factor']}x ({t['long_window']} and {t['short_window']})" for t in data["tiers"])
    longs = [t["long_window"] for t in data["tiers"]]
    panels = [
        panel(
            "sli",
            "SLI vs objective",
            "timeseries",
            [
                Query(f"1 - {ratios['window']}{sel}", f"SLI over {window}"),
                Query(f"1 - {ratios['1h']}{sel}", "SLI over 1h"),
                Query(f"{slo_rules.OBJECTIVE}{sel}", "objective"),
            ],
            "percentunit",
            steps=(Step("red", None), Step("green", Decimal(data["objective"]))),
            description=f"Good requests / all requests; red below the objective {data['objective']}.",
        ),
        panel(
            "budget_left",
            "Error budget left",
            "stat",
            [Query(remaining, "budget left")],
            "percentunit",
            steps=BUDGET_STEPS,
            description=f"1 - error ratio over {window} / {budget}: the share of the budget not yet spent.",
            width=4,
        ),
        panel(
            "budget_over_window",
            f"Error budget left over the last {window}",
            "timeseries",
            [Query(remaining, "budget left")],
            "percentunit",
            steps=BUDGET_STEPS,
            description=f"The budget left at each moment of the SLO window ({window}, this panel's own time range).",
            width=12,
            time_from=window,
        ),
        panel(
            conventions.SLO_ALERT_PANEL,
            "Burn rate per window (thresholds: tier factors)",
            "timeseries",
            [Query(f"{ratios[w]}{sel} / {budget}", w) for w in burn_windows(data)],
            "suffix:x",
            steps=burn_steps(data),
            description=(
                f"Error ratio over each window / the {budget} error budget (1x spends the budget in exactly {window}). "
                f"A tier fires while both its windows burn above its factor: {factors}."
            ),
            width=12,
            height=9,
        ),
        panel(
            "time_to_exhaustion",
            "Time to exhaustion at the current burn rate",
            "timeseries",
            [
                Query(f"clamp_min({remaining}, 0) * {data['window_seconds']} / ({ratios[w]}{sel} / {budget})", f"at the {w} burn rate")
                for w in dict.fromkeys(longs)
            ],
            "s",
            description=f"Budget left x {window} / burn rate over each tier's long window (the alert annotation's estimate).",
            width=12,
            height=9,
        ),
    ]
    title = f"{slo}: {data['sli']} objective {data['objective']} over {window} ({data['service']}, team {data['team']})"
    board.add(title, f"{slo}/slo", panels)


def rows(board: Board) -> None:
    data = slo_rules.dashboard_data(board.model)
    if data:
        overview(board)
    for item in data:
        slo_rows(board, item)
    board.leftovers()

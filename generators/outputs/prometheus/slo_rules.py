"""prometheus/rules/slo-<service>-<slo>.rules.yml: SLI recordings and one burn-rate alert per tier.

Recordings (labels slo, service):
  slo:sli_bad:rate5m, slo:sli_total:rate5m        the only rules that read raw series
  slo:sli_error:ratio_rate<w>                     w in 5m 30m 1h 2h 6h 1d 3d: sum_over_time of the two
                                                  5m rates over w, divided (traffic-weighted, cheap)
  slo:sli_error:ratio_window                      the same over the whole SLO window
  slo:objective:ratio, slo:error_budget:ratio     constants for dashboards
  slo:error_budget_remaining:ratio                1 - window error ratio / budget (negative: overspent)
Alerts: one rule per tier, both windows above factor x budget; labels slo, tier, long_window,
short_window, severity, service, team. Also: the inhibit rules and extra routes Alertmanager needs,
and one runbook per SLO alert.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from generators import catalog
from generators.model import conventions
from generators.model.types import SLO, BurnTier, Model
from generators.model.values import decimal_text, format_duration

BAD = "slo:sli_bad:rate5m"
TOTAL = "slo:sli_total:rate5m"
WINDOW = "slo:sli_error:ratio_window"
OBJECTIVE = "slo:objective:ratio"
BUDGET = "slo:error_budget:ratio"
REMAINING = "slo:error_budget_remaining:ratio"


def ratio(window: str) -> str:
    """Name of the error-ratio recording over `window` ('5m', '1h', or 'window' for the SLO window)."""
    return WINDOW if window == "window" else f"slo:sli_error:ratio_rate{window}"


def num(value: Any) -> str:
    return decimal_text(value)[0]


def _sel(slo: SLO) -> str:
    return f'{{{conventions.SLO}="{slo.id}"}}'


def recordings(slo: SLO) -> list[dict[str, Any]]:
    labels = {conventions.SLO: slo.id, conventions.SERVICE: slo.service}
    sel = _sel(slo)
    rules = [
        {"record": BAD, "expr": slo.bad},
        {"record": TOTAL, "expr": slo.total},
        {"record": ratio("5m"), "expr": f"{BAD}{sel} / {TOTAL}{sel}"},
    ]
    for window in [*catalog.slo_tiers()["windows"][1:], "window"]:
        span = slo.window_text if window == "window" else window
        rules.append({"record": ratio(window), "expr": f"sum_over_time({BAD}{sel}[{span}]) / sum_over_time({TOTAL}{sel}[{span}])"})
    rules += [
        {"record": OBJECTIVE, "expr": f"vector({num(slo.objective)})"},
        {"record": BUDGET, "expr": f"vector({num(slo.budget)})"},
        {"record": REMAINING, "expr": f"1 - {WINDOW}{sel} / {num(slo.budget)}"},
    ]
    return [{**r, "labels": dict(labels)} for r in rules]


def alert_expr(slo: SLO, tier: BurnTier) -> str:
    threshold = num(slo.threshold(tier))
    sel = _sel(slo)
    return f"{ratio(tier.long_text)}{sel} > {threshold} and {ratio(tier.short_text)}{sel} > {threshold}"


def labels(slo: SLO, tier: BurnTier) -> dict[str, str]:
    return {
        conventions.SEVERITY: tier.severity,
        conventions.SERVICE: slo.service,
        conventions.TEAM: slo.team,
        conventions.SLO: slo.id,
        conventions.SLO_TIER: tier.name,
        conventions.SLO_LONG_WINDOW: tier.long_text,
        conventions.SLO_SHORT_WINDOW: tier.short_text,
    }


def exhaustion(slo: SLO, rate: Fraction) -> str:
    """Time until a full budget is spent at `rate` x the sustainable burn: window / rate."""
    seconds = Fraction(slo.window) / rate
    return format_duration(Decimal(seconds.numerator) / Decimal(seconds.denominator))


def what(slo: SLO) -> str:
    if slo.sli == "latency":
        return f"{slo.service} requests took longer than {slo.inputs['le']}s"
    return f"{slo.service} requests failed"


def burn_query(slo: SLO, tier: BurnTier) -> str:
    """The burn rate over the tier's long window: its error ratio / the budget (1 = spending exactly the budget)."""
    return f"{ratio(tier.long_text)}{_sel(slo)} / {num(slo.budget)}"


def budget_left_query(slo: SLO) -> str:
    return f"{REMAINING}{_sel(slo)}"


def exhaustion_query(slo: SLO, tier: BurnTier) -> str:
    """Seconds until the budget left is gone at the tier's burn rate: budget left x window / burn rate."""
    return f"clamp_min({budget_left_query(slo)}, 0) * {slo.window} / ({burn_query(slo, tier)})"


def alert_annotations(slo: SLO, tier: BurnTier) -> dict[str, str]:
    factor, exact = decimal_text(tier.factor)
    approx = "" if exact else " (rounded)"
    return {
        "summary": f"{slo.id}: error budget burning at {factor}x or more{approx} ({tier.name})",
        "description": (
            f"{{{{ $value | humanizePercentage }}}} of {what(slo)} over the last {tier.long_text} (and over {tier.short_text}): "
            f"above {num(slo.threshold(tier))} = {factor} x the {num(slo.budget)} error budget "
            f"of the {slo.objective_text} objective over {slo.window_text}. "
            f"A burn at exactly {factor}x spends {num(tier.budget_share * 100)}% of the budget in {tier.long_text} "
            f"and all of it in {exhaustion(slo, tier.factor)}."
        ),
        "burn_rate": f'{{{{ with query `{burn_query(slo, tier)}` }}}}{{{{ . | first | value | printf "%.2f" }}}}x{{{{ end }}}}',
        "budget_left": f"{{{{ with query `{budget_left_query(slo)}` }}}}{{{{ . | first | value | humanizePercentage }}}}{{{{ end }}}}",
        "time_to_exhaustion": (
            f"{{{{ with query `{exhaustion_query(slo, tier)}` }}}}{{{{ . | first | value | humanizeDuration }}}}{{{{ end }}}}"
        ),
        "runbook_url": slo.runbook_url,
        "dashboard_url": slo.dashboard_url,
    }


def alert_rule(slo: SLO, tier: BurnTier) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": slo.alert, "expr": alert_expr(slo, tier)}
    if tier.for_:
        rule["for"] = tier.for_text
    rule["labels"] = dict(sorted(labels(slo, tier).items()))
    rule["annotations"] = alert_annotations(slo, tier)
    return rule


def group(slo: SLO) -> dict[str, Any]:
    return {"name": conventions.slo_group(slo.id), "rules": [*recordings(slo), *(alert_rule(slo, t) for t in slo.tiers)]}


def inhibit_rules(model: Model) -> list[dict[str, Any]]:
    """Alertmanager inhibit_rules: while a faster tier of an SLO fires, its slower tiers stay quiet.

    One rule per tier that has a slower one; `equal: [slo]` keeps it to the same SLO. Matchers use the
    Alertmanager >= 0.22 `source_matchers`/`target_matchers` syntax.
    """
    names = [t["name"] for t in catalog.slo_tiers()["tiers"]]
    used = {t.name for slo in model.slos for t in slo.tiers}
    order = [n for n in names if n in used]
    out = []
    for i, faster in enumerate(order[:-1]):
        slower = "|".join(order[i + 1 :])
        out.append(
            {
                "source_matchers": [f'{conventions.SLO_TIER}="{faster}"', f'{conventions.SLO}=~".+"'],
                "target_matchers": [f'{conventions.SLO_TIER}=~"{slower}"', f'{conventions.SLO}=~".+"'],
                "equal": [conventions.SLO],
            }
        )
    return out


def extra_routes(model: Model) -> list[dict[str, Any]]:
    """Tiers with `channels:`: matchers (slo, tier), the extra channels that alert must also reach, its severity."""
    return [
        {
            "matchers": [f'{conventions.SLO}="{slo.id}"', f'{conventions.SLO_TIER}="{tier.name}"'],
            "channels": list(tier.channels),
            "severity": tier.severity,
        }
        for slo in model.slos
        for tier in slo.tiers
        if tier.channels
    ]


def tier_rows(slo: SLO) -> list[str]:
    """Markdown table rows: tier, severity, windows, factor, threshold error ratio, for, exhaustion time."""
    return [
        f"| {tier.name} | {tier.severity} | {tier.long_text} / {tier.short_text} | {num(tier.factor)} | "
        f"{num(slo.threshold(tier))} | {tier.for_text} | {exhaustion(slo, tier.factor)} |"
        for tier in slo.tiers
    ]


def fault_inhibit_rules(model: Model) -> list[dict[str, Any]]:
    """One fault, one page: while an SLO's page tier fires, the service's critical threshold alerts on the same
    signal (error ratio for availability, latency percentiles for latency) stay quiet. The SLO pages first
    for a real breach (its fast tier needs 2m, a threshold 5m); a threshold page still goes out for a fault
    the SLO does not see. `equal: [service]` keeps it to the service."""
    out = []
    for slo in model.slos:
        pages = [t.name for t in slo.tiers if t.kind == "page"]
        signals = conventions.SLI_SIGNALS.get(slo.sli, ())
        targets = sorted({a.name for a in model.alerts if a.service == slo.service and a.signal in signals and a.kind != "custom"})
        if not pages or not targets:
            continue
        out.append(
            {
                "source_matchers": [
                    f'alertname="{slo.alert}"',
                    f'{conventions.SLO}="{slo.id}"',
                    f'{conventions.SLO_TIER}=~"{"|".join(pages)}"',
                ],
                "target_matchers": [f'alertname=~"{"|".join(targets)}"', f'{conventions.SEVERITY}="critical"'],
                "equal": [conventions.SERVICE],
            }
        )
    return out


def alert_label_sets(model: Model) -> list[dict[str, str]]:
    """The exact label set of every SLO alert (alertname included): inputs for amtool route tests."""
    return [{"alertname": slo.alert, **labels(slo, tier)} for slo in model.slos for tier in slo.tiers]


def dashboard_data(model: Model) -> list[dict[str, Any]]:
    """What an SLO / error-budget dashboard needs, per SLO (numbers as exact decimal text).

    Queries use the recordings above with {slo="<id>"}: SLI = 1 - slo:sli_error:ratio_window, budget left =
    slo:error_budget_remaining:ratio, burn rate over w = slo:sli_error:ratio_rate<w> / budget; tier factors
    are the thresholds to draw on the burn-rate panel; time to exhaustion = remaining x window / burn rate.
    """
    return [
        {
            "slo": slo.id,
            "service": slo.service,
            "team": slo.team,
            "sli": slo.sli,
            "objective": num(slo.objective),
            "budget": num(slo.budget),
            "window": slo.window_text,
            "window_seconds": slo.window,
            "alert": slo.alert,
            "windows": [*catalog.slo_tiers()["windows"], "window"],
            "ratio_recordings": {w: ratio(w) for w in [*catalog.slo_tiers()["windows"], "window"]},
            "tiers": [
                {
                    "name": t.name,
                    "severity": t.severity,
                    "long_window": t.long_text,
                    "short_window": t.short_text,
                    "factor": num(t.factor),
                    "threshold": num(slo.threshold(t)),
                }
                for t in slo.tiers
            ],
        }
        for slo in model.slos
    ]


def runbook(slo: SLO) -> str:
    lines = [
        f"<!-- {conventions.GENERATED_HEADER} -->",
        f"# {slo.alert}",
        "",
        f"SLO `{slo.id}` (team `{slo.team}`): {slo.objective_text} of {slo.service} requests "
        + ("succeed" if slo.sli == "availability" else f"are faster than {slo.inputs['le']}s")
        + f" over {slo.window_text}. Error budget: {num(slo.budget)} of requests.",
        "",
        "| tier | severity | long / short window | burn factor | error ratio threshold | for | budget gone at that rate in |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += tier_rows(slo)
    lines += [
        "",
        "## What to do",
        "",
        "1. Open the dashboard link of the alert: which window burns, since when, how much budget is left.",
        "2. Find the cause as for the service's own alerts: errors or latency per endpoint "
        f'(`service_endpoint:*{{service="{slo.service}"}}`), recent deploys, failing dependencies.',
        "3. A page tier means the budget is gone in days at this rate: mitigate first (roll back, shed load), then investigate.",
        "4. A ticket tier means a slow leak: plan the fix within the working week.",
        "",
        "A faster tier firing silences the slower tiers of the same SLO (Alertmanager inhibit rule).",
        "",
        "## Queries",
        "",
        "```promql",
        f'{WINDOW}{{slo="{slo.id}"}}',
        f'{REMAINING}{{slo="{slo.id}"}}',
        f'{BAD}{{slo="{slo.id}"}} / {TOTAL}{{slo="{slo.id}"}}',
        "```",
        "",
    ]
    return "\n".join(lines)


def build(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for slo in model.slos:
        out[f"prometheus/{conventions.slo_rule_file(slo.id)}"] = {"groups": [group(slo)]}
        out[f"docs/runbooks/{slo.alert}.md"] = runbook(slo)
    return out

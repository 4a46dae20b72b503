"""`slos:` of a service -> model.SLO: objective, window, SLI selectors and burn-rate tiers, exactly.

Numbers are fractions until they are written: the budget of 99.5% is 0.005, a factor for a 30-day
window is 14.4, and a factor that has no finite decimal (28d / 3d x 10%) is written with 15
significant digits (all a float64 in PromQL can hold anyway) and flagged `exact=False`.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from generators import catalog
from generators.model import conventions, prom_compat, routing_model
from generators.model.context import Context
from generators.model.conventions import SLI_KINDS, SLO_SERVICE_KINDS
from generators.model.types import SLO, BurnTier, Service
from generators.model.values import ValueProblem, decimal_text, parse_amount, parse_duration

_LE = re.compile(r"^(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf)$")
_WINDOW = re.compile(r"^([1-9]\d*)d$")
_EXAMPLE = 'e.g. availability: {sli: availability, objective: "99.5%", window: 30d}'


def build(b: Context, services: list[Service]) -> list[SLO]:
    """Every SLO of every service; problems go to the builder."""
    out: list[SLO] = []
    built = {s.name: s for s in services}
    for name, raw in sorted((b.spec.get("services") or {}).items()):
        slos = raw.get("slos") if isinstance(raw, dict) else None
        if not isinstance(slos, dict) or name not in built:
            continue
        service = built[name]
        if service.kind not in SLO_SERVICE_KINDS:
            b.problem(
                ("services", name, "slos"),
                f"SLOs need request metrics: a service of kind {' or '.join(SLO_SERVICE_KINDS)} (this one is {service.kind})",
            )
            continue
        for key, spec in slos.items():
            slo = _slo(b, ("services", name, "slos", key), service, key, spec)
            if slo is not None:
                out.append(slo)
    used = {f"channels.{c}" for slo in out for tier in slo.tiers for c in tier.channels}
    b.warnings = [w for w in b.warnings if w.path not in used]  # "no route uses it": an SLO tier does
    return out


def _slo(b: Context, path: tuple[str, ...], service: Service, key: str, spec: Any) -> SLO | None:
    if not isinstance(spec, dict):
        b.problem(path, f"an SLO is a mapping, {_EXAMPLE}")
        return None
    ok = True
    sli = spec.get("sli")
    if sli not in SLI_KINDS:
        b.problem((*path, "sli"), f"{sli!r} is not an SLI kind; use availability or latency, {_EXAMPLE}")
        ok = False
    objective, objective_text = _objective(b, (*path, "objective"), spec.get("objective"))
    days = _window(b, (*path, "window"), spec.get("window"))
    selectors = _selectors(b, path, service, str(sli), spec) if ok else None
    tiers = _tiers(b, path, spec.get("tiers") or {}, days, objective) if objective and days else None
    if selectors is None or tiers is None or objective is None or days is None:
        return None
    bad, total, inputs = selectors
    slo_id = f"{service.name}-{key}"
    alert = conventions.camel(service.name) + conventions.camel(key) + "ErrorBudgetBurn"
    stack = b.spec.get("stack") or {}
    return SLO(
        name=key,
        id=slo_id,
        service=service.name,
        team=service.team,
        sli=str(sli),
        objective=objective,
        objective_text=objective_text,
        window_days=days,
        bad=bad,
        total=total,
        tiers=tiers,
        alert=alert,
        runbook_url=conventions.runbook_url(stack.get("runbook_url", "docs/runbooks"), alert),
        dashboard_url=conventions.slo_dashboard_url(stack.get("grafana_url", "http://localhost:3000"), slo_id),
        inputs=inputs,
        path=path,
    )


def _objective(b: Context, path: tuple[str, ...], raw: Any) -> tuple[Fraction | None, str]:
    example = 'write a percentage below 100%, e.g. objective: "99.5%"'
    if not isinstance(raw, str) or not raw.strip().endswith("%"):
        b.problem(path, f"{raw!r} is not an objective; {example}")
        return None, ""
    try:
        value = parse_amount(raw.strip(), "percent")
    except ValueProblem as exc:
        b.problem(path, f"{exc}; {example}")
        return None, ""
    if not 0 < value < 1:
        reason = "leaves no error budget to alert on" if value == 1 else "must be above 0%"
        b.problem(path, f"{raw!r} {reason}; {example}")
        return None, ""
    return Fraction(value), raw.strip()


def _window(b: Context, path: tuple[str, ...], raw: Any) -> int | None:
    match = _WINDOW.match(raw) if isinstance(raw, str) else None
    if not match:
        b.problem(path, f"{raw!r} is not a window; write a whole number of days, e.g. window: 30d (or 28d)")
        return None
    return int(match[1])


def _selectors(
    b: Context, path: tuple[str, ...], service: Service, sli: str, spec: dict[str, Any]
) -> tuple[str, str, dict[str, str]] | None:
    m, job = service.metrics, service.job
    base = f'job="{job}"'
    inputs = {"job": str(job), "status_label": m.get("status_label", "code")}
    if sli == "availability":
        if "le" in spec:
            b.problem((*path, "le"), "`le` belongs to latency SLIs; an availability SLI counts requests by status")
        if "bad_status" in spec and "good_status" in spec:
            b.problem(path, 'set either bad_status or good_status, not both, e.g. bad_status: "5.."')
            return None
        requests = m["requests"]
        total = f"sum(rate({requests}{{{base}}}[5m]))"
        inputs.update(metric=requests)
        if "good_status" in spec:
            good = str(spec["good_status"])
            inputs["good_status"] = good
            return f'{total} - (sum(rate({requests}{{{base}, {inputs["status_label"]}=~"{good}"}}[5m])) or vector(0))', total, inputs
        bad = str(spec.get("bad_status", m.get("error_status", "5..")))
        inputs["bad_status"] = bad
        return f'sum(rate({requests}{{{base}, {inputs["status_label"]}=~"{bad}"}}[5m])) or vector(0)', total, inputs
    le = spec.get("le")
    if not isinstance(le, str) or not _LE.match(le) or le == "+Inf":
        shown = f"{le!r} (a number: YAML may rewrite it)" if not isinstance(le, str) and le is not None else repr(le)
        example = 'e.g. le: "0.5" (any spelling: "1" and "1.0" select the same bucket)'
        b.problem((*path, "le"), f"{shown} is not a bucket boundary; quote it, {example}")
        return None
    duration = m["duration"]
    inputs.update(metric=duration, le=le)
    total = f"sum(rate({duration}_count{{{base}}}[5m]))"
    bucket = prom_compat.matcher("le", le)  # le=~"1|1\\.0": Prometheus 3 stores le="1" as le="1.0"
    return f"{total} - sum(rate({duration}_bucket{{{base}, {bucket}}}[5m]))", total, inputs


def _tiers(b: Context, path: tuple[str, ...], overrides: Any, days: int, objective: Fraction) -> tuple[BurnTier, ...] | None:
    data = catalog.slo_tiers()
    ok = True  # unknown tier names are reported by the JSON Schema check
    out = []
    window = days * 86_400
    for raw in data["tiers"]:
        tpath = (*path, "tiers", raw["name"])
        over = overrides.get(raw["name"], {})
        if over is False:
            continue
        if not isinstance(over, dict):
            b.problem(
                tpath, "a tier override is false (disable) or a mapping, e.g. {for: 5m, severity: critical, channels: [alerts-slack]}"
            )
            ok = False
            continue
        long, short = int(parse_duration(raw["long"])), int(parse_duration(raw["short"]))
        factor = Fraction(raw["budget_share"]) * window / long
        if long > window:
            b.problem(
                tpath,
                f"the {raw['name']} tier reads {raw['long']} but the SLO window is only {days}d; "
                f"disable it ({raw['name']}: false) or use a window of at least {raw['long']}",
            )
            ok = False
            continue
        if factor * (1 - objective) >= 1:
            b.problem(
                tpath,
                f"with a {decimal_text(1 - objective)[0]} error budget the {raw['name']} tier would need an error ratio of "
                f"{decimal_text(factor * (1 - objective))[0]} (over 100%): it can never fire; "
                f"disable it ({raw['name']}: false) or raise the objective",
            )
            ok = False
            continue
        for_ = int(parse_duration(raw["for"]))
        if "for" in over:
            try:
                for_ = int(parse_duration(over["for"]))
            except ValueProblem as exc:
                b.problem((*tpath, "for"), str(exc))
                ok = False
        severity = over.get("severity", data["severities"][raw["kind"]])
        if severity not in conventions.SEVERITIES:
            b.problem((*tpath, "severity"), f"{severity!r} is not a severity; use {', '.join(conventions.SEVERITIES)}")
            ok = False
        channels = tuple(over.get("channels") or ())
        for i, channel in enumerate(channels):
            if channel not in (b.spec.get("channels") or {}):
                b.problem((*tpath, "channels", i), routing_model.undefined_channel(channel, b.spec.get("channels") or {}))
                ok = False
        out.append(BurnTier(raw["name"], raw["kind"], long, short, Fraction(raw["budget_share"]), factor, severity, for_, channels))
    if not ok:
        return None
    if not out:
        b.problem((*path, "tiers"), "every tier is disabled: the SLO would never alert; keep at least one")
        return None
    return tuple(out)

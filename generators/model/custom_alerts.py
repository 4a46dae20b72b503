"""The spec's `custom:` escape hatch: any PromQL with the threshold substituted, checked like the rest."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from generators.model import conventions, prom_compat, test_series
from generators.model.context import Context
from generators.model.types import Alert, Service, Stack, Tier
from generators.model.values import ValueProblem, number, parse_duration, parse_threshold
from generators.spec import spec_templates
from generators.spec.source import dotted
from generators.spec.strings import check_description


def build(b: Context, stack: Stack, services: list[Service]) -> Service | None:
    entries = b.spec.get("custom") or []
    alerts = []
    for i, raw in enumerate(entries):
        if not isinstance(raw, dict) or not all(k in raw for k in ("name", "expr", "unit", "thresholds", "job")):
            continue  # the schema check reported what is missing
        path = ("custom", i)
        b.paths[dotted(path)] = path
        if raw["job"] not in b.jobs:
            b.problem((*path, "job"), f"job '{raw['job']}' is not a scrape job of this spec (declared: {', '.join(sorted(b.jobs))})")
            continue
        bad = check_description(str(raw.get("description", "")))
        if bad:
            b.problem(
                (*path, "description"),
                f"{bad} is not supported here; use {{{{ $value }}}}, {{{{ $value | humanizePercentage }}}}, "
                "{{ $value | humanizeDuration }}, {{ $value | humanize }} or {{ $labels.name }}",
            )
            continue
        direction = "above"
        tiers = []
        for severity, text in raw["thresholds"].items():
            try:
                threshold = parse_threshold(text, raw["unit"], parse_duration("5m"))
                assert threshold.op is not None
                value = number(threshold.value) if threshold.value is not None else ""
                expr = spec_templates.render(raw["expr"], op=threshold.op, threshold=value)
            except ValueProblem as exc:
                b.problem((*path, "thresholds", severity), str(exc))
                continue
            except spec_templates.TemplateProblem as exc:
                b.problem(
                    (*path, "expr"),
                    f"{exc.message}; the expression may use only {{{{ op }}}} and {{{{ threshold }}}}, e.g. {spec_templates.EXPR_EXAMPLE}",
                )
                break
            if "{{ op }}" not in raw["expr"].replace("{{op}}", "{{ op }}") or "threshold" not in raw["expr"]:
                b.problem(
                    (*path, "expr"),
                    "the expression must compare with {{ op }} {{ threshold }} so the spec's number is the only source, "
                    'e.g. "max(my_ratio{job=\\"api\\"}) {{ op }} {{ threshold }}"',
                )
                break
            direction = "below" if threshold.op in ("<", "<=") else "above"
            tiers.append(Tier(severity, threshold, expr))
        if not tiers:
            continue
        spelled = prom_compat.equality_problems(tiers[0].expr)  # le="1" never matches on Prometheus 3
        for problem in spelled:
            b.problem((*path, "expr"), problem)
        if spelled:
            continue
        b.check_order((*path, "thresholds"), tiers, direction)
        service = str(raw.get("service", raw["job"]))
        test_context = {"job": raw["job"], "service": service, "m": {}, "limit": None}
        _check_series(b, path, raw.get("test"), test_context, tiers[0].threshold.value)
        alerts.append(
            Alert(
                name=raw["name"],
                service=service,
                team=raw["team"],
                kind="custom",
                signal=raw["name"],
                unit=raw["unit"],
                direction=direction,
                has_value=True,
                tiers=tuple(tiers),
                by=tuple(raw.get("by", ())),
                summary=str(raw.get("summary", raw["name"])),
                description=raw.get("description", ""),
                causes=(),
                checks=(("The expression itself", tiers[0].expr),),
                notes=raw.get("notes", ""),
                job=raw["job"],
                runbook_url=conventions.runbook_url(stack.runbook_url, raw["name"]),
                dashboard_url=conventions.dashboard_url(stack.grafana_url, conventions.KIND_DASHBOARD["custom"], service, raw["name"]),
                panel=conventions.panel(conventions.KIND_DASHBOARD["custom"], service, raw["name"]),
                value_expr=Alert.compared(tiers[0]),
                test=_test(raw.get("test")),
                test_context=test_context,
                warmup=parse_duration((raw.get("test") or {}).get("warmup", "1m")),
                spec_path=dotted(path),
                path=path,
            )
        )
    if not alerts:
        return None
    return Service(conventions.CUSTOM_SERVICE, "custom", stack.team, None, {}, (), tuple(alerts), path=("custom",))


def _test(raw: Any) -> dict[str, Any] | None:
    if not raw or not raw.get("series"):
        return None
    return {"series": raw["series"], "decoys": False}


# An example of right per series key, as written in the spec.
SERIES_EXAMPLES = {
    "labels": 'labels: \'llm_quota_used_ratio{job="api", tenant="acme"}\'',
    "value": 'value: "{{ v }}"',
    "rate": 'rate: "{{ v * 10 }}"',
    "values": 'values: "0+1x{{ n }}"',
}
SERIES_NAMES = "v (the value under test), job, instance, service, t, n and restarts"


def _check_series(b: Context, path: tuple[str | int, ...], test: Any, context: dict[str, Any], value: Decimal | None) -> None:
    """Render each series template once now, so a bad one is reported at its line, not while writing the tests."""
    series = test.get("series") if isinstance(test, dict) else None
    if not isinstance(series, list):
        return  # absent, or the schema check reported its type
    ctx = test_series.series_context(context, str(context["job"]), test_series.INSTANCES[0], value or Decimal(0), 0, 2)
    for j, entry in enumerate(series):
        for key, example in SERIES_EXAMPLES.items():
            if not isinstance(entry, dict) or key not in entry:
                continue
            where = (*path, "test", "series", j, key)
            try:
                text = spec_templates.render(str(entry[key]), **ctx)
            except spec_templates.TemplateProblem as exc:
                b.problem(where, f"{exc.message}; a series template may use {SERIES_NAMES}, e.g. {example}")
                continue
            if key in ("value", "rate"):
                try:
                    finite = Decimal(text).is_finite()
                except InvalidOperation:
                    finite = False
                if not finite:  # nan, inf: Decimal reads them, promtool series do not
                    b.problem(where, f"renders {text!r}, not a number; e.g. {example}")

"""Generate promtool unit tests for every alert rule from the spec and the catalog's test fixtures.

For each tier: it fires just past the threshold once `for` has elapsed, it is pending (not firing)
before that, and it stays silent just inside the threshold. Each case is its own test group with
input series computed for it; a decoy job carries a firing value so a selector that forgot its job
matcher fails the test. Expected alerts are computed for every tier of the alert (a value past the
critical threshold is past the warning one too), with labels and exact annotation text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generators import catalog
from generators.errors import Problem, SpecError
from generators.model import conventions
from generators.model.test_series import DECOY_JOB, INSTANCES, STEP, series_context
from generators.model.types import Alert, Model, Service, Tier
from generators.model.values import number
from generators.outputs.prometheus import gotemplate, rules
from generators.spec import spec_templates


@dataclass(frozen=True)
class Entity:
    """One alert instance the expression can produce: its value and its result labels."""

    value: Decimal
    labels: dict[str, str]


def _renderer(alert: Alert) -> Callable[..., str]:
    """The catalog's fixtures are trusted; a custom alert's series were written in the spec: sandboxed."""
    return spec_templates.render if alert.kind == "custom" else catalog.render


def fire_value(alert: Alert, tier: Tier) -> Decimal:
    test = alert.test or {}
    if "fire" in test:
        return Decimal(str(test["fire"]))
    value = tier.threshold.value
    assert value is not None
    if alert.unit == "count":
        return value + 1 if alert.direction == "above" else value - 1
    if alert.direction == "above":
        out = value * Decimal("1.1") if value else Decimal(1)
        return (value + 1) / 2 if alert.unit == "percent" and out > 1 else out
    return value * Decimal("0.9")


def silent_value(alert: Alert, tier: Tier) -> Decimal:
    test = alert.test or {}
    if "silent" in test:
        return Decimal(str(test["silent"]))
    value = tier.threshold.value
    assert value is not None
    factor = Decimal(str(test.get("silent_factor", "1.1")))
    if alert.unit == "count":
        return value if tier.threshold.op in (">", "<") else (value - 1 if alert.direction == "above" else value + 1)
    if alert.direction == "above":
        return value * Decimal("0.9")
    out = value * factor
    return (value + 1) / 2 if alert.unit == "percent" and out > 1 else out


def idle_value(alert: Alert) -> Decimal:
    """A value that crosses no tier: what the second instance shows while the first misbehaves."""
    base = [t for t in alert.tiers if not t.labels]
    if not alert.has_value or "silent" in (alert.test or {}):
        return silent_value(alert, base[0])
    values = [t.threshold.value for t in base if t.threshold.value is not None]
    if alert.direction == "above":
        return min(values) / 2
    out = max(values) * 2
    return min(out, Decimal(1)) if alert.unit == "percent" else out


def crossed(alert: Alert, tier: Tier, value: Decimal) -> bool:
    test = alert.test or {}
    if not alert.has_value:
        return value == Decimal(str(test.get("fire", 0)))
    return tier.threshold.crossed(value)


class _Case:
    def __init__(self, alert: Alert, value: Decimal, label: str) -> None:
        self.alert, self.value, self.label = alert, value, label
        test = alert.test or {}
        self.per_instance = bool(test.get("per_instance"))
        self.entities: list[Entity] | None = None

    def entities_values(self) -> list[tuple[str, Decimal]]:
        if self.per_instance:
            return [(INSTANCES[0], self.value), (INSTANCES[1], idle_value(self.alert))]
        return [(i, self.value) for i in INSTANCES]


def _series(alert: Alert, case: _Case, t: int, job: str, decoy_value: Decimal | None) -> list[dict[str, str]]:
    test = alert.test or {}
    n = t // STEP + 2
    out: list[dict[str, str]] = []
    rows = [(inst, v, job) for inst, v in case.entities_values()]
    if decoy_value is not None:
        rows.append(("decoy:1", decoy_value, DECOY_JOB))
    seen: set[str] = set()
    render = _renderer(alert)
    for inst, v, row_job in rows:
        ctx = series_context(alert.test_context, row_job, inst, v, t, n)
        for spec in test.get("series", ()):
            when = spec.get("present_when")
            if when and when != ("fire" if case.label == "fire" else "silent") and row_job != DECOY_JOB:
                continue
            for labels, values in _expand(spec, ctx, n, render):
                if labels not in seen:
                    seen.add(labels)
                    out.append({"series": labels, "values": values})
    return out


# Keyed by the renderer too: a spec template and a catalog one never share an entry.
_STATIC: dict[tuple[str, str, str, str, str, Callable[..., str]], str] = {}


def _static(text: str, ctx: dict[str, Any], render: Callable[..., str] = catalog.render) -> str:
    """Render a template that does not depend on the value under test (series labels), once."""
    key = (text, str(ctx["job"]), str(ctx["instance"]), str(ctx["service"]), repr(sorted(ctx["m"].items())), render)
    if key not in _STATIC:
        _STATIC[key] = render(text, **ctx)
    return _STATIC[key]


_VALUES: dict[tuple[str, str, str, int, str, Callable[..., str]], str] = {}


def _expand(spec: dict[str, Any], ctx: dict[str, Any], n: int, render: Callable[..., str]) -> list[tuple[str, str]]:
    def r(text: object) -> str:
        """Value templates depend on v, t, n and limit only: render each combination once."""
        key = (str(text), str(ctx["v"]), str(ctx["t"]), n, str(ctx.get("limit")), render)
        if key not in _VALUES:
            _VALUES[key] = render(str(text), **ctx)
        return _VALUES[key]

    if "histogram" in spec:
        base, labels = _static(spec["histogram"], ctx, render), _static(spec["labels"], ctx, render)
        q = Decimal(str(spec["quantile"]))
        upper = (Decimal(r(spec["target"])) / q).quantize(Decimal("1e-6"))
        per_step = Decimal(10 * STEP)
        counter = f"0+{number(per_step)}x{n}"
        return [
            (f'{base}_bucket{{{labels}, le="{number(upper)}"}}', counter),
            (f'{base}_bucket{{{labels}, le="+Inf"}}', counter),
            (f"{base}_count{{{labels}}}", counter),
            (f"{base}_sum{{{labels}}}", f"0+{number(per_step * upper / 2)}x{n}"),
        ]
    labels = _static(str(spec["labels"]), ctx, render)
    if "values" in spec:
        return [(labels, r(spec["values"]))]
    if "rate" in spec:
        inc = Decimal(r(spec["rate"])) * STEP
        return [(labels, f"0+{number(inc)}x{n}")]
    return [(labels, f"{number(Decimal(r(spec['value'])))}+0x{n}")]


def _entity_labels(alert: Alert, case: _Case, instance: str) -> dict[str, str]:
    """By-labels of one result, read from the first input series of that instance that has them all."""
    if not alert.by:
        return {}
    ctx = series_context(alert.test_context, alert.test_context.get("job"), instance, case.value, 0, 1)
    for spec in (alert.test or {}).get("series", ()):
        text = _static(str(spec["labels"]), ctx, _renderer(alert))
        found = dict(_parse_labels(text))
        if all(b in found for b in alert.by):
            return {b: found[b] for b in alert.by}
    return {b: ctx.get(b, "") for b in alert.by}


def _parse_labels(text: str) -> list[tuple[str, str]]:
    import re

    return re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"', text)


def _state(tier: Tier, at: int, warmup: int) -> str | None:
    """firing / inactive (pending or not yet) / None when the time is too close to call."""
    hold = int(tier.for_)
    if at - warmup >= hold:
        return "firing"
    if at < hold:
        return "pending"
    return None


def _entities(alert: Alert, case: _Case) -> list[Entity]:
    if case.entities is None:  # asked at every step _settle tries: compute once per case
        values = case.entities_values()
        if case.per_instance:
            case.entities = [Entity(v, _entity_labels(alert, case, inst)) for inst, v in values]
        else:
            case.entities = [Entity(values[0][1], _entity_labels(alert, case, INSTANCES[0]))]
    return case.entities


def _expected(alert: Alert, case: _Case, at: int) -> list[dict[str, Any]] | None:
    warmup = int(alert.warmup)
    out = []
    for tier in alert.tiers:
        for entity in _entities(alert, case):
            if not crossed(alert, tier, entity.value):
                continue
            state = _state(tier, at, warmup)
            if state is None:
                return None
            if state == "firing":
                out.append(_alert_entry(alert, tier, entity))
    return sorted(out, key=lambda e: sorted(e["exp_labels"].items()))


def _alert_entry(alert: Alert, tier: Tier, entity: Entity) -> dict[str, Any]:
    labels = {**entity.labels, **alert.labels(tier)}
    annotations = rules.alert_annotations(alert, tier)
    annotations["description"] = gotemplate.expand(annotations["description"], float(entity.value), entity.labels)
    annotations["summary"] = gotemplate.expand(annotations["summary"], float(entity.value), entity.labels)
    return {"exp_labels": dict(sorted(labels.items())), "exp_annotations": annotations}


def _settle(alert: Alert, case: _Case, start: int, limit: int | None = None) -> tuple[int, list[dict[str, Any]]] | None:
    at = start
    while limit is None or at < limit:
        expected = _expected(alert, case, at)
        if expected is not None:
            return at, expected
        at += STEP
        if at > start + 3600:
            return None
    return None


def _group(alert: Alert, case: _Case, at: int, expected: list[dict[str, Any]], name: str) -> dict[str, Any]:
    fire_tiers = [t for t in alert.tiers if alert.has_value]
    decoy = None
    if alert.job and (alert.test or {}).get("decoys", True) and alert.kind != "watchdog":
        tiers = fire_tiers or list(alert.tiers)
        decoy = (
            (
                max((fire_value(alert, t) for t in tiers), default=None)
                if alert.direction == "above"
                else min((fire_value(alert, t) for t in tiers), default=None)
            )
            if alert.has_value
            else fire_value(alert, alert.tiers[0])
        )
    return {
        "name": name,
        "interval": f"{STEP}s",
        "input_series": _series(alert, case, at, alert.job or "", decoy),
        "alert_rule_test": [{"eval_time": f"{at // STEP}m", "alertname": alert.name, "exp_alerts": expected}],
    }


def _pending_check(alert: Alert, tier: Tier, case: _Case, at: int) -> dict[str, Any]:
    esc = dict(tier.labels).get(conventions.ESCALATION, "")
    selector = f'ALERTS{{alertname="{alert.name}", alertstate="pending", severity="{tier.severity}", {conventions.ESCALATION}="{esc}"}}'
    samples = []
    for entity in _entities(alert, case):
        if crossed(alert, tier, entity.value):
            labels = {"alertname": alert.name, "alertstate": "pending", **entity.labels, **alert.labels(tier)}
            inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            samples.append({"labels": f"ALERTS{{{inner}}}", "value": 1})
    return {"expr": selector, "eval_time": f"{at // STEP}m", "exp_samples": samples}


def cases(alert: Alert) -> list[dict[str, Any]]:
    """Test groups for one alert; empty when the alert has no fixture (reported as untested)."""
    if alert.test is None:
        return []
    warmup = int(alert.warmup)
    groups = []
    base = [t for t in alert.tiers if not t.labels]
    for tier in alert.tiers:
        what = f"{tier.severity}" + (f" {dict(tier.labels)[conventions.ESCALATION]}" if tier.labels else "")
        fire = _Case(alert, fire_value(alert, tier), "fire")
        settled = _settle(alert, fire, warmup + int(tier.for_) + 2 * STEP)
        if settled:
            at, expected = settled
            groups.append(
                _group(alert, fire, at, expected, f"{alert.name} {what} fires at {number(fire.value)} ({tier.threshold.describe()})")
            )
        if tier.for_ > warmup:
            pending_at = min(warmup + STEP, int(tier.for_) - STEP) if int(tier.for_) - STEP >= warmup else warmup
            group = _group(
                alert,
                fire,
                pending_at,
                _expected(alert, fire, pending_at) or [],
                f"{alert.name} {what} pending before {tier.threshold.for_text}",
            )
            if _expected(alert, fire, pending_at) is None:
                group.pop("alert_rule_test")
            group["promql_expr_test"] = [_pending_check(alert, tier, fire, pending_at)]
            groups.append(group)
        if tier in base and not (not alert.has_value and tier is not base[0]):
            silent = _Case(alert, silent_value(alert, tier), "silent")
            if alert.has_value or silent.value != fire.value:
                longest = max(int(t.for_) for t in alert.tiers)
                settled = _settle(alert, silent, warmup + longest + 2 * STEP)
                if settled:
                    at, expected = settled
                    groups.append(
                        _group(
                            alert,
                            silent,
                            at,
                            expected,
                            f"{alert.name} {what} silent at {number(silent.value)} ({tier.threshold.describe()})",
                        )
                    )
    return groups


# The last model's test groups per alert: build() and untested() (the CLI summary) both need them. Keyed by
# id(): the alerts live as long as the model this cache holds.
_LAST: list[tuple[Model, dict[int, list[dict[str, Any]]]]] = []


def _cases(model: Model, alert: Alert) -> list[dict[str, Any]]:
    if not _LAST or _LAST[0][0] is not model:
        _LAST[:] = [(model, {})]
    memo = _LAST[0][1]
    if id(alert) not in memo:
        try:
            memo[id(alert)] = cases(alert)
        except (spec_templates.TemplateProblem, ArithmeticError) as exc:
            if alert.kind != "custom":
                raise
            # The spec's series failed on a value the build-time check (custom_alerts) did not try.
            what = exc.message if isinstance(exc, spec_templates.TemplateProblem) else "a value or rate does not render a number"
            raise SpecError([Problem(None, f"{alert.spec_path}.test.series", f"{what} (while generating the unit tests)")]) from None
    return memo[id(alert)]


def build_service(model: Model, service: Service) -> dict[str, Any] | None:
    tests = [g for alert in service.alerts for g in _cases(model, alert)]
    if not tests:
        return None
    return {
        "rule_files": [f"../{conventions.rule_file(service.name)}"],
        "evaluation_interval": f"{STEP}s",
        "tests": tests,
    }


def build(model: Model) -> dict[str, dict[str, Any]]:
    out = {}
    for service in model.services:
        doc = build_service(model, service)
        if doc:
            out[f"prometheus/{conventions.test_file(service.name)}"] = doc
    return out


def untested(model: Model) -> list[str]:
    return [a.name for a in model.alerts if not _cases(model, a)]

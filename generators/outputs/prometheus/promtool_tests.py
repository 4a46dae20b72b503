"""Generate promtool unit tests for every alert rule from the spec and the catalog's test fixtures.

For each tier: it fires just past the threshold once `for` has elapsed, it is pending (not firing)
before that, and it stays silent just inside the threshold. Each case is its own test group with
input series computed for it; a decoy job carries a firing value so a selector that forgot its job
matcher fails the test. Expected alerts are computed for every tier of the alert (a value past the
critical threshold is past the warning one too), with labels and exact annotation text.
"""

from __future__ import annotations

from typing import Any

from generators.errors import Problem, SpecError
from generators.model import conventions
from generators.model.test_series import INSTANCES, STEP
from generators.model.types import Alert, Model, Service, Tier
from generators.model.values import number
from generators.outputs.prometheus import gotemplate, rules
from generators.outputs.prometheus.promtool_series import Case, Entity, crossed, fire_value, series, silent_value
from generators.spec import spec_templates


def _state(tier: Tier, at: int, warmup: int) -> str | None:
    """firing / inactive (pending or not yet) / None when the time is too close to call."""
    hold = int(tier.for_)
    if at - warmup >= hold:
        return "firing"
    if at < hold:
        return "pending"
    return None


def _entities(alert: Alert, case: Case) -> list[Entity]:
    if case.entities is None:  # asked at every step _settle tries: compute once per case
        values = case.entities_values()
        if case.per_instance:
            case.entities = [Entity(v, case.labels(inst)) for inst, v in values]
        else:
            case.entities = [Entity(values[0][1], case.labels(INSTANCES[0]))]
    return case.entities


def _expected(alert: Alert, case: Case, at: int) -> list[dict[str, Any]] | None:
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


def _settle(alert: Alert, case: Case, start: int, limit: int | None = None) -> tuple[int, list[dict[str, Any]]] | None:
    at = start
    while limit is None or at < limit:
        expected = _expected(alert, case, at)
        if expected is not None:
            return at, expected
        at += STEP
        if at > start + 3600:
            return None
    return None


def _group(alert: Alert, case: Case, at: int, expected: list[dict[str, Any]], name: str) -> dict[str, Any]:
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
        "input_series": series(alert, case, at, alert.job or "", decoy),
        "alert_rule_test": [{"eval_time": f"{at // STEP}m", "alertname": alert.name, "exp_alerts": expected}],
    }


def _pending_check(alert: Alert, tier: Tier, case: Case, at: int) -> dict[str, Any]:
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
    known: dict[str, dict[str, str]] = {}  # result labels per instance, the same for every case of the alert
    for tier in alert.tiers:
        what = f"{tier.severity}" + (f" {dict(tier.labels)[conventions.ESCALATION]}" if tier.labels else "")
        fire = Case(alert, fire_value(alert, tier), "fire", known)
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
            silent = Case(alert, silent_value(alert, tier), "silent", known)
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


def _cases(alert: Alert) -> list[dict[str, Any]]:
    try:
        return cases(alert)
    except (spec_templates.TemplateProblem, ArithmeticError) as exc:
        if alert.kind != "custom":
            raise
        # The spec's series failed on a value the build-time check (custom_alerts) did not try.
        what = exc.message if isinstance(exc, spec_templates.TemplateProblem) else "a value or rate does not render a number"
        raise SpecError([Problem(None, f"{alert.spec_path}.test.series", f"{what} (while generating the unit tests)")]) from None


def build_service(model: Model, service: Service) -> dict[str, Any] | None:
    tests = [g for alert in service.alerts for g in _cases(alert)]
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
    """Alerts without a generated test: those whose catalog signal or custom alert has no test fixture."""
    return [a.name for a in model.alerts if a.test is None]

"""Input series of the generated promtool tests: the values under test and the series that carry them.

The value that fires a tier, the one that stays silent, the idle value of the second instance, and
the series (catalog `test:` or a custom alert's `test.series`) expanded into promtool's notation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generators import catalog
from generators.model.test_series import DECOY_JOB, INSTANCES, STEP, series_context
from generators.model.types import Alert, Tier
from generators.model.values import number
from generators.spec import spec_templates


@dataclass(frozen=True)
class Entity:
    """One alert instance the expression can produce: its value and its result labels."""

    value: Decimal
    labels: dict[str, str]


def renderer(alert: Alert) -> Callable[..., str]:
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


class Case:
    def __init__(self, alert: Alert, value: Decimal, label: str, known: dict[str, dict[str, str]] | None = None) -> None:
        self.alert, self.value, self.label = alert, value, label
        test = alert.test or {}
        self.per_instance = bool(test.get("per_instance"))
        self.entities: list[Entity] | None = None
        # entity_labels per instance, shared by the cases of one alert: they depend on the instance, not the value
        self.known: dict[str, dict[str, str]] = {} if known is None else known

    def labels(self, instance: str) -> dict[str, str]:
        found = self.known.get(instance)
        if found is None:
            found = self.known[instance] = entity_labels(self.alert, self, instance)
        return found

    def entities_values(self) -> list[tuple[str, Decimal]]:
        if self.per_instance:
            return [(INSTANCES[0], self.value), (INSTANCES[1], idle_value(self.alert))]
        return [(i, self.value) for i in INSTANCES]


def series(alert: Alert, case: Case, t: int, job: str, decoy_value: Decimal | None) -> list[dict[str, str]]:
    test = alert.test or {}
    n = t // STEP + 2
    out: list[dict[str, str]] = []
    rows = [(inst, v, job) for inst, v in case.entities_values()]
    if decoy_value is not None:
        rows.append(("decoy:1", decoy_value, DECOY_JOB))
    seen: set[str] = set()
    render = renderer(alert)
    metrics = _content(alert.test_context)
    for inst, v, row_job in rows:
        ctx = series_context(alert.test_context, row_job, inst, v, t, n)
        row = (str(row_job), inst, str(ctx["service"]), metrics)
        for spec in test.get("series", ()):
            when = spec.get("present_when")
            if when and when != ("fire" if case.label == "fire" else "silent") and row_job != DECOY_JOB:
                continue
            for labels, values in expand(spec, ctx, n, render, row):
                if labels not in seen:
                    seen.add(labels)
                    out.append({"series": labels, "values": values})
    return out


def _content(ctx: Mapping[str, Any]) -> tuple[Any, ...] | str:
    """A key for what a static template reads besides the row: the metric names (their items as they are: two equal
    mappings in another order only miss), `by`, `le` (le_matcher and le_stored follow from it), `limit` and a host
    signal's override (`o_key`: generators/model/host_metrics.py)."""
    items = (tuple(ctx["m"].items()), tuple(ctx.get("by") or ()), ctx.get("le"), ctx.get("limit"), ctx.get("o_key"))
    try:
        hash(items)
    except TypeError:
        return repr((sorted(ctx["m"].items()), items[1:]))
    return items


# Keyed by the renderer too: a spec template and a catalog one never share an entry.
_STATIC: dict[tuple[str, str, str, str, tuple[Any, ...] | str, Callable[..., str]], str] = {}


def static(
    text: str, ctx: dict[str, Any], render: Callable[..., str] = catalog.render, row: tuple[str, str, str, Any] | None = None
) -> str:
    """Render a template that does not depend on the value under test (series labels), once. row: the key's
    (job, instance, service, metric names) part when the caller computed it once for many templates."""
    job, instance, service, metrics = row or (str(ctx["job"]), str(ctx["instance"]), str(ctx["service"]), _content(ctx))
    key = (text, job, instance, service, metrics, render)
    found = _STATIC.get(key)
    if found is None:
        found = _STATIC[key] = render(text, **ctx)
    return found


_VALUES: dict[tuple[str, str, str, int, str, Callable[..., str]], str] = {}


def expand(
    spec: dict[str, Any], ctx: dict[str, Any], n: int, render: Callable[..., str], row: tuple[str, str, str, Any] | None = None
) -> list[tuple[str, str]]:
    def r(text: object) -> str:
        """Value templates depend on v, t, n, limit and a host override only: render each combination once."""
        key = (str(text), str(ctx["v"]), str(ctx["t"]), n, f"{ctx.get('limit')}{ctx.get('o_key') or ''}", render)
        if key not in _VALUES:
            _VALUES[key] = render(str(text), **ctx)
        return _VALUES[key]

    if "histogram" in spec:
        base, labels = static(spec["histogram"], ctx, render, row), static(spec["labels"], ctx, render, row)
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
    labels = static(str(spec["labels"]), ctx, render, row)
    if "values" in spec:
        return [(labels, r(spec["values"]))]
    if "rate" in spec:
        inc = Decimal(r(spec["rate"])) * STEP
        return [(labels, f"0+{number(inc)}x{n}")]
    return [(labels, f"{number(Decimal(r(spec['value'])))}+0x{n}")]


def entity_labels(alert: Alert, case: Case, instance: str) -> dict[str, str]:
    """By-labels of one result, read from the first input series of that instance that has them all."""
    if not alert.by:
        return {}
    ctx = series_context(alert.test_context, alert.test_context.get("job"), instance, case.value, 0, 1)
    for spec in (alert.test or {}).get("series", ()):
        text = static(str(spec["labels"]), ctx, renderer(alert))
        found = dict(parse_labels(text))
        if all(b in found for b in alert.by):
            return {b: found[b] for b in alert.by}
    return {b: ctx.get(b, "") for b in alert.by}


def parse_labels(text: str) -> list[tuple[str, str]]:
    import re

    return re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"', text)

"""prometheus/tests/slo-<service>-<slo>-<tier>.test.yml: promtool tests of every burn-rate tier.

Per enabled tier (threshold = factor x budget, long window L, `for` F):
  fires   clean traffic for L, then an error ratio 10% above the threshold. The long window crosses it
          after L/1.1 of burn (+ up to 5m while the 5m rate ramps up), the alert fires F later: the test
          asserts it is not firing one step before L/1.1 + F and is firing by L/1.1 + 5m + F + 2 steps.
  silent  an error ratio 10% below the threshold from the start, for L + F: the tier never fires,
          while the tier's long-window ratio is checked to really sit at that level.
Per page tier: a spike shorter than its short window (short - 1 evaluation step), strong enough that
the short window crosses the threshold but too short for the long one: the tier does not fire.
Per SLO, in the fastest tier's file: the alerts of a steady burn with their exact annotations (their
PromQL queries executed; the budget is overspent there), and the budget_left / time_to_exhaustion
queries at a steady burn of a quarter of the budget, where 75% of it is left (exact values).
Firing is checked through ALERTS{alertstate="firing"} with exact labels.
Inputs: two instances (6/s and 4/s) of the service's job with good and bad series, and a decoy job
whose requests all fail, so an SLI that forgot its job matcher fails the tests. Each file evaluates
rules at about 1/72 of its tier's long window (see eval_step) to keep the suite fast.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from generators.model import conventions, prom_compat, test_series
from generators.model.test_series import DECOY_JOB, STEP
from generators.model.types import SLO, BurnTier, Model
from generators.model.values import decimal_text, format_duration, number
from generators.outputs.prometheus import gotemplate, slo_rules

GRIDS = (60, 300, 600, 1200, 1800, 3600)
RATES = {"instance-1": Decimal(6), "instance-2": Decimal(4)}  # requests per second
LE_AS_STORED_BY_PROMETHEUS_3 = "instance-2"
START = Decimal(1000)  # counters start above 0: Prometheus' rate() never clamps the extrapolation at 0
RAMP = 300 + STEP  # the 5m rate needs its window filled, and one more evaluation
# Increments are multiples of 2^-20: exact in float64, so promtool's expansion of `a+bxn` ends exactly
# where the next segment starts (a value 1e-13 lower would read as a counter reset).
DYADIC = Decimal(2**20)
ABOVE, BELOW = Fraction(11, 10), Fraction(9, 10)
LEFT = Fraction(1, 4)  # budget_left(): an error ratio of a quarter of the budget, so 75% of it is left
NEAR = Fraction(1, 10_000)  # relative tolerance of budget_left()'s checks (the values are exact up to float64)

_STATUSES = ("500", "503", "502", "429", "error", "timeout", "200", "204", "301", "404")  # in the order the tests try them

Segment = tuple[int, Fraction]  # (steps, bad ratio)


def _dec(value: Fraction) -> Decimal:
    text, _ = decimal_text(value)
    return Decimal(text)


def statuses(slo: SLO) -> tuple[str, str] | None:
    """A bad and a good status value the SLI's regex classifies as such (None: cannot tell)."""
    if slo.sli == "latency":
        return ("", "")
    if "good_status" in slo.inputs:
        found = test_series.status_examples(slo.inputs["good_status"], _STATUSES, ())
        return (found[1], found[0]) if found else None
    return test_series.status_examples(slo.inputs.get("bad_status", ""), _STATUSES, ())


def _bad_increment(per_step: Decimal, bad: Fraction) -> Decimal:
    return (per_step * _dec(bad) * DYADIC).to_integral_value() / DYADIC


def effective(bad: Fraction) -> Fraction:
    """The error ratio the inputs really carry once increments are rounded to 2^-20."""
    total = sum(rate * STEP for rate in RATES.values())
    return Fraction(sum(_bad_increment(rate * STEP, bad) for rate in RATES.values())) / Fraction(total)


def _values(segments: list[Segment], per_step: Decimal, part: str) -> str:
    """promtool notation for one counter: `part` is 'bad', 'good' or 'total' of the traffic."""
    out, value, first = [], START, True
    for steps, bad in segments:
        bad_inc = _bad_increment(per_step, bad)
        inc = {"bad": bad_inc, "good": per_step - bad_inc, "total": per_step}[part]
        if first:
            out.append(f"{number(value)}+{number(inc)}x{steps}")
            value += inc * steps
            first = False
        else:
            out.append(f"{number(value + inc)}+{number(inc)}x{steps - 1}")
            value += inc * steps
    return " ".join(out)


def series(slo: SLO, segments: list[Segment]) -> list[dict[str, str]]:
    codes = statuses(slo)
    assert codes is not None
    job, metric = slo.inputs["job"], slo.inputs["metric"]
    rows = [(job, inst, rate, segments) for inst, rate in RATES.items()]
    total_steps = sum(s for s, _ in segments)
    rows.append((DECOY_JOB, "decoy:1", Decimal(5), [(total_steps, Fraction(1))]))
    out = []
    for row_job, inst, rate, segs in rows:
        per_step = rate * STEP
        base = f'job="{row_job}", instance="{inst}"'
        if slo.sli == "latency":
            # instance-2 carries the bucket as Prometheus 3 stores it (le="1.0" for le: "1"): the SLO must count both
            spellings = prom_compat.spellings(slo.inputs["le"])
            le = spellings[-1] if inst == LE_AS_STORED_BY_PROMETHEUS_3 else spellings[0]
            out += [
                {"series": f'{metric}_bucket{{{base}, le="{le}"}}', "values": _values(segs, per_step, "good")},
                {"series": f'{metric}_bucket{{{base}, le="+Inf"}}', "values": _values(segs, per_step, "total")},
                {"series": f"{metric}_count{{{base}}}", "values": _values(segs, per_step, "total")},
            ]
        else:
            label = slo.inputs["status_label"]
            out += [
                {"series": f'{metric}{{{base}, {label}="{codes[0]}"}}', "values": _values(segs, per_step, "bad")},
                {"series": f'{metric}{{{base}, {label}="{codes[1]}"}}', "values": _values(segs, per_step, "good")},
            ]
    return out


def eval_step(tier: BurnTier) -> int:
    """Rule evaluation interval of a tier's tests: about 1/72 of its long window (1h: 1m, 6h: 5m,
    1d: 20m, 3d: 1h). Every evaluation sums whole windows, so 1m steps over days would cost minutes
    of CPU; the 5m rates still see 1m input samples, only their sampling for the sums is coarser."""
    return max([g for g in GRIDS if g <= tier.long // 72] or [STEP])


def _floor(seconds: Fraction | int, grid: int) -> int:
    return int(Fraction(seconds) // grid) * grid


def _ceil(seconds: Fraction | int, grid: int) -> int:
    return -int(-Fraction(seconds) // grid) * grid


def _firing(slo: SLO, tier: BurnTier, at: int, fires: bool) -> dict[str, Any]:
    expr = f'ALERTS{{alertname="{slo.alert}", alertstate="firing", {conventions.SLO}="{slo.id}", {conventions.SLO_TIER}="{tier.name}"}}'
    samples = []
    if fires:
        labels = {"alertname": slo.alert, "alertstate": "firing", **slo_rules.labels(slo, tier)}
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        samples.append({"labels": f"ALERTS{{{inner}}}", "value": 1})
    return {"expr": expr, "eval_time": _text(at), "exp_samples": samples}


def _text(seconds: int) -> str:
    return format_duration(Decimal(seconds))


def _level(slo: SLO, window: str, at: int, low: Fraction, high: Fraction) -> dict[str, Any]:
    """The recorded error ratio over `window` lies in (low, high) at `at`."""
    rec = f'{slo_rules.ratio(window)}{{{conventions.SLO}="{slo.id}"}}'
    return {
        "expr": f"count({rec} > {number(_dec(low))} < {number(_dec(high))})",
        "eval_time": _text(at),
        "exp_samples": [{"labels": "{}", "value": 1}],
    }


def _group(name: str, slo: SLO, segments: list[Segment], checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "interval": f"{STEP}s", "input_series": series(slo, segments), "promql_expr_test": checks}


def fires(slo: SLO, tier: BurnTier) -> dict[str, Any]:
    grid = eval_step(tier)
    threshold = slo.threshold(tier)
    bad = min(threshold * ABOVE, Fraction(1))
    clean = tier.long
    detect = Fraction(tier.long) * threshold / bad  # burn time until the long window crosses
    earliest = _floor(clean + detect + tier.for_, grid) - grid
    latest = _ceil(clean + detect + RAMP + tier.for_, grid) + grid
    segments = [(clean // STEP, Fraction(0)), ((latest - clean) // STEP + 1, bad)]
    return _group(
        f"{slo.id} {tier.name} fires on a {number(_dec(bad))} error ratio ({number(_dec(ABOVE))} x threshold) "
        f"after {_text(earliest - clean)} to {_text(latest - clean)} of burn",
        slo,
        segments,
        [_firing(slo, tier, earliest, False), _firing(slo, tier, latest, True)],
    )


def silent(slo: SLO, tier: BurnTier) -> dict[str, Any]:
    grid = eval_step(tier)
    threshold = slo.threshold(tier)
    bad = threshold * BELOW
    end = _ceil(tier.long + tier.for_, grid) + grid
    checks = [_firing(slo, tier, at, False) for at in (_ceil(tier.short + tier.for_, grid) + grid, end)]
    checks.append(_level(slo, tier.long_text, end, effective(bad) * Fraction(99, 100), threshold))
    name = f"{slo.id} {tier.name} stays silent on a {number(_dec(bad))} error ratio ({number(_dec(BELOW))} x threshold) for {_text(end)}"
    return _group(name, slo, [(end // STEP + 1, bad)], checks)


def spike(slo: SLO, tier: BurnTier) -> dict[str, Any] | None:
    """Clean traffic for the long window, then errors for one evaluation step less than the short window,
    at 0.8 x what would take the long window over the threshold: the short window crosses it (checked),
    the long one does not, and the tier never fires. None when the short window is a single step."""
    grid = eval_step(tier)
    threshold = slo.threshold(tier)
    length = tier.short - grid
    if length < STEP:
        return None
    bad = min(threshold * Fraction(tier.long, length) * Fraction(8, 10), Fraction(1))
    clean = tier.long
    after = tier.short + tier.for_ + 2 * grid
    segments = [(clean // STEP, Fraction(0)), (length // STEP, bad), (after // STEP + 1, Fraction(0))]
    end = clean + length
    checks = [_firing(slo, tier, at, False) for at in (end, end + tier.for_ + grid, end + after)]
    if bad * Fraction(length, tier.short) * Fraction(95, 100) > threshold:
        checks.insert(0, _level(slo, tier.short_text, end, threshold, Fraction(2)))
    at_ratio = f"at a {number(_dec(bad))} error ratio"
    name = f"{slo.id} {tier.name} does not fire on a {_text(length)} spike {at_ratio} (shorter than {tier.short_text})"
    return _group(name, slo, segments, checks)


def _near(expr: str, value: Fraction, at: int) -> dict[str, Any]:
    """`expr` evaluates to `value` within NEAR at `at`."""
    low, high = number(_dec(value * (1 - NEAR))), number(_dec(value * (1 + NEAR)))
    return {"expr": f"count(({expr}) > {low} < {high})", "eval_time": _text(at), "exp_samples": [{"labels": "{}", "value": 1}]}


def budget_left(slo: SLO) -> dict[str, Any]:
    """A steady error ratio of LEFT x the budget from the start: every window reads that ratio exactly, so the
    budget_left and time_to_exhaustion queries of the alert annotations (the very PromQL the rules hold, one per
    tier) have exact values: 1 - LEFT of the budget left, gone in (1 - LEFT) x window / LEFT. Checked within
    NEAR, so a wrong window constant (28d for 30d is 7% off) or a wrong divisor fails. No alert fires here
    (the ratio is below every threshold): the queries are run by promql_expr_test."""
    grid = eval_step(slo.tiers[0])
    bad = slo.budget * LEFT
    at = _ceil(RAMP + STEP, grid)
    real = effective(bad)  # what the rounded inputs carry
    left = 1 - real / slo.budget
    checks = [_near(slo_rules.budget_left_query(slo), left, at)]
    checks += [_near(slo_rules.exhaustion_query(slo, t), left * slo.window * slo.budget / real, at) for t in slo.tiers]
    gone = slo_rules.exhaustion(slo, LEFT / (1 - LEFT))
    name = (
        f"{slo.id} budget left and time to exhaustion at a steady {number(_dec(bad))} error ratio "
        f"({number(_dec(LEFT))} x budget): {number(_dec((1 - LEFT) * 100))}% left, gone in {gone}"
    )
    return _group(name, slo, [(at // STEP + 1, bad)], checks)


def annotated(slo: SLO) -> dict[str, Any] | None:
    """A steady burn above the fastest tier from the start: the alerts that fire then, with every
    annotation executed by Prometheus (its queries included) and compared as text. None when the
    moment is too close to another tier's `for` to call, or when the budget is not yet overspent
    (time to exhaustion would then hinge on float rounding of seconds)."""
    tier = slo.tiers[0]
    grid = eval_step(tier)
    bad = min(slo.threshold(tier) * ABOVE, Fraction(1))
    at = _ceil(RAMP + tier.for_ + STEP, grid)
    burning = [t for t in slo.tiers if slo.threshold(t) < bad]
    if any(t.for_ + STEP <= at < t.for_ + RAMP + STEP for t in burning) or bad / slo.budget <= 1:
        return None
    value, budget = float(effective(bad)), float(slo.budget)
    expected = []
    for t in burning:
        if at < t.for_ + RAMP + STEP:
            continue
        notes = slo_rules.alert_annotations(slo, t)
        notes["description"] = gotemplate.expand(notes["description"], value, {})
        notes["burn_rate"] = f"{value / budget:.2f}x"
        notes["budget_left"] = gotemplate.humanize_percentage(1 - value / budget)
        notes["time_to_exhaustion"] = gotemplate.humanize_duration(0)
        expected.append({"exp_labels": dict(sorted(slo_rules.labels(slo, t).items())), "exp_annotations": notes})
    return {
        "name": f"{slo.id} annotations of the alerts firing {_text(at)} into a steady {number(_dec(bad))} error ratio",
        "interval": f"{STEP}s",
        "input_series": series(slo, [(at // STEP + 1, bad)]),
        "alert_rule_test": [{"eval_time": _text(at), "alertname": slo.alert, "exp_alerts": expected}],
    }


def build_slo(slo: SLO) -> dict[str, dict[str, Any]]:
    """Test files of one SLO: one per tier (each with its own evaluation interval); page tiers get a spike
    test; the fastest tier's file also holds the annotation and budget-left cases."""
    if statuses(slo) is None:
        return {}
    out = {}
    for i, tier in enumerate(slo.tiers):
        tests = [fires(slo, tier), silent(slo, tier)]
        if tier.kind == "page" and (short_spike := spike(slo, tier)):
            tests.append(short_spike)
        if i == 0 and (case := annotated(slo)):
            tests.append(case)
        if i == 0:
            tests.append(budget_left(slo))
        out[f"prometheus/{conventions.slo_test_file(slo.id, tier.name)}"] = {
            "rule_files": [f"../{conventions.slo_rule_file(slo.id)}"],
            "evaluation_interval": _text(eval_step(tier)),
            "tests": tests,
        }
    return out


def build(model: Model) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for slo in model.slos:
        out.update(build_slo(slo))
    return out


def untested(model: Model) -> list[str]:
    return [slo.id for slo in model.slos if statuses(slo) is None]

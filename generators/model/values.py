"""Parse the spec's small languages: durations and threshold strings, exactly (Decimal, never float)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_DURATION_UNITS = (
    Decimal(365 * 86400),
    Decimal(7 * 86400),
    Decimal(86400),
    Decimal(3600),
    Decimal(60),
    Decimal(1),
    Decimal("0.001"),
)
_NUMBER = re.compile(r"^(?P<num>-?\d+(?:\.\d+)?)(?P<unit>[a-zA-Z%/]*)$")

DURATION_EXAMPLES = "examples: 30s, 5m, 1h30m, 7d"
# Prometheus and Alertmanager hold a duration in int64 nanoseconds: 292y and a bit, then "out of range".
MAX_DURATION = Decimal("9223372036.854")
# An alert's `for` (an escalation's `after` adds to it): the generated unit tests replay every minute of it
# (promtool, one evaluation a minute: 1d is 1,440 per test case; a render with `for 7d` took 75 s). A
# condition that must hold for days is an SLO's burn rate (slos:), not a threshold.
MAX_FOR = Decimal(86400)
# Thresholds become float64 literals in PromQL: 15 significant digits survive, magnitudes up to 1e308. The
# generated tests compute with them in Decimal; keep both exact and finite.
MAX_DIGITS = 15
MAX_AMOUNT = Decimal("1e15")
MIN_AMOUNT = Decimal("1e-9")
UNIT_EXAMPLES = {
    "percent": "5%, 0.05",
    "seconds": "500ms, 2s, 10m, 14d",
    "per_second": "0.5/s, 2",
    "per_minute": "10/min, 10",
    "count": "10, 5000",
    "ratio": "0.5, 2",
}


class ValueProblem(ValueError):
    """A value that does not parse; the message says what would."""


def parse_duration(text: object) -> Decimal:
    """'1h30m' -> Decimal(5400) seconds. Prometheus duration syntax."""
    if not isinstance(text, str):
        raise ValueProblem(f"{text!r} is not a duration ({DURATION_EXAMPLES})")
    return _parse_duration(text)


@functools.lru_cache(maxsize=4096)  # the same few durations, read tens of thousands of times in a large spec
def _parse_duration(text: str) -> Decimal:
    if not text or not (match := _DURATION.match(text)):
        raise ValueProblem(f"{text!r} is not a duration ({DURATION_EXAMPLES})")
    if not any(match.groups()):
        raise ValueProblem(f"{text!r} is not a duration ({DURATION_EXAMPLES})")
    if len(text) > 40:  # 40 digits already exceed MAX_DURATION in any unit: no need to multiply them out
        raise ValueProblem(f"{_short(text)} is out of range: {_DURATION_RANGE}")
    seconds = sum(
        (Decimal(g) * unit for g, unit in zip(match.groups(), _DURATION_UNITS, strict=True) if g),
        Decimal(0),
    )
    if seconds > MAX_DURATION:
        raise ValueProblem(f"{text!r} is out of range: {_DURATION_RANGE}")
    return seconds


_DURATION_RANGE = "Prometheus and Alertmanager durations stop at 292y (e.g. 30d)"


def duration_bounds(
    text: object, minimum: str | None = None, maximum: str | None = None, positive: bool = False, why: str = ""
) -> str | None:
    """Why a duration is outside its bounds (None when inside, or when it is no duration: its reader says so).

    positive refuses 0s, which Prometheus and Alertmanager read as "not set" (their default applies).
    """
    try:
        seconds = parse_duration(text)
    except ValueProblem:
        return None
    because = f"; {why}" if why else ""
    if positive and seconds == 0:
        return f"{text!r} must be more than 0s{because}"
    if minimum is not None and seconds < parse_duration(minimum):
        return f"{text!r} is shorter than {minimum}, the minimum here{because}"
    if maximum is not None and seconds > parse_duration(maximum):
        return f"{text!r} is longer than {maximum}, the maximum here{because}"
    return None


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


@functools.lru_cache(maxsize=4096)  # equal numbers give the same text (0 and -0 too): safe to share
def format_duration(seconds: Decimal) -> str:
    """Decimal seconds -> the shortest Prometheus duration ('90' -> '1m30s')."""
    if seconds == 0:
        return "0s"
    millis = int(seconds * 1000)
    out = ""
    for name, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, millis = divmod(millis, size)
        if count:
            out += f"{count}{name}"
    return out


def number(value: Decimal) -> str:
    """Exact decimal text: Decimal('0.050') -> '0.05', Decimal('5E+1') -> '50'."""
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Threshold:
    """One severity tier of one signal: 'value op threshold for duration'."""

    op: str | None  # None for signals without a value (target down, watchdog)
    value: Decimal | None  # in the signal's base unit: ratio for percent, seconds for seconds
    text: str  # as the user wrote the amount ('5%'), for annotations
    for_: Decimal  # seconds

    @property
    def for_text(self) -> str:
        return format_duration(self.for_)

    def describe(self) -> str:
        """'> 5% for 5m' as shown in annotations and runbooks."""
        parts = []
        if self.op is not None:
            parts.append(f"{self.op} {self.text}")
        if self.for_:
            parts.append(f"for {self.for_text}")
        return " ".join(parts) or "immediately"

    def crossed(self, value: Decimal) -> bool:
        assert self.op is not None and self.value is not None
        return {
            ">": value > self.value,
            ">=": value >= self.value,
            "<": value < self.value,
            "<=": value <= self.value,
        }[self.op]


def parse_threshold(text: object, unit: str, default_for: Decimal, has_value: bool = True) -> Threshold:
    """'> 5% for 5m' with unit 'percent' -> Threshold('>', 0.05, '5%', 300)."""
    example = '"> 5% for 5m"' if has_value else '"for 5m"'
    if not isinstance(text, str):
        raise ValueProblem(f"{text!r} is not a threshold; write a string like {example}")
    head, sep, tail = text.strip().partition("for ")
    if sep and head and not head.endswith(" "):
        head, tail = text.strip(), ""
        sep = ""
    head = head.strip()
    for_ = default_for
    if sep:
        try:
            for_ = parse_duration(tail.strip())
        except ValueProblem as exc:
            raise ValueProblem(f"in {_short(text)}: {exc}") from None
        if for_ > MAX_FOR:
            raise ValueProblem(
                f"in {_short(text)}: 'for {tail.strip()}' is longer than {format_duration(MAX_FOR)}, the longest `for` an alert may have "
                "(the generated tests replay every minute of it); for a condition that lasts days use an SLO (slos:)"
            )
    op_match = re.match(r"^(>=|<=|>|<)\s*(.*)$", head)
    if not has_value:
        if head:
            raise ValueProblem(f"{text!r}: this signal has no value to compare; write only the duration, e.g. {example}")
        if not sep:
            raise ValueProblem(f"{text!r} is not a threshold; write e.g. {example}")
        return Threshold(None, None, "", for_)
    if not head:
        raise ValueProblem(f"{text!r} is not a threshold; write '<op> <amount> [for <duration>]', e.g. {example}")
    if not op_match or not op_match[2]:
        raise ValueProblem(f"{text!r} has no comparison; write e.g. {example} (operators: > >= < <=)")
    amount = op_match[2]
    value = parse_amount(amount, unit)
    return Threshold(op_match[1], value, amount, for_)


def parse_amount(amount: str, unit: str) -> Decimal:
    """'5%' -> 0.05 (percent); '2s' -> 2 (seconds); '30/min' -> 0.5 (per_second)."""
    examples = UNIT_EXAMPLES[unit]
    match = _NUMBER.match(amount)
    if not match:
        raise ValueProblem(f"{amount!r} is not a {_unit_noun(unit)} (examples: {examples})")
    try:
        num = Decimal(match["num"])
    except InvalidOperation:  # pragma: no cover - regex guarantees digits
        raise ValueProblem(f"{amount!r} is not a number") from None
    _check_range(amount, num, unit)
    suffix = match["unit"]
    if unit == "percent":
        if suffix == "%":
            num = num / 100
        elif suffix:
            raise ValueProblem(f"{amount!r} is not a percentage (examples: {examples})")
        elif num > 1:
            raise ValueProblem(f"{amount!r} is not a percentage; write {amount}% or a ratio (examples: {examples})")
        if not 0 <= num <= 1:
            raise ValueProblem(f"{amount!r} is not a percentage between 0% and 100% (examples: {examples})")
        return num
    if unit == "seconds":
        if not suffix:
            return num
        try:
            return parse_duration(amount) if "." not in amount else num * parse_duration("1" + suffix)
        except ValueProblem:
            raise ValueProblem(f"{amount!r} is not a duration (examples: {examples})") from None
    if unit == "per_second":
        if suffix not in ("", "/s"):
            raise ValueProblem(f"{amount!r} is not a per-second rate (examples: {examples})")
        return num
    if unit == "per_minute":
        if suffix not in ("", "/min"):
            raise ValueProblem(f"{amount!r} is not a per-minute rate (examples: {examples})")
        return num
    if suffix:
        raise ValueProblem(f"{amount!r} must be a plain number here (examples: {examples})")
    return num


def _check_range(amount: str, num: Decimal, unit: str) -> None:
    """Refuse what PromQL's float64 cannot keep exactly, or what makes no sense for the unit."""
    shown = _short(amount)
    if num < 0 and unit in ("seconds", "per_second", "per_minute"):
        raise ValueProblem(f"{shown} is negative; a {_unit_noun(unit)} threshold is 0 or more (examples: {UNIT_EXAMPLES[unit]})")
    if num == 0:
        return
    if abs(num) >= MAX_AMOUNT:
        raise ValueProblem(f"{shown} is too large: thresholds stay below 1e15 (examples: {UNIT_EXAMPLES[unit]})")
    if abs(num) < MIN_AMOUNT:
        raise ValueProblem(f"{shown} is too small: thresholds other than 0 are at least 0.000000001 (examples: {UNIT_EXAMPLES[unit]})")
    if len(num.normalize().as_tuple().digits) > MAX_DIGITS:
        raise ValueProblem(
            f"{shown} has more than {MAX_DIGITS} significant digits, more than PromQL's float64 numbers keep "
            f"(examples: {UNIT_EXAMPLES[unit]})"
        )


def _unit_noun(unit: str) -> str:
    return {
        "percent": "percentage",
        "seconds": "duration",
        "per_second": "rate",
        "per_minute": "rate",
        "count": "number",
        "ratio": "number",
    }[unit]


def decimal_text(value: Fraction) -> tuple[str, bool]:
    """Exact decimal text of a fraction when it has one; else 15 significant digits. (text, exact)."""
    den = value.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    with localcontext() as ctx:
        ctx.prec = 60 if den == 1 else 15
        text = format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
    return text, den == 1

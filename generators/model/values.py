"""Parse the spec's small languages: durations and threshold strings, exactly (Decimal, never float)."""

from __future__ import annotations

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
    if not isinstance(text, str) or not text or not (match := _DURATION.match(text)):
        raise ValueProblem(f"{text!r} is not a duration ({DURATION_EXAMPLES})")
    if not any(match.groups()):
        raise ValueProblem(f"{text!r} is not a duration ({DURATION_EXAMPLES})")
    return sum(
        (Decimal(g) * unit for g, unit in zip(match.groups(), _DURATION_UNITS, strict=True) if g),
        Decimal(0),
    )


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
            raise ValueProblem(f"in {text!r}: {exc}") from None
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

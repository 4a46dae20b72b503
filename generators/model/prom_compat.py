"""What Prometheus 2.x and 3.x read differently in what the generators write (docs/versions.md has the list).

- `le` (classic histograms) and `quantile` (summaries): Prometheus 3 normalizes the value on ingestion to a
  float spelling (`le="1"` is stored as `le="1.0"`), Prometheus 2 keeps what the exporter printed (`1` from Go
  clients, `1.0` from Python's). A matcher on such a value takes every spelling: `le=~"1|1\\.0"`.
- External label values: Prometheus 3 expands `$VAR` / `${VAR}` from the environment; `$$` is a literal `$`.
  The rendered value escapes every `$`; Prometheus 2 reads the same file alike with
  `--enable-feature=expand-external-labels` (EXPAND_EXTERNAL_LABELS, passed by the native stacks).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

EXPAND_EXTERNAL_LABELS = "--enable-feature=expand-external-labels"  # Prometheus 2.x only; 3.x always expands
NORMALIZED_LABELS = ("le", "quantile")
_REGEX_SPECIAL = re.compile(r"[.+]")  # in a number's spelling: escaped for RE2, then for the PromQL string
BACKSLASHES = "\\" * 2
_EQUALITY = re.compile(r'\b(le|quantile)\s*=\s*"([^"\\]*)"')


def _go_shortest(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 64), as Go clients print a bucket bound: the shortest digits that
    read back as the value, in exponent form when the exponent is below -4 or at least 6."""
    sign, digits_tuple, last = Decimal(repr(abs(value))).normalize().as_tuple()
    del sign
    assert isinstance(last, int)
    digits = "".join(str(d) for d in digits_tuple)
    exp = last + len(digits) - 1  # the exponent of the first digit
    minus = "-" if value < 0 else ""
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{minus}0.{'0' * (-exp - 1)}{digits}"
    whole = digits[: exp + 1].ljust(exp + 1, "0")
    fraction = digits[exp + 1 :]
    return minus + whole + (f".{fraction}" if fraction else "")


def _prometheus3(value: float) -> str:
    """formatOpenMetricsFloat, what Prometheus 3 stores: the Go spelling, plus `.0` when it has neither a
    point nor an exponent (1 -> 1.0, 1e3 -> 1000.0, 1000000 -> 1e+06)."""
    text = _go_shortest(value)
    return text if ("." in text or "e" in text) else text + ".0"


def spellings(value: str) -> tuple[str, ...]:
    """Every spelling Prometheus 2 or 3 may store for a numeric `le`/`quantile` value: as written, as Go clients
    print it, as Prometheus 3 normalizes it. One entry when they agree (`0.5`); `+Inf` and non-numbers as-is."""
    try:
        number = float(Decimal(value))
    except (InvalidOperation, ValueError):
        return (value,)
    if number != number or number in (float("inf"), float("-inf")):
        return (value,)
    return tuple(dict.fromkeys((value, _go_shortest(number), _prometheus3(number))))


def matcher(label: str, value: str) -> str:
    """`le="0.5"` when every version stores one spelling, else `le=~"1|1\\.0"` (RE2, inside a PromQL string)."""
    found = spellings(value)
    if len(found) == 1:
        return f'{label}="{value}"'
    alternatives = "|".join(_REGEX_SPECIAL.sub(lambda m: BACKSLASHES + m.group(0), s) for s in found)
    return f'{label}=~"{alternatives}"'


def equality_problems(expr: str) -> list[str]:
    """Each `le="1"`-style equality in hand-written PromQL that one version would never match, with the fix."""
    out = []
    for match in _EQUALITY.finditer(expr):
        label, value = match.groups()
        found = spellings(value)
        if len(found) > 1:
            out.append(
                f'{match.group(0)} matches only one spelling of {value}: Prometheus 3 stores it as {label}="{found[-1]}", '
                f"Prometheus 2 as the exporter prints it; match every spelling: {matcher(label, value)}"
            )
    return out


def external_label_value(value: str) -> str:
    """The value as written into prometheus.yml: `$` doubled, so neither version expands it."""
    return value.replace("$", "$$")


def prometheus_flags(version: str) -> list[str]:
    """Flags that make a Prometheus of `version` (x.y.z) read the rendered prometheus.yml as 3.x does."""
    return [EXPAND_EXTERNAL_LABELS] if version.split(".", 1)[0] == "2" else []

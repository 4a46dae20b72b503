"""Jinja2 templates written in the spec (a custom alert's expr and its test series), rendered in a sandbox.

The catalog's own templates are trusted and use catalog.environment(). A spec string is user input: it gets
a SandboxedEnvironment (same StrictUndefined, same filters), so `{{ cycler.__init__.__globals__ }}` is
refused instead of evaluated, and every way it can fail comes back as one TemplateProblem with a sentence
the builder reports at the spec's line and column.

Jinja's sandbox guards attributes, not work: `{{ 9 ** 999999999 }}` would compute for hours (at compile
time: Jinja folds constants) and `{% for %}` inside `{% for %}` loops 10**10 times. Evaluation is bounded
here, so a render costs time linear in the template's length:
- statements: only `{% if %}` (no loops, macros, `set`: nothing repeats or accumulates);
- arithmetic: `**`, `*`, `/`, `//` and `%` check their operands first (integers up to MAX_INT_BITS bits,
  strings and lists up to MAX_TEXT items, `%` format widths of 3 digits) and their result (a Decimal up to
  1e77: int() of a 1e999999 Decimal takes minutes); floats overflow on their own;
- attributes: a short list of string and mapping methods (no `'x'.ljust`, `.format`, `.expandtabs`);
- calls and filters: integer arguments up to MAX_TEXT, a short list of filters and globals (no
  `lipsum(10**9)`, `center`, `indent`, `wordwrap`, `format`, `replace`, `join`);
- size: the template up to MAX_TEXT characters, its output too.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal
from typing import Any, Literal

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from generators import catalog

# An example of right for messages about a custom alert's expr (as it is written in YAML double quotes).
EXPR_EXAMPLE = '"max by (tenant) (llm_quota_used_ratio{job=\\"api\\"}) {{ op }} {{ threshold }}"'

MAX_TEXT = 10_000  # characters of a template, of its output, of any string or list it builds; also range()
MAX_INT_BITS = 256  # about 1e77: far beyond any value a threshold or a test series needs
_STATEMENTS = (nodes.Output, nodes.If)  # with the expression nodes under them, all that a spec template may use
_SAFE_FILTERS = ("abs", "attr", "default", "d", "float", "int", "length", "list", "lower", "round", "string", "trim", "upper")
_ATTRIBUTES: tuple[tuple[type, frozenset[str]], ...] = (
    (str, frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "title", "capitalize"})),
    (dict, frozenset({"get", "items", "keys", "values"})),
)
MAX_DECIMAL_EXPONENT = 77
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d{4,})|%[-+ #0]*\d*\.(\*|\d{4,})")


class TemplateProblem(Exception):
    """A spec template that does not parse, names an undefined variable, is refused by the sandbox or fails."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Bounded(SandboxedEnvironment):
    """The sandbox with bounded arithmetic, calls and sizes (see the module docstring)."""

    intercepted_binops = frozenset({"**", "*", "/", "//", "%"})

    def wrap_str_format(self, value: Any) -> None:
        """No str.format / format_map at all (Jinja would wrap them past is_safe_attribute): widths inside the
        format string ('{:>999999999}') are work the argument checks cannot see."""
        return None

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return any(isinstance(obj, kind) and attr in names for kind, names in _ATTRIBUTES)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1 and right * math.log2(abs(left)) > MAX_INT_BITS:
            raise SecurityError(f"{_short(left)} ** {_short(right)} is larger than the sandbox allows ({MAX_INT_BITS}-bit integers)")
        if operator == "*":
            _check_product(left, right)
        if operator == "%" and isinstance(left, str) and _FORMAT_WIDTH.search(left):
            raise SecurityError(f"the format {_short(left)} asks for a width or precision above 999")
        result = super().call_binop(context, operator, left, right)
        _check_size(result)
        return result

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if _is_int(value) and abs(value) > MAX_TEXT:
                raise SecurityError(f"{_short(value)} as an argument is larger than the sandbox allows ({MAX_TEXT})")
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(result)
        return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value) if not _is_int(value) or value.bit_length() < 200 else f"a {value.bit_length()}-bit integer"
    return text if len(text) <= 40 else text[:37] + "..."


def _check_product(left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise SecurityError(f"{_short(left)} * {_short(right)} is larger than the sandbox allows ({MAX_INT_BITS}-bit integers)")
        return
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and _is_int(count) and len(seq) * count > MAX_TEXT:
            raise SecurityError(f"repeating {_short(seq)} {count} times is longer than the sandbox allows ({MAX_TEXT})")


def _check_size(value: Any) -> None:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise SecurityError(f"a value of {len(value)} items is longer than the sandbox allows ({MAX_TEXT})")
    if _is_int(value) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError(f"a {value.bit_length()}-bit integer is larger than the sandbox allows ({MAX_INT_BITS}-bit integers)")
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > MAX_DECIMAL_EXPONENT:
        raise SecurityError(f"{value:.3E} is larger than the sandbox allows (1E+{MAX_DECIMAL_EXPONENT})")


def _bounded_range(*args: int) -> range:
    if len(args) > 3 or not all(_is_int(a) for a in args):
        raise SecurityError("range() takes up to three integers")
    out = range(*args)
    if len(out) > MAX_TEXT:
        raise SecurityError(f"range() of {len(out)} numbers is longer than the sandbox allows ({MAX_TEXT})")
    return out


def _bounded_round(value: Any, precision: int = 0, method: Literal["common", "ceil", "floor"] = "common") -> Any:
    if not _is_int(precision) or not 0 <= precision <= 20:
        raise SecurityError("round() takes a precision from 0 to 20")
    return jinja2.filters.do_round(value, precision, method)


@functools.cache
def environment() -> SandboxedEnvironment:
    env = _Bounded(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    builtin = env.filters
    env.filters = {name: builtin[name] for name in _SAFE_FILTERS}
    env.filters["round"] = _bounded_round
    env.filters.update(catalog.FILTERS)
    env.globals.pop("lipsum")
    env.globals["range"] = _bounded_range
    return env


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> jinja2.Template:
    env = environment()
    tree = env.parse(template)
    for node in tree.find_all(nodes.Stmt):
        if not isinstance(node, _STATEMENTS):
            tag = type(node).__name__.lower()
            raise SecurityError(f"'{tag}' statements are not supported in spec templates (only {{{{ ... }}}} and {{% if %}})")
    return env.from_string(tree)


def render(template: str, **context: Any) -> str:
    """Render one spec string; raises TemplateProblem, never a Jinja or Python error."""
    if len(template) > MAX_TEXT:
        raise TemplateProblem(f"the template is {len(template)} characters long; spec templates are at most {MAX_TEXT}")
    try:
        out = _compiled(template).render(**context)
    except jinja2.TemplateError as exc:
        raise TemplateProblem(_describe(exc, template)) from None
    except Exception as exc:  # user code in the sandbox: 1/0, 'a' + 1, a range above the sandbox's limit ...
        raise TemplateProblem(f"the template fails to render: {type(exc).__name__}: {exc}") from None
    if len(out) > MAX_TEXT:
        raise TemplateProblem(f"the template renders {len(out)} characters; spec templates render at most {MAX_TEXT}")
    return out


def _describe(exc: jinja2.TemplateError, template: str) -> str:
    text = (exc.message or str(exc)).rstrip(".")
    if isinstance(exc, SecurityError):
        return f"the template is refused by the sandbox: {text}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f" (template line {exc.lineno})" if "\n" in template.strip() else ""
        return f"template syntax error{where}: {text}"
    return f"template error: {text}"

"""Spec templates render in a sandbox with the catalog's filters; the catalog's own stay on the plain environment."""

from __future__ import annotations

from decimal import Decimal

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment

from generators import catalog
from generators.spec import spec_templates

REFUSED = [
    (
        "a builtin's class",
        "{{ range.__class__ }}",
        "the template is refused by the sandbox: access to attribute '__class__' of 'function' object is unsafe",
    ),
    (
        "a function's globals",
        "{{ range.__globals__ }}",
        "the template is refused by the sandbox: access to attribute '__globals__' of 'function' object is unsafe",
    ),
    (
        "a class's init",
        "{{ cycler.__init__.__globals__ }}",
        "the template is refused by the sandbox: access to attribute '__init__' of 'type' object is unsafe",
    ),
    (
        "subclasses through a string",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "the template is refused by the sandbox: access to attribute '__class__' of 'str' object is unsafe",
    ),
    (
        "the attr filter",
        "{{ op | attr('__class__') }}",
        "the template is refused by the sandbox: access to attribute '__class__' of 'str' object is unsafe",
    ),
    ("an undefined variable", "{{ treshold }}", "template error: 'treshold' is undefined"),
    ("a syntax error", "{{ op )", "template syntax error: unexpected ')'"),
    (
        "a syntax error on a later line",
        "{{ op }}\n{{ op",
        "template syntax error (template line 2): unexpected end of template, expected 'end of print statement'",
    ),
    ("a division by zero", "{{ 1 / 0 }}", "the template fails to render: ZeroDivisionError: division by zero"),
    (
        "a loop",
        "{% for i in range(10 ** 9) %}{% endfor %}",
        "the template is refused by the sandbox: 'for' statements are not supported in spec templates (only {{ ... }} and {% if %})",
    ),
    (
        "a loop inside a loop (10**10 turns: refused before the first)",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "the template is refused by the sandbox: 'for' statements are not supported in spec templates (only {{ ... }} and {% if %})",
    ),
    (
        "a macro calling itself",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "the template is refused by the sandbox: 'macro' statements are not supported in spec templates (only {{ ... }} and {% if %})",
    ),
    (
        "a value built up by set",
        "{% set s = 'ab' %}{% set s = s ~ s %}{{ s }}",
        "the template is refused by the sandbox: 'assign' statements are not supported in spec templates (only {{ ... }} and {% if %})",
    ),
    (
        "a huge power of integers (hours of work unbounded)",
        "{{ 9 ** 999999999 }}",
        "the template is refused by the sandbox: 9 ** 999999999 is larger than the sandbox allows (256-bit integers)",
    ),
    (
        "a huge power of the value under test (a Decimal: int() of it takes minutes)",
        "{{ (v * 10) ** 99999 }}",
        "the template is refused by the sandbox: 1.980E+95423 is larger than the sandbox allows (1E+77)",
    ),
    (
        "a huge product of integers",
        "{{ (2 ** 200) * (2 ** 200) }}",
        "the template is refused by the sandbox: a 201-bit integer * a 201-bit integer is larger than the sandbox allows (256-bit integers)",
    ),
    (
        "a long repeated string",
        "{{ 'x' * 100001 }}",
        "the template is refused by the sandbox: repeating 'x' 100001 times is longer than the sandbox allows (10000)",
    ),
    (
        "a wide format",
        "{{ '%999999999d' % 1 }}",
        "the template is refused by the sandbox: the format '%999999999d' asks for a width or precision above 999",
    ),
    (
        "a padding method",
        "{{ 'x'.ljust(10) }}",
        "the template is refused by the sandbox: access to attribute 'ljust' of 'str' object is unsafe",
    ),
    (
        "str.format with a huge width",
        "{{ '{:>999999999}'.format(1) }}",
        "the template is refused by the sandbox: access to attribute 'format' of 'str' object is unsafe",
    ),
    ("a generator of lorem ipsum", "{{ lipsum() }}", "template error: 'lipsum' is undefined"),
    ("a padding filter", "{{ 'x' | center(999999999) }}", "template syntax error: No filter named 'center'"),
    (
        "a range above the limit",
        "{{ range(10001) | length }}",
        "the template is refused by the sandbox: 10001 as an argument is larger than the sandbox allows (10000)",
    ),
    ("a template longer than the limit", "x" * 10_001, "the template is 10001 characters long; spec templates are at most 10000"),
    (
        "an output longer than the limit (concatenation is not an operator the sandbox sees)",
        "{{ ('x' * 9000) ~ ('x' * 9000) }}",
        "the template renders 18000 characters; spec templates render at most 10000",
    ),
]


@pytest.mark.parametrize(("template", "expected"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_bad_spec_template_is_one_problem(template: str, expected: str) -> None:
    with pytest.raises(spec_templates.TemplateProblem) as caught:
        spec_templates.render(template, op=">", threshold="0.9", v=Decimal("0.9"))
    assert caught.value.message == expected


def test_spec_templates_have_the_catalog_filters() -> None:
    assert spec_templates.render("{{ m | base }} {{ op }} {{ threshold }}", m="x_total", op=">", threshold="0.9") == "x > 0.9"


def test_catalog_templates_stay_on_the_plain_environment() -> None:
    assert type(catalog.environment()) is jinja2.Environment
    assert isinstance(spec_templates.environment(), SandboxedEnvironment)
    assert catalog.render("{{ m | base }}", m="x_total") == "x"

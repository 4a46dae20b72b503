"""Spec templates render in a sandbox with the catalog's filters; the catalog's own stay on the plain environment."""

from __future__ import annotations

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
        "{{ lipsum.__globals__ }}",
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
        "a huge range",
        "{% for i in range(10 ** 9) %}{% endfor %}",
        "the template fails to render: OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
    ),
]


@pytest.mark.parametrize(("template", "expected"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_a_bad_spec_template_is_one_problem(template: str, expected: str) -> None:
    with pytest.raises(spec_templates.TemplateProblem) as caught:
        spec_templates.render(template, op=">", threshold="0.9")
    assert caught.value.message == expected


def test_spec_templates_have_the_catalog_filters() -> None:
    assert spec_templates.render("{{ m | base }} {{ op }} {{ threshold }}", m="x_total", op=">", threshold="0.9") == "x > 0.9"


def test_catalog_templates_stay_on_the_plain_environment() -> None:
    assert type(catalog.environment()) is jinja2.Environment
    assert isinstance(spec_templates.environment(), SandboxedEnvironment)
    assert catalog.render("{{ m | base }}", m="x_total") == "x"

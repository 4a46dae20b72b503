"""Jinja2 templates written in the spec (a custom alert's expr and its test series), rendered in a sandbox.

The catalog's own templates are trusted and use catalog.environment(). A spec string is user input: it gets
a SandboxedEnvironment (same StrictUndefined, same filters), so `{{ cycler.__init__.__globals__ }}` is
refused instead of evaluated, and every way it can fail comes back as one TemplateProblem with a sentence
the builder reports at the spec's line and column.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from generators import catalog

# An example of right for messages about a custom alert's expr (as it is written in YAML double quotes).
EXPR_EXAMPLE = '"max by (tenant) (llm_quota_used_ratio{job=\\"api\\"}) {{ op }} {{ threshold }}"'


class TemplateProblem(Exception):
    """A spec template that does not parse, names an undefined variable, is refused by the sandbox or fails."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@functools.cache
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters.update(catalog.FILTERS)
    return env


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> jinja2.Template:
    return environment().from_string(template)


def render(template: str, **context: Any) -> str:
    """Render one spec string; raises TemplateProblem, never a Jinja or Python error."""
    try:
        return _compiled(template).render(**context)
    except jinja2.TemplateError as exc:
        raise TemplateProblem(_describe(exc, template)) from None
    except Exception as exc:  # user code in the sandbox: 1/0, 'a' + 1, a range above the sandbox's limit ...
        raise TemplateProblem(f"the template fails to render: {type(exc).__name__}: {exc}") from None


def _describe(exc: jinja2.TemplateError, template: str) -> str:
    text = (exc.message or str(exc)).rstrip(".")
    if isinstance(exc, SecurityError):
        return f"the template is refused by the sandbox: {text}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f" (template line {exc.lineno})" if "\n" in template.strip() else ""
        return f"template syntax error{where}: {text}"
    return f"template error: {text}"

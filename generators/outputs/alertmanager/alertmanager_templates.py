"""alertmanager/templates/*.tmpl: the Slack/PagerDuty/Opsgenie and email messages.

The message templates are static Go templates (generators/catalog/templates/alertmanager/); the one value
from the spec, the Alertmanager address used in silence links, goes into a small generated file.
"""

from __future__ import annotations

from generators import catalog
from generators.model import conventions
from generators.model.types import Model

STATIC = ("email.tmpl", "slack.tmpl")
LINKS = "links.tmpl"
FILES = (*STATIC, LINKS)


def links(model: Model) -> str:
    url = model.stack.alertmanager_url.rstrip("/")
    return f'{{{{/* {conventions.GENERATED_HEADER} */}}}}\n{{{{ define "monitoring.alertmanager_url" }}}}{url}{{{{ end }}}}\n'


def files(model: Model) -> dict[str, str]:
    out = {name: catalog.template_text(f"alertmanager/{name}") for name in STATIC}
    out[LINKS] = links(model)
    return out

"""Checks for spec strings that reach a URL, a mail header, a Go template or a file name.

One function per kind. Each returns None when the text is fine, else a sentence saying what is wrong and
what would be right; callers put it at the spec line (generators/spec/schema_errors.py calls them for the
schema's `x-string` keyword, the model can call them directly). They never rewrite the text: a string
that would change meaning on its way into Alertmanager or Prometheus is refused, not escaped, so the
rendered file says exactly what the spec says.

Why each exists:
- Alertmanager expands `{{ }}` in most receiver fields (Slack channel, email to/from/headers, Opsgenie
  responders, ...) and in the template files; Prometheus expands it in annotations (runbook_url,
  dashboard_url). A `{{` from the spec is code there: `{{ end }}{{ define "email.monitoring.subject" }}`
  in a URL redefines every subject. go_template_text() refuses it.
- URLs are parsed (urllib) and limited to http/https: a `javascript:` runbook link is a click away.
- Email addresses are checked by email-validator (syntax only, no DNS), which also refuses CR/LF: an
  address with CRLF + `Bcc:` would add a header to every mail.
- Names that become file names (secrets under compose/secrets/, rule files, runbooks) must be one path
  component: no `/`, not `.` or `..`, short enough for every filesystem.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable

MAX_FILE_NAME = 100  # bytes; ext4 and most filesystems allow 255 for the whole component, suffixes included
MAX_TEXT = 1000  # one-line fields (channel names, URLs, addresses)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_URL_FORBIDDEN = re.compile(r"[\s\"<>\\^`{|}]")  # not allowed unencoded in a URL (RFC 3986), nor in a template
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(?P<port>[0-9]{1,5})$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_NOT_RE2 = re.compile(r"\(\?[=!<]")  # lookarounds: Python has them, Prometheus' RE2 does not

URL_EXAMPLE = "https://grafana.example.com"
EMAIL_EXAMPLE = "sre@example.com"


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


def _too_long(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"{_shown(text)} is {len(text)} characters long; the limit here is {limit}"
    return None


def go_template_text(text: str, example: str = "#alerts") -> str | None:
    """One line of text that Alertmanager or Prometheus expands as a Go template: no `{{`, no control characters."""
    if too_long := _too_long(text, MAX_TEXT):
        return too_long
    if "{{" in text:
        return (
            f"{_shown(text)} contains '{{{{': Alertmanager and Prometheus expand this field as a Go template, "
            f"so it would run as template code; remove the braces (e.g. {example})"
        )
    if _CONTROL.search(text):
        return f"{_shown(text)} contains a line break or control character; write it on one line (e.g. {example})"
    return None


def url(text: str, relative: bool = False) -> str | None:
    """An absolute http(s) URL; with relative, also a path without scheme or host (docs/runbooks)."""
    if problem := go_template_text(text, URL_EXAMPLE):
        return problem
    example = f"e.g. {URL_EXAMPLE}" + (" or docs/runbooks" if relative else "")
    if _URL_FORBIDDEN.search(text):
        bad = _URL_FORBIDDEN.search(text)
        assert bad is not None
        return f"{_shown(text)} is not a URL: {bad.group(0)!r} must be percent-encoded ({example})"
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return f"{_shown(text)} is not a URL: {exc} ({example})"
    if relative and not parts.scheme and not parts.netloc:
        return None  # a path beside the rendered files (docs/runbooks)
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"scheme '{parts.scheme}'" if parts.scheme else "no scheme"
        return f"{_shown(text)} has {scheme}; only http:// and https:// URLs are allowed here ({example})"
    if not parts.hostname:
        return f"{_shown(text)} has no host ({example})"
    if port == 0:
        return f"{_shown(text)} has port 0 ({example})"
    return None


def email(text: str) -> str | None:
    """One address (addr-spec), checked by email-validator without DNS: no display name, no CR/LF."""
    if problem := go_template_text(text, EMAIL_EXAMPLE):
        return problem
    import email_validator  # 60 ms of imports (dnspython): only for specs with an email channel

    try:
        email_validator.validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as exc:
        return f"{_shown(text)} is not an email address: {str(exc).rstrip('.')} (e.g. {EMAIL_EXAMPLE})"
    return None


def email_list(text: str) -> str | None:
    """Addresses separated by commas, as Alertmanager's `to:` takes them."""
    if problem := go_template_text(text, EMAIL_EXAMPLE):
        return problem
    for part in text.split(","):
        if problem := email(part.strip()):
            return problem
    return None


def host_port(text: str) -> str | None:
    """host:port as Alertmanager's smarthost wants it (no scheme)."""
    if problem := go_template_text(text, "smtp.example.com:587"):
        return problem
    match = _HOST_PORT.match(text)
    if not match or not 0 < int(match["port"]) < 65536:
        return f"{_shown(text)} is not host:port (e.g. smtp.example.com:587)"
    return None


def file_name(text: str) -> str | None:
    """A name that becomes one file name: letters, digits, '_', '.', '-'; not starting with '.'; short."""
    if too_long := _too_long(text, MAX_FILE_NAME):
        return too_long
    if not _FILE_NAME.match(text):
        return (
            f"{_shown(text)} is not a file name: use letters, digits, '_', '.' and '-', not starting with '.' "
            "and without '/' (e.g. slack_alerts_webhook)"
        )
    return None


def label_name(text: str) -> str | None:
    """A Prometheus label name that a user may set (not reserved: `__` is Prometheus' own)."""
    if not _LABEL_NAME.match(text):
        return f"{_shown(text)} is not a label name: letters, digits and '_', not starting with a digit (e.g. cluster)"
    if text.startswith("__"):
        return f"{_shown(text)} starts with '__', which Prometheus reserves for itself (e.g. cluster)"
    return None


def metric_name(text: str) -> str | None:
    """A metric name as Prometheus' grammar has it: what the spec puts in front of a selector."""
    if not _METRIC_NAME.match(text):
        return f"{_shown(text)} is not a metric name: letters, digits, '_' and ':', not starting with a digit (e.g. http_requests_total)"
    return None


def status_regex(text: str) -> str | None:
    """A status-code regex that becomes a quoted PromQL label matcher: no quote or backslash to end the
    string early, no line break, and a regular expression RE2 accepts (no lookarounds)."""
    if problem := go_template_text(text, "5..|timeout"):
        return problem
    if '"' in text or "\\" in text or "`" in text:
        return f"{_shown(text)} contains a quote or backslash, which would end the PromQL string it is put in (e.g. 5..|timeout)"
    try:
        re.compile(text)
    except re.error as exc:
        return f"{_shown(text)} is not a regular expression: {exc} (e.g. 5..|timeout)"
    if _NOT_RE2.search(text):
        return f"{_shown(text)} uses a lookaround, which Prometheus' regular expressions (RE2) do not have (e.g. 5..|timeout)"
    return None


# Go-template forms the generated tests can predict; anything else in a description is refused.
TEMPLATE_FORMS = re.compile(
    r"\{\{\s*(\$value(\s*\|\s*(humanize|humanizePercentage|humanizeDuration))?|\$labels\.[a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}"
)


def check_description(text: str) -> str | None:
    """None when every {{ }} in text is a supported form, else the first unsupported one."""
    for match in re.finditer(r"\{\{.*?\}\}", text):
        if not TEMPLATE_FORMS.fullmatch(match.group(0)):
            return match.group(0)
    return None


def annotation(text: str) -> str | None:
    """A Prometheus annotation written in the spec (a custom alert's summary): only the template forms the
    generated tests can predict ({{ $value }}, {{ $labels.name }}, ...), the same as its description."""
    if too_long := _too_long(text, MAX_TEXT):
        return too_long
    bad = check_description(text)
    if bad:
        return (
            f"{bad} is not supported here: Prometheus expands this annotation as a Go template; use {{{{ $value }}}}, "
            "{{ $value | humanizePercentage }}, {{ $value | humanizeDuration }}, {{ $value | humanize }} or {{ $labels.name }}"
        )
    return None


def url_or_path(text: str) -> str | None:
    return url(text, relative=True)


def group_by_label(text: str) -> str | None:
    """A routing group_by entry: a label name, or '...' (Alertmanager groups by every label)."""
    return None if text == "..." else label_name(text)


KINDS: dict[str, Callable[[str], str | None]] = {
    "annotation": annotation,
    "go-template-text": go_template_text,
    "url": url,
    "url-or-path": url_or_path,
    "email": email,
    "email-list": email_list,
    "host-port": host_port,
    "file-name": file_name,
    "label-name": label_name,
    "metric-name": metric_name,
    "status-regex": status_regex,
    "group-by": group_by_label,
}

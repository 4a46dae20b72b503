"""generators/spec/strings.py: one check per kind of spec string, each message exact."""

from __future__ import annotations

import pytest

from generators.spec import strings

CASES = [
    ("url", "https://grafana.example.com/d/x?a=1", None),
    ("url", "http://localhost:3000", None),
    (
        "url",
        "javascript:alert(1)",
        "'javascript:alert(1)' has scheme 'javascript'; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com)",
    ),
    (
        "url",
        "file:///etc/passwd",
        "'file:///etc/passwd' has scheme 'file'; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com)",
    ),
    (
        "url",
        "grafana.example.com",
        "'grafana.example.com' has no scheme; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com)",
    ),
    ("url", "https://", "'https://' has no host (e.g. https://grafana.example.com)"),
    ("url", "http://host:99999/", "'http://host:99999/' is not a URL: Port out of range 0-65535 (e.g. https://grafana.example.com)"),
    ("url", "http://a b/", "'http://a b/' is not a URL: ' ' must be percent-encoded (e.g. https://grafana.example.com)"),
    ("url", 'http://x/"><script>', "'http://x/\"><script>' is not a URL: '\"' must be percent-encoded (e.g. https://grafana.example.com)"),
    (
        "url",
        'http://x{{ end }}{{ define "email.monitoring.subject" }}pwned',
        "'http://x{{ end }}{{ define \"email.monitoring.subject\" }}p'... contains '{{': Alertmanager and Prometheus expand this field as a Go template, so it would run as template code; remove the braces (e.g. https://grafana.example.com)",
    ),
    (
        "url",
        "http://x/\r\nX-Injected: 1",
        "'http://x/\\r\\nX-Injected: 1' contains a line break or control character; write it on one line (e.g. https://grafana.example.com)",
    ),
    ("url-or-path", "docs/runbooks", None),
    ("url-or-path", "https://wiki.example.com/runbooks", None),
    (
        "url-or-path",
        "javascript:alert(1)",
        "'javascript:alert(1)' has scheme 'javascript'; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com or docs/runbooks)",
    ),
    (
        "url-or-path",
        "docs:x/runbooks",
        "'docs:x/runbooks' has scheme 'docs'; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com or docs/runbooks)",
    ),
    (
        "url-or-path",
        "//evil.example.com/x",
        "'//evil.example.com/x' has no scheme; only http:// and https:// URLs are allowed here (e.g. https://grafana.example.com or docs/runbooks)",
    ),
    ("email", "sre@example.com", None),
    (
        "email",
        "a@example.com\r\nBcc: victim@example.org",
        "'a@example.com\\r\\nBcc: victim@example.org' contains a line break or control character; write it on one line (e.g. sre@example.com)",
    ),
    (
        "email",
        "Ops <ops@example.com>",
        "'Ops <ops@example.com>' is not an email address: A display name and angle brackets around the email address are not permitted here (e.g. sre@example.com)",
    ),
    (
        "email",
        "sre@localhost",
        "'sre@localhost' is not an email address: The part after the @-sign is not valid. It should have a period (e.g. sre@example.com)",
    ),
    ("email", "sre", "'sre' is not an email address: An email address must have an @-sign (e.g. sre@example.com)"),
    ("email-list", "a@example.com, b@example.com", None),
    ("email-list", "a@example.com, b", "'b' is not an email address: An email address must have an @-sign (e.g. sre@example.com)"),
    ("host-port", "smtp.example.com:587", None),
    ("host-port", "[::1]:25", None),
    ("host-port", "smtp.example.com", "'smtp.example.com' is not host:port (e.g. smtp.example.com:587)"),
    ("host-port", "smtp://smtp.example.com:587", "'smtp://smtp.example.com:587' is not host:port (e.g. smtp.example.com:587)"),
    ("host-port", "smtp.example.com:70000", "'smtp.example.com:70000' is not host:port (e.g. smtp.example.com:587)"),
    ("go-template-text", "#alerts", None),
    (
        "go-template-text",
        "#al{{erts",
        "'#al{{erts' contains '{{': Alertmanager and Prometheus expand this field as a Go template, so it would run as template code; remove the braces (e.g. #alerts)",
    ),
    ("go-template-text", "x" * 1001, "'" + "x" * 57 + "'... is 1001 characters long; the limit here is 1000"),
    ("file-name", "slack_hook", None),
    (
        "file-name",
        "..",
        "'..' is not a file name: use letters, digits, '_', '.' and '-', not starting with '.' and without '/' (e.g. slack_alerts_webhook)",
    ),
    (
        "file-name",
        "a/b",
        "'a/b' is not a file name: use letters, digits, '_', '.' and '-', not starting with '.' and without '/' (e.g. slack_alerts_webhook)",
    ),
    ("file-name", "a" * 101, "'" + "a" * 57 + "'... is 101 characters long; the limit here is 100"),
    ("label-name", "tenant", None),
    (
        "label-name",
        "tenant) or vector(1)",
        "'tenant) or vector(1)' is not a label name: letters, digits and '_', not starting with a digit (e.g. cluster)",
    ),
    ("label-name", "__name__", "'__name__' starts with '__', which Prometheus reserves for itself (e.g. cluster)"),
    ("metric-name", "http_requests_total", None),
    ("metric-name", "service:http_requests:rate5m", None),
    (
        "metric-name",
        "x or vector(1)",
        "'x or vector(1)' is not a metric name: letters, digits, '_' and ':', not starting with a digit (e.g. http_requests_total)",
    ),
    ("status-regex", "5..|timeout|error", None),
    ("status-regex", "4(0[0-9]|29)", None),
    (
        "status-regex",
        '5..", instance=~"x',
        "'5..\", instance=~\"x' contains a quote or backslash, which would end the PromQL string it is put in (e.g. 5..|timeout)",
    ),
    ("status-regex", "5..\\", "'5..\\\\' contains a quote or backslash, which would end the PromQL string it is put in (e.g. 5..|timeout)"),
    (
        "status-regex",
        "(?<!2)..",
        "'(?<!2)..' uses a lookaround, which Prometheus' regular expressions (RE2) do not have (e.g. 5..|timeout)",
    ),
    ("group-by", "...", None),
    ("group-by", "alert name", "'alert name' is not a label name: letters, digits and '_', not starting with a digit (e.g. cluster)"),
    ("annotation", "Quota at {{ $value | humanizePercentage }} for {{ $labels.tenant }}", None),
    (
        "annotation",
        '{{ with query "up" }}{{ . }}{{ end }}',
        '{{ with query "up" }} is not supported here: Prometheus expands this annotation as a Go template; use {{ $value }}, {{ $value | humanizePercentage }}, {{ $value | humanizeDuration }}, {{ $value | humanize }} or {{ $labels.name }}',
    ),
]


@pytest.mark.parametrize(("kind", "text", "expected"), CASES, ids=[f"{c[0]}: {c[1][:40]!r}" for c in CASES])
def test_each_kind_accepts_or_says_why(kind: str, text: str, expected: str | None) -> None:
    assert strings.KINDS[kind](text) == expected

"""Local notification sinks for the native demo and the end-to-end tests: real protocols, recorded.

One HTTP server answers like the services Alertmanager talks to, on loopback, at the path each channel
type's DemoSink names (outputs/alertmanager/channels/<type>.py). The protocols it speaks (PROTOCOLS):
  slack      Slack incoming webhook (JSON with text or attachments; answers 200 "ok")   POST /slack/<channel>
  pagerduty  PagerDuty Events API v2 (answers 202 {"status": "success", ...}; 400 on an   POST /v2/enqueue
             invalid event; 500 while told to fail, see fail_pagerduty)
  webhook    generic webhook (Alertmanager's JSON payload, version 4; answers 200)      POST /webhook/<channel>
  opsgenie   Opsgenie alert API (answers 202)                                           POST /opsgenie/<path>
  smtp       an SMTP server (aiosmtpd) records every mail (no TLS, no AUTH: loopback only)
and
  GET  /received             everything recorded so far (JSON), for people following the demo
  POST /control/pagerduty?fail_for=SECONDS   make /v2/enqueue answer 500 for a while (0 stops it)
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from generators.outputs.alertmanager import channels as channel_types

LOOPBACK = "127.0.0.1"
PAGERDUTY_ACTIONS = ("trigger", "acknowledge", "resolve")
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(frozen=True)
class Received:
    """One notification as the protocol delivered it. `channel` is what the protocol identifies the
    destination by: the Slack/webhook URL path name, the PagerDuty routing key, the mail recipients."""

    sink: str  # the channel type (channels.TYPES): slack | pagerduty | webhook | opsgenie | email
    channel: str
    at: float  # time.time() when it arrived
    body: dict[str, Any]

    def line(self) -> str:
        return f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {self.sink:<9} {self.channel:<24} {headline(self)}"


def headline(rec: Received) -> str:
    """One line about a notification, in its protocol's terms."""
    kind = channel_types.TYPES.get(rec.sink)
    protocol = PROTOCOLS.get(kind.sink.protocol) if kind else None
    return protocol.headline(rec.body) if protocol else json.dumps(rec.body, sort_keys=True)[:100]


@dataclass
class Sinks:
    http_port: int
    smtp_port: int
    on_receive: Callable[[Received], None] | None = None
    records: list[Received] = field(default_factory=list)
    pagerduty_failures: int = 0  # 500 answers given so far
    _fail_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http: ThreadingHTTPServer | None = None
    _smtp: Any = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    def endpoints(self) -> dict[str, str]:
        out = {name: f"{self.url}{path}{'<channel>' if path.endswith('/') else ''}" for name, path in _http_paths().items()}
        return out | {"smtp": f"{LOOPBACK}:{self.smtp_port}", "recorded": f"{self.url}/received"}

    def start(self) -> None:
        self._http = ThreadingHTTPServer((LOOPBACK, self.http_port), _handler(self))
        threading.Thread(target=self._http.serve_forever, name="sinks-http", daemon=True).start()
        from aiosmtpd.controller import Controller  # only the running demo and e2e tests need it

        self._smtp = Controller(_SmtpHandler(self), hostname=LOOPBACK, port=self.smtp_port)
        self._smtp.start()

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None

    def record(self, rec: Received) -> None:
        with self._lock:
            self.records.append(rec)
        if self.on_receive is not None:
            self.on_receive(rec)

    def received(self, sink: str | None = None, channel: str | None = None, since: float = 0.0) -> list[Received]:
        with self._lock:
            return [r for r in self.records if (sink in (None, r.sink)) and (channel in (None, r.channel)) and r.at >= since]

    def fail_pagerduty(self, seconds: float) -> None:
        """Answer 500 on /v2/enqueue for `seconds` from now (0: answer normally again)."""
        with self._lock:
            self._fail_until = time.time() + seconds if seconds > 0 else 0.0

    def pagerduty_failing(self) -> bool:
        with self._lock:
            if time.time() < self._fail_until:
                self.pagerduty_failures += 1
                return True
            return False

    def summary(self) -> str:
        counts: dict[tuple[str, str], int] = {}
        for rec in self.received():
            counts[(rec.sink, rec.channel)] = counts.get((rec.sink, rec.channel), 0) + 1
        if not counts:
            return "The sinks received nothing."
        lines = ["What each sink received:"]
        lines += [f"  {sink:<9} {channel:<24} {n} notification(s)" for (sink, channel), n in sorted(counts.items())]
        return "\n".join(lines)


def pagerduty_errors(event: Any) -> list[str]:
    """What PagerDuty's Events API v2 would reject in an event (the subset Alertmanager can get wrong)."""
    if not isinstance(event, dict):
        return ["the body is not a JSON object"]
    errors = []
    if not event.get("routing_key"):
        errors.append("'routing_key' is missing")
    if event.get("event_action") not in PAGERDUTY_ACTIONS:
        errors.append(f"'event_action' must be one of {', '.join(PAGERDUTY_ACTIONS)}")
    if event.get("event_action") == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            errors.append("'payload' is missing")
        else:
            errors += [f"'payload.{k}' is missing" for k in ("summary", "source", "severity") if not payload.get(k)]
            if payload.get("severity") and payload["severity"] not in PAGERDUTY_SEVERITIES:
                errors.append(f"'payload.severity' must be one of {', '.join(PAGERDUTY_SEVERITIES)}")
    elif not event.get("dedup_key"):
        errors.append("'dedup_key' is required to acknowledge or resolve")
    return errors


# A protocol's answer to one POST: (status, body, content type).
Reply = tuple[int, Any, str]
# (the sinks, the channel type, the path after the type's prefix, the JSON body, arrival) -> the answer
Answer = Callable[["Sinks", str, str, Any, float], Reply]
JSON = "application/json"
SMTP = "smtp"  # the protocol the SMTP server speaks; the others are HTTP ones


@dataclass(frozen=True)
class Protocol:
    answer: Answer | None  # None: not over HTTP
    headline: Callable[[dict[str, Any]], str]


def _slack(sinks: Sinks, sink: str, rest: str, body: Any, now: float) -> Reply:
    if not isinstance(body, dict) or not (body.get("text") or body.get("attachments")):
        return 400, "no_text", "text/plain"  # what Slack answers
    sinks.record(Received(sink, rest, now, body))
    return 200, "ok", "text/plain"


def _slack_headline(b: dict[str, Any]) -> str:
    attachments = b.get("attachments") or [{}]
    return str(attachments[0].get("title") or b.get("text", ""))


def _pagerduty(sinks: Sinks, sink: str, rest: str, event: Any, now: float) -> Reply:
    if sinks.pagerduty_failing():
        return 500, {"status": "error", "message": "the demo sink was told to fail"}, JSON
    errors = pagerduty_errors(event)
    if errors:
        return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}, JSON
    sinks.record(Received(sink, str(event["routing_key"]), now, event))
    return 202, {"status": "success", "message": "Event processed", "dedup_key": event.get("dedup_key", "")}, JSON


def _pagerduty_headline(b: dict[str, Any]) -> str:
    return f"{b.get('event_action')}: {b.get('payload', {}).get('summary', b.get('dedup_key', ''))}"


def _webhook(sinks: Sinks, sink: str, rest: str, body: Any, now: float) -> Reply:
    sinks.record(Received(sink, rest, now, body))
    return 200, {"status": "ok"}, JSON


def _webhook_headline(b: dict[str, Any]) -> str:
    names = sorted({a.get("labels", {}).get("alertname", "?") for a in b.get("alerts", [])})
    return f"{b.get('status')}: {', '.join(names)}"


def _opsgenie(sinks: Sinks, sink: str, rest: str, body: Any, now: float) -> Reply:
    sinks.record(Received(sink, rest, now, body))
    return 202, {"result": "Request will be processed", "requestId": f"demo-{len(sinks.records)}"}, JSON


def _json_headline(b: dict[str, Any]) -> str:
    return json.dumps(b, sort_keys=True)[:100]


# The protocols a channel type's DemoSink may name.
PROTOCOLS: dict[str, Protocol] = {
    "slack": Protocol(_slack, _slack_headline),
    "pagerduty": Protocol(_pagerduty, _pagerduty_headline),
    "webhook": Protocol(_webhook, _webhook_headline),
    "opsgenie": Protocol(_opsgenie, _json_headline),
    SMTP: Protocol(None, lambda b: str(b.get("subject", ""))),
}


def _http_paths() -> dict[str, str]:
    """channel type -> the HTTP path its sink is served at, in registry order."""
    return {name: t.sink.path for name, t in channel_types.TYPES.items() if PROTOCOLS[t.sink.protocol].answer is not None}


def route(path: str) -> tuple[str, str] | None:
    """(channel type, rest of the path) of a POST path; a path ending in "/" is a prefix."""
    for name, prefix in _http_paths().items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return name, path.removeprefix(prefix)
    return None


def _smtp_type() -> str:
    return next((name for name, t in channel_types.TYPES.items() if t.sink.protocol == SMTP), SMTP)


def _handler(sinks: Sinks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, code: int, body: Any, content_type: str = JSON) -> None:
            data = (json.dumps(body, sort_keys=True) + "\n").encode() if content_type == JSON else str(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/received":
                self.reply(200, [{"sink": r.sink, "channel": r.channel, "at": r.at, "body": r.body} for r in sinks.received()])
            else:
                self.reply(404, "GET /received lists what the sinks recorded\n", "text/plain")

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if url.path == "/control/pagerduty":
                seconds = float(dict(parse_qsl(url.query)).get("fail_for", "0"))
                sinks.fail_pagerduty(seconds)
                self.reply(200, {"pagerduty_fails_for_seconds": seconds})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self.reply(400, {"status": "invalid event", "message": "the body is not JSON"})
                return
            found = route(url.path)
            if found is None:
                self.reply(404, f"no sink at {url.path}\n", "text/plain")
                return
            sink, rest = found
            answer = PROTOCOLS[channel_types.TYPES[sink].sink.protocol].answer
            assert answer is not None  # route() finds HTTP sinks only
            self.reply(*answer(sinks, sink, rest, body, time.time()))

    return Handler


class _SmtpHandler:
    def __init__(self, sinks: Sinks) -> None:
        self.sinks = sinks

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
        body = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(message.get("Subject", "")),
            "text": text.get_content().replace("\r\n", "\n") if text is not None else "",  # SMTP sends CRLF
        }
        self.sinks.record(Received(_smtp_type(), ",".join(envelope.rcpt_tos), time.time(), body))
        return "250 Message accepted for delivery"

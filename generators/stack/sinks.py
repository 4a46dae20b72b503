"""Local notification sinks for the native demo and the end-to-end tests: real protocols, recorded.

One HTTP server answers like the services Alertmanager talks to, on loopback:
  POST /slack/<channel>      Slack incoming webhook (JSON with text or attachments; answers 200 "ok")
  POST /v2/enqueue           PagerDuty Events API v2 (answers 202 {"status": "success", ...}; 400 on an
                             invalid event; 500 while told to fail, see fail_pagerduty)
  POST /webhook/<channel>    generic webhook (Alertmanager's JSON payload, version 4)
  POST /opsgenie/<path>      Opsgenie alert API (answers 202)
  GET  /received             everything recorded so far (JSON), for people following the demo
  POST /control/pagerduty?fail_for=SECONDS   make /v2/enqueue answer 500 for a while (0 stops it)
and an SMTP server (aiosmtpd) records every mail (no TLS, no AUTH: loopback only).
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

LOOPBACK = "127.0.0.1"
PAGERDUTY_PATH = "/v2/enqueue"
PAGERDUTY_ACTIONS = ("trigger", "acknowledge", "resolve")
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(frozen=True)
class Received:
    """One notification as the protocol delivered it. `channel` is what the protocol identifies the
    destination by: the Slack/webhook URL path name, the PagerDuty routing key, the mail recipients."""

    sink: str  # slack | pagerduty | webhook | opsgenie | email
    channel: str
    at: float  # time.time() when it arrived
    body: dict[str, Any]

    def line(self) -> str:
        return f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {self.sink:<9} {self.channel:<24} {headline(self)}"


def headline(rec: Received) -> str:
    b = rec.body
    if rec.sink == "pagerduty":
        return f"{b.get('event_action')}: {b.get('payload', {}).get('summary', b.get('dedup_key', ''))}"
    if rec.sink == "slack":
        attachments = b.get("attachments") or [{}]
        return str(attachments[0].get("title") or b.get("text", ""))
    if rec.sink == "email":
        return str(b.get("subject", ""))
    if rec.sink == "webhook":
        names = sorted({a.get("labels", {}).get("alertname", "?") for a in b.get("alerts", [])})
        return f"{b.get('status')}: {', '.join(names)}"
    return json.dumps(b, sort_keys=True)[:100]


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
        return {
            "slack": f"{self.url}/slack/<channel>",
            "pagerduty": f"{self.url}{PAGERDUTY_PATH}",
            "webhook": f"{self.url}/webhook/<channel>",
            "smtp": f"{LOOPBACK}:{self.smtp_port}",
            "recorded": f"{self.url}/received",
        }

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


def _handler(sinks: Sinks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, code: int, body: Any, content_type: str = "application/json") -> None:
            data = (json.dumps(body, sort_keys=True) + "\n").encode() if content_type == "application/json" else str(body).encode()
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
            now = time.time()
            if url.path == PAGERDUTY_PATH:
                self.pagerduty(body, now)
            elif url.path.startswith("/slack/"):
                if not isinstance(body, dict) or not (body.get("text") or body.get("attachments")):
                    self.reply(400, "no_text", "text/plain")  # what Slack answers
                    return
                sinks.record(Received("slack", url.path.removeprefix("/slack/"), now, body))
                self.reply(200, "ok", "text/plain")
            elif url.path.startswith("/webhook/"):
                sinks.record(Received("webhook", url.path.removeprefix("/webhook/"), now, body))
                self.reply(200, {"status": "ok"})
            elif url.path.startswith("/opsgenie/"):
                sinks.record(Received("opsgenie", url.path.removeprefix("/opsgenie/"), now, body))
                self.reply(202, {"result": "Request will be processed", "requestId": f"demo-{len(sinks.records)}"})
            else:
                self.reply(404, f"no sink at {url.path}\n", "text/plain")

        def pagerduty(self, event: Any, now: float) -> None:
            if sinks.pagerduty_failing():
                self.reply(500, {"status": "error", "message": "the demo sink was told to fail"})
                return
            errors = pagerduty_errors(event)
            if errors:
                self.reply(400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})
                return
            sinks.record(Received("pagerduty", str(event["routing_key"]), now, event))
            self.reply(202, {"status": "success", "message": "Event processed", "dedup_key": event.get("dedup_key", "")})

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
        self.sinks.record(Received("email", ",".join(envelope.rcpt_tos), time.time(), body))
        return "250 Message accepted for delivery"

"""The native stack for end-to-end tests and `make bench`: the e2e spec, the stack, and small API helpers.

The e2e spec is monitoring.yaml with tests/fixtures/e2e/overrides.yaml merged over it: same services,
channels and routing, with second-scale intervals, `for` durations and Alertmanager timings.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from generators.model import conventions
from generators.model.types import Model
from generators.model.values import parse_duration
from generators.pipeline import spec, writer
from generators.stack import demo, reload
from generators.stack.sinks import Received
from generators.validate.grafana_checks import dashboards, panels

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = ROOT / "tests" / "fixtures" / "e2e" / "overrides.yaml"
BINARIES = ("prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-blackbox-exporter", "prometheus-pushgateway")
# Alertmanager peers wait position x --cluster.peer-timeout (default 15s) before sending, so a notification
# the first peer could not send (killed, receiver failing) comes from the second one that much later.
PEER_TIMEOUT = 15.0
T = TypeVar("T")
RECORDING = re.compile(r"\b\w+:\w+:\w+\b")


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in over.items()}}
    return over


def write_spec(folder: Path, extra: dict[str, Any] | None = None) -> Path:
    data = merge(yaml.safe_load((ROOT / "monitoring.yaml").read_text()), yaml.safe_load(OVERRIDES.read_text()))
    data = merge(data, extra or {})
    path = folder / "e2e-spec.yaml"
    path.write_bytes(writer.serialize("e2e-spec.yaml", data))
    return path


def start(folder: Path, extra: dict[str, Any] | None = None, prometheus_flags: tuple[str, ...] = ()) -> tuple[demo.Stack, Model]:
    """The stack of the e2e spec (with `extra` merged over it, e.g. an HA pair), up and its Alertmanagers clustered;
    prometheus_flags are added to Prometheus' command line."""
    model, _ = spec.load(write_spec(folder, extra))
    work = folder / "stack"
    stack_plan = demo.plan(model, work)
    next(p for p in stack_plan.processes if p.name == "prometheus").argv.extend(prometheus_flags)
    stack = demo.Stack(stack_plan, work)
    try:
        stack.start(timeout=90)
        for peer in ("alertmanager-1", "alertmanager-2"):  # notifications wait until the gossip has settled
            wait_for(f"{peer}'s cluster to settle", lambda p=peer: cluster_ready(stack, p), timeout=40, every=0.5)
    except BaseException:
        stack.stop()
        raise
    return stack, model


def auth_headers(stack: demo.Stack) -> dict[str, str]:
    """For clients other than urllib (requests): the credentials of the stack's web config."""
    assert stack.plan.web_password is not None
    return reload.headers((conventions.WEB_USER, stack.plan.web_password))


def cluster_ready(stack: demo.Stack, peer: str) -> bool:
    return bool(get(f"{stack.url(peer)}/api/v2/status")["cluster"]["status"] == "ready")


def seconds(text: str) -> float:
    return float(parse_duration(text))


def get(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def post(url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
    return json.loads(text) if text.strip() else None


def query(stack: demo.Stack, expr: str) -> list[dict[str, Any]]:
    return query_at(stack.url("prometheus"), expr)


def query_at(base: str, expr: str, **params: float) -> list[dict[str, Any]]:
    """An instant query against any Prometheus query API (a Prometheus, the long-term store); params: time=..."""
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr, **params})
    result: list[dict[str, Any]] = get(url, timeout=15)["data"]["result"]
    return result


def fault(stack: demo.Stack, **settings: float) -> None:
    assert stack.plan.fault_url is not None
    post(f"{stack.plan.fault_url}?" + urllib.parse.urlencode(settings))


def reset(stack: demo.Stack) -> None:
    assert stack.plan.fault_url is not None
    post(stack.plan.fault_url.removesuffix("/fault") + "/reset")


def firing(stack: demo.Stack, alertname: str, severity: str | None = None) -> bool:
    sev = f', severity="{severity}"' if severity else ""
    return bool(query(stack, f'ALERTS{{alertname="{alertname}", alertstate="firing"{sev}}}'))


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def pagerduty(stack: demo.Stack, alertname: str, action: str = "trigger", since: float = 0.0) -> list[Received]:
    return [r for r in stack.sinks.received("pagerduty", since=since) if r.body["event_action"] == action and _pd_alertname(r) == alertname]


def _pd_alertname(rec: Received) -> str:
    if rec.body["event_action"] == "trigger":
        return str(rec.body["payload"]["summary"]).split(" ", 1)[0]
    details = rec.body.get("payload", {}).get("custom_details", {})
    return str(details.get("alertname", ""))


def slack(stack: demo.Stack, channel: str, alertname: str, status: str = "FIRING", since: float = 0.0) -> list[Received]:
    """Slack messages of one alert group; title is '[FIRING:n] Alert (service)' or '[RESOLVED] Alert (service)'."""
    return [
        r
        for r in stack.sinks.received("slack", channel, since=since)
        if r.body["attachments"][0]["title"].startswith(f"[{status}") and f"] {alertname} " in r.body["attachments"][0]["title"]
    ]


def breach_bound(model: Model, alertname: str, severity: str, window_fill: float, margin: float = 5.0) -> dict[str, float]:
    """What the spec implies between a fault and the first notification, term by term (seconds)."""
    alert = next(a for s in model.services for a in s.alerts if a.name == alertname)
    tier = next(t for t in alert.tiers if t.severity == severity and ("escalation", "after-30m") not in t.labels)
    timings = model.routing.timings.get(severity, {})
    evaluations = "evaluation (recording + alert)" if RECORDING.search(tier.expr) else "evaluation"
    return {
        "window fill": window_fill,
        "scrape": seconds(model.stack.scrape_interval),
        # a recording rule (level:metric:operation) in the expression is one more evaluation behind
        evaluations: (1 + bool(RECORDING.search(tier.expr))) * seconds(model.stack.evaluation_interval),
        "for": float(tier.threshold.for_),
        "group_wait": seconds(timings.get("group_wait", "30s")),
        "margin": margin,
    }


def _variable_values(board: dict[str, Any]) -> dict[str, list[str]]:
    out = {}
    for var in board.get("templating", {}).get("list", []):
        if var.get("type") == "custom":
            out[var["name"]] = [v.strip() for v in str(var["query"]).split(",")]
    return out


def panel_queries(root: Path) -> list[tuple[str, str]]:
    """(panel, PromQL) for every panel target; a panel repeated per variable value once per value."""
    out = []
    for name, board in dashboards(root):
        values = _variable_values(board)
        for panel in panels(board):
            repeat = panel.get("repeat")
            for value in values.get(repeat, [".*"]) if repeat else [".*"]:
                title = f"{Path(name).stem}: {panel.get('title')}" + (f" [{repeat}={value}]" if repeat else "")
                for target in panel.get("targets", []):
                    expr = target.get("expr", "")
                    for var, text in {**e2e_durations(), repeat or "-": value}.items():
                        expr = expr.replace("${" + var + "}", text).replace("$" + var, text)
                    expr = re.sub(r"\$\{?\w+\}?", ".*", expr)
                    out.append((title, expr))
    return out


def e2e_durations() -> dict[str, str]:
    return {"__rate_interval": "1m", "__interval": "15s", "__range": "1h", "__range_s": "3600", "__interval_ms": "15000"}

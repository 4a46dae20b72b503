"""End to end (make e2e): the stack's state survives crashes and restarts (docs/operations.md#crashes-and-restarts).

A stack of its own (tests/e2e_stack.py: the example spec with second-scale timings), because these scenarios kill
and restart its servers. Prometheus resends firing alerts every 2s here (default 1m), so an Alertmanager that
came back gets them within the test's patience.
"""

from __future__ import annotations

import datetime
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from generators.model import conventions
from generators.model.types import Model
from generators.stack import demo, reload, stack_ops
from tests import e2e_stack as e2e
from tests.conftest import require_tool

pytestmark = pytest.mark.e2e
PEERS = ("alertmanager-1", "alertmanager-2")


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[demo.Stack, Model]]:
    for tool in e2e.BINARIES:
        require_tool(tool)
    stack, model = e2e.start(tmp_path_factory.mktemp("ops"), prometheus_flags=("--rules.alert.resend-delay=2s",))
    try:
        yield stack, model
    finally:
        stack.stop()


def _silence(stack: demo.Stack, alertname: str) -> str:
    now = time.time()
    body = {
        "matchers": [{"name": "alertname", "value": alertname, "isRegex": False, "isEqual": True}],
        "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60)),
        "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600)),
        "createdBy": "e2e",
        "comment": "must survive a crash of both peers",
    }
    return str(e2e.post(f"{stack.url('alertmanager-1')}/api/v2/silences", body)["silenceID"])


def _silences(stack: demo.Stack, peer: str, silence_id: str) -> list[dict[str, Any]]:
    found = e2e.get(f"{stack.url(peer)}/api/v2/silences")
    return [s for s in found if s["id"] == silence_id and s["status"]["state"] == "active"]


def _alerts(stack: demo.Stack, peer: str, alertname: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"filter": f'alertname="{alertname}"'})
    return list(e2e.get(f"{stack.url(peer)}/api/v2/alerts?{query}"))


def test_silences_and_the_notification_log_survive_sigkill_of_both_peers(ops: tuple[demo.Stack, Model]) -> None:
    stack, model = ops
    snapshot = e2e.seconds(model.stack.alertmanager_snapshot_interval)
    e2e.fault(stack, sse=990)  # 99% of the connection limit: SseConnectionsNearLimit critical pages
    try:
        e2e.wait_for("the page", lambda: e2e.pagerduty(stack, "SseConnectionsNearLimit"), timeout=40)
        silence_id = _silence(stack, "E2ECrashProbe")
        e2e.wait_for("the silence to reach the peer", lambda: _silences(stack, "alertmanager-2", silence_id), timeout=20)
        time.sleep(snapshot + 1.5)  # each peer has written its silences and notification log once since
        for peer in PEERS:  # both at once: no clean shutdown, no peer left to gossip the state back
            stack.kill(peer)
        restarted = time.time()
        stack.start_one("alertmanager-1")  # alone: the silence can only come from its own storage
        assert [s["comment"] for s in _silences(stack, "alertmanager-1", silence_id)] == ["must survive a crash of both peers"]
        stack.start_one("alertmanager-2")
        for peer in PEERS:
            e2e.wait_for(f"{peer}'s cluster to settle", lambda p=peer: e2e.cluster_ready(stack, p), timeout=40, every=0.5)
            e2e.wait_for(
                f"Prometheus to resend the alert to {peer}", lambda p=peer: _alerts(stack, p, "SseConnectionsNearLimit"), timeout=10
            )
        assert [s["createdBy"] for s in _silences(stack, "alertmanager-2", silence_id)] == ["e2e"]
        # A peer without its notification log would page again after group_wait (the second one after its peer timeout).
        group_wait = e2e.seconds(model.routing.timings["critical"]["group_wait"])
        time.sleep(group_wait + e2e.PEER_TIMEOUT + 3)
        pages = e2e.pagerduty(stack, "SseConnectionsNearLimit")
        print(f"\ncrash of both peers: silence kept, {len(pages)} page(s) in {time.time() - restarted:.0f}s after the restart")
        assert len(pages) == 1
    finally:
        e2e.reset(stack)


def _rule_alerts(stack: demo.Stack, alertname: str, severity: str) -> list[dict[str, Any]]:
    alerts = e2e.get(f"{stack.url('prometheus')}/api/v1/alerts")["data"]["alerts"]
    return [a for a in alerts if a["labels"]["alertname"] == alertname and a["labels"]["severity"] == severity]


def _active_at(alert: dict[str, Any]) -> float:
    text = alert["activeAt"].rstrip("Z")
    whole, _, fraction = text.partition(".")
    return datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.UTC).timestamp() + float(f"0.{fraction or 0}")


def test_a_pending_alert_resumes_its_for_after_a_prometheus_restart(ops: tuple[demo.Stack, Model]) -> None:
    stack, model = ops
    name, severity = "WorkerQueueBacklog", "warning"
    tier = next(t for a in model.alerts if a.name == name for t in a.tiers if t.severity == severity and not t.labels)
    hold = float(tier.for_)  # 30s in the e2e spec
    e2e.fault(stack, queue_depth=2000)  # above the warning (1000), below the critical (5000)
    try:
        pending = e2e.wait_for("the warning to be pending", lambda: _rule_alerts(stack, name, severity), timeout=20)[0]
        assert pending["state"] == "pending"
        active_at = _active_at(pending)
        time.sleep(max(0.0, active_at + hold * 2 / 3 - time.time()))
        stopped = time.time()
        stack.stop_one("prometheus")
        stack.start_one("prometheus")
        started = time.time()

        def firing() -> float | None:
            alerts = [a for a in _rule_alerts(stack, name, severity) if a["state"] == "firing"]
            return time.time() if alerts else None

        fired = e2e.wait_for("the warning to fire", firing, timeout=hold + 10, every=0.2)
        remaining = hold - (stopped - active_at)
        print(
            f"\nrestart: pending {stopped - active_at:.1f}s, down {started - stopped:.1f}s, fired {fired - started:.1f}s after the restart "
            f"(for {hold:.0f}s, {remaining:.1f}s of it left)"
        )
        # Prometheus keeps the time spent pending (the outage does not count): the rest of the `for` after the
        # restart, plus up to a few evaluations until the rules run and the state is restored. A `for` that
        # started over would fire `for` after the restart.
        assert fired >= active_at + hold
        assert fired - started <= remaining + 4 * e2e.seconds(model.stack.evaluation_interval) + 2
        assert fired - started < hold - 10
    finally:
        e2e.reset(stack)


def _served(stack: demo.Stack, name: str) -> str:
    """The configuration a server runs now, as it reports it."""
    if name == "prometheus":
        return str(e2e.get(f"{stack.url(name)}/api/v1/status/config")["data"]["yaml"])
    return str(e2e.get(f"{stack.url(name)}/api/v2/status")["config"]["original"])


BROKEN_RULE = "groups:\n- name: broken\n  rules:\n  - alert: Broken\n    expr: rate(foo[5m]) >\n"


def test_a_reload_of_a_broken_tree_changes_nothing_and_says_so(ops: tuple[demo.Stack, Model], capsys: pytest.CaptureFixture[str]) -> None:
    stack, _ = ops
    names = ("prometheus", *PEERS)
    urls = [stack.url(n) for n in names]
    reload_args = ["reload", "--tree", str(stack.work), "--password-file", str(stack.work / "secrets" / "web_password"), *urls]
    before = {n: _served(stack, n) for n in names}
    am_config = stack.work / "alertmanager" / "alertmanager.yml"
    original = am_config.read_text()
    assert "resolve_timeout: 5m" in original
    am_config.write_text(original.replace("resolve_timeout: 5m", "resolve_timeout: 6m"))  # valid on its own
    broken = stack.work / "prometheus" / "rules" / "broken.rules.yml"
    broken.write_text(BROKEN_RULE)
    try:
        assert stack_ops.main(reload_args) == 1
        said = capsys.readouterr()
        assert said.out == ""
        assert said.err == (
            'reload refused, nothing was reloaded: prometheus/rules/broken.rules.yml: 5:11: group "broken", rule 1, "Broken": '
            "could not parse expression: 1:16: parse error: unexpected end of input (promtool check config)\n"
        )
        assert {n: _served(stack, n) for n in names} == before  # the Alertmanagers kept their config too
        broken.unlink()
        assert stack_ops.main(reload_args) == 0
        assert [("resolve_timeout: 6m" in _served(stack, peer)) for peer in PEERS] == [True, True]
    finally:
        broken.unlink(missing_ok=True)
        am_config.write_text(original)
        stack_ops.main(reload_args)


def _status(request: urllib.request.Request) -> int:
    """The HTTP status of one request sent without the stack's credentials (a fresh opener: none installed)."""
    try:
        with urllib.request.build_opener().open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _login(password: str) -> dict[str, str]:
    return reload.headers((conventions.WEB_USER, password))


def test_prometheus_and_alertmanager_refuse_every_request_without_the_password(ops: tuple[demo.Stack, Model]) -> None:
    """Last: it stops Prometheus through its lifecycle API (and starts it again)."""
    stack, _ = ops
    assert stack.plan.web_password is not None
    prometheus, peer = stack.url("prometheus"), stack.url("alertmanager-1")
    until_2099 = {
        "matchers": [{"name": "alertname", "value": ".+", "isRegex": True, "isEqual": True}],
        "startsAt": "2020-01-01T00:00:00Z",
        "endsAt": "2099-01-01T00:00:00Z",
        "createdBy": "anyone on the network",
        "comment": "silence everything",
    }
    body = json.dumps(until_2099).encode()
    json_type = {"Content-Type": "application/json"}

    def attempts(headers: dict[str, str]) -> list[int]:
        return [
            _status(urllib.request.Request(f"{prometheus}/-/quit", data=b"", method="POST", headers=headers)),
            _status(urllib.request.Request(f"{prometheus}/api/v1/query?query=up", headers=headers)),
            _status(urllib.request.Request(f"{peer}/api/v2/silences", data=body, method="POST", headers={**json_type, **headers})),
            _status(urllib.request.Request(f"{peer}/-/reload", data=b"", method="POST", headers=headers)),
        ]

    assert attempts({}) == [401, 401, 401, 401]
    assert attempts(_login("not-the-password")) == [401, 401, 401, 401]
    assert [s for s in e2e.get(f"{peer}/api/v2/silences") if s["createdBy"] == "anyone on the network"] == []
    login = _login(stack.plan.web_password)
    created = urllib.request.Request(f"{peer}/api/v2/silences", data=body, method="POST", headers={**json_type, **login})
    with urllib.request.build_opener().open(created, timeout=5) as response:
        silence_id = json.load(response)["silenceID"]
    expire = urllib.request.Request(f"{peer}/api/v2/silence/{silence_id}", method="DELETE", headers=login)
    assert _status(expire) == 200
    quit_ = urllib.request.Request(f"{prometheus}/-/quit", data=b"", method="POST", headers=login)
    assert _status(quit_) == 200
    handle = stack.process("prometheus").handle
    assert handle is not None and handle.wait(timeout=15) == 0  # it really stopped: the lifecycle API works, for us only
    stack.start_one("prometheus")

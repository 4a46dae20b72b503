"""Run the native stack's processes: start in order, wait until each answers, restart one, stop all.

The notification sinks (generators/sinks.py) run in this process; the rest are child processes with
their logs in <work>/logs/. demo.plan() decides what runs; this module only runs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.outputs.compose import compose
from generators.pipeline import writer
from generators.stack import demo_databases, sinks, web_auth
from generators.stack.demo_databases import Process
from generators.validate import tools


@dataclass
class Plan:
    files: dict[str, bytes]  # relative to the work dir
    processes: list[Process]
    skipped: dict[str, str] = field(default_factory=dict)  # scrape job -> why it is left out
    fault_url: str | None = None
    sinks: tuple[int, int] = (0, 0)  # HTTP and SMTP ports of the notification sinks
    channels: dict[str, str] = field(default_factory=dict)  # channel -> where its notifications land
    redis_port: int | None = None
    web_password: str | None = None  # Prometheus and the Alertmanagers run behind basic auth with it (web_auth)


AUTHENTICATED = ("prometheus", *compose.alertmanagers())  # behind the web config


class StackError(Exception):
    pass


class Stack:
    """Start the sinks and the planned processes, wait until each answers, stop them all (also on failure)."""

    def __init__(self, stack_plan: Plan, work: Path, on_receive: Any = None) -> None:
        self.plan, self.work = stack_plan, work
        self.sinks = sinks.Sinks(*stack_plan.sinks, on_receive=on_receive)
        self._stop_traffic = threading.Event()

    def process(self, name: str) -> Process:
        return next(p for p in self.plan.processes if p.name == name)

    def url(self, name: str) -> str:
        return self.process(name).url

    def start(self, timeout: float = 60.0) -> None:
        for proc in self.plan.processes:
            tools.which(proc.argv[0])
        writer.write_tree(self.work, self.plan.files)
        (self.work / "logs").mkdir(exist_ok=True)
        (self.work / "data").mkdir(exist_ok=True)
        self.sinks.start()
        if self.plan.web_password is not None:  # this process's own requests (readiness, the e2e helpers) log in
            web_auth.install([p.url for p in self.plan.processes if p.name in AUTHENTICATED], self.plan.web_password)
        deadline = time.monotonic() + timeout
        *first, last = self.plan.processes  # the last (Prometheus) starts once every other one answers
        for batch in (first, [last]):
            for proc in batch:
                self.launch(proc)
            for proc in batch:
                self._wait(proc, deadline)
        if self.plan.redis_port is not None:
            args = (self.plan.redis_port, self._stop_traffic)
            threading.Thread(target=demo_databases.redis_traffic, args=args, name="redis-traffic", daemon=True).start()

    def launch(self, proc: Process) -> None:
        if proc.prepare is not None:
            try:
                proc.prepare()
            except (OSError, subprocess.CalledProcessError) as exc:
                raise StackError(f"{proc.name}: preparing failed: {exc} {getattr(exc, 'stderr', b'')!r}") from exc
            proc.prepare = None  # once (a restart keeps the data)
        log = (self.work / "logs" / f"{proc.name}.log").open("ab")
        env = {**os.environ, **proc.env} if proc.env else None
        proc.handle = subprocess.Popen(
            proc.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.work, start_new_session=True, env=env, user=proc.user
        )

    def stop_one(self, name: str) -> None:
        """Stop one process cleanly (its data stays)."""
        self._terminate([self.process(name)])

    def start_one(self, name: str, timeout: float = 30.0) -> None:
        """Start one stopped process again with the same arguments and data; wait until it answers."""
        proc = self.process(name)
        self.launch(proc)
        self._wait(proc, time.monotonic() + timeout)

    def kill(self, name: str) -> None:
        """SIGKILL one process (a crash: no clean shutdown)."""
        handle = self.process(name).handle
        if handle is not None and handle.poll() is None:
            handle.kill()
            handle.wait()

    def _wait(self, proc: Process, deadline: float) -> None:
        assert proc.handle is not None
        while time.monotonic() < deadline:
            if proc.handle.poll() is not None:
                raise StackError(f"{proc.name} exited with {proc.handle.returncode}:\n{self.log_tail(proc.name)}")
            try:
                if proc.ready_path is None:
                    host, port = proc.url.rsplit("/", 1)[-1].rsplit(":", 1)
                    socket.create_connection((host, int(port)), timeout=2).close()
                else:
                    urllib.request.urlopen(proc.url + proc.ready_path, timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        raise StackError(f"{proc.name} did not answer {proc.url}{proc.ready_path or ''} in time:\n{self.log_tail(proc.name)}")

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.work / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.is_file() else "(no log)"

    def _terminate(self, procs: list[Process]) -> None:
        running = [p for p in procs if p.handle is not None and p.handle.poll() is None]
        for proc in running:
            assert proc.handle is not None
            proc.handle.send_signal(proc.stop_signal)
        for proc in running:
            assert proc.handle is not None
            try:
                proc.handle.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.handle.kill()
                proc.handle.wait()

    def stop(self) -> None:
        self._stop_traffic.set()
        self._terminate(list(reversed(self.plan.processes)))  # exporters before the servers they watch
        for proc in self.plan.processes:
            if proc.cleanup is not None:
                proc.cleanup()
        self.sinks.stop()

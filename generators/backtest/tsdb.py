"""The corpus in a real TSDB: `promtool tsdb create-blocks-from openmetrics`, served by the Debian `prometheus`.

The blocks are built once per corpus version (a digest of the corpus modules and of promtool's version)
into the generators' cache folder, about 7 MB for 2.7 M samples; a build takes about half a minute (the
OpenMetrics text is 290 MB, written to a scratch folder and deleted). Each run serves a hard-linked copy
with a Prometheus of its own on 127.0.0.1 and a free port, compaction off, stopped when the run ends.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from generators.backtest import corpus
from generators.backtest.common import BacktestError
from generators.model import conventions
from generators.validate import tools

LOOPBACK = "127.0.0.1"
_SOURCES = ("corpus.py", "corpus_services.py", "corpus_series.py")


def digest() -> str:
    h = hashlib.sha256()
    for name in _SOURCES:
        h.update((Path(__file__).parent / name).read_bytes())
    h.update(tools.run("promtool", ["--version"], Path.cwd()).output.splitlines()[0].encode())
    return h.hexdigest()[:16]


def cached() -> Path:
    return Path(conventions.cache_folder()) / f"backtest-corpus-{digest()}"


def blocks() -> Path:
    """The corpus' TSDB folder, built now unless the cache has this version."""
    target = cached()
    if (target / "COMPLETE").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="backtest-corpus-", dir=target.parent))
    try:
        inputs = corpus.write_openmetrics(corpus.build(), scratch / "openmetrics")
        data = scratch / "data"
        data.mkdir()

        def backfill(path: Path) -> tools.Result:
            return tools.run("promtool", ["tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)], scratch)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(backfill, inputs))
        failed = [r.output for r in results if not r.ok]
        if failed:
            raise BacktestError(f"promtool tsdb create-blocks-from openmetrics failed: {failed[0][:500]}")
        (data / "COMPLETE").write_text("")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(data, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(tsdb: Path, config: str = "global: {}\n", timeout: float = 60.0) -> Iterator[str]:
    """A Prometheus on a copy of tsdb (hard links: blocks are never modified in place); yields its URL."""
    binary = tools.which("prometheus")
    work = Path(tempfile.mkdtemp(prefix="backtest-prometheus-"))
    try:
        shutil.copytree(tsdb, work / "data", copy_function=os.link, ignore=shutil.ignore_patterns("COMPLETE"))
        (work / "prometheus.yml").write_text(config)
        url = f"http://{LOOPBACK}:{free_port()}"
        argv = [
            binary,
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
            "--storage.tsdb.retention.time=3650d",
            "--storage.tsdb.min-block-duration=2h",  # with max = min, Prometheus never compacts the blocks
            "--storage.tsdb.max-block-duration=2h",
        ]
        with (work / "prometheus.log").open("wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_ready(proc, url, work, timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, work: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (work / "prometheus.log").read_text(errors="replace").splitlines()[-5:]
            raise BacktestError(f"prometheus exited with {proc.returncode}: {' / '.join(tail)}")
        try:
            urllib.request.urlopen(f"{url}/-/ready", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise BacktestError(f"prometheus on {url} was not ready after {timeout:.0f}s")

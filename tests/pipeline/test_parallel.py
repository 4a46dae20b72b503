"""parallel.both: the forked half returns the same values a serial run computes; failures reach the parent."""

from __future__ import annotations

import os

import pytest

from generators.outputs.prometheus import promtool_tests
from generators.pipeline import parallel, render, spec
from tests.conftest import ROOT


def test_both_returns_the_childs_and_the_parents_results() -> None:
    there, here = parallel.both(lambda: (os.getpid(), b"x" * 1_000_000), lambda: os.getpid())
    assert there[1] == b"x" * 1_000_000  # larger than a pipe buffer
    assert there[0] != here == os.getpid()


def test_an_exception_in_the_child_is_raised_as_itself_with_its_traceback() -> None:
    def broken() -> None:
        raise ValueError("boom in the child")

    with pytest.raises(ValueError, match="boom in the child") as caught:
        parallel.both(broken, lambda: None)
    (note,) = caught.value.__notes__
    assert note.startswith("in the render worker process:\nTraceback") and "in broken" in note


class _Unrebuildable(Exception):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(f"{a}/{b}")  # args != (a, b): unpickling calls _Unrebuildable("1/2") and fails


def test_an_exception_that_cannot_cross_the_pipe_arrives_as_worker_failed() -> None:
    def broken() -> None:
        raise _Unrebuildable(1, 2)

    with pytest.raises(parallel.WorkerFailed, match=r"(?s)in the render worker process:.*_Unrebuildable: 1/2"):
        parallel.both(broken, lambda: None)


def test_a_child_that_dies_is_reported_with_how() -> None:
    with pytest.raises(parallel.WorkerDied, match=r"ended without a result \(exit status 3\)"):
        parallel.both(lambda: os._exit(3), lambda: None)
    with pytest.raises(parallel.WorkerDied, match=r"killed by signal 9; out of memory\?"):
        parallel.both(lambda: os.kill(os.getpid(), 9), lambda: None)


def test_an_exception_here_still_reaps_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    pids: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    with pytest.raises(KeyError):
        parallel.both(lambda: 1, lambda: {}["missing"])
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # already reaped: no zombie left behind


def test_forked_documents_are_the_bytes_of_a_serial_render(monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = spec.load(ROOT / "monitoring.yaml")
    serial = render.documents(model)
    monkeypatch.setattr(render, "FORK_FROM_SERVICES", 1)
    forked = render.documents(model)
    assert list(forked) == list(serial)  # same paths in the same order, the manifest last
    assert forked == serial
    assert promtool_tests.untested(model) == []

"""Two independent pieces of work on two cores: one in a forked child process, one in this process.

The generators are pure functions of the model, so a child forked after the model is built sees the same
model and returns bytes, which are the same bytes a serial run writes. Threads would not help: the work is
Python code holding the GIL. Used by render.documents() for large specs only (a fork costs milliseconds).
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")


class WorkerDied(RuntimeError):
    """The child process ended without sending a result."""


class WorkerFailed(RuntimeError):
    """The child's work raised; the message carries its traceback."""


def both(there: Callable[[], A], here: Callable[[], B]) -> tuple[A, B]:
    """(there(), here()), with there() run in a forked child; an exception in either is raised here
    (the child's as WorkerFailed, with its traceback)."""
    if not hasattr(os, "fork"):
        return there(), here()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
        try:
            os.close(read_fd)
            payload = _result(there)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write_fd)
    try:
        mine = here()
    finally:
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
    if not data:
        raise WorkerDied("the render worker process ended without a result")
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value, mine


def _result(work: Callable[[], object]) -> bytes:
    try:
        return pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # the generators raise only on bugs: the parent re-raises it with the child's traceback
        return pickle.dumps((False, WorkerFailed(f"in the render worker process:\n{traceback.format_exc()}")))

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
    """The child process ended without sending a whole result (killed, out of memory, ...)."""


class WorkerFailed(RuntimeError):
    """The child's work raised an exception that cannot cross the pipe; the message carries its traceback."""


def both(there: Callable[[], A], here: Callable[[], B]) -> tuple[A, B]:
    """(there(), here()), with there() run in a forked child. An exception in either is raised here: the
    child's as itself (its traceback added as a note), or as WorkerFailed when it cannot be pickled."""
    if not hasattr(os, "fork"):
        return there(), here()
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        raise
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
        _, status = os.waitpid(pid, 0)
    try:
        ok, value = pickle.loads(data)
    except Exception:  # empty or cut short: the child died before it finished writing
        raise WorkerDied(f"the render worker process ended without a result ({_ended(status)})") from None
    if not ok:
        raise value
    return value, mine


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}; out of memory?"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _result(work: Callable[[], object]) -> bytes:
    try:
        return pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # the generators raise only on bugs: the parent re-raises it
        where = f"in the render worker process:\n{traceback.format_exc()}"
        exc.add_note(where)
        try:
            payload = pickle.dumps((False, exc))
            pickle.loads(payload)  # an exception whose __init__ takes other arguments cannot be rebuilt
            return payload
        except Exception:
            return pickle.dumps((False, WorkerFailed(where)))

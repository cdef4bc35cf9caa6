"""What a child process does so that it never outlives the process that started it."""

from __future__ import annotations

import ctypes
import gc
import os
import signal
from typing import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies (even by SIGKILL), so no orphan keeps running
    or holds the parent's ports and pipes open; exit at once when the parent is already gone."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the process's own libc
    except (OSError, AttributeError):  # not Linux: the child then ends by its own means
        return
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def default_signals_in_fork() -> None:
    """In a child forked from an event loop's process: let SIGINT and SIGTERM end it again (the loop's
    handlers only wake a loop that the child does not run) and stop writing to the loop's wake-up socket."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def fork_child(work: Callable[[], None]) -> int:
    """Fork a child of an event loop's process that runs work and exits, 0 when work returns and 1 when it
    raises, never running the parent's atexit hooks, buffered writers or loop; return its pid. The child
    dies with the parent, ends on SIGINT and SIGTERM, and has no garbage collector (it lives briefly)."""
    parent_pid = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        default_signals_in_fork()
        die_with_parent(parent_pid)
        gc.disable()
        work()
        code = 0
    finally:
        os._exit(code)


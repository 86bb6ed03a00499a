"""Work shared with a fork of this process, so that a big base is read on two cores.

`halves` runs one function in this process and another in a fork of it, at once: on Linux
with two cores or more, when no other thread runs (a fork would not carry it over). The
fork ends as soon as its function returns, running nothing else: no exit handlers, and no
buffer of this process's output is written twice. It never outlives this process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TypeVar

_T = TypeVar("_T")

#: Asked as the work goes on: False once it should stop, the other process having failed or
#: gone.
Going = Callable[[], bool]


def possible() -> bool:
    """Whether `halves` may fork: on Linux, with two cores, while no other thread runs."""
    if sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2:
        return False  # elsewhere, forking without starting a new program may not be safe
    import threading

    return threading.active_count() == 1


#: Files of this many bytes or more are read or indexed by two processes: for fewer, about
#: 5,000 facts in a few runs of about 1,000, the second saves nothing.
LEAST = 2 << 20


def half_of(paths: Sequence[Path]) -> int | None:
    """Half the files' bytes, when they hold LEAST bytes or more and `halves` may fork."""
    try:
        size = sum(path.stat().st_size for path in paths)
    except OSError:  # reading them says which cannot be read, and why
        return None
    return size // 2 if size >= LEAST and possible() else None


def halves(mine: Callable[[Going], _T | None], theirs: Callable[[Going], bool]) -> _T | None:
    """What `mine` gives, worked out in this process while a fork of it does `theirs`.

    `mine` is given what says whether the fork has not failed; `theirs`, whether this process
    is still there. None when either fails (`mine` gives None, `theirs` False or raises) or
    no process can be forked; the fork is then stopped if it still runs. It has ended, and
    been waited for, whenever this returns or raises.
    """
    try:
        child = os.fork()
    except OSError:  # no memory or processes to spare
        return None
    if child == 0:
        _end_with(theirs)
    ended: list[int] = []  # the fork's status, once it has ended and been waited for

    def going() -> bool:
        if not ended and (found := os.waitpid(child, os.WNOHANG))[0]:
            ended.append(found[1])
        return not ended or ended[0] == 0

    try:
        found = mine(going)
        if found is None:
            return None
        if not ended:
            ended.append(os.waitpid(child, 0)[1])
        return found if ended[0] == 0 else None
    finally:
        if not ended:  # this process failed first: the fork's work is not needed
            import signal

            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)


def _end_with(theirs: Callable[[Going], bool]) -> NoReturn:
    """In the fork: do `theirs`, and end at once, with status 0 if it succeeded, else 1."""
    status = 1
    try:
        parent = os.getppid()
        if theirs(lambda: os.getppid() == parent):
            status = 0
    finally:
        os._exit(status)  # neither the caller's code, nor its buffers, nor what runs at exit

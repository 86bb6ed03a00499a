"""The `tmkfacts` script and `python -m tmkfacts`: the command line, in a process of its own.

`run` holds off the cyclic garbage collector for the whole run: a command lives a moment and
its records, rows and output are trees, freed by reference counting, while the collector's
passes would walk every module and record alive (docs/performance.md measures what it saves).
Imported as a library, tmkfacts leaves the collector alone.

`run` also makes SIGTERM (`kill`, `timeout`) and SIGHUP (a terminal closed) end a command as
Ctrl-C does: a database or export it was writing is removed, and it exits with 128 plus the
signal's number (143, 129). A signal ignored when the command starts, as `nohup` ignores
SIGHUP, stays ignored.
"""

import gc
import signal
from types import FrameType
from typing import NoReturn


def run() -> None:
    """Run the command line, the cyclic garbage collector held off, and exit with its code."""
    gc.disable()
    for number in _ENDING:
        if signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, _end)
    try:
        from tmkfacts.cli import main

        main()
    finally:  # the interpreter's last pass, as it exits, which runs even so, walks none either
        gc.freeze()


#: The signals that end a command as Ctrl-C does (Windows has no SIGHUP).
_ENDING = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


def _end(number: int, _frame: FrameType | None) -> NoReturn:
    """Unwind the command, as Ctrl-C does, and exit with the shell's code for the signal."""
    raise SystemExit(128 + number)


if __name__ == "__main__":
    run()

"""Ctrl-C on the command line: one line on stderr and exit code 130, whenever it comes.

``sys.exit(130)`` is not enough. CPython remembers a KeyboardInterrupt that escaped any
nested ``PyRun_String`` (Cython runs one while an extension module initialises, so a
Ctrl-C during a lazy ``import pyarrow`` lands there) and, after the interpreter has shut
down, replaces the exit status with death by SIGINT (-2 for the parent, not 130). So
the exit here runs what ``sys.exit`` would run (atexit hooks, flushed streams) and then
leaves with :func:`os._exit`. Outputs are already safe by then: :mod:`lca.io` removes
its temporary file while the exception unwinds.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys

#: Exit code after Ctrl-C (SIGINT): 128 + signal number, as shells report it.
EXIT_INTERRUPTED = 128 + signal.SIGINT


def ignore_interrupts() -> None:
    """From here on a second Ctrl-C must not cut the exit short."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass


def exit_interrupted() -> None:
    """Print ``lca: interrupted`` and end the process with :data:`EXIT_INTERRUPTED`."""
    ignore_interrupts()
    try:
        sys.stderr.write("lca: interrupted\n")
    except (OSError, ValueError):
        pass
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing left to say
            pass
    os._exit(EXIT_INTERRUPTED)

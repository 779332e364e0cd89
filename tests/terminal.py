"""What the signal tests' child processes start with.

A test run started under ``nohup`` (or from any parent that ignores SIGHUP) hands the ignored
SIGHUP down to every process it starts, and ``parity`` rightly keeps it ignored: a user who
runs ``nohup parity run ...`` asked for that. The tests that send SIGHUP play a closed
terminal, so their children start with SIGHUP at its default, whatever the test run's own.
"""

from __future__ import annotations

import signal


def as_from_a_terminal() -> None:
    """``preexec_fn``: SIGHUP at its default disposition in the child, as a shell gives it."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)

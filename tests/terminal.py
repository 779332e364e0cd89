"""What the signal tests' child processes start with.

A test run started under ``nohup`` (or from any parent that ignores SIGHUP) hands the ignored
SIGHUP down to every process it starts, and ``parity`` rightly keeps it ignored: a user who
runs ``nohup parity run ...`` asked for that. The tests that send SIGHUP play a closed
terminal, so their children start with SIGHUP at its default, whatever the test run's own.
SIGINT alike: a test run started in the background of a non-interactive shell (a CI job)
hands down an ignored SIGINT, where a terminal's foreground job has it at its default (the
Ctrl-C tests play that job).
"""

from __future__ import annotations

import signal


def as_from_a_terminal() -> None:
    """``preexec_fn``: SIGHUP and SIGINT at their default dispositions in the child, as a
    shell gives them to a foreground job."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)

"""``parity ARGS`` run inside the test's own process: ``parity.cli.main``, the function
``python -m parity`` calls, with stdout and stderr captured and the exit status returned as
a ``subprocess.CompletedProcess``.

For tests of a command's results and messages that start it many times (``parity convert``
on many checkpoints): each ``python -m parity convert`` process loads TensorFlow again (about
3 s of CPU on the 2-core CI machine), which the test process has loaded already. What a fresh
process is needed for (the terminal as a user sees it, TensorFlow's start-up lines, signals,
the entry point itself) is tested with real processes elsewhere (tests/test_robustness.py,
tests/test_first_contact.py, tests/test_cli.py). An exception the command does not turn into
its one-line error is raised here, so the test fails with it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path


def parity(*args, cwd=None) -> subprocess.CompletedProcess:
    """``parity ARGS`` in the folder ``cwd``; afterwards the working folder, ``sys.path`` and
    the modules loaded from ``cwd`` (a user's ``--model mymodel:build``) are as before."""
    from parity import cli

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    here, path, modules = os.getcwd(), list(sys.path), set(sys.modules)
    folder = Path(cwd or here).resolve()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(here)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            origin = getattr(sys.modules[name], "__file__", None)
            if origin and Path(origin).resolve().is_relative_to(folder):
                del sys.modules[name]
    return subprocess.CompletedProcess(["parity", *argv], code, out.getvalue(), err.getvalue())

"""``parity legacy-run``: the TF1 runner of :mod:`tf1_compat.run`, plus ``--capture DIR``.

    parity legacy-run [--figures DIR] [--tf-warnings] [--strict] [--capture DIR] SCRIPT [ARGS...]
    parity legacy-run [--output OUT.ipynb] [--timeout S] [--tf-warnings] [--strict] NOTEBOOK.ipynb
    python -m parity.legacy_run ...  (the same)

Running the script or notebook is :mod:`tf1_compat.run`'s work (the TF1 compatibility
runtime; see its docstring for the shims, the figures, the exit codes). This module adds
what belongs to the parity harness:

- ``--capture DIR``: when each ``Session`` closes (or at exit), its variables go to
  ``DIR/session_NNN/`` as a TF1 checkpoint with the RNN structure its graph holds
  (``structure.json``, read from the cell objects and the graph) and probe outputs, for
  ``parity convert`` and :mod:`tf1_migrate.testing` (see :mod:`tf1_migrate.capture`, which the runner
  loads in the script's process as a ``TF1_COMPAT_HOOKS`` entry).
"""

from __future__ import annotations

import os
import sys

from tf1_compat import run as _run
from tf1_compat.launch import PREFIX, hook_entry
from tf1_compat.run import (  # noqa: F401  (the runner's API, as before the runtime moved)
    REPLACEMENTS,
    ScriptError,
    UsageError,
    command,
    explain,
    figures_dir_for,
    filter_noise,
    script_kind,
    tf1_compat,
)

USAGE = (
    f"usage: {PREFIX} [--figures DIR] [--tf-warnings] [--strict] [--capture DIR] SCRIPT [ARGS...]\n"
    f"       {PREFIX} [--output OUT.ipynb] [--timeout S] [--tf-warnings] [--strict] NOTEBOOK.ipynb\n"
    "  --capture DIR: save each TF1 Session's checkpoint and RNN structure for `parity convert`"
)


def _take_capture(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--capture DIR`` taken out of the options before SCRIPT: (DIR or None, the rest)."""
    rest, capture, i = [], None, 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        name, eq, _ = argv[i].partition("=")
        if name == "--capture":
            i, capture = _run._option_value(argv, i)
        else:
            rest.append(argv[i])
            if name in _run.VALUE_OPTIONS and not eq and i + 1 < len(argv):
                i += 1
                rest.append(argv[i])
        i += 1
    return capture, rest + argv[i:]


def parse_args(argv: list[str]) -> tuple[dict, str, list[str]]:
    """:func:`tf1_compat.run.parse_args` with ``options["capture_dir"]``."""
    capture, rest = _take_capture(argv)
    options, script, args = _run.parse_args(rest)
    options["capture_dir"] = capture
    return options, script, args


def capture_hooks(capture_dir, cwd=None) -> list:
    """The ``TF1_COMPAT_HOOKS`` entry that makes the script's process capture into ``capture_dir``."""
    from tf1_migrate.write_port import CAPTURE_HOOK  # one name for the hook, in the engine

    return [hook_entry(CAPTURE_HOOK, os.path.abspath(os.path.join(cwd or ".", capture_dir)))]


def run_script(path, args=(), *, capture_dir=None, cwd=None, **kwargs):
    """:func:`tf1_compat.run.run_script`, with ``capture_dir`` as ``--capture`` (relative to ``cwd``)."""
    hooks = capture_hooks(capture_dir, cwd) if capture_dir is not None else ()
    return _run.run_script(path, args, cwd=cwd, hooks=hooks, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """``parity legacy-run`` itself: ``argv = [OPTIONS..., SCRIPT, *ARGS]``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        capture, rest = _take_capture(argv)
    except UsageError as exc:
        print(f"{PREFIX}: error: {exc} (see {PREFIX} --help)", file=sys.stderr)
        return 2
    if capture is None:
        return _run.main(rest, usage=USAGE)
    try:
        _, script, _ = _run.parse_args(rest)
        if _run._check_script(script) == "notebook":
            raise UsageError("--capture works on scripts (.py), not notebooks")
        from tf1_migrate.capture import check_folder

        check_folder(capture)
    except SystemExit:  # --help
        return _run.main(rest, usage=USAGE)
    except ScriptError as exc:
        print(f"{PREFIX}: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # UsageError, or a capture folder that cannot be made
        print(f"{PREFIX}: error: {exc} (see {PREFIX} --help)", file=sys.stderr)
        return 2
    return _run.main(rest, hooks=capture_hooks(capture), usage=USAGE)


if __name__ == "__main__":
    sys.exit(main())

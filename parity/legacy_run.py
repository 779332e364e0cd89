"""``parity legacy-run``: run an unmodified TF1 tutorial script or notebook on TensorFlow 2.

    parity legacy-run [--figures DIR] [--tf-warnings] [--strict] [--capture DIR] SCRIPT [ARGS...]
    parity legacy-run [--output OUT.ipynb] [--timeout S] [--tf-warnings] [--strict] NOTEBOOK.ipynb
    python -m parity.legacy_run ...  (the same)

The script runs in a process of its own, as ``__main__``, with ``sys.argv = [SCRIPT, *ARGS]``,
``sys.path[0]`` = its folder and the caller's working directory, as ``python SCRIPT ARGS``
would run it, but with the import shims of :mod:`parity.tf1_shim` installed first:

- ``import tensorflow as tf`` is the TF1 API (``tf.compat.v1`` with ``disable_v2_behavior()``,
  ``TF_USE_LEGACY_KERAS=1``); ``import tensorflow.compat.v1 as tf`` works too;
- ``tf.contrib.rnn`` (cells, wrappers, ``static_rnn``, ``static_bidirectional_rnn``,
  ``stack_bidirectional_dynamic_rnn``, ...), a few of ``tf.contrib.layers`` and
  ``tf.contrib.legacy_seq2seq``'s sequence losses (see :mod:`parity.tf1_shim.contrib`);
- ``from tensorflow.examples.tutorials.mnist import input_data``: ``read_data_sets`` reads
  full MNIST when the script's data folder or ``$PARITY_MNIST_DIR`` holds it, else the
  shipped 10,000-digit sample, and says which on stderr;
- ``plt.show()`` saves the open figures as ``figure_001.png``, ... into ``--figures DIR``
  (default ``./legacy_run_figures/<script stem>/``) and says where on stderr;
- TF 0.x names that TF 1.0 renamed (``tf.mul``, ``tf.pack``, ``tf.nn.rnn``, ...) run as their
  TF1 name, and the calls whose argument order TF 1.0 changed (``tf.concat(axis, values)``,
  ...) in their old order when the arguments' types make it certain, each said once on
  stderr (:mod:`parity.tf1_shim.aliases`); ``--strict`` makes each a one-line error.
- ``--capture DIR``: when each ``Session`` closes (or at exit), its variables go to
  ``DIR/session_NNN/`` as a TF1 checkpoint with the RNN structure its graph holds
  (``structure.json``, read from the cell objects and the graph) and probe outputs, for
  ``parity convert`` and :mod:`parity.testing` (see :mod:`parity.capture`).

A notebook (``.ipynb``) runs cell by cell in a Jupyter kernel with the same shims
(:mod:`parity.legacy_notebook`); the executed copy, with outputs and figures, goes to
``--output`` (default ``<notebook stem>.legacy-run.ipynb`` beside it, never over it).

Exit status: the script's own; 1 with the script's traceback when it raises (a notebook: 1
naming the failing cell); 2 with one line on stderr when it uses a removed API that is not
provided (the line names the TF2/Keras replacement from :data:`REPLACEMENTS`), or for a
usage error.

In Python: :func:`run_script` (a subprocess, returns ``subprocess.CompletedProcess``) and
``with tf1_compat(): ...`` (the shims in the current process, for notebooks).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from parity.tf1_shim.launch import (
    CAPTURE_ENV,
    FIGURES_ENV,
    PREFIX,
    STRICT_ENV,
    WARNINGS_ENV,
    figures_dir_for,
)
from parity.tf1_shim.replacements import REPLACEMENTS, explain

__all__ = [
    "main",
    "run_script",
    "tf1_compat",
    "command",
    "REPLACEMENTS",
    "explain",
    "figures_dir_for",
]

USAGE = (
    f"usage: {PREFIX} [--figures DIR] [--tf-warnings] [--strict] [--capture DIR] SCRIPT [ARGS...]\n"
    f"       {PREFIX} [--output OUT.ipynb] [--timeout S] [--tf-warnings] [--strict] NOTEBOOK.ipynb"
)
_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


def tf1_compat(figures_dir: str | None = None, quiet: bool = True, strict: bool = False):
    """``with tf1_compat() as tf: ...``: the TF1 shims in this process (see :mod:`parity.tf1_shim`)."""
    from parity.tf1_shim import tf1_compat as _tf1_compat

    return _tf1_compat(figures_dir=figures_dir, quiet=quiet, strict=strict)


class UsageError(ValueError):
    pass


def parse_args(argv: list[str]) -> tuple[dict, str, list[str]]:
    """Split ``[OPTIONS] SCRIPT [ARGS...]``; options are only read before SCRIPT."""
    options = {"figures_dir": None, "tf_warnings": False, "strict": False, "output": None,
               "timeout": None, "capture_dir": None}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg in ("-h", "--help"):
            raise SystemExit(0)
        if arg == "--tf-warnings":
            options["tf_warnings"] = True
        elif arg == "--strict":
            options["strict"] = True
        elif arg.split("=", 1)[0] in ("--output", "--timeout"):
            i, options[arg.split("=", 1)[0][2:]] = _option_value(argv, i)
        elif arg == "--figures" or arg.startswith("--figures="):
            if "=" in arg:
                value = arg.split("=", 1)[1]
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                raise UsageError("--figures needs a folder")
            if not value:
                raise UsageError("--figures needs a folder")
            options["figures_dir"] = value
        elif arg.split("=", 1)[0] == "--capture":
            i, options["capture_dir"] = _option_value(argv, i)
        else:
            raise UsageError(f"unknown option {arg} (options go before SCRIPT)")
        i += 1
    if i >= len(argv):
        raise UsageError("missing SCRIPT")
    return options, argv[i], argv[i + 1 :]


def _option_value(argv: list[str], i: int) -> tuple[int, str]:
    """``--name=VALUE`` or ``--name VALUE`` at ``argv[i]``: (index of its last part, VALUE)."""
    name, eq, value = argv[i].partition("=")
    if not eq:
        if i + 1 >= len(argv):
            raise UsageError(f"{name} needs a value")
        i, value = i + 1, argv[i + 1]
    if not value:
        raise UsageError(f"{name} needs a value")
    return i, value


def _is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def command(script: str, args=()) -> list[str]:
    """The child's command line: the launcher, the script and its arguments."""
    return [sys.executable, "-m", "parity.tf1_shim.launch", script, *map(str, args)]


def _child_env(figures_dir=None, tf_warnings=False, env=None, strict=False, capture_dir=None) -> dict:
    env = dict(os.environ if env is None else env)
    env["TF_USE_LEGACY_KERAS"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    env.pop(FIGURES_ENV, None)
    if figures_dir is not None:
        env[FIGURES_ENV] = os.path.abspath(figures_dir)
    env[WARNINGS_ENV] = "1" if tf_warnings else "0"
    env[STRICT_ENV] = "1" if strict else "0"
    env.pop(CAPTURE_ENV, None)
    if capture_dir is not None:
        env[CAPTURE_ENV] = os.path.abspath(capture_dir)
    return env


# TensorFlow's C++ start-up chatter (absl log lines written before absl is initialised, so
# TF_CPP_MIN_LOG_LEVEL does not silence them): dropped from the child's stderr when
# TF_CPP_MIN_LOG_LEVEL >= 1 (the runner's default is 2), so that errors stand out.
_NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] .*"
    rb"|E\d{4} [\d:.]+ +\d+ cuda_[a-z_]+\.cc:\d+\] failed call to cuInit.*"
    # TensorFlow 2.16's format: a timestamp, then the level and the source file
    rb"|\d{4}-\d\d-\d\d [\d:.]+: [IW] \S+:\d+\] .*"
    rb"|\d{4}-\d\d-\d\d [\d:.]+: E \S+cuda_\w+\.cc:\d+\] Unable to register cu\w+ factory.*"
    rb"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.)"
    rb"\r?\n?$"
)


def _quiet_logs(env: dict) -> bool:
    try:
        return int(env.get("TF_CPP_MIN_LOG_LEVEL", "0")) >= 1
    except ValueError:
        return False


def filter_noise(data: bytes) -> bytes:
    """``data`` without TensorFlow's start-up log lines (see ``_NOISE``)."""
    return b"".join(line for line in data.splitlines(keepends=True) if not _NOISE.match(line))


def _forward_stderr(stream, out) -> None:
    """Copy the child's stderr to ``out`` as it comes, without the noise lines."""
    pending = b""
    while True:
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            break
        pending += chunk
        lines = pending.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        if b"\r" in pending:  # a progress bar redrawing its line: pass it on now
            lines.append(pending)
            pending = b""
        text = filter_noise(b"".join(lines))
        if text:
            out.write(text)
            out.flush()
    if pending:
        out.write(filter_noise(pending))
        out.flush()


def _check_script(script: str, cwd=None) -> None:
    path = Path(cwd or ".") / script
    if not path.is_file():
        raise UsageError(f"no such script: {script}")


def run_script(
    path,
    args=(),
    *,
    figures_dir=None,
    tf_warnings=False,
    cwd=None,
    env=None,
    timeout=None,
    capture_output=True,
    strict=False,
    capture_dir=None,
) -> subprocess.CompletedProcess:
    """Run the TF1 script ``path`` with ``args`` under the shims, in a subprocess.

    Returns the ``CompletedProcess`` (``returncode``, and ``stdout``/``stderr`` as text when
    ``capture_output``). ``cwd``: the working directory of the run (default: this one);
    ``figures_dir``: where ``plt.show()`` saves (default ``<cwd>/legacy_run_figures/<stem>``);
    ``strict``: TF 0.x names stop with their one-line error (``--strict``).
    ``capture_dir``: as ``--capture`` (relative to ``cwd``).
    """
    script = os.fspath(path)
    _check_script(script, cwd)
    if cwd is not None and figures_dir is not None:
        figures_dir = os.path.join(cwd, figures_dir)
    if cwd is not None and capture_dir is not None:
        capture_dir = os.path.join(cwd, capture_dir)
    child_env = _child_env(figures_dir, tf_warnings, env, strict, capture_dir)
    done = subprocess.run(
        command(script, args),
        cwd=cwd,
        env=child_env,
        timeout=timeout,
        capture_output=capture_output,
        check=False,
    )
    if capture_output:
        done.stdout = done.stdout.decode("utf-8", "replace")
        stderr = filter_noise(done.stderr) if _quiet_logs(child_env) else done.stderr
        done.stderr = stderr.decode("utf-8", "replace")
    return done


def main(argv: list[str] | None = None) -> int:
    """``parity legacy-run`` itself: ``argv = [OPTIONS..., SCRIPT, *ARGS]``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    notebook = None
    try:
        options, script, args = parse_args(argv)
        _check_script(script)
        if _is_notebook(script):
            from parity import legacy_notebook

            notebook = legacy_notebook.prepare(options, script, args)
        elif options["output"] is not None or options["timeout"] is not None:
            raise UsageError("--output and --timeout are for notebooks (.ipynb)")
        if options["capture_dir"] is not None:
            if notebook is not None:
                raise UsageError("--capture works on scripts (.py), not notebooks")
            from parity.capture import check_folder

            check_folder(options["capture_dir"])
    except SystemExit:
        print(USAGE)
        print(__doc__.split("\n\n", 2)[2])
        return 0
    except ValueError as exc:  # UsageError, or a capture folder that cannot be made
        print(f"{PREFIX}: error: {exc}\n{USAGE}", file=sys.stderr)
        return 2
    if notebook is not None:
        return notebook.run()
    env = _child_env(options["figures_dir"], options["tf_warnings"], strict=options["strict"],
                     capture_dir=options["capture_dir"])
    quiet = _quiet_logs(env)
    process = subprocess.Popen(
        command(script, args), env=env, stderr=subprocess.PIPE if quiet else None
    )
    while True:
        try:
            if quiet:
                _forward_stderr(process.stderr, sys.stderr.buffer)
            code = process.wait()
            break
        except KeyboardInterrupt:  # the child got the Ctrl-C too; let it finish its way
            continue
    return 128 - code if code < 0 else code  # killed by a signal: 128 + its number


if __name__ == "__main__":
    sys.exit(main())

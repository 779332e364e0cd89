"""Run an unmodified TF1 tutorial script or notebook on TensorFlow 2 (``parity legacy-run``).

    python -m tf1_compat.run [--figures DIR] [--tf-warnings] [--strict] SCRIPT [ARGS...]
    python -m tf1_compat.run [--output OUT.ipynb] [--timeout S] [--tf-warnings] [--strict] NOTEBOOK.ipynb
    parity legacy-run ...  (the same, plus --capture DIR: see parity.legacy_run)

The script runs in a process of its own, as ``__main__``, with ``sys.argv = [SCRIPT, *ARGS]``,
``sys.path[0]`` = its folder and the caller's working directory, as ``python SCRIPT ARGS``
would run it, but with the import shims of :mod:`tf1_compat` installed first:

- ``import tensorflow as tf`` is the TF1 API (``tf.compat.v1`` with ``disable_v2_behavior()``,
  ``TF_USE_LEGACY_KERAS=1``); ``import tensorflow.compat.v1 as tf`` works too;
- ``tf.contrib.rnn`` (cells, wrappers, ``static_rnn``, ``static_bidirectional_rnn``,
  ``stack_bidirectional_dynamic_rnn``, ...), a few of ``tf.contrib.layers`` and
  ``tf.contrib.legacy_seq2seq`` and ``tf.contrib.seq2seq`` (see :mod:`tf1_compat.contrib`);
- ``from tensorflow.examples.tutorials.mnist import input_data``: ``read_data_sets`` reads
  full MNIST when the script's data folder or ``$PARITY_MNIST_DIR`` holds it, else the
  shipped 10,000-digit sample, and says which on stderr;
- ``plt.show()`` saves the open figures as ``figure_001.png``, ... into ``--figures DIR``
  (a new or empty folder; by default a fresh one per run,
  ``./legacy_run_figures/<script stem>/<date-time>-<random>/``) and says where on stderr;
- TF 0.x names that TF 1.0 renamed (``tf.mul``, ``tf.pack``, ``tf.nn.rnn``, ...) run as their
  TF1 name, and the calls whose argument order TF 1.0 changed (``tf.concat(axis, values)``,
  ...) in their old order when the arguments' types make it certain, each said once on
  stderr (:mod:`tf1_compat.aliases`); ``--strict`` makes each a one-line error.

A notebook (``.ipynb``) runs cell by cell in a Jupyter kernel with the same shims
(:mod:`tf1_compat.notebook`); the executed copy, with outputs and figures, goes to
``--output`` (default ``<notebook stem>.legacy-run.ipynb`` beside it, never over it).
Any other file than a Python script or a notebook (:func:`script_kind`) is refused with
exit 2 and one line, as is a ``--figures`` path that is a file, not writable, or holds the
figures of an earlier run. SIGTERM/SIGHUP sent to this process reach the script.

Exit status: the script's own; 1 with the script's traceback when it raises (a notebook: 1
naming the failing cell); 2 with one line on stderr when it uses a removed API that is not
provided (the line names the TF2/Keras replacement from :data:`REPLACEMENTS`), or for a
usage error.

In Python: :func:`run_script` (a subprocess, returns ``subprocess.CompletedProcess``) and
``with tf1_compat.tf1_compat(): ...`` (the shims in the current process, for notebooks).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tf1_compat.launch import (
    FIGURES_ENV,
    HOOKS_ENV,
    PREFIX,
    STRICT_ENV,
    WARNINGS_ENV,
    figures_dir_for,
    hooks_value,
)
from tf1_compat.quiet import filter_noise, forward_stderr
from tf1_compat.replacements import REPLACEMENTS, explain

__all__ = [
    "main",
    "run_script",
    "tf1_compat",
    "command",
    "REPLACEMENTS",
    "explain",
    "figures_dir_for",
    "filter_noise",
]

USAGE = (
    f"usage: {PREFIX} [--figures DIR] [--tf-warnings] [--strict] SCRIPT [ARGS...]\n"
    f"       {PREFIX} [--output OUT.ipynb] [--timeout S] [--tf-warnings] [--strict] NOTEBOOK.ipynb"
)
_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


def plain_text(rest: str) -> str:
    """A docstring for the terminal: ``code`` and :role:`target` markup as plain text."""
    import re

    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", rest)
    return re.sub(r"``([^`]+)``", r"\1", text)


def tf1_compat(figures_dir: str | None = None, quiet: bool = True, strict: bool = False):
    """``with tf1_compat() as tf: ...``: the TF1 shims in this process (see :mod:`tf1_compat`)."""
    from tf1_compat import tf1_compat as _tf1_compat

    return _tf1_compat(figures_dir=figures_dir, quiet=quiet, strict=strict)


class UsageError(ValueError):
    pass


def parse_args(argv: list[str]) -> tuple[dict, str, list[str]]:
    """Split ``[OPTIONS] SCRIPT [ARGS...]``; options are only read before SCRIPT."""
    options = {"figures_dir": None, "tf_warnings": False, "strict": False, "output": None,
               "timeout": None}
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
        else:
            raise UsageError(f"unknown option {arg} (options go before SCRIPT)")
        i += 1
    if i >= len(argv):
        raise UsageError("missing SCRIPT")
    return options, argv[i], argv[i + 1 :]


# the options that take a value (``--name VALUE`` or ``--name=VALUE``)
VALUE_OPTIONS = ("--figures", "--output", "--timeout")


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
    return [sys.executable, "-m", "tf1_compat.launch", script, *map(str, args)]


def _child_env(figures_dir=None, tf_warnings=False, env=None, strict=False, hooks=()) -> dict:
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
    env.pop(HOOKS_ENV, None)
    if hooks:
        env[HOOKS_ENV] = hooks_value(hooks)
    return env


def _quiet_logs(env: dict) -> bool:
    try:
        return int(env.get("TF_CPP_MIN_LOG_LEVEL", "0")) >= 1
    except ValueError:
        return False


def _forward_stderr(stream, out) -> None:
    """Copy the child's stderr to ``out`` as it comes, without TensorFlow's start-up lines."""
    forward_stderr(stream, out)


class ScriptError(UsageError):
    """A SCRIPT (or --figures folder) that cannot be run: one line, no usage text."""


def script_kind(path: Path, shown: str | None = None) -> str:
    """What ``legacy-run`` does with the file ``path``: ``"python"`` (run it as a script),
    ``"notebook"`` (a Jupyter notebook, run cell by cell), or :class:`ScriptError` saying why
    it does not run it. The one place that decides."""
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return "notebook"  # run cell by cell in a kernel (tf1_compat.notebook)
    if suffix in (".py", ".pyw"):
        return "python"  # its syntax errors are the script's own, reported as Python would
    if suffix:
        raise ScriptError(f"{shown} is not a Python script (expected a .py file)")
    # no suffix: a Python script when its first line says so or its text parses as Python
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptError(f"cannot read {shown}: {exc.strerror}") from None
    first = data.split(b"\n", 1)[0]
    if first.startswith(b"#!") and b"python" in first:
        return "python"
    try:
        compile(data, shown, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        raise ScriptError(f"{shown} is not a Python script (no .py suffix, and not Python code)") from None
    return "python"


def _check_script(script: str, cwd=None) -> str:
    path = Path(cwd or ".") / script
    if not path.is_file():
        raise ScriptError(f"no such script: {script}" if not path.is_dir() else f"{script} is a folder, not a script")
    return script_kind(path, script)


def _check_figures_dir(folder: str) -> None:
    """An explicit ``--figures`` folder, checked before the script runs: a folder (or a
    place where one can be made), writable, and not already holding earlier figures."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ScriptError(f"--figures {folder}: exists and is not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ScriptError(f"--figures {folder}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ScriptError(f"--figures {folder}: {existing} is not writable")
    if path.is_dir() and any(path.glob("figure_[0-9][0-9][0-9].png")):
        raise ScriptError(f"--figures {folder}: already holds figures of an earlier run "
                          "(figure_NNN.png); give a new folder, or leave --figures out for a "
                          "fresh one per run")


def _fresh_figures_dir(script: str, cwd=None) -> str | None:
    """A new folder for this run's figures, ``legacy_run_figures/<stem>/<date-time>-<random>``
    under ``cwd``: a second run (or another script of the same name) never mixes with the
    figures of the first. ``None`` when it cannot be made (the script may not plot at all)."""
    import tempfile
    import time

    stem = os.path.splitext(os.path.basename(script))[0] or "script"
    base = os.path.join(os.path.abspath(cwd or "."), "legacy_run_figures", stem)
    for _ in range(3):  # another run may remove an empty <stem> folder at the same moment
        try:
            os.makedirs(base, exist_ok=True)
            folder = tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=base)
        except FileNotFoundError:
            continue
        except OSError:
            return None
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(folder, 0o777 & ~mask)  # mkdtemp makes it private (0700)
        return folder
    return None


def _remove_if_empty(folder: str | None) -> None:
    if folder:
        for path in (folder, os.path.dirname(folder), os.path.dirname(os.path.dirname(folder))):
            try:
                os.rmdir(path)  # only succeeds on an empty folder
            except OSError:
                break


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
    hooks=(),
) -> subprocess.CompletedProcess:
    """Run the TF1 script ``path`` with ``args`` under the shims, in a subprocess.

    Returns the ``CompletedProcess`` (``returncode``, and ``stdout``/``stderr`` as text when
    ``capture_output``). ``cwd``: the working directory of the run (default: this one);
    ``figures_dir``: where ``plt.show()`` saves (default: a new folder per run,
    ``<cwd>/legacy_run_figures/<stem>/<date-time>-<random>``, removed again if unused);
    ``strict``: TF 0.x names stop with their one-line error (``--strict``).
    ``hooks``: ``TF1_COMPAT_HOOKS`` entries for the child (:func:`tf1_compat.launch.hook_entry`).
    """
    script = os.fspath(path)
    if _check_script(script, cwd) == "notebook":
        raise ScriptError(f"{script} is a notebook: run it with tf1_compat.notebook.run_notebook")
    fresh = None
    if figures_dir is not None:
        if cwd is not None:
            figures_dir = os.path.join(cwd, figures_dir)
        _check_figures_dir(figures_dir)
    else:
        figures_dir = fresh = _fresh_figures_dir(script, cwd)
    child_env = _child_env(figures_dir, tf_warnings, env, strict, hooks)
    from tf1_compat import processes as procs

    try:
        # supervised: the script (and whatever it forked) ends with this process, on a signal
        # to it and at ``timeout``, instead of running on as an orphan
        done = procs.run(
            command(script, args),
            cwd=cwd,
            env=child_env,
            timeout=timeout,
            capture_output=capture_output,
            check=False,
        )
    finally:
        _remove_if_empty(fresh)
    if capture_output:
        done.stdout = done.stdout.decode("utf-8", "replace")
        quiet = _quiet_logs(child_env) and not tf_warnings
        stderr = filter_noise(done.stderr) if quiet else done.stderr
        done.stderr = stderr.decode("utf-8", "replace")
    return done


def main(argv: list[str] | None = None, *, hooks=(), usage: str = USAGE) -> int:
    """``argv = [OPTIONS..., SCRIPT, *ARGS]``; returns the exit code. ``hooks``: see
    :func:`run_script`; ``usage``: the usage lines printed with a usage error."""
    argv = sys.argv[1:] if argv is None else list(argv)
    notebook = None
    try:
        options, script, args = parse_args(argv)
        kind = _check_script(script)
        if kind == "notebook":
            from tf1_compat import notebook as legacy_notebook

            notebook = legacy_notebook.prepare(options, script, args)
        elif options["output"] is not None or options["timeout"] is not None:
            raise UsageError("--output and --timeout are for notebooks (.ipynb)")
        if hooks and notebook is not None:
            raise UsageError("this option works on scripts (.py), not notebooks")
        if notebook is None and options["figures_dir"] is not None:
            _check_figures_dir(options["figures_dir"])
    except SystemExit:
        print(usage)
        print(plain_text(__doc__.split("\n\n", 2)[2]))
        return 0
    except ScriptError as exc:
        print(f"{PREFIX}: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # UsageError
        print(f"{PREFIX}: error: {exc} (see {PREFIX} --help)", file=sys.stderr)
        return 2
    if notebook is not None:
        return notebook.run()
    from tf1_compat import processes as procs

    memory = procs.address_space_problem()
    if memory is not None:
        print(f"{PREFIX}: error: {memory}", file=sys.stderr)
        return 2
    fresh = None if options["figures_dir"] is not None else _fresh_figures_dir(script)
    env = _child_env(options["figures_dir"] or fresh, options["tf_warnings"],
                     strict=options["strict"], hooks=hooks)
    quiet = _quiet_logs(env) and not options["tf_warnings"]
    reader = None
    try:
        # SIGTERM/SIGHUP sent to this process reach the script and what it forked (its own
        # session); this process then exits 128 + N
        with procs.supervised(
            command(script, args), env=env, stderr=subprocess.PIPE if quiet else None
        ) as process:
            if quiet:  # in a thread: a process the script forked may hold the pipe open
                reader = threading.Thread(target=_forward_stderr,
                                          args=(process.stderr, sys.stderr.buffer), daemon=True)
                reader.start()
            while True:
                try:
                    code = process.wait()
                    break
                except KeyboardInterrupt:  # pass the Ctrl-C on; let the script finish its way
                    procs.interrupt(process)
                    continue
    except procs.Terminated as exc:
        return exc.exit_code
    finally:
        if reader is not None:  # the script's group has ended: the rest of its output
            reader.join(timeout=5)
        _remove_if_empty(fresh)
    return 128 - code if code < 0 else code  # killed by a signal: 128 + its number


if __name__ == "__main__":
    sys.exit(main())

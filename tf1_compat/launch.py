"""The child side of ``parity legacy-run``: ``python -m tf1_compat.launch SCRIPT [ARGS...]``.

Internal: :mod:`tf1_compat.run` starts it with the options in the environment
(``PARITY_LEGACY_FIGURES``: the figure folder; ``PARITY_LEGACY_TF_WARNINGS=1``: keep
TensorFlow's deprecation warnings; ``PARITY_LEGACY_STRICT=1``: TF 0.x names and argument
orders stop with their one-line error instead of running as their TF1 form;
``PARITY_SEED=S``: every graph-level seed the script sets is ``S`` instead
(:func:`tf1_compat.runtime.override_graph_seed`; ``parity check --seed``);
``TF1_COMPAT_HOOKS``: ``module:function=ARG`` entries, separated by ``os.pathsep``, each
called as ``function(ARG, SCRIPT)`` after the shims are in place and before the script runs:
how a tool adds to a run without this package knowing it, e.g. ``parity legacy-run
--capture``). It installs the shims, then runs SCRIPT as ``__main__``
with ``sys.argv = [SCRIPT, *ARGS]`` and ``sys.path[0]`` = the script's folder, as
``python SCRIPT ARGS`` would. Exit status: the script's own (0, or ``sys.exit``'s), 1 with
the usual traceback when the script raises, 2 with one line on stderr when it needs a
removed TF1 API that the shims do not provide (or when its MNIST data is unreadable).
A script that dies converting a 1-element array with ``int()``/``float()`` (NumPy 1.x
allowed it) gets one more line below its traceback: what changed and the way out.
"""

from __future__ import annotations

import os
import re
import sys
import traceback

from tf1_compat import lean_import  # noqa: F401  (before the script imports TensorFlow)

PREFIX = "parity legacy-run"
FIGURES_ENV = "PARITY_LEGACY_FIGURES"
WARNINGS_ENV = "PARITY_LEGACY_TF_WARNINGS"
STRICT_ENV = "PARITY_LEGACY_STRICT"
HOOKS_ENV = "TF1_COMPAT_HOOKS"


def hook_entry(target: str, arg: str) -> list:
    """One ``TF1_COMPAT_HOOKS`` entry: call ``target`` (``module:function``) with ``(arg, script)``
    in the script's process before the script runs."""
    return [target, arg]


def hooks_value(hooks) -> str:
    """The ``TF1_COMPAT_HOOKS`` value for a list of :func:`hook_entry` entries (JSON: paths may
    hold any character)."""
    import json

    return json.dumps([list(h) for h in hooks])


def _run_hooks(script: str) -> None:
    import importlib
    import json

    for target, arg in json.loads(os.environ.get(HOOKS_ENV) or "[]"):
        module, _, function = target.partition(":")
        getattr(importlib.import_module(module), function)(arg, script)


def figures_dir_for(script: str, figures: str | None = None) -> str:
    """Where ``plt.show()`` saves: ``figures`` or ``./legacy_run_figures/<script stem>``."""
    if figures:
        return os.path.abspath(figures)
    stem = os.path.splitext(os.path.basename(script))[0] or "script"
    return os.path.join(os.getcwd(), "legacy_run_figures", stem)


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _one_line_error(exc) -> str | None:
    from tf1_compat.modules import LegacyAPIUnavailable

    for link in _chain(exc):
        if isinstance(link, LegacyAPIUnavailable):
            return link.one_line()
    removed = _removed_attribute(exc)
    if removed is not None:
        from tf1_compat.replacements import explain

        return explain(removed)
    imported = _removed_import(exc)
    if imported is not None:
        return imported
    data_error = getattr(sys.modules.get("datasets.errors"), "DataError", None)
    if data_error is not None and isinstance(exc, data_error):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


# TensorFlow's own modules that TF 0.x scripts import directly (``from tensorflow.python.ops
# import rnn, rnn_cell``), and the TF1 spelling of their contents.
_INTERNAL_SPELLING = {
    "tensorflow.python.ops.rnn": "tf.nn",
    "tensorflow.python.ops.rnn_cell": "tf.nn.rnn_cell",
    "tensorflow.python.ops.rnn_cell_impl": "tf.nn.rnn_cell",
    "tensorflow.python.ops.array_ops": "tf",
    "tensorflow.python.ops.math_ops": "tf",
}


def _removed_attribute(exc) -> str | None:
    """``rnn.bidirectional_rnn`` on ``tensorflow.python.ops.rnn`` and the like: the TF1 name
    (``tf.nn.bidirectional_rnn``) when the replacement table lists exactly that name."""
    from tf1_compat.replacements import REPLACEMENTS

    if not isinstance(exc, AttributeError) or not getattr(exc, "name", None):
        return None
    module = getattr(getattr(exc, "obj", None), "__name__", None)
    spelled = _INTERNAL_SPELLING.get(module) if isinstance(module, str) else None
    if spelled is None:
        return None
    name = f"{spelled}.{exc.name}"
    return name if name in REPLACEMENTS else None


_CANNOT_IMPORT = re.compile(r"cannot import name '([^']+)' from '([^']+)'")


def _removed_import(exc) -> str | None:
    """``from tensorflow.contrib.rnn import LayerNormBasicLSTMCell``: Python turns the shim's
    one-line AttributeError into "cannot import name ..." (dropping it). Ask the module for
    the name again and return the line the attribute form gives, so that both forms say
    the same."""
    if not isinstance(exc, ImportError):
        return None
    match = _CANNOT_IMPORT.match(str(exc))
    module = sys.modules.get(exc.name or match.group(2)) if match else None
    if module is None:
        return None
    from tf1_compat.modules import LegacyAPIUnavailable
    from tf1_compat.replacements import explain

    try:
        _ask_again(module, match.group(1))
    except Exception as again:  # noqa: BLE001  (whatever the module's __getattr__ raises)
        if isinstance(again, LegacyAPIUnavailable):
            return again.one_line()
        removed = _removed_attribute(again)
        return explain(removed) if removed is not None else None
    return None


def _ask_again(module, name: str):
    """``getattr(module, name)`` as the script would have asked it (NumPy answers its NumPy 1.x
    names only to the script, :mod:`tf1_compat.numpy1`)."""
    import tf1_compat
    from tf1_compat.numpy1 import NAMES

    state = tf1_compat._state
    numpy1 = state.numpy1 if state is not None else None
    if getattr(module, "__name__", None) == "numpy" and name in NAMES and numpy1 is not None:
        return numpy1.lookup(name)
    return getattr(module, name)


def _script_frames(tb, script_path: str):
    """The traceback from the script's own frame on (drops the launcher and runpy)."""
    while tb is not None and os.path.realpath(tb.tb_frame.f_code.co_filename) != script_path:
        tb = tb.tb_next
    return tb


def _where(tb, script_path: str, shown: str) -> str:
    line = None
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == script_path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{shown}:{line}" if line is not None else shown


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(f"{PREFIX}: error: missing SCRIPT", file=sys.stderr)
        return 2
    from tf1_compat.processes import die_with_parent

    die_with_parent(forks=True)  # with `parity legacy-run`, even if it is killed by SIGKILL
    script, args = argv[0], argv[1:]
    script_path = os.path.realpath(script)
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["MPLBACKEND"] = "Agg"  # no windows: plt.show() saves files instead

    import tf1_compat

    try:
        tf1_compat.install(
            figures_dir=figures_dir_for(script, os.environ.get(FIGURES_ENV)),
            quiet=os.environ.get(WARNINGS_ENV, "") != "1",
            strict=os.environ.get(STRICT_ENV, "") == "1",
        )
    except tf1_compat.LegacyKerasError as exc:
        print(f"{PREFIX}: error: {exc}", file=sys.stderr)
        return 2
    from tf1_compat import runtime

    try:  # PARITY_SEED: the seed of every graph the script seeds (as the generated ports take it)
        seed = runtime.seed_from_env()
    except ValueError as exc:
        print(f"{PREFIX}: error: {exc}", file=sys.stderr)
        return 2
    if seed is not None:
        runtime.override_graph_seed(seed)
    from tf1_compat import ipython_script

    ipython_script.install()  # get_ipython() calls of a notebook exported as a script
    _run_hooks(script)

    import runpy

    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(script_path)
    try:
        runpy.run_path(script_path, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001  (reported like `python SCRIPT` would)
        message = _one_line_error(exc)
        if message is not None:
            print(
                f"{PREFIX}: error: {_where(exc.__traceback__, script_path, script)}: {message}",
                file=sys.stderr,
                flush=True,
            )
            return 2
        sys.stdout.flush()
        traceback.print_exception(type(exc), exc, _script_frames(exc.__traceback__, script_path))
        from tf1_compat.numpy1 import scalar_conversion_hint

        hint = scalar_conversion_hint(exc)
        if hint is not None:
            print(f"{PREFIX}: {hint}", file=sys.stderr)
        sys.stderr.flush()
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``get_ipython()`` for a notebook exported as a script (``jupyter nbconvert --to script``,
Colab's "Download .py"), run by ``parity legacy-run``.

The export turns each magic and shell line into a call: ``%matplotlib inline`` into
``get_ipython().run_line_magic('matplotlib', 'inline')``, ``!pip install ...`` into
``get_ipython().system('pip install ...')``, a ``%%writefile`` cell into ``run_cell_magic``.
Outside IPython, ``get_ipython`` is undefined and the script stops on its first such line.
:func:`install` defines it (as a builtin, only where none is defined) with what a script can
do: the magics TF1 notebooks use, shell lines run by the shell, ``pip install`` lines without
the packages that would replace this environment's TensorFlow, Keras or NumPy (as in a
notebook, :func:`tf1_compat.ipython.skip_old_installs`). A magic it does not know stops the
script with one line naming it.
"""

from __future__ import annotations

import builtins
import os
import shlex
import subprocess
import sys
import time

from tf1_compat.modules import LegacyAPIUnavailable

# line magics that only change how a notebook shows things, or load IPython's extensions
_NO_OPS = {"matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "aimport",
           "config", "tensorflow_version", "precision", "xmode", "pdb", "notebook",
           "colors", "autosave", "logstart", "logstop"}


class UnsupportedMagic(LegacyAPIUnavailable, RuntimeError):
    """A magic of the exported notebook that a script cannot run (one line)."""

    def __init__(self, kind: str, name: str):
        self.api = f"{kind}{name}"
        self.message = (f"{kind}{name} (an IPython magic of the notebook this script was exported "
                        f"from) does not run in a script: run the notebook itself "
                        f"(parity legacy-run NOTEBOOK.ipynb) or replace the line")
        RuntimeError.__init__(self, self.message)


def python_of_cell(cell: str) -> str:
    """A cell's IPython source (``!`` and ``%`` lines in it) as Python calling get_ipython()."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython: the shell and line-magic lines, as IPython writes them
        lines = []
        for line in cell.splitlines():
            body, indent = line.lstrip(), line[:len(line) - len(line.lstrip())]
            if body.startswith("!"):
                line = f"{indent}get_ipython().system({body[1:]!r})"
            elif body.startswith("%") and not body.startswith("%%"):
                name, _, rest = body[1:].partition(" ")
                line = f"{indent}get_ipython().run_line_magic({name!r}, {rest!r})"
            lines.append(line)
        return "\n".join(lines) + "\n"
    return TransformerManager().transform_cell(cell)


class ScriptIPython:
    """The ``get_ipython()`` of a script exported from a notebook."""

    def system(self, cmd: str) -> int:
        """``!cmd``: run by the shell, its output to this process's (exit status returned)."""
        from tf1_compat.ipython import install_without_old

        cmd, note = install_without_old(cmd)
        if note:
            print(note, file=sys.stderr, flush=True)
        if cmd is None:
            return 0
        sys.stdout.flush()
        sys.stderr.flush()
        return subprocess.call(cmd, shell=True)

    def getoutput(self, cmd: str, split: bool = True):
        """``x = !cmd``: the shell's output, a list of lines."""
        out = subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout
        return out.splitlines() if split else out

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1):
        caller = sys._getframe(_stack_depth)
        if name in _NO_OPS:
            return None
        if name == "cd":
            os.chdir(os.path.expanduser(line.strip() or "~"))
            return None
        if name in ("env", "set_env"):
            if "=" in line or " " in line.strip():
                key, _, value = line.strip().replace("=", " ", 1).partition(" ")
                os.environ[key.strip()] = value.strip()
                return None
            return os.environ.get(line.strip()) if line.strip() else dict(os.environ)
        if name == "pip":
            return self.system(f"{sys.executable} -m pip {line}")
        if name in ("time", "timeit"):
            start = time.perf_counter()
            try:
                result = eval(compile(line, "<magic>", "eval"), caller.f_globals, caller.f_locals)  # noqa: S307
            except SyntaxError:
                result = None
                exec(compile(line, "<magic>", "exec"), caller.f_globals, caller.f_locals)  # noqa: S102
            print(f"Wall time: {time.perf_counter() - start:.3g} s")
            return result
        if name == "pylab":
            exec("import numpy\nimport matplotlib\nfrom matplotlib import pylab, mlab, pyplot\n"  # noqa: S102
                 "np = numpy\nplt = pyplot\nfrom pylab import *\nfrom numpy import *\n",
                 caller.f_globals)
            return None
        raise UnsupportedMagic("%", name)

    def run_cell_magic(self, name: str, line: str, cell: str):
        caller = sys._getframe(1)
        if name == "writefile":
            args = shlex.split(line)
            append = any(a in ("-a", "--append") for a in args)
            path = next(a for a in args if not a.startswith("-"))
            with open(os.path.expanduser(path), "a" if append else "w") as f:
                f.write(cell)
            print(f"{'Appending to' if append else 'Writing'} {path}")
            return None
        if name in ("bash", "sh", "script"):
            shell = line.split()[0] if name == "script" and line.split() else (
                "sh" if name == "sh" else "bash")
            sys.stdout.flush()
            return subprocess.run([shell], input=cell, text=True).returncode
        if name in ("time", "timeit", "capture"):
            start = time.perf_counter()
            exec(compile(python_of_cell(cell), "<cell>", "exec"), caller.f_globals,  # noqa: S102
                 caller.f_locals)
            if name != "capture":
                print(f"Wall time: {time.perf_counter() - start:.3g} s")
            return None
        raise UnsupportedMagic("%%", name)

    def magic(self, arg: str):
        """IPython < 5's ``get_ipython().magic('matplotlib inline')``."""
        name, _, line = arg.lstrip("%").partition(" ")
        return self.run_line_magic(name, line, _stack_depth=2)


def install() -> bool:
    """Define ``get_ipython`` as a builtin when none is (not inside IPython); returns whether
    it did."""
    if hasattr(builtins, "get_ipython"):
        return False
    shell = ScriptIPython()
    builtins.get_ipython = lambda: shell
    return True

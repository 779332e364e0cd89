"""The old name of :mod:`tf1_compat`, the TF1 compatibility runtime (import shims, ``tf.contrib``
stand-ins, TF 0.x aliases, notebooks, the IPython extension), which is now a package of its own.

``%load_ext parity.tf1_shim`` and ``from parity.tf1_shim import install`` keep working and
say once what replaced them: ``%load_ext tf1_compat``, ``import tf1_compat``.
"""

from __future__ import annotations

import importlib
import sys
import warnings

from tf1_compat import *  # noqa: F403  (the same API under the old name)

_package = importlib.import_module("tf1_compat")  # not the tf1_compat() context manager

NOTE = "parity.tf1_shim is now tf1_compat: use `%load_ext tf1_compat` / `import tf1_compat`"
warnings.warn(NOTE, DeprecationWarning, stacklevel=2)


def load_ipython_extension(ipython) -> None:
    print(f"note: {NOTE}", file=sys.stderr)
    _package.load_ipython_extension(ipython)


def unload_ipython_extension(ipython) -> None:
    _package.unload_ipython_extension(ipython)

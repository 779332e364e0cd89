"""A leaner ``import tensorflow``: imported before TensorFlow by every process of the suite
(``parity``, ``tf1_compat.runtime``, the ``legacy-run`` launcher).

``tensorflow.lite.python.util`` does ``from jax import jit`` when JAX is installed (for
TensorFlow Lite's JAX converter, which nothing here uses) and falls back to ``None`` on
``ImportError``. :class:`NoJaxForTFLite` answers that one import, and only that one, with
``ModuleNotFoundError``: ``import jax`` from anywhere else (a JAX port, Keras's JAX backend,
the user's own script) loads JAX as before. Measured on the 2-core CI machine: ``import
tensorflow`` takes 2.75 s of CPU instead of 3.2 s, and the test suite starts about 300
TensorFlow processes. ``PARITY_TFLITE_JAX=1`` leaves TensorFlow's import as it is.
"""

from __future__ import annotations

import os
import sys


class NoJaxForTFLite:
    """A ``sys.meta_path`` finder that refuses ``jax`` to ``tensorflow.lite.python.util`` only."""

    def find_spec(self, name, path=None, target=None):
        if name != "jax":
            return None
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_globals.get("__name__") == "tensorflow.lite.python.util":
                raise ModuleNotFoundError("jax: not loaded for TensorFlow Lite", name=name)
            frame = frame.f_back
        return None


def install() -> bool:
    """Put the finder first on ``sys.meta_path`` (once; not when TensorFlow is already loaded
    or ``PARITY_TFLITE_JAX=1``). Returns whether it is installed."""
    if any(isinstance(f, NoJaxForTFLite) for f in sys.meta_path):
        return True
    if "tensorflow" in sys.modules or os.environ.get("PARITY_TFLITE_JAX", "").strip() == "1":
        return False
    sys.meta_path.insert(0, NoJaxForTFLite())
    return True


install()

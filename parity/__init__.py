"""The parity harness: registry, runner, comparison, weight transplant, report and CLI.

Importing it sets ``TF_USE_LEGACY_KERAS=1`` (unless TensorFlow is already loaded), so
that the legacy TF1 cells and the Keras 3 ports can share one process.
"""

import os as _os
import sys as _sys

if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from tf1_compat import lean_import as _lean_import  # noqa: E402,F401  (TensorFlow without JAX)

"""Faithful ``tf.compat.v1`` graph-mode versions of the tutorial programs, one module per example.

Importing this package sets ``TF_USE_LEGACY_KERAS=1`` (see :mod:`tf1_compat.runtime`).
"""

from tf1_compat import runtime as runtime  # noqa: F401  (sets TF_USE_LEGACY_KERAS first)

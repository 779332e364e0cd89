"""The TF1 shims as an IPython extension: ``%load_ext tf1_compat`` in Jupyter / IPython.

After loading, ``import tensorflow as tf`` in the session is the TF1 API that ``parity
legacy-run`` gives scripts (``tf.compat.v1`` with v2 behaviour off, ``tf.contrib.rnn``, the
MNIST tutorial reader, TF 0.x names run as their TF1 name); ``%unload_ext tf1_compat``
puts the real TensorFlow back. Figures stay inline (the shims leave ``plt.show`` alone).

Load it before TensorFlow is first imported in the session (in a fresh kernel): the TF1
cells need ``TF_USE_LEGACY_KERAS=1`` at TensorFlow's import. ``PARITY_LEGACY_STRICT=1`` in
the kernel's environment gives ``--strict`` (``legacy-run`` sets it for notebooks);
``PARITY_SEED=S`` makes ``S`` the seed of every graph the notebook seeds, as ``legacy-run``
does for scripts (``parity check --seed/--seeds``).
"""

from __future__ import annotations

import os
import sys

from tf1_compat.launch import STRICT_ENV, WARNINGS_ENV

_loaded_by_us = False


def load_ipython_extension(ipython) -> None:
    global _loaded_by_us
    from IPython.core.error import UsageError

    import tf1_compat

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    strict = os.environ.get(STRICT_ENV, "") == "1"
    try:
        tf1_compat.install(quiet=os.environ.get(WARNINGS_ENV, "") != "1", strict=strict)
    except tf1_compat.LegacyKerasError as exc:
        raise UsageError(
            f"{exc}. Restart the kernel and run %load_ext tf1_compat before anything "
            "imports tensorflow."
        ) from None
    _loaded_by_us = True
    from tf1_compat import runtime

    try:  # PARITY_SEED (parity check --seeds): the seed of every graph the notebook seeds
        seed = runtime.seed_from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if seed is not None:
        runtime.override_graph_seed(seed)
    if not os.environ.get("PARITY_LEGACY_NOTEBOOK"):
        print(
            "tf1_compat: `import tensorflow as tf` now gives the TF1 API (tf.compat.v1, "
            "tf.contrib.rnn, TF 0.x names" + (", --strict" if strict else "") + "); "
            "%unload_ext tf1_compat undoes it",
            file=sys.stderr,
        )


def unload_ipython_extension(ipython) -> None:
    global _loaded_by_us
    import tf1_compat

    if _loaded_by_us:
        from tf1_compat import runtime

        runtime.restore_graph_seed()
        tf1_compat.uninstall()
        _loaded_by_us = False

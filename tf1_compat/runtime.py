"""The TF1 runtime of the legacy examples: the one place where they meet TensorFlow.

TensorFlow 2.16+ ships Keras 3 as ``tf.keras``, and Keras 3 has none of the TF1
cells (``tf.compat.v1.nn.rnn_cell.*``) or layers (``tf.compat.v1.layers.*``).
They live on in ``tf_keras``, which TensorFlow routes to when
``TF_USE_LEGACY_KERAS=1`` is set *before TensorFlow is first imported*. A plain
``import keras`` still gives Keras 3, so both worlds share one process.

Every legacy example gets TensorFlow through :func:`tf1`, builds its graph in
:func:`graph_session` (a fresh ``tf.Graph`` and ``Session`` of its own) and never
calls ``disable_v2_behavior()``, which would break Keras 3's ``fit`` in the same
process.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys

from tf1_compat import lean_import  # noqa: F401  (before TensorFlow loads)

ENV_VAR = "TF_USE_LEGACY_KERAS"


class LegacyKerasError(RuntimeError):
    """TensorFlow was imported before ``TF_USE_LEGACY_KERAS=1`` was set."""


def _legacy_keras_requested() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes")


def ensure_legacy_keras() -> None:
    """Set ``TF_USE_LEGACY_KERAS=1``, or fail clearly if it is too late to do so."""
    if _legacy_keras_requested():
        return
    if "tensorflow" in sys.modules:
        raise LegacyKerasError(
            "TensorFlow was imported before TF_USE_LEGACY_KERAS=1 was set, so the TF1 cells "
            "(tf.compat.v1.nn.rnn_cell) resolve to Keras 3, which does not have them. Fix: "
            "import legacy_graph (or tf1_compat.runtime, or parity) before tensorflow/keras, or run with "
            "TF_USE_LEGACY_KERAS=1 in the environment."
        )
    os.environ[ENV_VAR] = "1"


ensure_legacy_keras()


def tf1():
    """Return the ``tensorflow.compat.v1`` module, with the legacy Keras routing in place."""
    ensure_legacy_keras()
    import tensorflow.compat.v1 as tf

    return tf


def set_seed(seed: int) -> None:
    """Seed every generator both worlds draw from: Python, NumPy, tf_keras, Keras 3.

    ``tf.compat.v1.set_random_seed`` alone does not make the tf_keras legacy cells and
    dense layers start from the same weights; the graph seed is set by
    :func:`graph_session`, which must be used for the graph itself.
    """
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    ensure_legacy_keras()
    import tf_keras

    tf_keras.utils.set_random_seed(seed)  # tf_keras: Python, NumPy and the TF global seed
    if "keras" in sys.modules:  # Keras 3, if the port side is loaded in this process
        import keras

        keras.utils.set_random_seed(seed)


SEED_ENV = "PARITY_SEED"  # parity check --seed, benchmarks/migrate_write.py --seeds


def override_graph_seed(seed: int) -> None:
    """Make every graph-level seed this process sets be ``seed`` instead.

    ``parity legacy-run`` calls it when ``PARITY_SEED`` is set, so that a TF1 program that
    seeds itself (``tf.set_random_seed(5)``, :func:`graph_session`'s ``seed``) runs with
    another seed without being edited, as the generated ports do with ``PARITY_SEED``
    (``keras.utils.set_random_seed``). What the seed decides in TF1 moves with it: the
    initial weights, dropout masks and ``tf.random_*`` ops (their op-level seeds combine with
    the graph's). NumPy's and Python's generators are left as the program seeds them. A
    graph the program never seeds stays unseeded.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        raise ValueError(f"{SEED_ENV} must be a whole number in [0, 2**31 - 1], got {seed!r}")
    tf1()
    from tensorflow.python.framework import ops

    prop = ops.Graph.seed
    original = getattr(prop.fset, "_parity_original", prop.fset)

    def set_graph_seed(graph, value):
        original(graph, value if value is None else seed)

    set_graph_seed._parity_original = original
    ops.Graph.seed = property(prop.fget, set_graph_seed, prop.fdel, prop.__doc__)


def restore_graph_seed() -> None:
    """Undo :func:`override_graph_seed` (nothing to do when it was not called)."""
    if "tensorflow" not in sys.modules:
        return
    from tensorflow.python.framework import ops

    prop = ops.Graph.seed
    original = getattr(prop.fset, "_parity_original", None)
    if original is not None:
        ops.Graph.seed = property(prop.fget, original, prop.fdel, prop.__doc__)


def seed_from_env(environ=None) -> int | None:
    """``PARITY_SEED`` as an int (None when unset or empty); ValueError with a one-line reason."""
    text = (os.environ if environ is None else environ).get(SEED_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) >= 2**31:
        raise ValueError(f"{SEED_ENV} must be a whole number in [0, 2**31 - 1], got '{text}'")
    return int(text)


@contextlib.contextmanager
def graph_session(seed: int | None = None, threads: int | None = None):
    """Yield ``(graph, session)``: a fresh ``tf.Graph`` (with its graph-level seed) and its Session.

    Use it as the article used ``with tf.Session() as sess``, with the graph built inside
    the ``with graph.as_default()`` block that this manager has already entered::

        with graph_session(seed=1) as (graph, sess):
            x = tf.placeholder(...)
            ...
            sess.run(tf.global_variables_initializer())
    """
    tf = tf1()
    if seed is not None:
        set_seed(seed)
    graph = tf.Graph()
    config = None
    if threads:
        config = tf.ConfigProto(
            intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads
        )
    with graph.as_default():
        if seed is not None:
            tf.set_random_seed(seed)
        with tf.Session(graph=graph, config=config) as sess:
            yield graph, sess


def progress_bar(total: int, verbose: bool = True):
    """A Keras-style progress bar for the legacy training loops (``None`` when quiet).

    Call ``bar.update(step, values=[("loss", loss)])``; the port gets the same bar from ``fit``.
    """
    if not verbose:
        return None
    ensure_legacy_keras()
    import tf_keras

    return tf_keras.utils.Progbar(total, stateful_metrics=["loss", "acc"])

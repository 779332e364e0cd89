"""TF1 graph variables as ``{name: ndarray}``, in and out of a ``Session``, and atomic checkpoints.

The legacy side's twin of :mod:`tf1_migrate.keras_weights`: what the parity checks need from a
TF1 session (read the trained variables, load transplanted ones, save a ``tf.train.Saver``
checkpoint under a temporary name first). Names are the variables' without ``:0``.
"""

from __future__ import annotations

import os

from tf1_compat.runtime import tf1
from tf1_migrate.transplant import check_names


def variables_to_numpy(sess, variables=None) -> dict:
    """Read graph variables into ``{name_without_:0: ndarray}`` (all global variables by default)."""
    tf = tf1()
    if variables is None:
        variables = sess.graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
    values = sess.run(list(variables))
    return {v.name.split(":")[0]: val for v, val in zip(variables, values)}


def trainable_weights(sess) -> dict:
    """The graph's trainable variables as ``{name_without_:0: ndarray}``."""
    tf = tf1()
    return variables_to_numpy(sess, sess.graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES))


def load_trainable(sess, weights: dict, what: str = "TF1 weights") -> None:
    """Assign every trainable variable from ``{name: ndarray}``; one clear error on a mismatch."""
    import numpy as np

    tf = tf1()
    variables = sess.graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
    expected = {v.name.split(":")[0]: tuple(v.shape.as_list()) for v in variables}
    check_names(weights, expected, what)
    for v in variables:
        v.load(np.asarray(weights[v.name.split(":")[0]], dtype=v.dtype.base_dtype.as_numpy_dtype), sess)


def save_checkpoint(sess, path, saver=None, write_meta_graph: bool = True) -> str:
    """A ``tf.train.Saver`` checkpoint at ``path`` (a prefix); returns the absolute prefix.

    Written into a temporary folder next to it, then moved into place data first and the
    index (which makes it loadable) last, then the ``checkpoint`` state file: an
    interrupted save never leaves a half-written checkpoint under ``path``.
    """
    import shutil
    import tempfile

    tf = tf1()
    prefix = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(prefix)
    os.makedirs(folder, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", dir=folder)
    try:
        (saver or tf.train.Saver()).save(sess, os.path.join(tmp, name),
                                        write_meta_graph=write_meta_graph, write_state=False)
        for file in sorted(os.listdir(tmp), key=lambda f: f.endswith(".index")):
            os.replace(os.path.join(tmp, file), os.path.join(folder, file))
        tf.train.update_checkpoint_state(folder, name)  # relative: the folder can move
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return prefix

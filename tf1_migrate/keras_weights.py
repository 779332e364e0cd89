"""Keras 3 weights as ``{variable.path: ndarray}`` dictionaries, in and out of a model.

Backend-neutral: values leave a model through ``keras.ops.convert_to_numpy`` (a PyTorch
tensor that needs a gradient has no ``__array__``; a JAX array is read-only), so the
same code serves the TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import numpy as np

from tf1_migrate.transplant import check_names


def to_numpy(value) -> np.ndarray:
    """A backend tensor or variable (or anything array-like) as a writable NumPy array."""
    import keras

    return np.array(keras.ops.convert_to_numpy(value), copy=True)


def get_weights(model) -> dict:
    return {v.path: to_numpy(v) for v in model.weights}


def set_weights(model, weights: dict, what: str = "weights") -> None:
    """Assign every model variable from ``weights`` by path; one clear error on any mismatch."""
    expected = {v.path: tuple(v.shape) for v in model.weights}
    check_names(weights, expected, what)
    for v in model.weights:
        v.assign(np.asarray(weights[v.path], dtype=v.dtype))


def save_weights(model, path) -> str:
    """``model.save_weights`` to a temporary ``.weights.h5`` name next to ``path``, then renamed.

    A failed save never leaves a half-written file, and never replaces a good one.
    """
    import os
    from pathlib import Path

    path = Path(path).absolute()
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"Keras weights file must end in .weights.h5, got '{path}'")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")  # Keras insists on the suffix
    try:
        model.save_weights(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return str(path)

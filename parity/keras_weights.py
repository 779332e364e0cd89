"""Keras 3 weights as ``{variable.path: ndarray}`` dictionaries, in and out of a model."""

from __future__ import annotations

import numpy as np

from parity.transplant import check_names


def get_weights(model) -> dict:
    return {v.path: np.asarray(v.numpy()) for v in model.weights}


def set_weights(model, weights: dict, what: str = "weights") -> None:
    """Assign every model variable from ``weights`` by path; one clear error on any mismatch."""
    expected = {v.path: tuple(v.shape) for v in model.weights}
    check_names(weights, expected, what)
    for v in model.weights:
        v.assign(np.asarray(weights[v.path], dtype=v.dtype))

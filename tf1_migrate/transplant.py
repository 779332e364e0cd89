"""Weight-layout mapping between TF1 cells, Keras 3 cells and PyTorch ``nn.LSTM``.

- TF1 ``BasicLSTMCell``/``LSTMCell``: ``kernel`` [input + units, 4u] applied to
  ``concat([x, h])``, ``bias`` [4u], gate order (i, j, f, o), and ``forget_bias``
  (1.0 by default) added at run time, never stored.
- Keras ``LSTMCell``: ``kernel`` [input, 4u], ``recurrent_kernel`` [u, 4u], ``bias`` [4u],
  gate order (i, f, c, o); ``unit_forget_bias`` only initialises.
- PyTorch ``nn.LSTM``: ``weight_ih`` (4h, in), ``weight_hh`` (4h, h), ``bias_ih``, ``bias_hh``,
  gate order (i, f, g, o).

The TF1 candidate gate ``j`` is Keras's ``c`` and PyTorch's ``g``.
"""

from __future__ import annotations

import numpy as np

TF1_GATES = ("i", "j", "f", "o")
KERAS_GATES = ("i", "f", "j", "o")  # (i, f, c, o), c == j
TORCH_GATES = ("i", "f", "j", "o")  # (i, f, g, o), g == j


def reorder_gates(w: np.ndarray, src=TF1_GATES, dst=KERAS_GATES, axis: int = -1) -> np.ndarray:
    """Reorder the four gate blocks of ``w`` along ``axis`` from order ``src`` to ``dst``."""
    blocks = dict(zip(src, np.split(np.asarray(w), 4, axis=axis)))
    return np.concatenate([blocks[g] for g in dst], axis=axis)


def tf1_lstm_to_keras(kernel, bias, input_dim: int, forget_bias: float = 1.0,
                      reorder: bool = True, fold_forget_bias: bool = True, num_proj=None):
    """TF1 ``(kernel, bias)`` -> Keras ``(kernel, recurrent_kernel, bias)``.

    ``reorder`` and ``fold_forget_bias`` exist so tests can show each step matters;
    ``num_proj``: an ``LSTMCell(num_proj=...)``, whose recurrent rows are the projection's.
    """
    kernel = np.asarray(kernel)
    bias = np.array(bias, copy=True)
    recurrent = num_proj or kernel.shape[1] // 4
    if kernel.shape[1] % 4 or kernel.shape[0] - input_dim != recurrent:
        raise ValueError(
            f"TF1 LSTM kernel of shape {kernel.shape} does not fit input_dim={input_dim}: "
            f"expected [{input_dim} + {'num_proj' if num_proj else 'units'}, 4 * units]"
        )
    units = kernel.shape[1] // 4
    if fold_forget_bias:
        bias[2 * units:3 * units] += forget_bias  # the f block in (i, j, f, o)
    k, r = kernel[:input_dim], kernel[input_dim:]
    if reorder:
        k, r, bias = (reorder_gates(a) for a in (k, r, bias))
    return k, r, bias


def keras_lstm_to_tf1(kernel, recurrent_kernel, bias, forget_bias: float = 1.0):
    """Keras ``(kernel, recurrent_kernel, bias)`` -> TF1 ``(kernel, bias)``; inverse of the above."""
    k = reorder_gates(kernel, KERAS_GATES, TF1_GATES)
    r = reorder_gates(recurrent_kernel, KERAS_GATES, TF1_GATES)
    b = np.array(reorder_gates(bias, KERAS_GATES, TF1_GATES), copy=True)
    units = b.shape[0] // 4
    b[2 * units:3 * units] -= forget_bias
    return np.concatenate([k, r], axis=0), b


def keras_lstm_to_torch(kernel, recurrent_kernel, bias):
    """Keras LSTM weights -> PyTorch ``(weight_ih, weight_hh, bias_ih, bias_hh)`` (bias_hh = 0)."""
    w_ih = reorder_gates(kernel, KERAS_GATES, TORCH_GATES).T
    w_hh = reorder_gates(recurrent_kernel, KERAS_GATES, TORCH_GATES).T
    b = reorder_gates(bias, KERAS_GATES, TORCH_GATES)
    return np.ascontiguousarray(w_ih), np.ascontiguousarray(w_hh), b, np.zeros_like(b)


def torch_lstm_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """PyTorch ``nn.LSTM`` layer weights -> Keras ``(kernel, recurrent_kernel, bias)``."""
    k = reorder_gates(np.asarray(weight_ih).T, TORCH_GATES, KERAS_GATES)
    r = reorder_gates(np.asarray(weight_hh).T, TORCH_GATES, KERAS_GATES)
    b = reorder_gates(np.asarray(bias_ih) + np.asarray(bias_hh), TORCH_GATES, KERAS_GATES)
    return k, r, b


def check_names(weights: dict, expected: dict, what: str) -> None:
    """Raise one clear ``ValueError`` listing missing, unexpected and mis-shaped variables.

    ``expected`` maps names to shapes.
    """
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    shapes = sorted(
        f"{n} {tuple(np.shape(weights[n]))} != {tuple(expected[n])}"
        for n in set(expected) & set(weights)
        if tuple(np.shape(weights[n])) != tuple(expected[n])
    )
    problems = []
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if extra:
        problems.append("unexpected: " + ", ".join(extra))
    if shapes:
        problems.append("wrong shape: " + "; ".join(shapes))
    if problems:
        raise ValueError(f"{what} does not match: " + " | ".join(problems))

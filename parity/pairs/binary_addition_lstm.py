"""Weight transplant for ``binary_addition_lstm``: ``MultiRNNCell`` + ``dynamic_rnn`` <-> stacked ``LSTM``.

For each layer ``k`` (0: 2 inputs, the two operands' bits; then ``lstm_size`` inputs):

Legacy (``legacy_graph/binary_addition_lstm.py``)         Port (``eager_port/binary_addition_lstm.py``)
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/kernel``  -> ``lstm_k/lstm_cell/kernel`` and
   [input_k + lstm_size, 4 lstm_size]                      ``lstm_k/lstm_cell/recurrent_kernel``
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/bias``    -> ``lstm_k/lstm_cell/bias`` (+1.0 forget bias)
``weights`` [lstm_size, 1]                            -> ``weights/kernel`` (as it is; no bias on
                                                          either side: the article never added its own)

Each cell goes through :func:`parity.transplant.tf1_lstm_to_keras` (split the kernel at the
layer's input size, gates (i, j, f, o) -> (i, f, c, o), fold ``forget_bias`` into the bias).
"""

from __future__ import annotations

import numpy as np

from parity.configs import BinaryAdditionLSTMConfig
from parity.transplant import check_names, keras_lstm_to_tf1, tf1_lstm_to_keras

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
INPUT_DIM = 2  # one bit of each operand per step


def legacy_cell(k: int) -> str:
    return f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell"


def port_cell(k: int) -> str:
    return f"lstm_{k}/lstm_cell"


def layer_inputs(config: BinaryAdditionLSTMConfig) -> list:
    return [INPUT_DIM] + [config.lstm_size] * (config.lstm_layers - 1)


def legacy_shapes(config: BinaryAdditionLSTMConfig) -> dict:
    u = config.lstm_size
    shapes = {}
    for k, n_in in enumerate(layer_inputs(config)):
        shapes[f"{legacy_cell(k)}/kernel"] = (n_in + u, 4 * u)
        shapes[f"{legacy_cell(k)}/bias"] = (4 * u,)
    shapes["weights"] = (u, 1)
    return shapes


def port_shapes(config: BinaryAdditionLSTMConfig) -> dict:
    u = config.lstm_size
    shapes = {}
    for k, n_in in enumerate(layer_inputs(config)):
        shapes[f"{port_cell(k)}/kernel"] = (n_in, 4 * u)
        shapes[f"{port_cell(k)}/recurrent_kernel"] = (u, 4 * u)
        shapes[f"{port_cell(k)}/bias"] = (4 * u,)
    shapes["weights/kernel"] = (u, 1)
    return shapes


def legacy_to_port(weights: dict, config: BinaryAdditionLSTMConfig = BinaryAdditionLSTMConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """TF1 variables -> Keras variable paths (``reorder``/``fold_forget_bias`` for the tests)."""
    check_names(weights, legacy_shapes(config), "binary_addition_lstm legacy weights")
    out = {}
    for k, n_in in enumerate(layer_inputs(config)):
        kernel, recurrent, bias = tf1_lstm_to_keras(
            weights[f"{legacy_cell(k)}/kernel"], weights[f"{legacy_cell(k)}/bias"], n_in,
            forget_bias=FORGET_BIAS, reorder=reorder, fold_forget_bias=fold_forget_bias)
        out[f"{port_cell(k)}/kernel"] = kernel
        out[f"{port_cell(k)}/recurrent_kernel"] = recurrent
        out[f"{port_cell(k)}/bias"] = bias
    out["weights/kernel"] = np.array(weights["weights"], copy=True)
    return out


def port_to_legacy(weights: dict, config: BinaryAdditionLSTMConfig = BinaryAdditionLSTMConfig()) -> dict:
    """Keras variable paths -> TF1 variables (the inverse of :func:`legacy_to_port`)."""
    check_names(weights, port_shapes(config), "binary_addition_lstm port weights")
    out = {}
    for k in range(config.lstm_layers):
        kernel, bias = keras_lstm_to_tf1(
            weights[f"{port_cell(k)}/kernel"], weights[f"{port_cell(k)}/recurrent_kernel"],
            weights[f"{port_cell(k)}/bias"], forget_bias=FORGET_BIAS)
        out[f"{legacy_cell(k)}/kernel"] = kernel
        out[f"{legacy_cell(k)}/bias"] = bias
    out["weights"] = np.array(weights["weights/kernel"], copy=True)
    return out

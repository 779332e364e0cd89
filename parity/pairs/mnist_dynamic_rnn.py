"""Weight transplant for ``mnist_dynamic_rnn``: ``LSTMCell(64)`` + ``tf.layers.dense`` <-> Keras.

Legacy (``legacy_graph/mnist_dynamic_rnn.py``)   Port (``eager_port/mnist_dynamic_rnn.py``)
``rnn/lstm_cell/kernel`` [28 + 64, 256]       -> ``lstm/lstm_cell/kernel`` [28, 256] and
                                                 ``lstm/lstm_cell/recurrent_kernel`` [64, 256]
``rnn/lstm_cell/bias`` [256]                  -> ``lstm/lstm_cell/bias`` (+1.0 forget bias)
``dense/kernel`` [64, 10], ``dense/bias`` [10] -> ``dense/kernel``, ``dense/bias`` (as they are)

``tf.nn.rnn_cell.LSTMCell`` without peepholes or projection stores the same two variables
as ``BasicLSTMCell`` (under ``lstm_cell`` instead of ``basic_lstm_cell``) and also adds
``forget_bias`` (1.0) at run time; :func:`parity.transplant.tf1_lstm_to_keras` splits the
kernel, reorders the gates (i, j, f, o) -> (i, f, c, o) and folds the forget bias in.
"""

from __future__ import annotations

import numpy as np

from parity.configs import MnistDynamicRNNConfig
from parity.transplant import check_names, keras_lstm_to_tf1, tf1_lstm_to_keras

FORGET_BIAS = 1.0  # LSTMCell's default, added at run time in TF1
LEGACY_CELL = "rnn/lstm_cell"
PORT_CELL = "lstm/lstm_cell"


def legacy_shapes(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    n_in, u, c = config.input_size, config.num_units, config.num_classes
    return {f"{LEGACY_CELL}/kernel": (n_in + u, 4 * u), f"{LEGACY_CELL}/bias": (4 * u,),
            "dense/kernel": (u, c), "dense/bias": (c,)}


def port_shapes(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    n_in, u, c = config.input_size, config.num_units, config.num_classes
    return {f"{PORT_CELL}/kernel": (n_in, 4 * u), f"{PORT_CELL}/recurrent_kernel": (u, 4 * u),
            f"{PORT_CELL}/bias": (4 * u,), "dense/kernel": (u, c), "dense/bias": (c,)}


def legacy_to_port(weights: dict, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """Legacy ``{tf_variable_name: array}`` -> port ``{keras_variable_path: array}``.

    ``reorder`` / ``fold_forget_bias`` exist only so tests can show that each step matters.
    """
    check_names(weights, legacy_shapes(config), "mnist_dynamic_rnn legacy weights")
    kernel, recurrent_kernel, bias = tf1_lstm_to_keras(
        weights[f"{LEGACY_CELL}/kernel"], weights[f"{LEGACY_CELL}/bias"], config.input_size,
        forget_bias=FORGET_BIAS, reorder=reorder, fold_forget_bias=fold_forget_bias,
    )
    return {f"{PORT_CELL}/kernel": kernel, f"{PORT_CELL}/recurrent_kernel": recurrent_kernel,
            f"{PORT_CELL}/bias": bias,
            "dense/kernel": np.array(weights["dense/kernel"]),
            "dense/bias": np.array(weights["dense/bias"])}


def port_to_legacy(weights: dict, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    """Port ``{keras_variable_path: array}`` -> legacy ``{tf_variable_name: array}``."""
    check_names(weights, port_shapes(config), "mnist_dynamic_rnn port weights")
    kernel, bias = keras_lstm_to_tf1(weights[f"{PORT_CELL}/kernel"],
                                     weights[f"{PORT_CELL}/recurrent_kernel"],
                                     weights[f"{PORT_CELL}/bias"], forget_bias=FORGET_BIAS)
    return {f"{LEGACY_CELL}/kernel": kernel, f"{LEGACY_CELL}/bias": bias,
            "dense/kernel": np.array(weights["dense/kernel"]),
            "dense/bias": np.array(weights["dense/bias"])}

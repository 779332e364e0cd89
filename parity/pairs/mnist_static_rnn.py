"""Weight transplant for ``mnist_static_rnn``: TF1 ``static_rnn`` variables <-> the Keras port.

Legacy (``legacy_graph/mnist_static_rnn.py``)      Port (``eager_port/mnist_static_rnn.py``)
``rnn/basic_lstm_cell/kernel`` [28 + 128, 512]  -> ``lstm/lstm_cell/kernel`` [28, 512] and
                                                   ``lstm/lstm_cell/recurrent_kernel`` [128, 512]
``rnn/basic_lstm_cell/bias`` [512]              -> ``lstm/lstm_cell/bias`` [512] (+1.0 forget bias)
``weights`` [128, 10], ``biases`` [10]          -> ``output/kernel``, ``output/bias`` (as they are)

The LSTM part goes through :func:`parity.transplant.tf1_lstm_to_keras` (split the kernel at
the input size, gates (i, j, f, o) -> (i, f, c, o), fold ``forget_bias`` into the bias).
"""

from __future__ import annotations

import numpy as np

from parity.configs import MnistStaticRNNConfig
from parity.transplant import check_names, keras_lstm_to_tf1, tf1_lstm_to_keras

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
LEGACY_CELL = "rnn/basic_lstm_cell"
PORT_CELL = "lstm/lstm_cell"


def legacy_shapes(config: MnistStaticRNNConfig) -> dict:
    n_in, units, classes = config.num_input, config.num_hidden, config.num_classes
    return {
        f"{LEGACY_CELL}/kernel": (n_in + units, 4 * units),
        f"{LEGACY_CELL}/bias": (4 * units,),
        "weights": (units, classes),
        "biases": (classes,),
    }


def port_shapes(config: MnistStaticRNNConfig) -> dict:
    n_in, units, classes = config.num_input, config.num_hidden, config.num_classes
    return {
        f"{PORT_CELL}/kernel": (n_in, 4 * units),
        f"{PORT_CELL}/recurrent_kernel": (units, 4 * units),
        f"{PORT_CELL}/bias": (4 * units,),
        "output/kernel": (units, classes),
        "output/bias": (classes,),
    }


def legacy_to_port(weights: dict, config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """Legacy ``{tf_variable_name: array}`` -> port ``{keras_variable_path: array}``.

    ``reorder`` / ``fold_forget_bias`` exist only so tests can show that each step matters.
    """
    check_names(weights, legacy_shapes(config), "mnist_static_rnn legacy weights")
    kernel, recurrent_kernel, bias = tf1_lstm_to_keras(
        weights[f"{LEGACY_CELL}/kernel"], weights[f"{LEGACY_CELL}/bias"], config.num_input,
        forget_bias=FORGET_BIAS, reorder=reorder, fold_forget_bias=fold_forget_bias,
    )
    return {
        f"{PORT_CELL}/kernel": kernel,
        f"{PORT_CELL}/recurrent_kernel": recurrent_kernel,
        f"{PORT_CELL}/bias": bias,
        "output/kernel": np.array(weights["weights"]),
        "output/bias": np.array(weights["biases"]),
    }


def port_to_legacy(weights: dict, config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> dict:
    """Port ``{keras_variable_path: array}`` -> legacy ``{tf_variable_name: array}``."""
    check_names(weights, port_shapes(config), "mnist_static_rnn port weights")
    kernel, bias = keras_lstm_to_tf1(
        weights[f"{PORT_CELL}/kernel"], weights[f"{PORT_CELL}/recurrent_kernel"],
        weights[f"{PORT_CELL}/bias"], forget_bias=FORGET_BIAS,
    )
    return {
        f"{LEGACY_CELL}/kernel": kernel,
        f"{LEGACY_CELL}/bias": bias,
        "weights": np.array(weights["output/kernel"]),
        "biases": np.array(weights["output/bias"]),
    }

"""Weight transplant for ``mnist_dynamic_rnn``: ``LSTMCell(64)`` + ``tf.layers.dense`` <-> Keras.

Legacy (``legacy_graph/mnist_dynamic_rnn.py``)   Port (``eager_port/mnist_dynamic_rnn.py``)
``rnn/lstm_cell/kernel`` [28 + 64, 256]       -> ``lstm/lstm_cell/kernel`` [28, 256] and
                                                 ``lstm/lstm_cell/recurrent_kernel`` [64, 256]
``rnn/lstm_cell/bias`` [256]                  -> ``lstm/lstm_cell/bias`` (+1.0 forget bias)
``dense/kernel`` [64, 10], ``dense/bias`` [10] -> ``dense/kernel``, ``dense/bias`` (as they are)

``tf.nn.rnn_cell.LSTMCell`` without peepholes or projection stores the same two variables
as ``BasicLSTMCell`` (under ``lstm_cell`` instead of ``basic_lstm_cell``) and also adds
``forget_bias`` (1.0) at run time. The mapping is the generic engine's (:mod:`tf1_migrate.tf1_rnn`).
"""

from __future__ import annotations

from hyperparams import MnistDynamicRNNConfig
from tf1_migrate import tf1_rnn

FORGET_BIAS = 1.0  # LSTMCell's default, added at run time in TF1
LEGACY_CELL = "rnn/lstm_cell"
PORT_CELL = "lstm/lstm_cell"
PORT_HEAD = "dense"


def legacy_model(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> tf1_rnn.RNNModel:
    """``LSTMCell`` through ``dynamic_rnn``, ``tf.layers.dense`` on ``outputs[:, -1, :]``."""
    n_in, u, c = config.input_size, config.num_units, config.num_classes
    cell = tf1_rnn.tf1_cell("lstm", LEGACY_CELL, u, n_in, tf1_class="LSTMCell",
                            forget_bias=FORGET_BIAS, activation="tanh")
    return tf1_rnn.RNNModel("rnn", [tf1_rnn.Block([cell])],
                            tf1_rnn.Head("dense/kernel", "dense/bias", u, c, input="last"),
                            input_size=n_in, timesteps=config.time_step, time_major=False,
                            call="dynamic_rnn")


def legacy_shapes(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), [PORT_CELL], PORT_HEAD)


def legacy_to_port(weights: dict, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """Legacy ``{tf_variable_name: array}`` -> port ``{keras_variable_path: array}``.

    ``reorder`` / ``fold_forget_bias`` exist only so tests can show that each step matters.
    """
    return tf1_rnn.to_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                  "mnist_dynamic_rnn legacy weights", reorder=reorder,
                                  fold_forget_bias=fold_forget_bias)


def port_to_legacy(weights: dict, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    """Port ``{keras_variable_path: array}`` -> legacy ``{tf_variable_name: array}``."""
    return tf1_rnn.from_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                    "mnist_dynamic_rnn port weights")

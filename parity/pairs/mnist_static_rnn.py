"""Weight transplant for ``mnist_static_rnn``: TF1 ``static_rnn`` variables <-> the Keras port.

Legacy (``legacy_graph/mnist_static_rnn.py``)      Port (``eager_port/mnist_static_rnn.py``)
``rnn/basic_lstm_cell/kernel`` [28 + 128, 512]  -> ``lstm/lstm_cell/kernel`` [28, 512] and
                                                   ``lstm/lstm_cell/recurrent_kernel`` [128, 512]
``rnn/basic_lstm_cell/bias`` [512]              -> ``lstm/lstm_cell/bias`` [512] (+1.0 forget bias)
``weights`` [128, 10], ``biases`` [10]          -> ``output/kernel``, ``output/bias`` (as they are)

The mapping itself is the generic engine's (:mod:`tf1_migrate.tf1_rnn`); this module only names
the two sides' variables.
"""

from __future__ import annotations

from hyperparams import MnistStaticRNNConfig
from tf1_migrate import tf1_rnn

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
LEGACY_CELL = "rnn/basic_lstm_cell"
PORT_CELL = "lstm/lstm_cell"
PORT_HEAD = "output"


def legacy_model(config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> tf1_rnn.RNNModel:
    """The legacy graph as the engine describes it: ``BasicLSTMCell`` + ``outputs[-1] @ weights + biases``."""
    n_in, units, classes = config.num_input, config.num_hidden, config.num_classes
    cell = tf1_rnn.tf1_cell("lstm", LEGACY_CELL, units, n_in, forget_bias=FORGET_BIAS,
                            activation="tanh")
    return tf1_rnn.RNNModel("rnn", [tf1_rnn.Block([cell])],
                            tf1_rnn.Head("weights", "biases", units, classes, input="last"),
                            input_size=n_in, timesteps=config.timesteps, call="static_rnn")


def legacy_shapes(config: MnistStaticRNNConfig) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config: MnistStaticRNNConfig) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), [PORT_CELL], PORT_HEAD)


def legacy_to_port(weights: dict, config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """Legacy ``{tf_variable_name: array}`` -> port ``{keras_variable_path: array}``.

    ``reorder`` / ``fold_forget_bias`` exist only so tests can show that each step matters.
    """
    return tf1_rnn.to_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                  "mnist_static_rnn legacy weights", reorder=reorder,
                                  fold_forget_bias=fold_forget_bias)


def port_to_legacy(weights: dict, config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> dict:
    """Port ``{keras_variable_path: array}`` -> legacy ``{tf_variable_name: array}``."""
    return tf1_rnn.from_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                    "mnist_static_rnn port weights")

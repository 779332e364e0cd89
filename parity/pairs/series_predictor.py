"""Weight transplant for ``series_predictor``: TF1 SeriesPredictor <-> Keras port.

Legacy (``legacy_graph.series_predictor``)     Port (``eager_port.series_predictor``)
``rnn/basic_lstm_cell/kernel`` [in + h, 4h]    ``lstm/lstm_cell/kernel`` [in, 4h],
``rnn/basic_lstm_cell/bias`` [4h]              ``lstm/lstm_cell/recurrent_kernel`` [h, 4h],
                                               ``lstm/lstm_cell/bias`` [4h] (forget_bias folded in)
``W_out`` [h, 1] (tiled over the batch)        ``out/kernel`` [h, 1] (the same matrix)
``b_out`` [1]                                  ``out/bias`` [1]

What is special here: the article tiles ``W_out`` over the batch and multiplies every
step's output by it (``tf.matmul`` on a batch of matrices); the stored variable is the one
[h, 1] matrix, so it is an ordinary dense head on every step. The rest is the generic
engine's (:mod:`tf1_migrate.tf1_rnn`).
"""

from __future__ import annotations

from hyperparams import SeriesPredictorConfig
from tf1_migrate import tf1_rnn

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
LEGACY_CELL = "rnn/basic_lstm_cell"
PORT_CELL = "lstm/lstm_cell"
PORT_HEAD = "out"


def legacy_model(config=SeriesPredictorConfig()) -> tf1_rnn.RNNModel:
    """``BasicLSTMCell`` through ``dynamic_rnn``; the tiled ``W_out`` on every step."""
    h, d = config.hidden_dim, config.input_dim
    cell = tf1_rnn.tf1_cell("lstm", LEGACY_CELL, h, d, forget_bias=FORGET_BIAS, activation="tanh")
    return tf1_rnn.RNNModel("rnn", [tf1_rnn.Block([cell])],
                            tf1_rnn.Head("W_out", "b_out", h, 1, input="sequence"),
                            input_size=d, timesteps=config.seq_size, time_major=False,
                            call="dynamic_rnn")


def legacy_shapes(config=SeriesPredictorConfig()) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config=SeriesPredictorConfig()) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), [PORT_CELL], PORT_HEAD)


def legacy_to_port(weights: dict, config=SeriesPredictorConfig()) -> dict:
    """TF1 variables (names without ``:0``) -> Keras variable paths."""
    return tf1_rnn.to_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                  "series_predictor legacy weights")


def port_to_legacy(weights: dict, config=SeriesPredictorConfig()) -> dict:
    """Keras variable paths -> TF1 variables; the inverse of :func:`legacy_to_port`."""
    return tf1_rnn.from_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                    "series_predictor port weights")

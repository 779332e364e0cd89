"""Weight transplant for ``series_predictor``: TF1 SeriesPredictor <-> Keras port.

Legacy (``legacy_graph.series_predictor``)     Port (``eager_port.series_predictor``)
``rnn/basic_lstm_cell/kernel`` [in + h, 4h]    ``lstm/lstm_cell/kernel`` [in, 4h],
``rnn/basic_lstm_cell/bias`` [4h]              ``lstm/lstm_cell/recurrent_kernel`` [h, 4h],
                                               ``lstm/lstm_cell/bias`` [4h] (forget_bias folded in)
``W_out`` [h, 1] (tiled over the batch)        ``out/kernel`` [h, 1] (the same matrix)
``b_out`` [1]                                  ``out/bias`` [1]
"""

from __future__ import annotations

import numpy as np

from parity.configs import SeriesPredictorConfig
from parity.transplant import check_names, keras_lstm_to_tf1, tf1_lstm_to_keras

LEGACY_CELL = "rnn/basic_lstm_cell"
PORT_CELL = "lstm/lstm_cell"


def legacy_shapes(config=SeriesPredictorConfig()) -> dict:
    h, d = config.hidden_dim, config.input_dim
    return {f"{LEGACY_CELL}/kernel": (d + h, 4 * h), f"{LEGACY_CELL}/bias": (4 * h,),
            "W_out": (h, 1), "b_out": (1,)}


def port_shapes(config=SeriesPredictorConfig()) -> dict:
    h, d = config.hidden_dim, config.input_dim
    return {f"{PORT_CELL}/kernel": (d, 4 * h), f"{PORT_CELL}/recurrent_kernel": (h, 4 * h),
            f"{PORT_CELL}/bias": (4 * h,), "out/kernel": (h, 1), "out/bias": (1,)}


def legacy_to_port(weights: dict, config=SeriesPredictorConfig()) -> dict:
    """TF1 variables (names without ``:0``) -> Keras variable paths."""
    check_names(weights, legacy_shapes(config), "series_predictor legacy weights")
    k, r, b = tf1_lstm_to_keras(weights[f"{LEGACY_CELL}/kernel"], weights[f"{LEGACY_CELL}/bias"],
                                config.input_dim)
    return {f"{PORT_CELL}/kernel": k, f"{PORT_CELL}/recurrent_kernel": r, f"{PORT_CELL}/bias": b,
            "out/kernel": np.array(weights["W_out"]), "out/bias": np.array(weights["b_out"])}


def port_to_legacy(weights: dict, config=SeriesPredictorConfig()) -> dict:
    """Keras variable paths -> TF1 variables; the inverse of :func:`legacy_to_port`."""
    check_names(weights, port_shapes(config), "series_predictor port weights")
    kernel, bias = keras_lstm_to_tf1(weights[f"{PORT_CELL}/kernel"],
                                     weights[f"{PORT_CELL}/recurrent_kernel"],
                                     weights[f"{PORT_CELL}/bias"])
    return {f"{LEGACY_CELL}/kernel": kernel, f"{LEGACY_CELL}/bias": bias,
            "W_out": np.array(weights["out/kernel"]), "b_out": np.array(weights["out/bias"])}

"""Weight transplant for ``stacked_lstm``: ``MultiRNNCell`` + ``dynamic_rnn`` <-> ``keras.layers.RNN``.

For each cell ``k`` (0: 128 units on the 28 pixels, 1: 256 units on cell 0's output):

Legacy (``legacy_graph/stacked_lstm.py``)                  Port (``eager_port/stacked_lstm.py``)
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/kernel``  -> ``rnn/stacked_rnn_cells/cell_k/kernel`` and
   [input_k + units_k, 4 units_k]                          ``.../cell_k/recurrent_kernel``
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/bias``    -> ``rnn/stacked_rnn_cells/cell_k/bias`` (+1.0 forget bias)
``dense/kernel``, ``dense/bias``                      -> ``dense/kernel``, ``dense/bias`` (as they are)

Each cell goes through :func:`parity.transplant.tf1_lstm_to_keras` (split the kernel at the
cell's input size, gates (i, j, f, o) -> (i, f, c, o), fold ``forget_bias`` into the bias).
"""

from __future__ import annotations

import numpy as np

from parity.configs import StackedLSTMConfig
from parity.transplant import check_names, keras_lstm_to_tf1, tf1_lstm_to_keras

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1


def legacy_cell(k: int) -> str:
    return f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell"


def port_cell(k: int) -> str:
    return f"rnn/stacked_rnn_cells/cell_{k}"


def cell_inputs(config: StackedLSTMConfig) -> list:
    """Input size of each cell: the pixels of a row, then the previous cell's units."""
    return [config.input_size, *config.units[:-1]]


def legacy_shapes(config: StackedLSTMConfig) -> dict:
    shapes = {}
    for k, (n_in, units) in enumerate(zip(cell_inputs(config), config.units)):
        shapes[f"{legacy_cell(k)}/kernel"] = (n_in + units, 4 * units)
        shapes[f"{legacy_cell(k)}/bias"] = (4 * units,)
    shapes["dense/kernel"] = (config.units[-1], config.num_classes)
    shapes["dense/bias"] = (config.num_classes,)
    return shapes


def port_shapes(config: StackedLSTMConfig) -> dict:
    shapes = {}
    for k, (n_in, units) in enumerate(zip(cell_inputs(config), config.units)):
        shapes[f"{port_cell(k)}/kernel"] = (n_in, 4 * units)
        shapes[f"{port_cell(k)}/recurrent_kernel"] = (units, 4 * units)
        shapes[f"{port_cell(k)}/bias"] = (4 * units,)
    shapes["dense/kernel"] = (config.units[-1], config.num_classes)
    shapes["dense/bias"] = (config.num_classes,)
    return shapes


def legacy_to_port(weights: dict, config: StackedLSTMConfig = StackedLSTMConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """Legacy ``{tf_variable_name: array}`` -> port ``{keras_variable_path: array}``.

    ``reorder`` / ``fold_forget_bias`` exist only so tests can show that each step matters.
    """
    check_names(weights, legacy_shapes(config), "stacked_lstm legacy weights")
    out = {}
    for k, n_in in enumerate(cell_inputs(config)):
        kernel, recurrent_kernel, bias = tf1_lstm_to_keras(
            weights[f"{legacy_cell(k)}/kernel"], weights[f"{legacy_cell(k)}/bias"], n_in,
            forget_bias=FORGET_BIAS, reorder=reorder, fold_forget_bias=fold_forget_bias,
        )
        out[f"{port_cell(k)}/kernel"] = kernel
        out[f"{port_cell(k)}/recurrent_kernel"] = recurrent_kernel
        out[f"{port_cell(k)}/bias"] = bias
    out["dense/kernel"] = np.array(weights["dense/kernel"])
    out["dense/bias"] = np.array(weights["dense/bias"])
    return out


def port_to_legacy(weights: dict, config: StackedLSTMConfig = StackedLSTMConfig()) -> dict:
    """Port ``{keras_variable_path: array}`` -> legacy ``{tf_variable_name: array}``."""
    check_names(weights, port_shapes(config), "stacked_lstm port weights")
    out = {}
    for k in range(len(config.units)):
        kernel, bias = keras_lstm_to_tf1(
            weights[f"{port_cell(k)}/kernel"], weights[f"{port_cell(k)}/recurrent_kernel"],
            weights[f"{port_cell(k)}/bias"], forget_bias=FORGET_BIAS,
        )
        out[f"{legacy_cell(k)}/kernel"] = kernel
        out[f"{legacy_cell(k)}/bias"] = bias
    out["dense/kernel"] = np.array(weights["dense/kernel"])
    out["dense/bias"] = np.array(weights["dense/bias"])
    return out

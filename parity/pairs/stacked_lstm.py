"""Weight transplant for ``stacked_lstm``: ``MultiRNNCell`` + ``dynamic_rnn`` <-> ``keras.layers.RNN``.

For each cell ``k`` (0: 128 units on the 28 pixels, 1: 256 units on cell 0's output):

Legacy (``legacy_graph/stacked_lstm.py``)                  Port (``eager_port/stacked_lstm.py``)
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/kernel``  -> ``rnn/stacked_rnn_cells/cell_k/kernel`` and
   [input_k + units_k, 4 units_k]                          ``.../cell_k/recurrent_kernel``
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/bias``    -> ``rnn/stacked_rnn_cells/cell_k/bias`` (+1.0 forget bias)
``dense/kernel``, ``dense/bias``                      -> ``dense/kernel``, ``dense/bias`` (as they are)

The mapping is the generic engine's (:mod:`tf1_migrate.tf1_rnn`): each cell's kernel is split at
the cell's input size, gates (i, j, f, o) -> (i, f, c, o), ``forget_bias`` folded into the bias.
"""

from __future__ import annotations

from hyperparams import StackedLSTMConfig
from tf1_migrate import tf1_rnn

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
PORT_HEAD = "dense"


def legacy_cell(k: int) -> str:
    return f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell"


def port_cell(k: int) -> str:
    return f"rnn/stacked_rnn_cells/cell_{k}"


def cell_inputs(config: StackedLSTMConfig) -> list:
    """Input size of each cell: the pixels of a row, then the previous cell's units."""
    return [config.input_size, *config.units[:-1]]


def legacy_model(config: StackedLSTMConfig = StackedLSTMConfig()) -> tf1_rnn.RNNModel:
    """``MultiRNNCell`` of ``BasicLSTMCell`` s through ``dynamic_rnn``, ``tf.layers.dense`` on the last step."""
    cells = [tf1_rnn.tf1_cell("lstm", legacy_cell(k), units, n_in, forget_bias=FORGET_BIAS,
                              activation="tanh")
             for k, (n_in, units) in enumerate(zip(cell_inputs(config), config.units))]
    return tf1_rnn.RNNModel("rnn", [tf1_rnn.Block(cells)],
                            tf1_rnn.Head("dense/kernel", "dense/bias", config.units[-1],
                                         config.num_classes, input="last"),
                            input_size=config.input_size, timesteps=config.time_step,
                            time_major=False, call="dynamic_rnn")


def _port_cells(config) -> list:
    return [port_cell(k) for k in range(len(config.units))]


def legacy_shapes(config: StackedLSTMConfig) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config: StackedLSTMConfig) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), _port_cells(config), PORT_HEAD)


def legacy_to_port(weights: dict, config: StackedLSTMConfig = StackedLSTMConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """Legacy ``{tf_variable_name: array}`` -> port ``{keras_variable_path: array}``.

    ``reorder`` / ``fold_forget_bias`` exist only so tests can show that each step matters.
    """
    return tf1_rnn.to_keras_paths(legacy_model(config), weights, _port_cells(config), PORT_HEAD,
                                  "stacked_lstm legacy weights", reorder=reorder,
                                  fold_forget_bias=fold_forget_bias)


def port_to_legacy(weights: dict, config: StackedLSTMConfig = StackedLSTMConfig()) -> dict:
    """Port ``{keras_variable_path: array}`` -> legacy ``{tf_variable_name: array}``."""
    return tf1_rnn.from_keras_paths(legacy_model(config), weights, _port_cells(config), PORT_HEAD,
                                    "stacked_lstm port weights")

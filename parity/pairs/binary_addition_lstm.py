"""Weight transplant for ``binary_addition_lstm``: ``MultiRNNCell`` + ``dynamic_rnn`` <-> stacked ``LSTM``.

For each layer ``k`` (0: 2 inputs, the two operands' bits; then ``lstm_size`` inputs):

Legacy (``legacy_graph/binary_addition_lstm.py``)         Port (``eager_port/binary_addition_lstm.py``)
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/kernel``  -> ``lstm_k/lstm_cell/kernel`` and
   [input_k + lstm_size, 4 lstm_size]                      ``lstm_k/lstm_cell/recurrent_kernel``
``rnn/multi_rnn_cell/cell_k/basic_lstm_cell/bias``    -> ``lstm_k/lstm_cell/bias`` (+1.0 forget bias)
``weights`` [lstm_size, 1]                            -> ``weights/kernel`` (as it is; no bias on
                                                          either side: the article never added its own)

The mapping is the generic engine's (:mod:`tf1_migrate.tf1_rnn`); what is special here is only
the bias-free sigmoid head on every step.
"""

from __future__ import annotations

from hyperparams import BinaryAdditionLSTMConfig
from tf1_migrate import tf1_rnn

FORGET_BIAS = 1.0  # BasicLSTMCell's default, added at run time in TF1
INPUT_DIM = 2  # one bit of each operand per step
PORT_HEAD = "weights"


def legacy_cell(k: int) -> str:
    return f"rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell"


def port_cell(k: int) -> str:
    return f"lstm_{k}/lstm_cell"


def layer_inputs(config: BinaryAdditionLSTMConfig) -> list:
    return [INPUT_DIM] + [config.lstm_size] * (config.lstm_layers - 1)


def legacy_model(config: BinaryAdditionLSTMConfig = BinaryAdditionLSTMConfig()) -> tf1_rnn.RNNModel:
    """``MultiRNNCell`` of ``BasicLSTMCell`` s; ``sigmoid(outputs @ weights)`` on every step."""
    u = config.lstm_size
    cells = [tf1_rnn.tf1_cell("lstm", legacy_cell(k), u, n_in, forget_bias=FORGET_BIAS,
                              activation="tanh",
                              dropout={"output_keep_prob": config.keep_prob} if config.use_dropout else None)
             for k, n_in in enumerate(layer_inputs(config))]
    return tf1_rnn.RNNModel("rnn", [tf1_rnn.Block(cells)],
                            tf1_rnn.Head("weights", None, u, 1, input="sequence", activation="sigmoid"),
                            input_size=INPUT_DIM, timesteps=config.binary_dim, time_major=False,
                            call="dynamic_rnn")


def _port_cells(config) -> list:
    return [port_cell(k) for k in range(config.lstm_layers)]


def legacy_shapes(config: BinaryAdditionLSTMConfig) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config: BinaryAdditionLSTMConfig) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), _port_cells(config), PORT_HEAD)


def legacy_to_port(weights: dict, config: BinaryAdditionLSTMConfig = BinaryAdditionLSTMConfig(), *,
                   reorder: bool = True, fold_forget_bias: bool = True) -> dict:
    """TF1 variables -> Keras variable paths (``reorder``/``fold_forget_bias`` for the tests)."""
    return tf1_rnn.to_keras_paths(legacy_model(config), weights, _port_cells(config), PORT_HEAD,
                                  "binary_addition_lstm legacy weights", reorder=reorder,
                                  fold_forget_bias=fold_forget_bias)


def port_to_legacy(weights: dict, config: BinaryAdditionLSTMConfig = BinaryAdditionLSTMConfig()) -> dict:
    """Keras variable paths -> TF1 variables (the inverse of :func:`legacy_to_port`)."""
    return tf1_rnn.from_keras_paths(legacy_model(config), weights, _port_cells(config), PORT_HEAD,
                                    "binary_addition_lstm port weights")

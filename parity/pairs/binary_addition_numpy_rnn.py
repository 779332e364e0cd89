"""Weight transplant for ``binary_addition_numpy_rnn``: the article's synapses <-> Keras paths.

Legacy (the NumPy reference and the TF1 graph use the same names)   Port (Keras)
``synapse_0`` [2, 16]   input -> hidden                             ``hidden/simple_rnn_cell/kernel``
``synapse_h`` [16, 16]  hidden -> hidden                            ``hidden/simple_rnn_cell/recurrent_kernel``
``synapse_1`` [16, 1]   hidden -> output                            ``output/kernel``

``SimpleRNN`` computes ``x @ kernel + h @ recurrent_kernel``, exactly the article's
``X @ synapse_0 + prev @ synapse_h``: no transpose, no reorder, no bias on either side.
What is special here: the article's hand-written cell keeps separate input and recurrent
matrices (the engine's "split" layout, not TF1's joint kernel), sigmoid units, float64.
"""

from __future__ import annotations

import numpy as np

from hyperparams import BinaryAdditionNumpyRNNConfig
from tf1_migrate import tf1_rnn

PORT_CELL = "hidden/simple_rnn_cell"
PORT_HEAD = "output"


def legacy_model(config: BinaryAdditionNumpyRNNConfig = BinaryAdditionNumpyRNNConfig()) -> tf1_rnn.RNNModel:
    cell = tf1_rnn.Cell("rnn", config.hidden_dim, config.input_dim,
                        {"input_kernel": "synapse_0", "recurrent_kernel": "synapse_h"},
                        tf1_class="the article's sigmoid RNN", activation="sigmoid",
                        layout="split", use_bias=False)
    return tf1_rnn.RNNModel("", [tf1_rnn.Block([cell])],
                            tf1_rnn.Head("synapse_1", None, config.hidden_dim, config.output_dim,
                                         input="sequence", activation="sigmoid"),
                            input_size=config.input_dim, timesteps=config.binary_dim,
                            dtype="float64")


def legacy_shapes(config: BinaryAdditionNumpyRNNConfig) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config: BinaryAdditionNumpyRNNConfig) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), [PORT_CELL], PORT_HEAD)


def legacy_to_port(weights: dict,
                   config: BinaryAdditionNumpyRNNConfig = BinaryAdditionNumpyRNNConfig()) -> dict:
    out = tf1_rnn.to_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                 "binary_addition_numpy_rnn legacy weights")
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def port_to_legacy(weights: dict,
                   config: BinaryAdditionNumpyRNNConfig = BinaryAdditionNumpyRNNConfig()) -> dict:
    out = tf1_rnn.from_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_HEAD,
                                   "binary_addition_numpy_rnn port weights")
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}

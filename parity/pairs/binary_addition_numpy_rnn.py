"""Weight transplant for ``binary_addition_numpy_rnn``: the article's synapses <-> Keras paths.

Legacy (the NumPy reference and the TF1 graph use the same names)   Port (Keras)
``synapse_0`` [2, 16]   input -> hidden                             ``hidden/simple_rnn_cell/kernel``
``synapse_h`` [16, 16]  hidden -> hidden                            ``hidden/simple_rnn_cell/recurrent_kernel``
``synapse_1`` [16, 1]   hidden -> output                            ``output/kernel``

``SimpleRNN`` computes ``x @ kernel + h @ recurrent_kernel``, exactly the article's
``X @ synapse_0 + prev @ synapse_h``: no transpose, no reorder, no bias on either side.
"""

from __future__ import annotations

import numpy as np

from parity.configs import BinaryAdditionNumpyRNNConfig
from parity.transplant import check_names

LEGACY_TO_PORT = {
    "synapse_0": "hidden/simple_rnn_cell/kernel",
    "synapse_h": "hidden/simple_rnn_cell/recurrent_kernel",
    "synapse_1": "output/kernel",
}


def legacy_shapes(config: BinaryAdditionNumpyRNNConfig) -> dict:
    return {
        "synapse_0": (config.input_dim, config.hidden_dim),
        "synapse_h": (config.hidden_dim, config.hidden_dim),
        "synapse_1": (config.hidden_dim, config.output_dim),
    }


def port_shapes(config: BinaryAdditionNumpyRNNConfig) -> dict:
    return {LEGACY_TO_PORT[k]: shape for k, shape in legacy_shapes(config).items()}


def legacy_to_port(weights: dict,
                   config: BinaryAdditionNumpyRNNConfig = BinaryAdditionNumpyRNNConfig()) -> dict:
    check_names(weights, legacy_shapes(config), "binary_addition_numpy_rnn legacy weights")
    return {LEGACY_TO_PORT[k]: np.array(v, dtype=np.float64, copy=True) for k, v in weights.items()}


def port_to_legacy(weights: dict,
                   config: BinaryAdditionNumpyRNNConfig = BinaryAdditionNumpyRNNConfig()) -> dict:
    check_names(weights, port_shapes(config), "binary_addition_numpy_rnn port weights")
    back = {v: k for k, v in LEGACY_TO_PORT.items()}
    return {back[k]: np.array(v, dtype=np.float64, copy=True) for k, v in weights.items()}

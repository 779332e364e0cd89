"""Weight transplant for ``airline_passengers``: TF1 graph <-> Keras 3 <-> PyTorch ``nn.LSTM``.

Names on each side (``hidden = config.hidden_size``):

- legacy (TF1 ``LSTMCell`` + ``tf.layers.dense``): ``rnn/lstm_cell/kernel`` [1 + h, 4h],
  ``rnn/lstm_cell/bias`` [4h], ``linear/kernel`` [h, 1], ``linear/bias`` [1];
- port (Keras ``LSTM`` + ``Dense`` in a model named ``airline_passengers``; Keras 3 paths
  start with the model's name): ``airline_passengers/lstm/lstm_cell/kernel`` [1, 4h],
  ``.../lstm/lstm_cell/recurrent_kernel`` [h, 4h], ``.../lstm/lstm_cell/bias`` [4h],
  ``airline_passengers/linear/kernel`` [h, 1], ``airline_passengers/linear/bias`` [1];
- torch (the article's ``LSTM`` module's ``state_dict``): ``lstm.weight_ih_l0`` [4h, 1],
  ``lstm.weight_hh_l0`` [4h, h], ``lstm.bias_ih_l0`` [4h], ``lstm.bias_hh_l0`` [4h],
  ``linear.weight`` [1, h], ``linear.bias`` [1].

PyTorch's two biases are summed into Keras's one; the way back puts it all in
``bias_ih_l0`` and zeros in ``bias_hh_l0`` (the same function, not the same split).

Initial weights (``config.init``): ``"framework"`` lets each implementation draw its own
framework's default (TF1: Glorot-uniform joint kernel, zero bias, ``forget_bias=1.0`` at
run time; Keras: Glorot-uniform kernel, orthogonal recurrent kernel, forget bias 1;
PyTorch: uniform +-1/sqrt(hidden) everywhere, no forget bias); ``"torch"`` draws
PyTorch's default distributions once, with NumPy and the seed (:func:`torch_init`), and
:func:`initial_weights` hands every implementation the same starting function.
NumPy only: no TensorFlow or torch import.
"""

from __future__ import annotations

import numpy as np

from hyperparams import AirlinePassengersConfig
from tf1_migrate import tf1_rnn
from tf1_migrate.transplant import check_names, keras_lstm_to_torch, torch_lstm_to_keras

Config = AirlinePassengersConfig
INPUT_DIM = 1  # passengers only
FORGET_BIAS = 1.0  # TF1 LSTMCell's default, added at run time

LEGACY_CELL = "rnn/lstm_cell"
PORT_MODEL = "airline_passengers"  # the Keras model's name, the first part of every path
PORT_CELL = f"{PORT_MODEL}/lstm/lstm_cell"
PORT_LINEAR = f"{PORT_MODEL}/linear"


def legacy_model(config: Config = Config()):
    """``LSTMCell`` through ``dynamic_rnn``, the ``linear`` dense layer on the last step."""
    h = config.hidden_size
    cell = tf1_rnn.tf1_cell("lstm", LEGACY_CELL, h, INPUT_DIM, tf1_class="LSTMCell",
                            forget_bias=FORGET_BIAS, activation="tanh")
    return tf1_rnn.RNNModel("rnn", [tf1_rnn.Block([cell])],
                            tf1_rnn.Head("linear/kernel", "linear/bias", h, 1, input="last"),
                            input_size=INPUT_DIM, timesteps=config.window, time_major=False,
                            call="dynamic_rnn")


def legacy_shapes(config: Config = Config()) -> dict:
    return tf1_rnn.tf1_shapes(legacy_model(config))


def port_shapes(config: Config = Config()) -> dict:
    return tf1_rnn.keras_paths_shapes(legacy_model(config), [PORT_CELL], PORT_LINEAR)


def torch_shapes(config: Config = Config()) -> dict:
    h = config.hidden_size
    return {
        "lstm.weight_ih_l0": (4 * h, INPUT_DIM),
        "lstm.weight_hh_l0": (4 * h, h),
        "lstm.bias_ih_l0": (4 * h,),
        "lstm.bias_hh_l0": (4 * h,),
        "linear.weight": (1, h),
        "linear.bias": (1,),
    }


INITS = ("framework", "torch")


def torch_init(config: Config = Config()) -> dict:
    """PyTorch's default initialisation of the article's model, drawn with NumPy.

    ``nn.LSTM`` draws every weight and both biases from U(-1/sqrt(h), 1/sqrt(h)); ``nn.Linear``
    (kaiming_uniform with a=sqrt(5)) draws weight and bias from U(-1/sqrt(fan_in), ..),
    fan_in = h. The same distributions as ``torch.manual_seed(seed)`` + the module, not the
    same numbers: drawn by ``np.random.RandomState(config.seed)`` so that TensorFlow-only
    installs get them too. Returned in the torch layout (:func:`torch_shapes`).
    """
    rng = np.random.RandomState(config.seed)
    bound = 1.0 / np.sqrt(config.hidden_size)
    return _f32({name: rng.uniform(-bound, bound, size=shape)
                 for name, shape in torch_shapes(config).items()})


def initial_weights(config: Config, impl: str) -> dict | None:
    """The weights ``impl`` ("legacy", "port", "torch") starts from under ``config.init``.

    ``None`` for ``"framework"`` (each side's own initialisers); for ``"torch"``,
    :func:`torch_init` in ``impl``'s layout (the same function on every side).
    """
    if config.init not in INITS:
        raise ValueError(f"AirlinePassengersConfig.init must be one of {INITS}, got {config.init!r}")
    if config.init == "framework":
        return None
    weights = torch_init(config)
    convert = {"torch": lambda w, c: w, "port": torch_to_port, "legacy": torch_to_legacy}
    if impl not in convert:
        raise ValueError(f"impl must be one of {tuple(convert)}, got {impl!r}")
    return convert[impl](weights, config)


def check_legacy_weights(weights: dict, expected: dict) -> None:
    """Used by the legacy module when it loads weights into its graph."""
    check_names(weights, expected, "airline_passengers legacy weights")


def legacy_to_port(weights: dict, config: Config = Config()) -> dict:
    """TF1 variables -> Keras variable paths (split kernel, reorder gates, fold forget_bias)."""
    return _f32(tf1_rnn.to_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_LINEAR,
                                       "airline_passengers legacy weights"))


def port_to_legacy(weights: dict, config: Config = Config()) -> dict:
    """Keras variable paths -> TF1 variables (the inverse of :func:`legacy_to_port`)."""
    return _f32(tf1_rnn.from_keras_paths(legacy_model(config), weights, [PORT_CELL], PORT_LINEAR,
                                         "airline_passengers port weights"))


def port_to_torch(weights: dict, config: Config = Config()) -> dict:
    """Keras variable paths -> the article's ``state_dict`` names (as NumPy arrays)."""
    check_names(weights, port_shapes(config), "airline_passengers port weights")
    w_ih, w_hh, b_ih, b_hh = keras_lstm_to_torch(
        weights[f"{PORT_CELL}/kernel"], weights[f"{PORT_CELL}/recurrent_kernel"],
        weights[f"{PORT_CELL}/bias"],
    )
    return _f32({
        "lstm.weight_ih_l0": w_ih,
        "lstm.weight_hh_l0": w_hh,
        "lstm.bias_ih_l0": b_ih,
        "lstm.bias_hh_l0": b_hh,
        "linear.weight": np.asarray(weights[f"{PORT_LINEAR}/kernel"]).T,
        "linear.bias": weights[f"{PORT_LINEAR}/bias"],
    })


def torch_to_port(weights: dict, config: Config = Config()) -> dict:
    """The article's ``state_dict`` (tensors or arrays) -> Keras variable paths."""
    weights = {k: _numpy(v) for k, v in weights.items()}
    check_names(weights, torch_shapes(config), "airline_passengers torch weights")
    k, r, b = torch_lstm_to_keras(
        weights["lstm.weight_ih_l0"], weights["lstm.weight_hh_l0"],
        weights["lstm.bias_ih_l0"], weights["lstm.bias_hh_l0"],
    )
    return _f32({
        f"{PORT_CELL}/kernel": k,
        f"{PORT_CELL}/recurrent_kernel": r,
        f"{PORT_CELL}/bias": b,
        f"{PORT_LINEAR}/kernel": weights["linear.weight"].T,
        f"{PORT_LINEAR}/bias": weights["linear.bias"],
    })


def legacy_to_torch(weights: dict, config: Config = Config()) -> dict:
    return port_to_torch(legacy_to_port(weights, config), config)


def torch_to_legacy(weights: dict, config: Config = Config()) -> dict:
    return port_to_legacy(torch_to_port(weights, config), config)


def _numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _f32(weights: dict) -> dict:
    return {k: np.ascontiguousarray(np.asarray(v, dtype=np.float32)) for k, v in weights.items()}

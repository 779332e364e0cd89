"""The harness's view of ``eager_port/airline_passengers.py``: the same parts, started from
the initial weights ``config.init`` asks for, run for a result record, weights and a weights
file; outputs, the forecast and one Adam step from given weights."""

from __future__ import annotations

import time

import keras
import numpy as np

from eager_port import airline_passengers as example
from eager_port.airline_passengers import (  # noqa: F401  (the contract's build_model; tests)
    EXAMPLE,
    build_model,
    forecast_errors,
    forecast_scaled,
    load_data,
)
from hyperparams import AirlinePassengersConfig
from parity.pairs import airline_passengers as pairs
from parity.result import RunResult
from tf1_migrate import keras_weights

Config = AirlinePassengersConfig


def _set_weights(model: keras.Model, weights: dict) -> None:
    keras_weights.set_weights(model, weights, "airline_passengers port weights")


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial_weights: dict | None = None) -> RunResult:
    """Train as the article did (epochs x windows in order, batch 1), forecast, score.

    The model starts from ``initial_weights`` (Keras paths) when given, else from
    ``config.init`` (``"framework"``: Keras's own initialisers; ``"torch"``: PyTorch's default
    init drawn with the seed, the same on every side; see ``parity.pairs.airline_passengers``).
    """
    example.check_config(config)
    if initial_weights is None:
        initial_weights = pairs.initial_weights(config, "port")  # also checks config.init
    keras.utils.set_random_seed(config.seed)
    data = example.load_data(config)
    model = example.build_model(config, steps_per_execution=len(data.x))
    if initial_weights is not None:
        _set_weights(model, initial_weights)
    init_name = "framework" if initial_weights is None else (
        config.init if config.init != "framework" else "given")
    started = time.perf_counter()
    history = example.train_loop(model, data, config, verbose=verbose)
    seconds = time.perf_counter() - started
    forecast, rmse, mape = example.evaluate(model, data, config, verbose=verbose)
    if checkpoint_path is not None:
        keras_weights.save_weights(model, checkpoint_path)
    losses = history.history.get("loss", [])
    return RunResult(
        example=EXAMPLE, impl="port", metric="forecast_rmse", value=rmse,
        higher_is_better=False, steps=config.steps, seconds=seconds,
        loss_history=[(i + 1, float(v)) for i, v in enumerate(losses)],
        weights=keras_weights.get_weights(model),
        extras={"forecast": forecast, "mape": mape, "windows_per_epoch": len(data.x),
                "init": init_name},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """The model's outputs [n, 1] for windows ``inputs`` [n, window, 1] from given weights."""
    inputs = check_inputs(inputs, config)
    model = example.build_model(config)
    _set_weights(model, weights)
    return keras.ops.convert_to_numpy(model(inputs, training=False))


def forecast(weights: dict, config: Config = Config()) -> np.ndarray:
    """The 12-month recursive forecast (passengers) from given weights."""
    model = example.build_model(config)
    _set_weights(model, weights)
    return example.forecast_test_months(model, example.load_data(config), config)


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE Adam step (fresh optimizer state) on ``batch = (x, y)``."""
    x, y = batch
    x = check_inputs(x, config)
    y = np.asarray(y, dtype=np.float32).reshape(len(x), 1)
    model = example.build_model(config)
    _set_weights(model, weights)
    model.train_on_batch(x, y)
    return keras_weights.get_weights(model)


def check_inputs(inputs, config: Config) -> np.ndarray:
    arr = np.asarray(inputs, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[1:] != (config.window, 1):
        raise ValueError(
            f"inputs must have shape [n, {config.window}, 1] (windows of scaled months), "
            f"got {np.shape(inputs)}"
        )
    return arr

"""The harness's view of ``eager_port/binary_addition_lstm.py``: the same parts, run for a
result record and weights, outputs from given weights and one optimizer step."""

from __future__ import annotations

import time

import keras
import numpy as np

from eager_port import binary_addition_lstm as example
from eager_port.binary_addition_lstm import (  # noqa: F401  (the contract's build_model; the tests' metric)
    build_model,
    exact_sum_accuracy,
)
from hyperparams import BinaryAdditionLSTMConfig as Config
from parity.result import RunResult
from tf1_migrate import keras_weights

EXAMPLE = example.EXAMPLE
WHAT = "Keras binary-addition LSTM weights"


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          samples: int = 5) -> RunResult:
    if checkpoint_path is not None:
        raise ValueError("the Keras port writes no TF1 checkpoint (use model.save)")
    started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    rng = np.random.RandomState(config.seed)
    input_x, input_y = example.training_batches(rng, config)
    model = example.build_model(config)
    loss_history = example.train_loop(model, input_x, input_y, config, verbose=verbose)
    value = example.evaluate(model, verbose=verbose)
    val_x, val_result = example.sample_sums(model, rng, samples, verbose=verbose)
    return RunResult(
        example=EXAMPLE, impl="port", metric="exact_sum_accuracy", value=value,
        higher_is_better=True, steps=config.steps, seconds=time.perf_counter() - started,
        loss_history=loss_history, weights=keras_weights.get_weights(model),
        extras={"samples": {"x": val_x, "predictions": val_result}},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """Sigmoid outputs [n, 8] (lowest bit first) for inputs [n, 8, 2] from given weights."""
    inputs = np.asarray(inputs, dtype=np.float32)
    if inputs.ndim != 3 or inputs.shape[1:] != (config.binary_dim, 2):
        raise ValueError(f"inputs must have shape [n, {config.binary_dim}, 2], got {inputs.shape}")
    model = example.build_model(config)
    keras_weights.set_weights(model, weights, WHAT)
    return model.predict(inputs, batch_size=4096, verbose=0)


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE Adam step (fresh optimizer state) on ``batch = (x, y)``."""
    x, y = batch
    model = example.build_model(config)
    keras_weights.set_weights(model, weights, WHAT)
    model.train_on_batch(np.asarray(x, np.float32), np.asarray(y, np.float32))
    return keras_weights.get_weights(model)

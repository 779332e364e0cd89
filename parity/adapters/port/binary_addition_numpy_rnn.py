"""The harness's view of ``eager_port/binary_addition_numpy_rnn.py``: the same parts, run
(from the drawn or given starting weights) for a result record and weights, outputs from
given weights and one optimizer step."""

from __future__ import annotations

import time

import keras
import numpy as np

from eager_port import binary_addition_numpy_rnn as example
from eager_port.binary_addition_numpy_rnn import (  # noqa: F401  (the contract's build_model; the tests' metric)
    build_model,
    exact_sum_accuracy,
    initial_weights,
)
from hyperparams import BinaryAdditionNumpyRNNConfig as Config
from parity.result import RunResult
from tf1_migrate import keras_weights

EXAMPLE = example.EXAMPLE
WHAT = "Keras NumPy-RNN weights"


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial=None) -> RunResult:
    """``fit`` over the article's stream of ``config.steps`` examples, one per step.

    ``initial`` (optional, Keras paths) replaces the drawn starting weights; they are
    still drawn, so the examples that follow are the same.
    """
    if checkpoint_path is not None:
        raise ValueError("the Keras port writes no TF1 checkpoint (use model.save)")
    started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    rng = np.random.RandomState(config.seed)  # np.random.seed(0)
    weights = example.initial_weights(rng, config)
    if initial is not None:
        weights = initial
    x, y = example.training_examples(rng, config)
    model = example.build_model(config)
    keras_weights.set_weights(model, weights, WHAT)  # float64 variables, names checked
    loss_history, accuracy_history = example.train_loop(model, x, y, config, verbose=verbose)
    value = example.evaluate(model, verbose=verbose)
    return RunResult(
        example=EXAMPLE, impl="port", metric="exact_sum_accuracy", value=value,
        higher_is_better=True, steps=config.steps, seconds=time.perf_counter() - started,
        loss_history=loss_history, weights=keras_weights.get_weights(model),
        extras={"accuracy_history": accuracy_history},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """Sigmoid outputs [n, 8] (lowest bit first) for inputs [n, 8, 2], in float64."""
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 3 or inputs.shape[1:] != (config.binary_dim, config.input_dim):
        raise ValueError(
            f"inputs must have shape [n, {config.binary_dim}, {config.input_dim}], got {inputs.shape}"
        )
    model = example.build_model(config)
    keras_weights.set_weights(model, weights, WHAT)
    return model.predict(inputs, batch_size=4096, verbose=0)


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE SGD step on ``batch = (x, y)``."""
    x, y = (np.asarray(a, dtype=np.float64) for a in batch)
    model = example.build_model(config)
    keras_weights.set_weights(model, weights, WHAT)
    model.train_on_batch(x, y)
    return keras_weights.get_weights(model)

"""The harness's view of ``reference_programs/binary_addition_numpy_rnn.py`` (impl "numpy"):
the article's parts, run (from the drawn or given starting weights) for a result record,
outputs from given weights and one hand-written update."""

from __future__ import annotations

import time

import numpy as np

from hyperparams import BinaryAdditionNumpyRNNConfig as Config
from parity.result import RunResult
from reference_programs import binary_addition_numpy_rnn as example
from reference_programs.binary_addition_numpy_rnn import (  # noqa: F401  (used by the tests)
    WEIGHT_NAMES,
    exact_sum_accuracy,
    forward,
    initial_weights,
)
from tf1_migrate.transplant import check_names

EXAMPLE = example.EXAMPLE


def weight_shapes(config: Config = Config()) -> dict:
    return {
        "synapse_0": (config.input_dim, config.hidden_dim),
        "synapse_h": (config.hidden_dim, config.hidden_dim),
        "synapse_1": (config.hidden_dim, config.output_dim),
    }


def _checked(weights: dict, config: Config) -> dict:
    check_names(weights, weight_shapes(config), "NumPy RNN weights")
    return {k: np.asarray(weights[k], dtype=np.float64) for k in WEIGHT_NAMES}


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial=None) -> RunResult:
    """The article's loop: ``config.steps`` iterations of one random example each.

    ``initial`` (optional) replaces the drawn starting weights; they are still drawn,
    so the examples that follow are the same.
    """
    if checkpoint_path is not None:
        raise ValueError("the NumPy reference writes no TensorFlow checkpoint")
    started = time.perf_counter()
    rng = np.random.RandomState(config.seed)  # np.random.seed(0)
    weights = example.initial_weights(rng, config)
    if initial is not None:
        weights = _checked(initial, config)
    weights, loss_history, accuracy_history = example.train_loop(weights, rng, config,
                                                                  verbose=verbose)
    value = example.evaluate(weights, verbose=verbose)
    return RunResult(
        example=EXAMPLE, impl="numpy", metric="exact_sum_accuracy", value=value,
        higher_is_better=True, steps=config.steps, seconds=time.perf_counter() - started,
        loss_history=loss_history, weights=weights,
        extras={"accuracy_history": accuracy_history},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """Sigmoid outputs [n, 8] (lowest bit first) for inputs [n, 8, 2], in float64."""
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 3 or inputs.shape[1:] != (config.binary_dim, config.input_dim):
        raise ValueError(
            f"inputs must have shape [n, {config.binary_dim}, {config.input_dim}], got {inputs.shape}"
        )
    return example.forward(_checked(weights, config), inputs)[0]


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE article update on ``batch = (x [n, 8, 2], y [n, 8])``, in float64."""
    x, y = (np.asarray(a, dtype=np.float64) for a in batch)
    new, _, _ = example.train_iteration(_checked(weights, config), x, y, config.alpha)
    return new

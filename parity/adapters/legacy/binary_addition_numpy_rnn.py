"""The harness's view of ``legacy_graph/binary_addition_numpy_rnn.py``: the same parts, run
(from the drawn or given starting weights) for a result record, weights, a checkpoint,
outputs from given weights and one optimizer step."""

from __future__ import annotations

import time

import numpy as np

from hyperparams import BinaryAdditionNumpyRNNConfig as Config
from legacy_graph import binary_addition_numpy_rnn as example
from legacy_graph.binary_addition_numpy_rnn import (  # noqa: F401  (used by the tests)
    WEIGHT_NAMES,
    exact_sum_accuracy,
    initial_weights,
)
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat import runtime
from tf1_migrate.transplant import check_names

EXAMPLE = example.EXAMPLE
WHAT = "TF1 NumPy-RNN weights"


def weight_shapes(config: Config = Config()) -> dict:
    return {
        "synapse_0": (config.input_dim, config.hidden_dim),
        "synapse_h": (config.hidden_dim, config.hidden_dim),
        "synapse_1": (config.hidden_dim, config.output_dim),
    }


def _build_graph(weights: dict, config: Config) -> dict:
    """The example's graph, its variables starting at ``weights`` (names and shapes checked)."""
    check_names(weights, weight_shapes(config), WHAT)
    return example.build_graph(weights, config)


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial=None) -> RunResult:
    """``config.steps`` iterations of one random example each, one ``sess.run`` per iteration.

    ``initial`` (optional) replaces the drawn starting weights; they are still drawn,
    so the examples that follow are the same.
    """
    started = time.perf_counter()
    rng = np.random.RandomState(config.seed)  # np.random.seed(0)
    weights = example.initial_weights(rng, config)
    if initial is not None:
        weights = initial
    with runtime.graph_session(seed=config.seed) as (graph, sess):
        g = _build_graph(weights, config)
        runtime.tf1().global_variables_initializer().run()
        loss_history, accuracy_history = example.train_loop(sess, g, rng, config, verbose=verbose)
        value = example.evaluate(sess, g, verbose=verbose)
        final = tf1_weights.variables_to_numpy(sess, g["variables"])
        if checkpoint_path is not None:
            tf1_weights.save_checkpoint(sess, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="exact_sum_accuracy", value=value,
        higher_is_better=True, steps=config.steps, seconds=time.perf_counter() - started,
        loss_history=loss_history, weights=final,
        extras={"accuracy_history": accuracy_history},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """Sigmoid outputs [n, 8] (lowest bit first) for inputs [n, 8, 2], in float64."""
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 3 or inputs.shape[1:] != (config.binary_dim, config.input_dim):
        raise ValueError(
            f"inputs must have shape [n, {config.binary_dim}, {config.input_dim}], got {inputs.shape}"
        )
    with runtime.graph_session() as (graph, sess):
        g = _build_graph(weights, config)
        runtime.tf1().global_variables_initializer().run()
        return sess.run(g["out"], feed_dict={g["x"]: inputs})


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE ``GradientDescentOptimizer`` step on ``batch = (x, y)``."""
    x, y = batch
    with runtime.graph_session() as (graph, sess):
        g = _build_graph(weights, config)
        runtime.tf1().global_variables_initializer().run()
        sess.run(g["train_op"], feed_dict={g["x"]: x, g["y_"]: y})
        return tf1_weights.variables_to_numpy(sess, g["variables"])

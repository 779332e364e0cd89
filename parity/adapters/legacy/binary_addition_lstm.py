"""The harness's view of ``legacy_graph/binary_addition_lstm.py``: the same parts, run for a
result record, weights, a checkpoint, outputs from given weights and one optimizer step."""

from __future__ import annotations

import time

import numpy as np

from hyperparams import BinaryAdditionLSTMConfig as Config
from legacy_graph import binary_addition_lstm as example
from legacy_graph.binary_addition_lstm import exact_sum_accuracy  # noqa: F401  (used by the tests)
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat import runtime

EXAMPLE = example.EXAMPLE
WHAT = "TF1 binary-addition LSTM weights"


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          samples: int = 5) -> RunResult:
    started = time.perf_counter()
    rng = np.random.RandomState(config.seed)
    with runtime.graph_session(seed=config.seed) as (graph, sess):
        g = example.build_graph(config)
        sess.run(runtime.tf1().global_variables_initializer())
        loss_history = example.train_loop(sess, g, rng, config, verbose=verbose)
        value = example.evaluate(sess, g, verbose=verbose)
        val_x, val_result = example.sample_sums(sess, g, rng, samples, verbose=verbose)
        final = tf1_weights.trainable_weights(sess)
        if checkpoint_path is not None:
            tf1_weights.save_checkpoint(sess, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="exact_sum_accuracy", value=value,
        higher_is_better=True, steps=config.steps, seconds=time.perf_counter() - started,
        loss_history=loss_history, weights=final,
        extras={"samples": {"x": val_x, "predictions": val_result}},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """Sigmoid outputs [n, 8] (lowest bit first) for inputs [n, 8, 2] from given weights."""
    inputs = np.asarray(inputs, dtype=np.float32)
    if inputs.ndim != 3 or inputs.shape[1:] != (config.binary_dim, 2):
        raise ValueError(f"inputs must have shape [n, {config.binary_dim}, 2], got {inputs.shape}")
    with runtime.graph_session(seed=config.seed) as (graph, sess):
        g = example.build_graph(config)
        sess.run(runtime.tf1().global_variables_initializer())
        tf1_weights.load_trainable(sess, weights, WHAT)
        return sess.run(g["predictions"], feed_dict={g["x"]: inputs, g["keep_prob"]: 1.0})


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE ``AdamOptimizer`` step (fresh Adam state) on ``batch = (x, y)``."""
    x, y = batch
    with runtime.graph_session(seed=config.seed) as (graph, sess):
        g = example.build_graph(config)
        sess.run(runtime.tf1().global_variables_initializer())
        tf1_weights.load_trainable(sess, weights, WHAT)
        sess.run(g["optimizer"], feed_dict={g["x"]: x, g["y_"]: y, g["keep_prob"]: 1.0})
        return tf1_weights.trainable_weights(sess)

"""The harness's view of ``legacy_graph/stacked_lstm.py``: the same parts, run for a result
record, weights, a checkpoint, outputs (logits, and the stacked RNN's output sequence and
final states) from given weights and one optimizer step."""

from __future__ import annotations

import time

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import StackedLSTMConfig
from legacy_graph import stacked_lstm as example
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat.runtime import graph_session, tf1

EXAMPLE = example.EXAMPLE


def train(config: StackedLSTMConfig = StackedLSTMConfig(), *, verbose: bool = True,
          checkpoint_path=None) -> RunResult:
    mnist = example.load_mnist(config)
    test_x, test_y = example.evaluation_set(mnist, config)
    started = time.perf_counter()
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf1().global_variables_initializer())
        loss_history = example.train_loop(sess, model, mnist, test_x, test_y, config, verbose=verbose)
        seconds = time.perf_counter() - started
        test_accuracy = example.evaluate(sess, model, mnist, verbose=verbose)
        weights = tf1_weights.trainable_weights(sess)
        if checkpoint_path is not None:
            tf1_weights.save_checkpoint(sess, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="test_accuracy", value=test_accuracy,
        higher_is_better=True, steps=config.steps, seconds=seconds, loss_history=loss_history,
        weights=weights, extras={"data": mnist_data.describe_source(config.data_dir)},
    )


def as_flat(images, config: StackedLSTMConfig) -> np.ndarray:
    """[n, 28, 28] or [n, 784] images -> float32 [n, 784] (the placeholder's shape)."""
    return np.asarray(images, np.float32).reshape((-1, config.time_step * config.input_size))


def as_one_hot(labels, config: StackedLSTMConfig) -> np.ndarray:
    """Integer labels [n] (or one-hot [n, 10], kept) -> one-hot float32 [n, 10]."""
    labels = np.asarray(labels)
    if labels.ndim == 1:
        return np.eye(config.num_classes, dtype=np.float32)[labels.astype(int)]
    return labels.astype(np.float32)


def predict(weights: dict, inputs, config: StackedLSTMConfig = StackedLSTMConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        return sess.run(model.output, {model.x: as_flat(inputs, config)})


def outputs_and_states(weights: dict, inputs, config: StackedLSTMConfig = StackedLSTMConfig()) -> dict:
    """What the stacked RNN returns: ``{"outputs": [n, 28, 256], "states": [(h, c) per cell]}``.

    TF1 keeps each cell's state as ``LSTMStateTuple(c, h)``; it is given here in Keras's
    order ``(h, c)`` so both sides compare directly.
    """
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        outputs, states = sess.run([model.outputs, model.states], {model.x: as_flat(inputs, config)})
    return {"outputs": outputs, "states": [(s.h, s.c) for s in states]}


def train_step(weights: dict, batch, config: StackedLSTMConfig = StackedLSTMConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    images, labels = batch
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf1().global_variables_initializer())  # Adam slots and beta powers
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        sess.run(model.train_op, {model.x: as_flat(images, config),
                                  model.y: as_one_hot(labels, config)})
        return tf1_weights.trainable_weights(sess)

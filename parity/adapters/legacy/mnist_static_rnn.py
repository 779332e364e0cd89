"""The harness's view of ``legacy_graph/mnist_static_rnn.py``: the same parts, run for a
result record, weights, a checkpoint, outputs from given weights and one optimizer step."""

from __future__ import annotations

import time

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistStaticRNNConfig
from legacy_graph import mnist_static_rnn as example
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat.runtime import graph_session, tf1

EXAMPLE = example.EXAMPLE


def train(config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None) -> RunResult:
    mnist = example.load_mnist(config)
    started = time.perf_counter()
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf1().global_variables_initializer())
        loss_history = example.train_loop(sess, model, mnist, config, verbose=verbose)
        seconds = time.perf_counter() - started
        test_accuracy = example.evaluate(sess, model, mnist, config, verbose=verbose)
        weights = tf1_weights.trainable_weights(sess)
        if checkpoint_path is not None:
            tf1_weights.save_checkpoint(sess, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="test_accuracy", value=test_accuracy,
        higher_is_better=True, steps=config.steps, seconds=seconds, loss_history=loss_history,
        weights=weights, extras={"data": mnist_data.describe_source(config.data_dir)},
    )


def as_one_hot(labels, config: MnistStaticRNNConfig) -> np.ndarray:
    """Integer labels [n] (or one-hot [n, 10], kept) -> one-hot float32 [n, 10]."""
    labels = np.asarray(labels)
    if labels.ndim == 1:
        return np.eye(config.num_classes, dtype=np.float32)[labels.astype(int)]
    return labels.astype(np.float32)


def predict(weights: dict, inputs, config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        return sess.run(model.logits, feed_dict={model.x: example.as_rows(inputs, config)})


def train_step(weights: dict, batch, config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    images, labels = batch
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf1().global_variables_initializer())  # Adam slots and beta powers
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        sess.run(model.optimizer, feed_dict={model.x: example.as_rows(images, config),
                                             model.y: as_one_hot(labels, config)})
        return tf1_weights.trainable_weights(sess)

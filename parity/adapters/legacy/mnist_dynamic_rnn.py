"""The harness's view of ``legacy_graph/mnist_dynamic_rnn.py``: the same parts, run for a
result record (with the streaming and plain accuracy histories), weights, a checkpoint,
outputs from given weights and one optimizer step."""

from __future__ import annotations

import time

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistDynamicRNNConfig
from legacy_graph import mnist_dynamic_rnn as example
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat.runtime import graph_session, tf1

EXAMPLE = example.EXAMPLE


def train(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None, figure_path=None) -> RunResult:
    tf = tf1()
    mnist = example.load_mnist(config)
    test_x, test_y = example.evaluation_set(mnist, config)
    if figure_path is not None:  # the article's plt.imshow of the first training digit
        example.plot_digit(mnist.train.images[0], mnist.train.labels[0], figure_path)
    started = time.perf_counter()
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf.group(tf.global_variables_initializer(), tf.local_variables_initializer()))
        history = example.train_loop(sess, model, mnist, test_x, test_y, config, verbose=verbose)
        seconds = time.perf_counter() - started
        pred_y, real_y = example.print_ten_predictions(sess, model, test_x, test_y, verbose=verbose)
        test_accuracy = example.evaluate(sess, model, mnist, verbose=verbose)
        weights = tf1_weights.trainable_weights(sess)
        if checkpoint_path is not None:
            tf1_weights.save_checkpoint(sess, checkpoint_path)
    streaming_history = history.streaming_accuracy
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="test_accuracy", value=test_accuracy,
        higher_is_better=True, steps=config.steps, seconds=seconds, loss_history=history.loss,
        weights=weights,
        extras={
            "streaming_accuracy": streaming_history[-1][1] if streaming_history else None,
            "streaming_history": streaming_history,
            "plain_history": history.plain_accuracy,
            "eval_size": int(len(test_x)),
            "predictions_10": pred_y,
            "labels_10": real_y,
            "data": mnist_data.describe_source(config.data_dir),
        },
    )


def as_flat(images, config: MnistDynamicRNNConfig) -> np.ndarray:
    """[n, 28, 28] or [n, 784] images -> float32 [n, 784] (the placeholder's shape)."""
    return np.asarray(images, np.float32).reshape((-1, config.time_step * config.input_size))


def as_one_hot(labels, config: MnistDynamicRNNConfig) -> np.ndarray:
    """Integer labels [n] (or one-hot [n, 10], kept) -> one-hot float32 [n, 10]."""
    labels = np.asarray(labels)
    if labels.ndim == 1:
        return np.eye(config.num_classes, dtype=np.float32)[labels.astype(int)]
    return labels.astype(np.float32)


def predict(weights: dict, inputs, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        return sess.run(model.output, {model.x: as_flat(inputs, config)})


def train_step(weights: dict, batch, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    images, labels = batch
    with graph_session(config.seed) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf1().global_variables_initializer())  # Adam slots and beta powers
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        sess.run(model.train_op, {model.x: as_flat(images, config),
                                  model.y: as_one_hot(labels, config)})
        return tf1_weights.trainable_weights(sess)

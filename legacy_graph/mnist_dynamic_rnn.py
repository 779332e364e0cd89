"""MNIST rows through ``LSTMCell(64)`` + ``tf.nn.dynamic_rnn``, scored with ``tf.metrics.accuracy``.

Source: seeds/001, the second program (MorvanZhou's TensorFlow tutorial, TF 1.1):
``tf.set_random_seed(1)`` / ``np.random.seed(1)``; batch 64; each image fed as 28 steps
of 28 pixels from a ``[None, 784]`` placeholder; ``tf.nn.rnn_cell.LSTMCell(num_units=64)``
run by ``tf.nn.dynamic_rnn(initial_state=None, dtype=tf.float32, time_major=False)``;
``tf.layers.dense`` on the last step's output; ``tf.losses.softmax_cross_entropy``;
``AdamOptimizer(0.01)``; 1,200 steps of ``mnist.train.next_batch``; every 50 steps the
streaming ``tf.metrics.accuracy`` on the first 2,000 test images is printed as
"test accuracy"; at the end ten predictions are printed against the real labels, and
one training digit is shown with matplotlib.

Defects of the article's code
-----------------------------
- ``tf.metrics.accuracy(...)[1]`` is the *update* op of a streaming metric: its two
  local variables (total, count) accumulate over every evaluation, so the printed
  "test accuracy" is the running mean over all evaluations so far, not the accuracy of
  the current model. With the 2,000 images of every evaluation, the k-th printed value
  is exactly the mean of the first k plain accuracies, and it lags below the current
  model while the model improves. Reproduced as printed
  (``extras["streaming_accuracy"]``, ``extras["streaming_history"]``); the plain
  accuracy of the current model is computed beside it (``extras["plain_history"]``)
  and the final model's plain accuracy is the metric (``test_accuracy``).
- ``plt.show()`` blocks the program until the window is closed.

Deviations
----------
- The digit figure is written to ``figure_path`` (Agg backend) when one is given, never
  shown and never written to the current directory.
- Data: ``datasets.mnist.read_data_sets`` reads the shipped 10,000-digit sample (train
  7,000 / test 2,000) unless ``config.data_dir`` (or ``$PARITY_MNIST_DIR``) points at full
  MNIST; the metric is the plain accuracy on the whole test split (the sample's test
  split is exactly the article's 2,000 evaluation images).
- ``train(checkpoint_path=...)`` saves a ``tf.train.Saver`` checkpoint (temporary name,
  then renamed).
"""

from __future__ import annotations

import os
import time
import types

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistDynamicRNNConfig
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat.runtime import graph_session, progress_bar, tf1

EXAMPLE = "mnist_dynamic_rnn"


# --- Data -------------------------------------------------------------------------------
def load_mnist(config: MnistDynamicRNNConfig):
    return mnist_data.read_data_sets(config.data_dir, one_hot=True, seed=config.seed)


def as_flat(images, config: MnistDynamicRNNConfig) -> np.ndarray:
    """[n, 28, 28] or [n, 784] images -> float32 [n, 784] (the placeholder's shape)."""
    return np.asarray(images, np.float32).reshape((-1, config.time_step * config.input_size))


def as_one_hot(labels, config: MnistDynamicRNNConfig) -> np.ndarray:
    """Integer labels [n] (or one-hot [n, 10], kept) -> one-hot float32 [n, 10]."""
    labels = np.asarray(labels)
    if labels.ndim == 1:
        return np.eye(config.num_classes, dtype=np.float32)[labels.astype(int)]
    return labels.astype(np.float32)


def plot_digit(image, label, path) -> str:
    """The article's ``plt.imshow`` of one training digit, written to ``path`` (PNG)."""
    from matplotlib.figure import Figure

    path = os.path.abspath(os.fspath(path))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig = Figure(figsize=(3, 3))
    ax = fig.add_subplot()
    ax.imshow(np.reshape(image, (28, 28)), cmap="gray")
    ax.set_title("%i" % np.argmax(label))  # noqa: UP031  (the article's format)
    root, ext = os.path.splitext(path)
    tmp = f"{root}.tmp-{os.getpid()}{ext or '.png'}"
    fig.savefig(tmp, format=(ext[1:] or "png"))
    os.replace(tmp, path)
    return path


# --- Model, loss and optimizer ------------------------------------------------------------
def build_graph(config: MnistDynamicRNNConfig):
    """The article's graph, in the current default graph; returns its tensors by name."""
    tf = tf1()
    tf_x = tf.placeholder(tf.float32, [None, config.time_step * config.input_size], name="x")
    image = tf.reshape(tf_x, [-1, config.time_step, config.input_size])  # (batch, height, width)
    tf_y = tf.placeholder(tf.int32, [None, config.num_classes], name="y")

    rnn_cell = tf.nn.rnn_cell.LSTMCell(num_units=config.num_units)
    outputs, (h_c, h_n) = tf.nn.dynamic_rnn(
        rnn_cell, image, initial_state=None, dtype=tf.float32, time_major=False
    )
    output = tf.layers.dense(outputs[:, -1, :], config.num_classes)  # logits of the last step

    loss = tf.losses.softmax_cross_entropy(onehot_labels=tf_y, logits=output)
    train_op = tf.train.AdamOptimizer(config.learning_rate).minimize(loss)

    # The article's metric: (acc, update_op)[1], two local variables (total, count).
    accuracy = tf.metrics.accuracy(labels=tf.argmax(tf_y, axis=1),
                                   predictions=tf.argmax(output, axis=1))[1]
    # Ours, named apart: the plain accuracy of the current model on the fed images.
    correct = tf.equal(tf.argmax(tf_y, axis=1), tf.argmax(output, axis=1))
    plain_accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return types.SimpleNamespace(x=tf_x, y=tf_y, output=output, loss=loss, train_op=train_op,
                                 accuracy=accuracy, plain_accuracy=plain_accuracy)


def load_weights(sess, weights: dict) -> None:
    tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")


def model_weights(sess) -> dict:
    return tf1_weights.trainable_weights(sess)


def save_checkpoint(sess, path) -> str:
    return tf1_weights.save_checkpoint(sess, path)


# --- Training loop and evaluation ------------------------------------------------------------
def train(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None, figure_path=None) -> RunResult:
    tf = tf1()
    mnist = load_mnist(config)
    test_x = mnist.test.images[:config.eval_size]
    test_y = mnist.test.labels[:config.eval_size]
    if figure_path is not None:  # the article's plt.imshow of the first training digit
        plot_digit(mnist.train.images[0], mnist.train.labels[0], figure_path)

    started = time.perf_counter()
    loss_history, streaming_history, plain_history = [], [], []
    with graph_session(config.seed) as (graph, sess):
        model = build_graph(config)
        init_op = tf.group(tf.global_variables_initializer(), tf.local_variables_initializer())
        sess.run(init_op)
        bar = progress_bar(config.steps, verbose)
        # sess.run's fetches and feeds, parsed once instead of at every step (same graph)
        train_step = sess.make_callable([model.train_op, model.loss], [model.x, model.y])
        for step in range(config.steps):
            b_x, b_y = mnist.train.next_batch(config.batch_size)
            _, loss_ = train_step(b_x, b_y)
            if bar is not None:
                bar.update(step + 1, values=[("loss", loss_)])
            if step % config.eval_every == 0:
                accuracy_, plain_ = sess.run([model.accuracy, model.plain_accuracy],
                                             {model.x: test_x, model.y: test_y})
                loss_history.append((step + 1, float(loss_)))
                streaming_history.append((step + 1, float(accuracy_)))
                plain_history.append((step + 1, float(plain_)))
                if verbose:
                    print("train loss: %.4f" % loss_, "| test accuracy: %.2f" % accuracy_)  # noqa: UP031
        seconds = time.perf_counter() - started

        # print 10 predictions from test data
        test_output = sess.run(model.output, {model.x: test_x[:10]})
        pred_y = np.argmax(test_output, 1)
        real_y = np.argmax(test_y[:10], 1)
        if verbose:
            print(pred_y, "prediction number")
            print(real_y, "real number")

        test_accuracy = float(sess.run(model.plain_accuracy, {model.x: mnist.test.images,
                                                              model.y: mnist.test.labels}))
        if verbose:
            print("Testing Accuracy (plain, final model):", test_accuracy)
        weights = model_weights(sess)
        if checkpoint_path is not None:
            save_checkpoint(sess, checkpoint_path)

    return RunResult(
        example=EXAMPLE, impl="legacy", metric="test_accuracy", value=test_accuracy,
        higher_is_better=True, steps=config.steps, seconds=seconds, loss_history=loss_history,
        weights=weights,
        extras={
            "streaming_accuracy": streaming_history[-1][1] if streaming_history else None,
            "streaming_history": streaming_history,
            "plain_history": plain_history,
            "eval_size": int(len(test_x)),
            "predictions_10": pred_y,
            "labels_10": real_y,
            "data": mnist_data.describe_source(config.data_dir),
        },
    )


def predict(weights: dict, inputs, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    with graph_session(config.seed) as (graph, sess):
        model = build_graph(config)
        load_weights(sess, weights)
        return sess.run(model.output, {model.x: as_flat(inputs, config)})


def train_step(weights: dict, batch, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    tf = tf1()
    images, labels = batch
    with graph_session(config.seed) as (graph, sess):
        model = build_graph(config)
        sess.run(tf.global_variables_initializer())  # Adam slots and beta powers
        load_weights(sess, weights)
        sess.run(model.train_op, {model.x: as_flat(images, config),
                                  model.y: as_one_hot(labels, config)})
        return model_weights(sess)


if __name__ == "__main__":
    train()

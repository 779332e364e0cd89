"""MNIST rows through ``LSTMCell(64)`` + ``tf.nn.dynamic_rnn``, scored with ``tf.metrics.accuracy``.

Source: the Chinese RNN/LSTM blog post quoting MorvanZhou's TensorFlow 1.1 tutorial, the second program (MorvanZhou's TensorFlow tutorial, TF 1.1):
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
  model while the model improves. Reproduced as printed (``train_loop`` keeps the
  printed values, ``streaming_accuracy``); the plain accuracy of the current model is
  computed beside it (``plain_accuracy``), and the final model's plain accuracy on the
  whole test split is the program's result (``evaluate``).
- ``plt.show()`` blocks the program until the window is closed.

Deviations
----------
- The digit figure is written to ``figure_path`` (Agg backend) when one is given, never
  shown and never written to the current directory.
- Data: ``datasets.mnist.read_data_sets`` reads the shipped 10,000-digit sample (train
  7,000 / test 2,000) unless ``config.data_dir`` (or ``$PARITY_MNIST_DIR``) points at full
  MNIST; the metric is the plain accuracy on the whole test split (the sample's test
  split is exactly the article's 2,000 evaluation images).
- The program is cut into the article's parts (``build_graph``, ``train_loop``,
  ``print_ten_predictions``, ``evaluate``) so that the parity harness can run the same
  parts, read the weights and save a checkpoint
  (``parity/adapters/legacy/mnist_dynamic_rnn.py``).
"""

from __future__ import annotations

import os
import types

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistDynamicRNNConfig
from tf1_compat.runtime import graph_session, progress_bar, tf1

EXAMPLE = "mnist_dynamic_rnn"


# --- Data -------------------------------------------------------------------------------
def load_mnist(config: MnistDynamicRNNConfig):
    return mnist_data.read_data_sets(config.data_dir, one_hot=True, seed=config.seed)


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


# --- Training loop and evaluation ------------------------------------------------------------
def evaluation_set(mnist, config: MnistDynamicRNNConfig):
    """The article's ``test_x, test_y``: the first 2,000 test images and their one-hot labels."""
    return mnist.test.images[:config.eval_size], mnist.test.labels[:config.eval_size]


def train_loop(sess, model, mnist, test_x, test_y, config: MnistDynamicRNNConfig, *,
               verbose: bool = True) -> types.SimpleNamespace:
    """The article's ``feed_dict`` loop with its "train loss | test accuracy" line every 50
    steps; returns what those lines showed, as ``[(step, value)]`` lists: ``loss``,
    ``streaming_accuracy`` (the printed running mean) and ``plain_accuracy`` (ours)."""
    history = types.SimpleNamespace(loss=[], streaming_accuracy=[], plain_accuracy=[])
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
            history.loss.append((step + 1, float(loss_)))
            history.streaming_accuracy.append((step + 1, float(accuracy_)))
            history.plain_accuracy.append((step + 1, float(plain_)))
            if verbose:
                print("train loss: %.4f" % loss_, "| test accuracy: %.2f" % accuracy_)  # noqa: UP031
    return history


def print_ten_predictions(sess, model, test_x, test_y, *, verbose: bool = True):
    """The article's "print 10 predictions from test data"; returns (predicted, real) digits."""
    test_output = sess.run(model.output, {model.x: test_x[:10]})
    pred_y = np.argmax(test_output, 1)
    real_y = np.argmax(test_y[:10], 1)
    if verbose:
        print(pred_y, "prediction number")
        print(real_y, "real number")
    return pred_y, real_y


def evaluate(sess, model, mnist, *, verbose: bool = True) -> float:
    """Plain accuracy of the final model on the whole test split (ours: the article's
    printed value is the streaming one)."""
    test_accuracy = float(sess.run(model.plain_accuracy, {model.x: mnist.test.images,
                                                          model.y: mnist.test.labels}))
    if verbose:
        print("Testing Accuracy (plain, final model):", test_accuracy)
    return test_accuracy


def train(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *, verbose: bool = True,
          figure_path=None) -> float:
    """The article's program: data, graph, training loop, ten predictions; returns the plain
    test accuracy of the final model."""
    tf = tf1()
    mnist = load_mnist(config)
    test_x, test_y = evaluation_set(mnist, config)
    if figure_path is not None:  # the article's plt.imshow of the first training digit
        plot_digit(mnist.train.images[0], mnist.train.labels[0], figure_path)
    with graph_session(config.seed) as (graph, sess):
        model = build_graph(config)
        init_op = tf.group(tf.global_variables_initializer(), tf.local_variables_initializer())
        sess.run(init_op)
        train_loop(sess, model, mnist, test_x, test_y, config, verbose=verbose)
        print_ten_predictions(sess, model, test_x, test_y, verbose=verbose)
        return evaluate(sess, model, mnist, verbose=verbose)


if __name__ == "__main__":
    import sys

    # python legacy_graph/mnist_dynamic_rnn.py [STEPS]: another budget (parity check --steps N)
    train(MnistDynamicRNNConfig(steps=int(sys.argv[1])) if len(sys.argv) > 1 else MnistDynamicRNNConfig())

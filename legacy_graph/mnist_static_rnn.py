"""MNIST read row by row: ``BasicLSTMCell(128)`` + ``static_rnn``, in TF1 graph mode.

Source: the Chinese RNN/LSTM blog post quoting MorvanZhou's TensorFlow 1.1 tutorial (the first program), the classic TF1 MNIST-LSTM tutorial: each
28x28 image is 28 time steps of 28 pixels, a ``BasicLSTMCell`` is unrolled with
``static_rnn``, and the last output goes through ``random_normal`` output weights to
10 logits; ``softmax_cross_entropy_with_logits``, ``AdamOptimizer(0.001)``, batch 128,
10,000 steps, the article's "Step N, Minibatch Loss=..., Training Accuracy=..." line
every 100 steps, then "Testing Accuracy" on the test images. The article claims about
97% on full MNIST.

Defects of the article's code
-----------------------------
1. ``init_state = lstm_cell.zero_state(batch_size, tf.float32)`` fixes the batch size at
   128 in the graph, so its final ``sess.run(accuracy, feed_dict={x: test_data, ...})``
   on *all* test images fails with a shape mismatch (the state is [128, 128], the
   test batch is not 128). Fix chosen here: the zero state takes the batch size from
   the fed tensor, ``zero_state(tf.shape(x)[0], ...)``, so training (128) and the final
   test (the whole test split at once, as the article meant) run on the same graph.
2. ``tf.contrib.rnn`` no longer exists: ``BasicLSTMCell`` and ``static_rnn`` come from
   ``tf.compat.v1.nn.rnn_cell`` and ``tf.compat.v1.nn`` (same classes, same variables).

Deviations
----------
- Data: ``datasets.mnist.read_data_sets`` (the article's ``input_data`` API) reads the
  shipped 10,000-digit sample (train 7,000 / test 2,000) unless ``config.data_dir`` (or
  ``$PARITY_MNIST_DIR``) points at full MNIST; "Testing Accuracy" is on that test split.
- The output variables are named ``weights`` and ``biases`` (the article's Python names;
  its ``tf.Variable`` calls had no name), so checkpoints and transplants read clearly.
- Seeded (``config.seed``: graph seed, NumPy, batch order), so a run repeats exactly.
- The program is cut into the article's parts (``build_graph``, ``train_loop``,
  ``evaluate``) so that the parity harness can run the same parts, read the weights and
  save a checkpoint (``parity/adapters/legacy/mnist_static_rnn.py``).
"""

from __future__ import annotations

import types

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistStaticRNNConfig
from tf1_compat.runtime import graph_session, progress_bar, tf1

EXAMPLE = "mnist_static_rnn"


# --- Data -------------------------------------------------------------------------------
def load_mnist(config: MnistStaticRNNConfig):
    return mnist_data.read_data_sets(config.data_dir, one_hot=True, seed=config.seed)


def as_rows(images, config: MnistStaticRNNConfig) -> np.ndarray:
    """[n, 784] images -> [n, 28 steps, 28 pixels]."""
    return np.asarray(images, np.float32).reshape((-1, config.timesteps, config.num_input))


# --- Model, loss and optimizer ------------------------------------------------------------
def build_graph(config: MnistStaticRNNConfig):
    """The article's graph, in the current default graph; returns its tensors by name."""
    tf = tf1()
    x = tf.placeholder(tf.float32, [None, config.timesteps, config.num_input], name="x")
    y = tf.placeholder(tf.float32, [None, config.num_classes], name="y")

    lstm_cell = tf.nn.rnn_cell.BasicLSTMCell(config.num_hidden)
    # Defect 1 fixed: the article's zero_state(batch_size) pinned the batch at 128.
    init_state = lstm_cell.zero_state(tf.shape(x)[0], tf.float32)
    inputs = tf.unstack(x, config.timesteps, 1)
    outputs, states = tf.nn.static_rnn(lstm_cell, inputs, initial_state=init_state)

    weights = tf.Variable(tf.random_normal([config.num_hidden, config.num_classes]), name="weights")
    biases = tf.Variable(tf.random_normal([config.num_classes]), name="biases")
    logits = tf.matmul(outputs[-1], weights) + biases

    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
    optimizer = tf.train.AdamOptimizer(learning_rate=config.learning_rate).minimize(loss)

    correct_pred = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
    return types.SimpleNamespace(x=x, y=y, logits=logits, loss=loss, optimizer=optimizer,
                                 accuracy=accuracy)


# --- Training loop and evaluation ------------------------------------------------------------
def train_loop(sess, model, mnist, config: MnistStaticRNNConfig, *, verbose: bool = True) -> list:
    """The article's ``feed_dict`` loop; returns the displayed losses as ``[(step, loss)]``."""
    loss_history = []
    bar = progress_bar(config.steps, verbose)
    # sess.run's fetches and feeds, parsed once instead of at every step (same graph)
    train_step = sess.make_callable([model.optimizer, model.loss], [model.x, model.y])
    for step in range(1, config.steps + 1):
        batch_x, batch_y = mnist.train.next_batch(config.batch_size)
        batch_x = as_rows(batch_x, config)
        _, loss_val = train_step(batch_x, batch_y)
        if bar is not None:
            bar.update(step, values=[("loss", loss_val)])
        if step % config.display_step == 0 or step == 1:
            loss_val, acc_val = sess.run([model.loss, model.accuracy],
                                         feed_dict={model.x: batch_x, model.y: batch_y})
            loss_history.append((step, float(loss_val)))
            if verbose:
                print(f"Step {step}, Minibatch Loss= {loss_val:.4f}, "
                      f"Training Accuracy= {acc_val:.3f}")
    if verbose:
        print("Optimization Finished!")
    return loss_history


def evaluate(sess, model, mnist, config: MnistStaticRNNConfig, *, verbose: bool = True) -> float:
    """Accuracy on the whole test split at once (the article's last line)."""
    test_data = as_rows(mnist.test.images, config)
    test_accuracy = float(sess.run(model.accuracy,
                                   feed_dict={model.x: test_data, model.y: mnist.test.labels}))
    if verbose:
        print("Testing Accuracy:", test_accuracy)
    return test_accuracy


def train(config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *, verbose: bool = True) -> float:
    """The article's program: build, train, test; returns the test accuracy."""
    mnist = load_mnist(config)
    with graph_session(config.seed) as (graph, sess):
        model = build_graph(config)
        sess.run(tf1().global_variables_initializer())
        train_loop(sess, model, mnist, config, verbose=verbose)
        return evaluate(sess, model, mnist, config, verbose=verbose)


if __name__ == "__main__":
    import sys

    # python legacy_graph/mnist_static_rnn.py [STEPS]: another budget (parity check --steps N)
    train(MnistStaticRNNConfig(steps=int(sys.argv[1])) if len(sys.argv) > 1 else MnistStaticRNNConfig())

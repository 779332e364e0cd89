"""Stacked LSTM, the TF1 way: ``MultiRNNCell([BasicLSTMCell(128), BasicLSTMCell(256)])`` + ``dynamic_rnn``.

Source: the Chinese RNN/LSTM blog post quoting MorvanZhou's TensorFlow 1.1 tutorial, the closing "new way" snippet. The article shows the Keras
replacement, ``keras.layers.RNN([LSTMCell(128), LSTMCell(256)], return_sequences=True,
return_state=True)``, which returns the whole output sequence and the states of both
cells; this module is its TF1 twin: the two cells stacked with ``MultiRNNCell`` and run
with ``tf.nn.dynamic_rnn``, which likewise returns all outputs and a tuple of both
cells' final ``(c, h)`` states.

The snippet trains nothing, so both sides are trained as an MNIST row classifier with
the settings of the article's second program (example ``mnist_dynamic_rnn``):
``tf.set_random_seed(1)`` / ``np.random.seed(1)``, batch 64, 28 steps of 28 pixels from a
``[None, 784]`` placeholder, ``tf.layers.dense(outputs[:, -1, :], 10)``,
``tf.losses.softmax_cross_entropy``, ``AdamOptimizer(0.01)``, 1,200 steps, a
"train loss | test accuracy" line every 50 steps.

Defects of the article's code
-----------------------------
- The snippet calls ``rnn_layer(inputs, states)`` with ``inputs`` and ``states`` never
  defined. Here the input is the MNIST rows and the initial state is zeros (the default
  of both ``dynamic_rnn(initial_state=None)`` and ``keras.layers.RNN``).

Deviations
----------
- The training program around the stacked cells is ours (the settings of example 4,
  as the article's program does); its accuracy is a plain accuracy of the current model,
  not example 4's streaming ``tf.metrics.accuracy`` (that trap is shown in
  ``mnist_dynamic_rnn``).
- Data: ``datasets.mnist.read_data_sets`` reads the shipped 10,000-digit sample (train
  7,000 / test 2,000) unless ``config.data_dir`` (or ``$PARITY_MNIST_DIR``) points at full
  MNIST; the metric is the accuracy on the whole test split.
- The program is cut into its parts (``build_graph``, ``train_loop``, ``evaluate``) so
  that the parity harness can run the same parts, read the weights, the output sequence
  and the states, and save a checkpoint (``parity/adapters/legacy/stacked_lstm.py``).
"""

from __future__ import annotations

import types

from datasets import mnist as mnist_data
from hyperparams import StackedLSTMConfig
from tf1_compat.runtime import graph_session, progress_bar, tf1

EXAMPLE = "stacked_lstm"


# --- Data -------------------------------------------------------------------------------
def load_mnist(config: StackedLSTMConfig):
    return mnist_data.read_data_sets(config.data_dir, one_hot=True, seed=config.seed)


# --- Model, loss and optimizer ------------------------------------------------------------
def build_graph(config: StackedLSTMConfig):
    """The stacked graph, in the current default graph; returns its tensors by name."""
    tf = tf1()
    tf_x = tf.placeholder(tf.float32, [None, config.time_step * config.input_size], name="x")
    image = tf.reshape(tf_x, [-1, config.time_step, config.input_size])
    tf_y = tf.placeholder(tf.int32, [None, config.num_classes], name="y")

    cells = [tf.nn.rnn_cell.BasicLSTMCell(units) for units in config.units]
    rnn_cell = tf.nn.rnn_cell.MultiRNNCell(cells)
    outputs, states = tf.nn.dynamic_rnn(
        rnn_cell, image, initial_state=None, dtype=tf.float32, time_major=False
    )  # outputs [batch, 28, 256]; states: one LSTMStateTuple(c, h) per cell
    output = tf.layers.dense(outputs[:, -1, :], config.num_classes)  # logits

    loss = tf.losses.softmax_cross_entropy(onehot_labels=tf_y, logits=output)
    train_op = tf.train.AdamOptimizer(config.learning_rate).minimize(loss)

    correct = tf.equal(tf.argmax(tf_y, axis=1), tf.argmax(output, axis=1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return types.SimpleNamespace(x=tf_x, y=tf_y, outputs=outputs, states=states, output=output,
                                 loss=loss, train_op=train_op, accuracy=accuracy)


# --- Training loop and evaluation ------------------------------------------------------------
def evaluation_set(mnist, config: StackedLSTMConfig):
    """``test_x, test_y`` of the printed lines: the first 2,000 test images, one-hot labels."""
    return mnist.test.images[:config.eval_size], mnist.test.labels[:config.eval_size]


def train_loop(sess, model, mnist, test_x, test_y, config: StackedLSTMConfig, *,
               verbose: bool = True) -> list:
    """The ``feed_dict`` loop with a "train loss | test accuracy" line every 50 steps;
    returns the losses of those lines as ``[(step, loss)]``."""
    loss_history = []
    bar = progress_bar(config.steps, verbose)
    # sess.run's fetches and feeds, parsed once instead of at every step (same graph)
    train_step = sess.make_callable([model.train_op, model.loss], [model.x, model.y])
    for step in range(config.steps):
        b_x, b_y = mnist.train.next_batch(config.batch_size)
        _, loss_ = train_step(b_x, b_y)
        if bar is not None:
            bar.update(step + 1, values=[("loss", loss_)])
        if step % config.eval_every == 0:
            loss_history.append((step + 1, float(loss_)))
            if verbose:
                accuracy_ = sess.run(model.accuracy, {model.x: test_x, model.y: test_y})
                print(f"train loss: {loss_:.4f} | test accuracy: {accuracy_:.2f}")
    return loss_history


def evaluate(sess, model, mnist, *, verbose: bool = True) -> float:
    """Accuracy of the final model on the whole test split."""
    test_accuracy = float(sess.run(model.accuracy, {model.x: mnist.test.images,
                                                    model.y: mnist.test.labels}))
    if verbose:
        print("Testing Accuracy:", test_accuracy)
    return test_accuracy


def train(config: StackedLSTMConfig = StackedLSTMConfig(), *, verbose: bool = True) -> float:
    """The program: data, graph, training loop, test; returns the test accuracy."""
    mnist = load_mnist(config)
    test_x, test_y = evaluation_set(mnist, config)
    with graph_session(config.seed) as (graph, sess):
        model = build_graph(config)
        sess.run(tf1().global_variables_initializer())
        train_loop(sess, model, mnist, test_x, test_y, config, verbose=verbose)
        return evaluate(sess, model, mnist, verbose=verbose)


if __name__ == "__main__":
    import sys

    # python legacy_graph/stacked_lstm.py [STEPS]: another budget (parity check --steps N)
    train(StackedLSTMConfig(steps=int(sys.argv[1])) if len(sys.argv) > 1 else StackedLSTMConfig())

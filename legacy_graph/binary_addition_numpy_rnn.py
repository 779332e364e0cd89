"""The article's NumPy RNN as a TF1 graph: placeholders, a bias-free sigmoid RNN, plain SGD.

Source: Andrew Trask's "Anyone Can Learn To Code an LSTM-RNN" (2015; the NumPy program, kept as it is
in ``reference_programs.binary_addition_numpy_rnn``). This is how that program reads in TF1 graph
mode: the same three weight matrices (``synapse_0`` [2, 16], ``synapse_h`` [16, 16],
``synapse_1`` [16, 1], no biases), sigmoid hidden and output units unrolled over the 8
bits, ``GradientDescentOptimizer(0.1)`` on ``0.5 * sum((y - out)**2)`` (whose gradient is
exactly the article's hand-written update), one example per ``sess.run``. Everything is
float64, and the weights start from the article's ``2 * np.random.random(shape) - 1``
drawn from ``np.random.RandomState(seed)`` before the examples, so the run follows the
NumPy program's trajectory.

Defects of the article's program: see ``reference_programs.binary_addition_numpy_rnn``.

Deviations (ours):
- raw ops instead of ``BasicRNNCell``: TF1's cell always adds a bias, the article has none;
- the initial values come from NumPy (the article's initialiser) through ``tf.Variable``;
- a batch dimension (``None``) so that the 16,384-pair evaluation is one ``sess.run``;
- the loss history is the mean of ``0.5 * sum((y - out)**2)`` over each ``log_every`` window;
- the program is cut into parts (``initial_weights``, ``build_graph``, ``train_loop``,
  ``evaluate``) so that the parity harness can run the same parts from given weights, read
  the weights and save a checkpoint (``parity/adapters/legacy/binary_addition_numpy_rnn.py``).
"""

from __future__ import annotations

import numpy as np

from datasets import binary_addition as data
from hyperparams import BinaryAdditionNumpyRNNConfig as Config
from tf1_compat import runtime

EXAMPLE = "binary_addition_numpy_rnn"
WEIGHT_NAMES = ("synapse_0", "synapse_h", "synapse_1")


# --- data and initial weights -----------------------------------------------------------
# datasets.binary_addition: generate_batch(1, rng) = the article's a = randint(128),
# b = randint(128), bits fed lowest first; evaluation_set() = all 128 x 128 pairs.
def initial_weights(rng: np.random.RandomState, config: Config = Config()) -> dict:
    """The article's ``2 * np.random.random(shape) - 1``, drawn in its order (0, 1, h)."""
    synapse_0 = 2 * rng.random_sample((config.input_dim, config.hidden_dim)) - 1
    synapse_1 = 2 * rng.random_sample((config.hidden_dim, config.output_dim)) - 1
    synapse_h = 2 * rng.random_sample((config.hidden_dim, config.hidden_dim)) - 1
    return {"synapse_0": synapse_0, "synapse_h": synapse_h, "synapse_1": synapse_1}


# --- model, loss and optimizer ----------------------------------------------------------
def build_graph(initial: dict, config: Config = Config()) -> dict:
    """Build the graph in the current default graph, its variables starting at ``initial``;
    returns its tensors and ops by name."""
    tf = runtime.tf1()
    x = tf.placeholder(tf.float64, [None, config.binary_dim, config.input_dim], name="x")
    y_ = tf.placeholder(tf.float64, [None, config.binary_dim], name="y_")

    synapse_0 = tf.Variable(np.asarray(initial["synapse_0"], np.float64), name="synapse_0")
    synapse_h = tf.Variable(np.asarray(initial["synapse_h"], np.float64), name="synapse_h")
    synapse_1 = tf.Variable(np.asarray(initial["synapse_1"], np.float64), name="synapse_1")

    layer_1 = tf.zeros([tf.shape(x)[0], config.hidden_dim], dtype=tf.float64)
    outputs = []
    for position in range(config.binary_dim):  # lowest bit first, as the article
        layer_1 = tf.sigmoid(tf.matmul(x[:, position], synapse_0) + tf.matmul(layer_1, synapse_h))
        outputs.append(tf.sigmoid(tf.matmul(layer_1, synapse_1)))
    out = tf.concat(outputs, axis=1, name="out")  # [n, 8]

    loss = 0.5 * tf.reduce_sum(tf.square(y_ - out))
    # A Python float learning rate becomes a float32 tensor (0.10000000149...) that TF1 then
    # casts to float64; a float64 constant keeps the article's exact 0.1.
    learning_rate = tf.constant(config.alpha, dtype=tf.float64)
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    return {"x": x, "y_": y_, "out": out, "loss": loss, "train_op": train_op,
            "variables": [synapse_0, synapse_h, synapse_1]}


# --- training loop ----------------------------------------------------------------------
def exact_sum_accuracy(outputs, y) -> float:
    """Share of sums whose 8 rounded output bits are all right."""
    return float(np.mean(np.all(np.round(outputs) == y, axis=1)))


def train_loop(sess, g: dict, rng: np.random.RandomState, config: Config = Config(), *,
               verbose: bool = True) -> tuple[list, list]:
    """``config.steps`` iterations of one random example each, one ``sess.run`` per iteration.

    Returns ``(loss_history, accuracy_history)``: every ``log_every`` iterations, the mean
    loss of that window and the exact-sum accuracy over all 128 x 128 pairs (ours).
    """
    eval_x, eval_y, _, _ = data.evaluation_set()
    loss_history, accuracy_history, window = [], [], []
    bar = runtime.progress_bar(config.steps, verbose)
    # sess.run's fetches and feeds, parsed once instead of at every step (same graph)
    train_step = sess.make_callable([g["train_op"], g["loss"]], [g["x"], g["y_"]])
    for j in range(config.steps):
        x, y = data.generate_batch(1, rng)
        _, loss = train_step(x, y)
        window.append(loss)
        if (j + 1) % config.log_every == 0 or j + 1 == config.steps:
            loss_history.append((j + 1, float(np.mean(window))))
            window = []
            out = sess.run(g["out"], feed_dict={g["x"]: eval_x})
            accuracy_history.append((j + 1, exact_sum_accuracy(out, eval_y)))
            if bar is not None:
                bar.update(j + 1, values=[("loss", loss_history[-1][1])])
    return loss_history, accuracy_history


# --- evaluation -------------------------------------------------------------------------
def evaluate(sess, g: dict, *, verbose: bool = True) -> float:
    """Exact-sum accuracy over all 128 x 128 pairs, in one ``sess.run`` (ours)."""
    eval_x, eval_y, _, _ = data.evaluation_set()
    value = exact_sum_accuracy(sess.run(g["out"], feed_dict={g["x"]: eval_x}), eval_y)
    if verbose:
        print(f"exact-sum accuracy over all 128 x 128 pairs: {value:.4f}")
    return value


def train(config: Config = Config(), *, verbose: bool = True) -> float:
    """The program: the article's starting weights, its loop, our test; returns the accuracy."""
    rng = np.random.RandomState(config.seed)  # np.random.seed(0)
    weights = initial_weights(rng, config)
    with runtime.graph_session(seed=config.seed) as (graph, sess):
        g = build_graph(weights, config)
        runtime.tf1().global_variables_initializer().run()
        train_loop(sess, g, rng, config, verbose=verbose)
        return evaluate(sess, g, verbose=verbose)


if __name__ == "__main__":
    import sys

    # python legacy_graph/binary_addition_numpy_rnn.py [STEPS]: another budget (parity check --steps N)
    train(Config(steps=int(sys.argv[1])) if len(sys.argv) > 1 else Config())

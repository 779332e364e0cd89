"""An LSTM learns 8-bit binary addition: the TF1 graph-mode program of the article.

Source: "LSTM神经网络简单入门" ("A simple introduction to LSTM neural networks"),
whose code blocks were lost; the program it descends from (Andrew Trask's "Anyone Can
Learn To Code an LSTM-RNN in Python") gives the rest. Two numbers in
[0, 128) are fed bit by bit, lowest bit first ([batch, 8, 2]); a ``MultiRNNCell`` of
``lstm_layers`` x ``BasicLSTMCell(lstm_size)`` run by ``tf.nn.dynamic_rnn`` from
``cell.zero_state``; every step's output goes through one weight [lstm_size, 1] and a
sigmoid to give that bit of the sum; ``tf.losses.mean_squared_error`` and
``tf.train.AdamOptimizer()``, batches of 64. The article claims about 99% of sums right
after some 3,000 steps.

Defects of the article's code:
- ``lstm_cell()`` builds a ``DropoutWrapper(output_keep_prob=keep_prob)`` and returns the
  bare cell, so ``keep_prob`` (fed 0.5 in training, 1.0 in testing) does nothing;
- a zero output bias (``tf.zeros([1])``) is created and never added;
- ``cell.zero_state(batch_size)`` fixes the batch size at 64, so the graph cannot
  evaluate any other number of examples;
- the test is one random batch of 64 sums, printed one by one; no accuracy is computed.

Deviations (ours):
- dropout is a config switch (``use_dropout``), off by default, reproducing the
  article's behaviour; ``keep_prob`` is still a placeholder fed 0.5 / 1.0;
- ``zero_state(tf.shape(x)[0])``: the dynamic batch size, so that the 16,384-pair
  evaluation is one ``sess.run`` (the article's fixed 64 cannot run it);
- the output weight is named ``weights`` (the article's Python name) for stable names;
- metric (ours): exact-sum accuracy over all 128 x 128 pairs; the article's sample
  printout is kept, for ``samples`` sums instead of a whole batch of 64;
- log lines every ``log_every`` steps print the mean loss of that window;
- the program is cut into the article's parts (``build_graph``, ``train_loop``,
  ``evaluate``, ``print_samples``) so that the parity harness can run the same parts, read
  the weights and save a checkpoint (``parity/adapters/legacy/binary_addition_lstm.py``).
"""

from __future__ import annotations

import numpy as np

from datasets import binary_addition as data
from hyperparams import BinaryAdditionLSTMConfig as Config
from tf1_compat import runtime

EXAMPLE = "binary_addition_lstm"


# --- data -------------------------------------------------------------------------------
# datasets.binary_addition: int2binary via np.unpackbits, bits reversed (lowest first),
# a, b ~ randint(0, 128); generate_batch(batch_size, rng) -> x [b, 8, 2], y [b, 8].


# --- model, loss and optimizer ----------------------------------------------------------
def build_graph(config: Config = Config()) -> dict:
    """Build the article's graph in the current default graph; returns its tensors and ops."""
    tf = runtime.tf1()
    x = tf.placeholder(tf.float32, [None, config.binary_dim, 2], name="input_x")
    y_ = tf.placeholder(tf.float32, [None, config.binary_dim], name="input_y")
    keep_prob = tf.placeholder(tf.float32, name="keep_prob")

    def lstm_cell():
        lstm = tf.nn.rnn_cell.BasicLSTMCell(config.lstm_size)
        if config.use_dropout:
            return tf.nn.rnn_cell.DropoutWrapper(lstm, output_keep_prob=keep_prob)
        return lstm  # the article wrapped the cell, then returned the bare one

    cell = tf.nn.rnn_cell.MultiRNNCell([lstm_cell() for _ in range(config.lstm_layers)])
    # Deviation: the article's zero_state(batch_size) fixes the batch at 64.
    initial_state = cell.zero_state(tf.shape(x)[0], tf.float32)
    outputs, final_state = tf.nn.dynamic_rnn(cell, x, initial_state=initial_state)

    weights = tf.Variable(tf.truncated_normal([config.lstm_size, 1], stddev=0.01), name="weights")
    bias = tf.zeros([1])  # noqa: F841  (the article's bias: created, never added)
    outputs = tf.reshape(outputs, [-1, config.lstm_size])
    logits = tf.sigmoid(tf.matmul(outputs, weights))
    predictions = tf.reshape(logits, [-1, config.binary_dim])

    cost = tf.losses.mean_squared_error(y_, predictions)
    optimizer = tf.train.AdamOptimizer(config.learning_rate).minimize(cost)
    return {"x": x, "y_": y_, "keep_prob": keep_prob, "predictions": predictions,
            "cost": cost, "optimizer": optimizer}


# --- training loop ----------------------------------------------------------------------
def train_loop(sess, g: dict, rng: np.random.RandomState, config: Config = Config(), *,
               verbose: bool = True) -> list:
    """The article's ``feed_dict`` loop over random batches; returns ``[(step, mean loss)]``,
    one entry per ``log_every`` steps (the mean of that window, as printed)."""
    loss_history, window = [], []
    bar = runtime.progress_bar(config.steps, verbose)
    # sess.run's fetches and feeds, parsed once instead of at every step (same graph)
    train_step = sess.make_callable([g["optimizer"], g["cost"]],
                                    [g["x"], g["y_"], g["keep_prob"]])
    iteration = 1
    for _ in range(config.steps):
        input_x, input_y = data.generate_batch(config.batch_size, rng)
        _, loss = train_step(input_x, input_y, config.keep_prob)
        window.append(loss)
        if iteration % config.log_every == 0 or iteration == config.steps:
            loss_history.append((iteration, float(np.mean(window))))
            window = []
            if bar is not None:
                bar.update(iteration, values=[("loss", loss_history[-1][1])])
                print(f"\nIter:{iteration}, Loss:{loss_history[-1][1]}")
        iteration += 1
    return loss_history


# --- evaluation -------------------------------------------------------------------------
def exact_sum_accuracy(predictions, y) -> float:
    """Share of sums whose 8 rounded output bits are all right."""
    return float(np.mean(np.all(np.round(predictions) == y, axis=1)))


def evaluate(sess, g: dict, *, verbose: bool = True) -> float:
    """Exact-sum accuracy over all 128 x 128 pairs, in one ``sess.run`` (ours)."""
    eval_x, eval_y, _, _ = data.evaluation_set()
    result = sess.run(g["predictions"], feed_dict={g["x"]: eval_x, g["keep_prob"]: 1.0})
    value = exact_sum_accuracy(result, eval_y)
    if verbose:
        print(f"exact-sum accuracy over all 128 x 128 pairs: {value:.4f}")
    return value


def print_samples(val_x, result) -> None:
    """The article's printout: each operand and the predicted sum, in binary and decimal."""
    n1, n2 = data.bits_to_int(val_x[:, :, 0]), data.bits_to_int(val_x[:, :, 1])
    result = np.fabs(np.round(result))
    for b_x, b_p, a1, a2 in zip(val_x[:, ::-1], result[:, ::-1], n1, n2):  # highest bit first
        print(f"{b_x[:, 0].astype(int)}:{a1}")
        print(f"{b_x[:, 1].astype(int)}:{a2}")
        print(f"{b_p.astype(int)}:{data.bits_to_int(b_p[::-1])[0]}\n")


def sample_sums(sess, g: dict, rng: np.random.RandomState, samples: int = 5, *,
                verbose: bool = True):
    """The article's test: ``samples`` random sums, printed; returns ``(x, outputs)``."""
    val_x, _ = data.generate_batch(samples, rng)
    val_result = sess.run(g["predictions"], feed_dict={g["x"]: val_x, g["keep_prob"]: 1.0})
    if verbose:
        print_samples(val_x, val_result)
    return val_x, val_result


def train(config: Config = Config(), *, verbose: bool = True, samples: int = 5) -> float:
    """The article's program: build, train, test; returns the exact-sum accuracy."""
    rng = np.random.RandomState(config.seed)
    with runtime.graph_session(seed=config.seed) as (graph, sess):
        g = build_graph(config)
        sess.run(runtime.tf1().global_variables_initializer())
        train_loop(sess, g, rng, config, verbose=verbose)
        value = evaluate(sess, g, verbose=verbose)
        sample_sums(sess, g, rng, samples, verbose=verbose)
        return value


if __name__ == "__main__":
    import sys

    # python legacy_graph/binary_addition_lstm.py [STEPS]: another budget (parity check --steps N)
    train(Config(steps=int(sys.argv[1])) if len(sys.argv) > 1 else Config())

"""The TF1 -> Keras 3 API mapping: one table, used by ``parity diff`` and MIGRATION.md.

Each entry: the TF1 pattern (a regular expression matched against legacy source lines),
its Keras 3 form, the gotcha found on the way, and the example where it shows.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Mapping(NamedTuple):
    tf1: str  # the TF1 API, as written in MIGRATION.md
    pattern: str  # regex matched in legacy source
    keras: str  # the Keras 3 form
    gotcha: str
    example: str


MAPPINGS: list[Mapping] = [
    Mapping("tf.placeholder / feed_dict", r"\bplaceholder\(|feed_dict",
            "keras.Input(shape) / model(x) or fit(x, y)",
            "Placeholders have a batch dimension of None; Keras inputs leave it out of `shape`.",
            "all"),
    Mapping("tf.Session / sess.run", r"\bSession\(|sess\.run\(",
            "eager execution; model.fit / model.predict / model(x)",
            "Never call tf.compat.v1.disable_v2_behavior() in a process that also runs Keras 3: its fit breaks.",
            "all"),
    Mapping("tf.nn.rnn_cell.BasicLSTMCell / tf.contrib.rnn.BasicLSTMCell", r"BasicLSTMCell\(",
            "keras.layers.LSTM(units) or keras.layers.LSTMCell(units)",
            "Weight layout: TF1 keeps one kernel [input+units, 4u] with gates (i, j, f, o) and adds forget_bias=1.0 at run time; Keras splits kernel/recurrent_kernel, orders gates (i, f, c, o) and stores the forget bias in `bias` (unit_forget_bias only initialises). Transplant: split, reorder, fold forget_bias into the f slice.",
            "binary_addition_lstm, mnist_static_rnn, stacked_lstm, series_predictor"),
    Mapping("tf.nn.rnn_cell.LSTMCell", r"(?<!Basic)LSTMCell\(",
            "keras.layers.LSTM / keras.layers.LSTMCell",
            "Same layout as BasicLSTMCell (kernel, bias; forget_bias=1.0 added at run time). Initialisers differ: TF1 glorot_uniform over the joint kernel, Keras glorot_uniform kernel + orthogonal recurrent_kernel.",
            "mnist_dynamic_rnn, airline_passengers"),
    Mapping("tf.nn.rnn_cell.BasicRNNCell", r"BasicRNNCell\(",
            "keras.layers.SimpleRNN / SimpleRNNCell",
            "TF1 kernel [input+units, units] on concat([x, h]); Keras kernel [input, units] + recurrent_kernel [units, units].",
            "binary_addition_numpy_rnn"),
    Mapping("tf.nn.rnn_cell.MultiRNNCell", r"MultiRNNCell\(",
            "stacked keras.layers.LSTM(return_sequences=True) layers, or keras.layers.RNN([cell, cell])",
            "Variables are named rnn/multi_rnn_cell/cell_K/...; keras.layers.RNN over a list of cells returns the states of every cell, in order.",
            "binary_addition_lstm, stacked_lstm"),
    Mapping("tf.nn.rnn_cell.DropoutWrapper", r"DropoutWrapper\(",
            "LSTM(dropout=..., recurrent_dropout=...) or a keras.layers.Dropout after the layer",
            "keep_prob is a keep probability; Keras takes a drop rate (1 - keep_prob). Dropout is active only in training (fit / training=True).",
            "binary_addition_lstm"),
    Mapping("cell.zero_state(batch_size, dtype)", r"zero_state\(",
            "nothing: Keras RNN layers start from zeros for any batch size (or pass initial_state)",
            "zero_state(batch_size) with a Python int fixes the batch size of the graph: evaluation on another batch size fails. Use tf.shape(x)[0].",
            "binary_addition_lstm, mnist_static_rnn"),
    Mapping("tf.nn.static_rnn / tf.contrib.rnn.static_rnn + tf.unstack", r"static_rnn\(|unstack\(",
            "keras.layers.LSTM(units)(x) on [batch, time, features] (unroll=True for the unrolled graph)",
            "static_rnn takes a Python list of time steps and names variables rnn/basic_lstm_cell/...; the last output is outputs[-1].",
            "mnist_static_rnn"),
    Mapping("tf.nn.dynamic_rnn", r"dynamic_rnn\(",
            "keras.layers.RNN(cell, return_sequences=True, return_state=True) or keras.layers.LSTM",
            "time_major=False is Keras's layout; dynamic_rnn returns (outputs, final_state) where the LSTM state is an LSTMStateTuple(c, h): Keras returns [h, c].",
            "mnist_dynamic_rnn, stacked_lstm, series_predictor, airline_passengers"),
    Mapping("tf.nn.rnn_cell.LSTMStateTuple", r"LSTMStateTuple",
            "a list [h, c] (return_state=True)",
            "Order flips: TF1 (c, h), Keras [h, c].",
            "stacked_lstm"),
    Mapping("tf.layers.dense", r"layers\.dense\(",
            "keras.layers.Dense(units)",
            "Variables dense/kernel and dense/bias map one to one; tf.layers lives in tf_keras only (needs TF_USE_LEGACY_KERAS=1).",
            "mnist_dynamic_rnn"),
    Mapping("tf.Variable(tf.random_normal / truncated_normal) + tf.matmul", r"random_normal\(|truncated_normal\(",
            "keras.layers.Dense(units, kernel_initializer=RandomNormal / TruncatedNormal)",
            "tf.random_normal has stddev 1.0 by default: large initial logits; Keras Dense defaults to glorot_uniform and zero bias.",
            "mnist_static_rnn, binary_addition_lstm, series_predictor"),
    Mapping("tf.nn.softmax_cross_entropy_with_logits", r"softmax_cross_entropy_with_logits",
            "keras.losses.CategoricalCrossentropy(from_logits=True)",
            "The TF1 op returns per-example losses: the article wraps it in reduce_mean; Keras averages over the batch itself.",
            "mnist_static_rnn"),
    Mapping("tf.losses.softmax_cross_entropy", r"losses\.softmax_cross_entropy\(",
            "keras.losses.CategoricalCrossentropy(from_logits=True)",
            "Takes (onehot_labels, logits) in that order; mean over the batch.",
            "mnist_dynamic_rnn"),
    Mapping("tf.losses.mean_squared_error", r"mean_squared_error\(|reduce_mean\(tf\.square|squared_difference",
            "keras.losses.MeanSquaredError() / loss='mse'",
            "TF1 averages over every element; Keras averages the last axis, then the batch: equal for a per-step output of width 1.",
            "binary_addition_lstm, series_predictor, airline_passengers"),
    Mapping("tf.metrics.accuracy", r"metrics\.accuracy\(",
            "keras.metrics.CategoricalAccuracy / metrics=['accuracy'] (reset each evaluate)",
            "A streaming metric: its local variables accumulate over every call, so the printed 'test accuracy' is the running mean of all evaluations so far, not the current model's. Keras's evaluate resets its metrics.",
            "mnist_dynamic_rnn"),
    Mapping("tf.train.AdamOptimizer", r"AdamOptimizer\(",
            "keras.optimizers.Adam(learning_rate, epsilon=1e-8)",
            "Default epsilon 1e-8 in TF1, 1e-7 in Keras 3: pass epsilon=1e-8 to take the same step. Slot variables (Adam, Adam_1, beta1_power, beta2_power) are not model weights: leave them out of conversions.",
            "binary_addition_lstm, mnist_*, stacked_lstm, series_predictor, airline_passengers"),
    Mapping("tf.train.GradientDescentOptimizer", r"GradientDescentOptimizer\(",
            "keras.optimizers.SGD(learning_rate)",
            "Same update; the article's loss is 0.5 * sum of squared errors, not a mean: keep the reduction to take the same step.",
            "binary_addition_numpy_rnn"),
    Mapping("tf.train.Saver", r"Saver\(|saver\.(save|restore)",
            "model.save_weights('x.weights.h5') / model.load_weights, or tf.train.Checkpoint",
            "A Saver checkpoint is three files (index, data, meta) plus 'checkpoint'; `parity convert` turns one into Keras weights. Restoring in a second graph needs variable reuse (the SeriesPredictor defect).",
            "series_predictor"),
    Mapping("tf.global_variables_initializer / tf.local_variables_initializer",
            r"variables_initializer\(",
            "nothing: Keras variables are created initialised",
            "Forgetting local_variables_initializer breaks tf.metrics.*; Keras has no local variables.",
            "mnist_dynamic_rnn"),
    Mapping("tf.set_random_seed", r"set_random_seed\(",
            "keras.utils.set_random_seed(seed)",
            "The graph seed alone does not make tf_keras legacy cells start from the same weights: also call tf_keras.utils.set_random_seed.",
            "all"),
    Mapping("tensorflow.examples.tutorials.mnist.input_data", r"input_data|read_data_sets\(",
            "keras.datasets.mnist.load_data() (here: datasets.mnist.load_data())",
            "Removed from TensorFlow 2; images come as float [0, 1] rows of 784, labels one-hot on request. `datasets.mnist.read_data_sets` serves the same interface offline.",
            "mnist_static_rnn, mnist_dynamic_rnn, stacked_lstm"),
]

# Removed TF1 names that the legacy-script runner does not provide, and what replaces them:
# one table, shared with `parity legacy-run`'s one-line errors.
from parity.tf1_shim.replacements import REPLACEMENTS as REMOVED  # noqa: E402,F401


def annotate(line: str) -> list[Mapping]:
    """The mappings whose TF1 pattern occurs in a legacy source line."""
    return [m for m in MAPPINGS if re.search(m.pattern, line)]


def markdown_table() -> str:
    rows = ["| TF1 API | Keras 3 | gotcha | example |", "|---|---|---|---|"]
    for m in MAPPINGS:
        rows.append(f"| `{m.tf1}` | `{m.keras}` | {m.gotcha} | {m.example} |")
    return "\n".join(rows)

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


class Tf0Name(NamedTuple):
    tf0: str  # the TF 0.x name or call form
    tf1: str  # what TensorFlow 1.0 calls it (what `parity legacy-run` runs it as)
    keras: str  # the Keras 3 form


# The TF 0.x names TensorFlow 1.0 renamed or reordered (parity/tf1_shim/aliases.py, taken from
# TF 1.0's tf_upgrade.py) with their Keras 3 forms; a test checks that every aliased name and
# reordered function is here and that every keras.* name below exists in Keras 3.
TF0_NAMES: list[Tf0Name] = [
    Tf0Name("tf.mul", "tf.multiply", "keras.ops.multiply (or *)"),
    Tf0Name("tf.sub", "tf.subtract", "keras.ops.subtract (or -)"),
    Tf0Name("tf.neg", "tf.negative", "keras.ops.negative (or unary -)"),
    Tf0Name("tf.inv", "tf.reciprocal", "keras.ops.reciprocal"),
    Tf0Name("tf.select", "tf.where", "keras.ops.where"),
    Tf0Name("tf.pack", "tf.stack", "keras.ops.stack"),
    Tf0Name("tf.unpack", "tf.unstack", "keras.ops.unstack"),
    Tf0Name("tf.batch_matmul", "tf.matmul", "keras.ops.matmul (batches broadcast)"),
    Tf0Name("tf.complex_abs", "tf.abs", "keras.ops.absolute"),
    Tf0Name("tf.listdiff / tf.list_diff", "tf.setdiff1d",
            "no keras.ops form: numpy.setdiff1d on the values, or tf.sets.difference"),
    Tf0Name("tf.image.per_image_whitening", "tf.image.per_image_standardization",
            "keras.layers.Normalization (dataset statistics) or tf.image.per_image_standardization"),
    Tf0Name("tf.scalar_summary / tf.contrib.deprecated.scalar_summary", "tf.summary.scalar",
            "keras.callbacks.TensorBoard (fit logs the losses and metrics)"),
    Tf0Name("tf.histogram_summary / tf.contrib.deprecated.histogram_summary",
            "tf.summary.histogram", "keras.callbacks.TensorBoard(histogram_freq=1)"),
    Tf0Name("tf.image_summary", "tf.summary.image", "tf.summary.image in a keras.callbacks.Callback"),
    Tf0Name("tf.audio_summary", "tf.summary.audio", "tf.summary.audio in a keras.callbacks.Callback"),
    Tf0Name("tf.merge_summary / tf.merge_all_summaries", "tf.summary.merge / tf.summary.merge_all",
            "nothing: keras.callbacks.TensorBoard writes every summary"),
    Tf0Name("tf.train.SummaryWriter", "tf.summary.FileWriter",
            "keras.callbacks.TensorBoard(log_dir)"),
    Tf0Name("tf.nn.rnn", "tf.nn.static_rnn",
            "keras.layers.RNN(cell, unroll=True) / keras.layers.LSTM(units, unroll=True)"),
    Tf0Name("tf.nn.bidirectional_rnn", "tf.nn.static_bidirectional_rnn",
            "keras.layers.Bidirectional(keras.layers.LSTM(units))"),
    Tf0Name("tf.nn.state_saving_rnn", "tf.nn.static_state_saving_rnn",
            "keras.layers.LSTM(units, stateful=True)"),
    Tf0Name("tf.nn.seq2seq", "tf.contrib.legacy_seq2seq",
            "keras.layers.RNN encoder-decoder models (return_state=True, initial_state=...)"),
    Tf0Name("tf.batch_matrix_diag", "tf.matrix_diag", "keras.ops.diag (one matrix at a time)"),
    Tf0Name("tf.batch_band_part", "tf.matrix_band_part", "keras.ops.triu / keras.ops.tril"),
    Tf0Name("tf.batch_set_diag", "tf.matrix_set_diag", "no keras.ops form: tf.linalg.set_diag"),
    Tf0Name("tf.batch_matrix_transpose", "tf.matrix_transpose", "keras.ops.swapaxes(x, -1, -2)"),
    Tf0Name("tf.batch_matrix_determinant", "tf.matrix_determinant", "keras.ops.linalg.det"),
    Tf0Name("tf.batch_matrix_inverse", "tf.matrix_inverse", "keras.ops.linalg.inv"),
    Tf0Name("tf.batch_cholesky", "tf.cholesky", "keras.ops.linalg.cholesky"),
    Tf0Name("tf.batch_cholesky_solve", "tf.cholesky_solve", "keras.ops.linalg.solve"),
    Tf0Name("tf.batch_matrix_solve", "tf.matrix_solve", "keras.ops.linalg.solve"),
    Tf0Name("tf.batch_matrix_triangular_solve", "tf.matrix_triangular_solve",
            "keras.ops.linalg.solve_triangular"),
    Tf0Name("tf.batch_matrix_solve_ls", "tf.matrix_solve_ls", "keras.ops.linalg.lstsq"),
    Tf0Name("tf.batch_self_adjoint_eig", "tf.self_adjoint_eig", "keras.ops.linalg.eigh"),
    Tf0Name("tf.batch_self_adjoint_eigvals", "tf.self_adjoint_eigvals",
            "keras.ops.linalg.eigh (its first output)"),
    Tf0Name("tf.batch_svd", "tf.svd", "keras.ops.linalg.svd"),
    Tf0Name("tf.batch_fft / tf.batch_ifft", "tf.fft / tf.ifft",
            "keras.ops.fft (real, imag pairs); no keras.ops form of the inverse: tf.signal.ifft"),
    Tf0Name("tf.batch_fft2d / tf.batch_ifft2d", "tf.fft2d / tf.ifft2d", "keras.ops.fft2 / keras.ops.ifft2"),
    Tf0Name("tf.batch_fft3d / tf.batch_ifft3d", "tf.fft3d / tf.ifft3d",
            "no keras.ops form: tf.signal.fft3d / tf.signal.ifft3d"),
    Tf0Name("tf.concat(concat_dim, values)", "tf.concat(values, axis)",
            "keras.ops.concatenate(values, axis)"),
    Tf0Name("tf.split(split_dim, num_split, value)", "tf.split(value, num_or_size_splits, axis)",
            "keras.ops.split(x, indices_or_sections, axis)"),
    Tf0Name("tf.sparse_split(split_dim, num_split, sp_input)",
            "tf.sparse_split(sp_input=..., num_split=..., axis=...)", "no keras.ops form: tf.sparse.split"),
    Tf0Name("tf.svd(tensor, compute_uv, full_matrices)",
            "tf.svd(tensor, full_matrices, compute_uv)",
            "keras.ops.linalg.svd(x, full_matrices, compute_uv)"),
    Tf0Name("tf.nn.softmax_cross_entropy_with_logits(logits, labels)",
            "tf.nn.softmax_cross_entropy_with_logits(labels=..., logits=...)",
            "keras.losses.categorical_crossentropy(labels, logits, from_logits=True)"),
    Tf0Name("tf.nn.sparse_softmax_cross_entropy_with_logits(logits, labels)",
            "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=..., logits=...)",
            "keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)"),
    Tf0Name("tf.nn.sigmoid_cross_entropy_with_logits(logits, targets)",
            "tf.nn.sigmoid_cross_entropy_with_logits(labels=..., logits=...)",
            "keras.ops.binary_crossentropy(labels, logits, from_logits=True) (per element)"),
    Tf0Name("tf.reverse(tensor, [False, True])", "tf.reverse(tensor, axis=[1])",
            "keras.ops.flip(x, axis=1)"),
    # renamed by the script, but tf.compat.v1 still has the old names: they run as they are
    Tf0Name("tf.initialize_all_variables / tf.initialize_variables",
            "tf.global_variables_initializer / tf.variables_initializer (old names kept)",
            "nothing: Keras variables are created initialised"),
    Tf0Name("tf.initialize_local_variables", "tf.local_variables_initializer (old name kept)",
            "nothing: keras.metrics reset with reset_state()"),
    Tf0Name("tf.all_variables", "tf.global_variables (old name kept)", "model.weights"),
    Tf0Name("tf.op_scope(values, name)", "tf.name_scope(name, values=...) (old name kept)",
            "the name= of a keras.layers.Layer"),
]


def tf0_table() -> str:
    """MIGRATION.md's table of the TF 0.x names."""
    rows = ["| TF 0.x | TF 1.0 (what `parity legacy-run` runs) | Keras 3 |", "|---|---|---|"]
    for n in TF0_NAMES:
        rows.append(f"| `{n.tf0}` | `{n.tf1}` | {n.keras} |")
    return "\n".join(rows)


def annotate(line: str) -> list[Mapping]:
    """The mappings whose TF1 pattern occurs in a legacy source line."""
    return [m for m in MAPPINGS if re.search(m.pattern, line)]


def markdown_table() -> str:
    rows = ["| TF1 API | Keras 3 | gotcha | example |", "|---|---|---|---|"]
    for m in MAPPINGS:
        rows.append(f"| `{m.tf1}` | `{m.keras}` | {m.gotcha} | {m.example} |")
    return "\n".join(rows)

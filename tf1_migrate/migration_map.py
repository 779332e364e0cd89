"""The TF1 -> Keras 3 API mapping: one table, used by ``parity diff``, ``parity migrate`` and MIGRATION.md.

Each entry: the TF1 API, a regular expression that finds it in source lines (``parity diff``
annotates with it), the names ``parity migrate`` matches in a script's syntax tree, its
Keras 3 form, the gotcha found on the way, and the examples where it shows. :data:`OPS`
maps TF1 tensor operations to ``keras.ops``; :data:`TRAPS` words the traps ``parity
migrate`` attaches to a line. MIGRATION.md's tables are generated from here
(``python -m tf1_migrate.migration_map --write``); a test keeps them in step.
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
    # what `parity migrate` matches in the syntax tree: "Name" (the last part of a TF1 name:
    # tf.nn.rnn_cell.BasicLSTMCell, rnn.BasicLSTMCell, ...), "tf.x.y" (that TF1 name),
    # ".method" (called on anything), "obj.method" (on a variable named obj),
    # "keyword=" (a keyword argument, or a variable of that name), "import:module" (an import
    # of that module or below it)
    match: tuple = ()


MAPPINGS: list[Mapping] = [
    Mapping("tf.placeholder / feed_dict", r"\bplaceholder\(|feed_dict",
            "keras.Input(shape) / model(x) or fit(x, y)",
            "Placeholders have a batch dimension of None; Keras inputs leave it out of `shape`.",
            "all but binary_addition_numpy_rnn (its TF1 graph feeds no placeholders itself)",
            ("placeholder", "placeholder_with_default", "feed_dict=")),
    Mapping("tf.Session / sess.run", r"\bSession\(|sess\.run\(",
            "eager execution; model.fit / model.predict / model(x)",
            "Never call tf.compat.v1.disable_v2_behavior() in a process that also runs Keras 3: its fit breaks.",
            "all", ("Session", "InteractiveSession", "sess.run")),
    Mapping("tf.nn.rnn_cell.BasicLSTMCell / tf.contrib.rnn.BasicLSTMCell", r"\bBasicLSTMCell\(",
            "keras.layers.LSTM(units) or keras.layers.LSTMCell(units)",
            "Weight layout: TF1 keeps one kernel [input+units, 4u] with gates (i, j, f, o) and adds forget_bias=1.0 at run time; Keras splits kernel/recurrent_kernel, orders gates (i, f, c, o) and stores the forget bias in `bias` (unit_forget_bias only initialises). Transplant: split, reorder, fold forget_bias into the f slice.",
            "binary_addition_lstm, mnist_static_rnn, stacked_lstm, series_predictor", ("BasicLSTMCell",)),
    Mapping("tf.nn.rnn_cell.LSTMCell", r"(?<!Basic)LSTMCell\(",
            "keras.layers.LSTM / keras.layers.LSTMCell",
            "Same layout as BasicLSTMCell (kernel, bias; forget_bias=1.0 added at run time). Initialisers differ: TF1 glorot_uniform over the joint kernel, Keras glorot_uniform kernel + orthogonal recurrent_kernel. use_peepholes and num_proj have no Keras 3 equivalent.",
            "mnist_dynamic_rnn, airline_passengers", ("LSTMCell", "LSTMBlockCell")),
    Mapping("tf.nn.rnn_cell.GRUCell", r"\bGRUCell\(",
            "keras.layers.GRU(units, reset_after=False)",
            "TF1 applies the reset gate to the state before the recurrent matmul: that is Keras's reset_after=False (its default True is another model). Variables gates/kernel (r, u) and candidate/kernel on concat([x, h]); Keras orders (z, r, h) with z = TF1's u. TF1 starts the gate bias at 1.0.",
            "", ("GRUCell", "GRUBlockCell", "GRUBlockCellV2")),
    Mapping("tf.nn.rnn_cell.BasicRNNCell", r"BasicRNNCell\(",
            "keras.layers.SimpleRNN / SimpleRNNCell",
            "TF1 kernel [input+units, units] on concat([x, h]); Keras kernel [input, units] + recurrent_kernel [units, units] (binary_addition_numpy_rnn's hand-written RNN keeps them apart already).",
            "", ("BasicRNNCell",)),
    Mapping("tf.nn.rnn_cell.MultiRNNCell", r"MultiRNNCell\(",
            "stacked keras.layers.LSTM(return_sequences=True) layers, or keras.layers.RNN([cell, cell])",
            "Variables are named rnn/multi_rnn_cell/cell_K/...; keras.layers.RNN over a list of cells returns the states of every cell, in order.",
            "binary_addition_lstm, stacked_lstm", ("MultiRNNCell",)),
    Mapping("tf.nn.rnn_cell.DropoutWrapper", r"DropoutWrapper\(",
            "LSTM(dropout=..., recurrent_dropout=...) or a keras.layers.Dropout after the layer",
            "keep_prob is a keep probability; Keras takes a drop rate (1 - keep_prob). Dropout is active only in training (fit / training=True); a TF1 wrapper built with a constant keep_prob < 1 drops at inference too.",
            "binary_addition_lstm", ("DropoutWrapper",)),
    Mapping("tf.nn.dropout / tf.layers.dropout", r"nn\.dropout\(|layers\.dropout\(",
            "keras.layers.Dropout(rate)",
            "tf.nn.dropout(x, keep_prob) takes a keep probability and drops whenever it runs (feed 1.0 at inference); tf.layers.dropout drops only with training=True (False by default). Keras's Dropout takes a drop rate and is active in fit only.",
            "", ("tf.nn.dropout", "tf.layers.dropout", "tf.contrib.layers.dropout")),
    Mapping("cell.zero_state(batch_size, dtype)", r"zero_state\(",
            "nothing: Keras RNN layers start from zeros for any batch size (or pass initial_state)",
            "zero_state(batch_size) with a Python int fixes the batch size of the graph: evaluation on another batch size fails. Use tf.shape(x)[0].",
            "binary_addition_lstm, mnist_static_rnn", (".zero_state",)),
    Mapping("tf.nn.static_rnn / tf.contrib.rnn.static_rnn + tf.unstack", r"\bstatic_rnn\(|\bunstack\(",
            "keras.layers.LSTM(units)(x) on [batch, time, features] (unroll=True for the unrolled graph)",
            "static_rnn takes a Python list of time steps and names variables rnn/basic_lstm_cell/...; the last output is outputs[-1].",
            "mnist_static_rnn", ("static_rnn", "unstack")),
    Mapping("tf.nn.dynamic_rnn", r"\bdynamic_rnn\(",
            "keras.layers.RNN(cell, return_sequences=True, return_state=True) or keras.layers.LSTM",
            "time_major=False is Keras's layout; dynamic_rnn returns (outputs, final_state) where the LSTM state is an LSTMStateTuple(c, h): Keras returns [h, c].",
            "mnist_dynamic_rnn, stacked_lstm, series_predictor, airline_passengers", ("dynamic_rnn",)),
    Mapping("tf.nn.bidirectional_dynamic_rnn / tf.nn.static_bidirectional_rnn",
            r"\b(bidirectional_dynamic_rnn|static_bidirectional_rnn)\(",
            "keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True), merge_mode='concat')",
            "bidirectional_dynamic_rnn returns the two directions apart (you merge them; concat is merge_mode='concat'). outputs[-1] of static_bidirectional_rnn is the backward cell's first step, not Keras's return_sequences=False output (its final state): take the last row of the sequence.",
            "", ("bidirectional_dynamic_rnn", "static_bidirectional_rnn")),
    Mapping("tf.contrib.rnn.stack_bidirectional_dynamic_rnn / stack_bidirectional_rnn",
            r"stack_bidirectional_(dynamic_)?rnn\(",
            "keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True)) per layer",
            "Each layer is fed the concatenated outputs of the layer below: stacked Bidirectional layers, not one Bidirectional over a stacked cell.",
            "", ("stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn")),
    Mapping("tf.contrib.rnn.OutputProjectionWrapper", r"OutputProjectionWrapper\(",
            "keras.layers.Dense(n) on the RNN's sequence (return_sequences=True)",
            "A dense layer on every step's output inside the cell: its variables are output_projection_wrapper/kernel and bias.",
            "", ("OutputProjectionWrapper",)),
    Mapping("tf.nn.rnn_cell.LSTMStateTuple", r"LSTMStateTuple",
            "a list [h, c] (return_state=True)",
            "Order flips: TF1 (c, h), Keras [h, c] (stacked_lstm's final states: one LSTMStateTuple per cell).",
            "", ("LSTMStateTuple",)),
    Mapping("tf.layers.dense", r"layers\.dense\(",
            "keras.layers.Dense(units)",
            "Variables dense/kernel and dense/bias map one to one; tf.layers lives in tf_keras only (needs TF_USE_LEGACY_KERAS=1).",
            "mnist_dynamic_rnn, stacked_lstm, airline_passengers", ("tf.layers.dense",)),
    Mapping("tf.contrib.layers.fully_connected / xavier_initializer",
            r"fully_connected\(|xavier_initializer\(",
            "keras.layers.Dense(units, activation='relu') / keras.initializers.GlorotUniform()",
            "fully_connected applies relu by default (activation_fn=tf.nn.relu); Dense is linear by default.",
            "", ("fully_connected", "xavier_initializer", "xavier_initializer_conv2d")),
    Mapping("tf.Variable(tf.random_normal / truncated_normal) + tf.matmul", r"random_normal\(|truncated_normal\(",
            "keras.layers.Dense(units, kernel_initializer=RandomNormal / TruncatedNormal)",
            "tf.random_normal has stddev 1.0 by default: large initial logits; Keras Dense defaults to glorot_uniform and zero bias.",
            "mnist_static_rnn, binary_addition_lstm, series_predictor",
            ("random_normal", "truncated_normal", "random_normal_initializer", "truncated_normal_initializer")),
    Mapping("tf.matmul / tf.nn.xw_plus_b on variables", r"\bmatmul\(|xw_plus_b\(",
            "keras.layers.Dense(units) (or keras.ops.matmul)",
            "A plain [features, units] variable and a [units] bias are a Dense layer's kernel and bias, as they are; tf.matmul on a 3-D batch multiplies every step.",
            "binary_addition_lstm, binary_addition_numpy_rnn, mnist_static_rnn, series_predictor",
            ("matmul", "xw_plus_b")),
    Mapping("tf.get_variable / tf.variable_scope", r"get_variable\(|variable_scope\(",
            "the layer's own weights (keras.layers.Layer.add_weight) and layer names",
            "Scopes name the variables (and a checkpoint's keys); reuse=True shares them. Keras layers own their weights: no reuse flags.",
            "", ("get_variable", "variable_scope", "get_variable_scope")),
    Mapping("tf.nn.embedding_lookup", r"embedding_lookup\(",
            "keras.layers.Embedding(vocabulary, units)",
            "The embedding variable [vocabulary, units] is the Embedding layer's embeddings, as it is.",
            "", ("embedding_lookup",)),
    Mapping("tf.nn.softmax_cross_entropy_with_logits", r"(?<!sparse_)softmax_cross_entropy_with_logits",
            "keras.losses.CategoricalCrossentropy(from_logits=True)",
            "The TF1 op returns per-example losses: the article wraps it in reduce_mean; Keras averages over the batch itself.",
            "mnist_static_rnn",
            ("softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2")),
    Mapping("tf.nn.sparse_softmax_cross_entropy_with_logits", r"sparse_softmax_cross_entropy_with_logits",
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            "Integer labels; the TF1 op returns per-example losses (wrapped in reduce_mean or reduce_sum: the Keras loss averages over the batch).",
            "", ("sparse_softmax_cross_entropy_with_logits",)),
    Mapping("from tensorflow.contrib import rnn", r"from tensorflow\.contrib import rnn",
            "keras.layers (LSTM, GRU, SimpleRNN, RNN, Bidirectional)",
            "rnn.BasicLSTMCell, rnn.static_rnn, ... are the tf.nn.rnn_cell / tf.nn names: each use is listed on its own line.",
            "", ("import:tensorflow.contrib.rnn",)),
    Mapping("tf.losses.softmax_cross_entropy", r"losses\.softmax_cross_entropy\(",
            "keras.losses.CategoricalCrossentropy(from_logits=True)",
            "Takes (onehot_labels, logits) in that order; mean over the batch.",
            "mnist_dynamic_rnn, stacked_lstm", ("tf.losses.softmax_cross_entropy",)),
    Mapping("tf.losses.mean_squared_error", r"mean_squared_error\(|reduce_mean\(tf\.square|squared_difference",
            "keras.losses.MeanSquaredError() / loss='mse'",
            "TF1 averages over every element; Keras averages the last axis, then the batch: equal for a per-step output of width 1.",
            "binary_addition_lstm, series_predictor, airline_passengers",
            ("mean_squared_error", "squared_difference", "reduce_mean(square)")),
    Mapping("tf.contrib.legacy_seq2seq.sequence_loss(_by_example) / tf.contrib.seq2seq.sequence_loss",
            r"sequence_loss(_by_example)?\(",
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True) with sample_weight",
            "Averaged over the weights' sum per step, then over the batch (average_across_timesteps / _batch): pass the same weights as sample_weight.",
            "", ("sequence_loss", "sequence_loss_by_example")),
    Mapping("tf.contrib.legacy_seq2seq.rnn_decoder", r"rnn_decoder\(",
            "keras.layers.RNN(cell, return_sequences=True) (teacher forcing); a loop over cell calls for loop_function",
            "With loop_function each step is fed the previous output: not a Keras RNN layer any more.",
            "", ("rnn_decoder",)),
    Mapping("tf.contrib.seq2seq.BasicDecoder / dynamic_decode / TrainingHelper",
            r"\b(BasicDecoder|dynamic_decode|TrainingHelper)\(",
            "training: keras.layers.LSTM(units, return_sequences=True, return_state=True)(targets_in, initial_state=encoder_states) (teacher forcing); inference: a loop over keras.layers.LSTMCell steps",
            "dynamic_decode returns (outputs, final_state, final_sequence_lengths): outputs.rnn_output [batch, time, units] and outputs.sample_id. impute_finished zeros the outputs past each sequence's end and keeps its state; without maximum_iterations inference runs until every sequence emits end_token, which an untrained model may never do.",
            "", ("BasicDecoder", "dynamic_decode", "TrainingHelper")),
    Mapping("tf.contrib.seq2seq.GreedyEmbeddingHelper / SampleEmbeddingHelper",
            r"\b(GreedyEmbeddingHelper|SampleEmbeddingHelper)\(",
            "keras_hub.samplers.GreedySampler() / keras_hub.samplers.RandomSampler(temperature) on a next(prompt, cache, index) function that returns the logits",
            "start_tokens is a [batch] vector and end_token a scalar; each step is fed the embedding of the last argmax (or sample). keras_hub's samplers fill a fixed-length prompt and stop at stop_token_ids.",
            "", ("GreedyEmbeddingHelper", "SampleEmbeddingHelper")),
    Mapping("tf.contrib.seq2seq.BahdanauAttention / LuongAttention",
            r"\b(BahdanauAttention|LuongAttention)\(",
            "keras.layers.AdditiveAttention(use_scale=True) (Bahdanau) / keras.layers.Attention(use_scale=scale) (Luong), after Dense(num_units, use_bias=False) projections",
            "TF1 projects the memory (memory_layer/kernel) and, for Bahdanau, the query (query_layer/kernel); the Keras layers project nothing: add the Dense layers. AdditiveAttention's scale vector is attention_v, Attention's scalar scale is Luong's attention_g. memory_sequence_length becomes the value mask. normalize=True (weight-normalised v, attention_g, attention_b) has no Keras form.",
            "", ("BahdanauAttention", "LuongAttention")),
    Mapping("tf.contrib.seq2seq.AttentionWrapper", r"\bAttentionWrapper\(",
            "a keras.layers.Layer whose step runs an LSTMCell on concat([input, previous attention]), then AdditiveAttention / Attention over the memory, then Dense(attention_layer_size, use_bias=False) on concat([cell_output, context])",
            "Each step reads the previous step's attention (input feeding), so it is a step loop, not one Attention layer over the decoder's outputs (keras.layers.Attention()([decoder_seq, encoder_seq]) is another model). Start it from the encoder with zero_state(...).clone(cell_state=encoder_state); alignment_history keeps each step's alignments.",
            "", ("AttentionWrapper",)),
    Mapping("tf.contrib.seq2seq.BeamSearchDecoder / tile_batch / gather_tree",
            r"\b(BeamSearchDecoder|tile_batch|gather_tree)\(",
            "keras_hub.samplers.BeamSampler(num_beams=beam_width, return_all_beams=True)",
            "The memory, its lengths and the initial state must be tile_batch'ed to batch * beam_width; predicted_ids is [batch, time, beam_width], best beam first; length_penalty_weight is GNMT's ((5 + length) / 6) ** weight, which BeamSampler does not apply.",
            "", ("BeamSearchDecoder", "tile_batch", "gather_tree")),
    Mapping("tf.contrib.legacy_seq2seq.embedding_attention_seq2seq / attention_decoder / embedding_rnn_seq2seq / basic_rnn_seq2seq",
            r"\b(embedding_attention_seq2seq|attention_decoder|embedding_rnn_seq2seq|basic_rnn_seq2seq|embedding_rnn_decoder|embedding_attention_decoder)\(",
            "keras.layers.Embedding + a keras.layers.GRU / LSTM encoder (return_sequences=True, return_state=True) and a decoder with keras.layers.AdditiveAttention, Dense(vocabulary) outputs",
            "Inputs are Python lists of [batch] id tensors, one per time step, decoder inputs starting with GO; feed_previous=True feeds the argmax back (greedy inference), False teacher-forces. The encoder runs on a copy of the cell; without output_projection the decoder's outputs are the vocabulary's logits (OutputProjectionWrapper).",
            "", ("embedding_attention_seq2seq", "attention_decoder", "embedding_rnn_seq2seq",
                 "basic_rnn_seq2seq", "embedding_rnn_decoder", "embedding_attention_decoder")),
    Mapping("tf.contrib.legacy_seq2seq.model_with_buckets", r"\bmodel_with_buckets\(",
            "one keras.Model on padded batches (pad each batch to its bucket's length, mask the padding)",
            "One unrolled graph per bucket, all sharing the variables; outputs and losses are lists with one entry per bucket: run the entry of the batch's bucket.",
            "", ("model_with_buckets",)),
    Mapping("tf.metrics.accuracy", r"metrics\.accuracy\(",
            "keras.metrics.CategoricalAccuracy / metrics=['accuracy'] (reset each evaluate)",
            "A streaming metric: its local variables accumulate over every call, so the printed 'test accuracy' is the running mean of all evaluations so far, not the current model's. Keras's evaluate resets its metrics.",
            "mnist_dynamic_rnn", ("tf.metrics.accuracy",)),
    Mapping("tf.train.AdamOptimizer", r"AdamOptimizer\(",
            "keras.optimizers.Adam(learning_rate, epsilon=1e-8)",
            "Default epsilon 1e-8 in TF1, 1e-7 in Keras 3: pass epsilon=1e-8 to take the same step. Slot variables (Adam, Adam_1, beta1_power, beta2_power) are not model weights: leave them out of conversions.",
            "binary_addition_lstm, mnist_*, stacked_lstm, series_predictor, airline_passengers",
            ("AdamOptimizer",)),
    Mapping("tf.train.RMSPropOptimizer", r"RMSPropOptimizer\(",
            "keras.optimizers.RMSprop(learning_rate, rho=decay, momentum=momentum, epsilon=1e-10)",
            "TF1's epsilon is 1e-10 (Keras 1e-7), its decay is Keras's rho, and it starts the mean square at 1.0 where Keras starts at 0: the first steps differ even with equal settings.",
            "", ("RMSPropOptimizer",)),
    Mapping("tf.train.MomentumOptimizer / AdagradOptimizer",
            r"MomentumOptimizer\(|AdagradOptimizer\(",
            "keras.optimizers.SGD(learning_rate, momentum=m, nesterov=use_nesterov) / keras.optimizers.Adagrad(learning_rate, epsilon=...)",
            "Momentum: the same update for a constant learning rate. Adagrad: both start the accumulator at 0.1; Keras adds epsilon 1e-7 to the denominator, TF1 none.",
            "", ("MomentumOptimizer", "AdagradOptimizer")),
    Mapping("tf.train.GradientDescentOptimizer", r"GradientDescentOptimizer\(",
            "keras.optimizers.SGD(learning_rate)",
            "Same update; the article's loss is 0.5 * sum of squared errors, not a mean: keep the reduction to take the same step.",
            "binary_addition_numpy_rnn", ("GradientDescentOptimizer",)),
    Mapping("tf.train.Saver", r"Saver\(|saver\.(save|restore)",
            "model.save_weights('x.weights.h5') / model.load_weights, or tf.train.Checkpoint",
            "A Saver checkpoint is three files (index, data, meta) plus 'checkpoint'; `parity convert` turns one into Keras weights. Restoring in a second graph needs variable reuse (the SeriesPredictor defect).",
            "series_predictor", ("Saver", "saver.save", "saver.restore")),
    Mapping("tf.global_variables_initializer / tf.local_variables_initializer",
            r"variables_initializer\(",
            "nothing: Keras variables are created initialised",
            "Forgetting local_variables_initializer breaks tf.metrics.*; Keras has no local variables.",
            "all but binary_addition_numpy_rnn (it loads given weights)",
            ("global_variables_initializer", "local_variables_initializer", "variables_initializer",
             "initialize_all_variables")),
    Mapping("tf.set_random_seed", r"\btf\.(compat\.v1\.)?set_random_seed\(",
            "keras.utils.set_random_seed(seed)",
            "The graph seed alone does not make tf_keras legacy cells start from the same weights: also call tf_keras.utils.set_random_seed.",
            "the scripts; the legacy modules seed through tf1_compat.runtime.graph_session",
            ("set_random_seed",)),
    Mapping("tf.flags / tf.app.run / tf.logging / tf.gfile", r"tf\.flags|app\.run\(|tf\.logging|gfile\.",
            "argparse (or absl.flags) / a plain main() / logging / open() or tf.io.gfile",
            "tf.app.run parses the flags and calls main(argv): call your main yourself; tf.gfile.GFile is tf.io.gfile.GFile in TF2.",
            "", ("tf.flags", "tf.app.run", "tf.logging", "tf.gfile")),
    Mapping("tensorflow.examples.tutorials.mnist.input_data", r"input_data|read_data_sets\(",
            "keras.datasets.mnist.load_data()",
            "Removed from TensorFlow 2; read_data_sets gave float [0, 1] rows of 784 and one-hot labels on request: load_data gives uint8 [n, 28, 28] and integer labels (divide by 255, reshape, keras.utils.to_categorical).",
            "mnist_static_rnn, mnist_dynamic_rnn, stacked_lstm",
            ("import:tensorflow.examples.tutorials.mnist.input_data", "input_data", ".read_data_sets")),
]

# TF1 tensor operations and their keras.ops forms (the same arguments unless noted).
OPS: dict[str, str] = {
    "reduce_mean": "keras.ops.mean", "reduce_sum": "keras.ops.sum", "reduce_max": "keras.ops.max",
    "reduce_min": "keras.ops.min", "reshape": "keras.ops.reshape", "transpose": "keras.ops.transpose (perm= is axes=)",
    "concat": "keras.ops.concatenate (values, axis)", "stack": "keras.ops.stack", "split": "keras.ops.split",
    "expand_dims": "keras.ops.expand_dims", "squeeze": "keras.ops.squeeze", "cast": "keras.ops.cast",
    "argmax": "keras.ops.argmax", "equal": "keras.ops.equal", "square": "keras.ops.square",
    "sqrt": "keras.ops.sqrt", "exp": "keras.ops.exp", "log": "keras.ops.log", "abs": "keras.ops.abs",
    "add": "keras.ops.add", "subtract": "keras.ops.subtract", "multiply": "keras.ops.multiply",
    "div": "keras.ops.divide", "divide": "keras.ops.divide", "one_hot": "keras.ops.one_hot",
    "zeros": "keras.ops.zeros", "ones": "keras.ops.ones", "shape": "keras.ops.shape",
    "tile": "keras.ops.tile", "where": "keras.ops.where", "clip_by_value": "keras.ops.clip",
    "sigmoid": "keras.ops.sigmoid", "tanh": "keras.ops.tanh", "softmax": "keras.ops.softmax",
    "relu": "keras.ops.relu", "constant": "keras.ops.convert_to_tensor", "range": "keras.ops.arange",
    "Variable": "a layer weight (Layer.add_weight) or keras.Variable",
    "float32": "'float32' (dtypes are strings)", "float64": "'float64'", "int32": "'int32'",
    "int64": "'int64'",
}

# The traps `parity migrate` puts on a line; {placeholders} are filled from the call.
TRAPS: dict[str, str] = {
    "forget_bias": "forget bias: TF1 adds forget_bias={value} to the forget gate at run time and never stores it; Keras keeps it inside `bias` (unit_forget_bias only initialises): fold it in when you copy weights (parity convert does)",
    "lstm_layout": "weight layout: one TF1 kernel [input + units, 4 units] on concat([x, h]), gates (i, j, f, o); Keras has kernel + recurrent_kernel, gates (i, f, c, o)",
    "gru_layout": "weight layout: TF1's GRUCell is Keras's GRU(reset_after=False) (the default True is another model); gates (r, u) + candidate become (z, r, h) with z = u",
    "rnn_layout": "weight layout: TF1 kernel [input + units, units] on concat([x, h]); Keras kernel [input, units] + recurrent_kernel [units, units]",
    "no_keras": "{feature}: Keras 3's LSTM has no {feature}; no built-in Keras 3 layer computes this cell: parity convert emits tf1_migrate.keras_layers.TF1LSTMCell in keras.layers.RNN (load the model after importing tf1_migrate.keras_layers)",
    "zero_state": "zero_state({value}) {certainty}fixes the batch size in the graph: another batch size fails; Keras RNN layers start from zeros for any batch",
    "streaming_metric": "streaming metric: its local variables accumulate over every sess.run, so the value is the running mean of all evaluations so far; Keras's evaluate() resets its metrics",
    "random_normal": "initialiser: {name} draws with stddev {value}, far larger than Keras's glorot_uniform: pass keras.initializers.RandomNormal(stddev={stddev}) to keep it",
    "adam_epsilon": "Adam epsilon: TF1's AdamOptimizer uses {value}; Keras 3's Adam defaults to 1e-7: pass epsilon={value} to take the same step",
    "rmsprop": "RMSProp: TF1's epsilon is {value} (Keras 1e-7) and it starts the mean square at 1.0 (Keras at 0); decay= is Keras's rho=: the first steps differ",
    "adagrad": "Adagrad: Keras adds epsilon (1e-7) to the denominator, TF1 does not",
    "time_major": "time_major={value}: TF1 takes [time, batch, features] here; Keras RNN layers take [batch, time, features]: transpose the inputs (and sequence outputs)",
    "state_is_tuple": "state_is_tuple=False: the state is one tensor concat([c, h]); Keras returns the states as a list [h, c]",
    "dropout_const": "dropout: keep probability {value} is a constant, so it drops at inference too; Keras applies dropout in training only (rate = 1 - keep_prob)",
    "dropout_fed": "dropout: keep probability {value} must be fed as 1.0 at inference; Keras applies dropout in training only (rate = 1 - keep_prob)",
    "layers_dropout": "dropout: tf.layers.dropout drops only when training=True, and training is {value}; Keras's Dropout is active in fit only",
    "tf0_name": "TF 0.x name: TensorFlow 1.0 calls it {tf1}; legacy-run runs it so (a one-line error with --strict)",
    "sequence_length": "sequence_length={value}: TF1 stops each sequence at its length (outputs zero, state frozen after it); a Keras RNN runs every step unless given a mask: pass the lengths as an input and a mask (parity convert emits one), and pick the last valid output (return_sequences=False with the mask) where the script gathers it",
    "initial_state": "initial_state={value}: the state fed in (carried from the previous batch in streaming scripts); a Keras RNN starts from zeros unless called with initial_state=[h, c] (and return_state=True to carry it on), or stateful=True with a fixed batch",
    "reduce_sum_loss": "loss: reduce_sum adds the errors of every element of the batch; Keras losses average over the batch (and MeanSquaredError over the last axis): the gradients, so the effective learning rate, differ by the number of elements summed",
    "random_normal_bias": "bias: {name}({shape}) draws the bias with stddev {value}; Keras's Dense starts its bias at zeros: pass bias_initializer=keras.initializers.RandomNormal(stddev={value}) to start as TF1 did",
    "bidirectional_last": "outputs: outputs[-1] here is the backward cell's first step; Keras's Bidirectional(return_sequences=False) gives its final state: take the last row of the sequence instead",
}

# Removed TF1 names that the legacy-script runner does not provide, and what replaces them:
# one table, shared with `parity legacy-run`'s one-line errors.
from tf1_compat.replacements import REPLACEMENTS as REMOVED  # noqa: E402,F401


class Tf0Name(NamedTuple):
    tf0: str  # the TF 0.x name or call form
    tf1: str  # what TensorFlow 1.0 calls it (what `parity legacy-run` runs it as)
    keras: str  # the Keras 3 form


# The TF 0.x names TensorFlow 1.0 renamed or reordered (tf1_compat/aliases.py, taken from
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


def ops_table() -> str:
    rows = ["| TF1 (`tf.`) | Keras 3 |", "|---|---|"]
    for name, keras in sorted(OPS.items(), key=lambda kv: kv[0].lower()):
        rows.append(f"| `{name}` | `{keras}` |")
    return "\n".join(rows)


def removed_table() -> str:
    rows = ["| TF1 | use instead |", "|---|---|"]
    for name, use in REMOVED.items():
        rows.append(f"| `{name}` | {use or 'no direct replacement'} |")
    return "\n".join(rows)


GENERATED = {"api": markdown_table, "ops": ops_table, "tf0": tf0_table, "removed": removed_table}


def generated_blocks(text: str) -> dict:
    """``{name: table}`` between MIGRATION.md's ``<!-- generated: NAME -->`` and ``<!-- end -->``."""
    return {name: body.rstrip("\n") for name, body in
            re.findall(r"<!-- generated: (\w+) -->\n(.*?)<!-- end -->", text, re.S)}


def write_migration_md(path) -> bool:
    """Regenerate the tables in MIGRATION.md; True when it changed."""
    import os
    from pathlib import Path

    path = Path(path)
    text = path.read_text()
    new = re.sub(r"(<!-- generated: (\w+) -->\n).*?(<!-- end -->)",
                 lambda m: m.group(1) + GENERATED[m.group(2)]() + "\n" + m.group(3), text, flags=re.S)
    if new == text:
        return False
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    tmp.write_text(new)
    os.replace(tmp, path)
    return True


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if sys.argv[1:] != ["--write"]:
        print("usage: python -m tf1_migrate.migration_map --write   (regenerates MIGRATION.md's tables)")
        sys.exit(2)
    md = Path(__file__).resolve().parent.parent / "MIGRATION.md"
    print(f"{md}: {'regenerated' if write_migration_md(md) else 'already up to date'}")

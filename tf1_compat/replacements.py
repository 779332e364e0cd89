"""Removed TF1 APIs that ``legacy-run`` does not provide, and what replaces them in TF2.

``REPLACEMENTS`` maps a dotted TF1 name (as a script spells it, ``tf.`` first) to its
TF2/Keras replacement. A name that is not in the table takes the entry of its longest
listed prefix (``tf.contrib.slim.arg_scope`` -> ``tf.contrib.slim``). ``None`` means:
no replacement is known. The table is data: add a line to teach the runner a new name.

The TF 0.x names that TensorFlow 1.0 renamed (``tf.mul`` -> ``tf.multiply``) are not here:
they run as their TF1 name (:mod:`tf1_compat.aliases`), and under ``--strict`` their
one-line error names it from that table.
"""

from __future__ import annotations

from tf1_compat.aliases import ALIASES

REPLACEMENTS: dict[str, str | None] = {
    # --- tf.contrib, the packages as a whole ---------------------------------------
    "tf.contrib": "tf.contrib was removed in TF 2.0 (see the 'contrib sunset' RFC); "
    "most of it moved to Keras, tf.compat.v1 or separate packages",
    "tf.contrib.slim": "the tf_slim package (pip install tf-slim; import tf_slim as slim)",
    "tf.contrib.learn": "keras (keras.Model.fit); tf.estimator is gone in TF 2.16+",
    "tf.contrib.learn.datasets": "keras.datasets (load_dataset('mnist') and "
    "mnist.read_data_sets are provided)",
    "tf.contrib.learn.preprocessing": "keras.layers.TextVectorization (VocabularyProcessor "
    "is provided)",
    "tf.contrib.estimator": "keras.Model.fit (tf.estimator is gone in TF 2.16+)",
    "tf.contrib.keras": "tf.keras (tf_keras) or keras",
    "tf.contrib.cudnn_rnn": "keras.layers.LSTM / keras.layers.GRU (they use cuDNN on a GPU by themselves)",
    "tf.contrib.eager": "nothing: TF2 runs eagerly by default (tf.function for graphs)",
    "tf.contrib.seq2seq": "keras_hub / keras.layers (attention: keras.layers.Attention, "
    "MultiHeadAttention, keras_hub.samplers.BeamSampler); the NMT-era decoders, attention and "
    "beam search are provided",
    "tf.contrib.legacy_seq2seq": "keras.layers.RNN encoder-decoder models (the seq2seq models, "
    "rnn_decoder and the sequence losses are provided)",
    "tf.contrib.distributions": "tensorflow_probability.distributions",
    "tf.contrib.bayesflow": "tensorflow_probability",
    "tf.contrib.gan": "the tensorflow-gan package",
    "tf.contrib.crf": "the tensorflow-addons text.crf module (unmaintained) or keras_nlp",
    "tf.contrib.opt": "keras.optimizers (or tf.compat.v1.train optimizers)",
    "tf.contrib.metrics": "keras.metrics, or tf.compat.v1.metrics",
    "tf.contrib.losses": "keras.losses, or tf.compat.v1.losses",
    "tf.contrib.summary": "tf.summary (TF2)",
    "tf.contrib.tensorboard": "tf.summary and TensorBoard's plugins",
    "tf.contrib.data": "tf.data",
    "tf.contrib.image": "tf.image, or keras.layers image preprocessing",
    "tf.contrib.lookup": "tf.lookup",
    "tf.contrib.framework": "tf.compat.v1 (get_or_create_global_step: tf.compat.v1.train) or tf_slim (arg_scope)",
    "tf.contrib.training": "keras.Model.fit, tf.data",
    "tf.contrib.tpu": "tf.distribute.TPUStrategy",
    "tf.contrib.distribute": "tf.distribute",
    "tf.contrib.quantize": "the tensorflow-model-optimization package",
    "tf.contrib.lite": "tf.lite",
    "tf.contrib.predictor": "tf.saved_model.load",
    "tf.contrib.timeseries": "keras.layers.LSTM forecasters, or tensorflow_probability.sts",
    "tf.contrib.factorization": None,
    "tf.contrib.graph_editor": None,
    "tf.contrib.tensor_forest": "TensorFlow Decision Forests (tensorflow_decision_forests)",
    "tf.contrib.boosted_trees": "TensorFlow Decision Forests (tensorflow_decision_forests)",
    "tf.contrib.ffmpeg": "tf.audio / tensorflow-io",
    "tf.contrib.signal": "tf.signal",
    "tf.contrib.nn": "tf.nn",
    "tf.contrib.util": "tf.make_ndarray / tf.make_tensor_proto",
    # --- tf.contrib.rnn: the cells and helpers not provided ------------------------
    "tf.contrib.rnn": "tf.compat.v1.nn.rnn_cell / keras.layers (the usual cells are provided)",
    "tf.contrib.rnn.LayerNormBasicLSTMCell": "keras.layers.LSTMCell + keras.layers.LayerNormalization",
    "tf.contrib.rnn.LayerNormLSTMCell": "keras.layers.LSTMCell + keras.layers.LayerNormalization",
    "tf.contrib.rnn.LSTMBlockFusedCell": "keras.layers.LSTM",
    "tf.contrib.rnn.CudnnLSTM": "keras.layers.LSTM",
    "tf.contrib.rnn.AttentionCellWrapper": "keras.layers.Attention / MultiHeadAttention",
    "tf.contrib.rnn.ConvLSTMCell": "keras.layers.ConvLSTM2D",
    "tf.contrib.rnn.Conv2DLSTMCell": "keras.layers.ConvLSTM2D",
    "tf.contrib.rnn.EmbeddingWrapper": "keras.layers.Embedding before the RNN",
    "tf.contrib.rnn.GridLSTMCell": None,
    "tf.contrib.rnn.TimeFreqLSTMCell": None,
    "tf.contrib.rnn.NASCell": "tensorflow_addons.rnn.NASCell (unmaintained)",
    "tf.contrib.rnn.UGRNNCell": None,
    "tf.contrib.rnn.IntersectionRNNCell": None,
    "tf.contrib.rnn.PhasedLSTMCell": None,
    "tf.contrib.rnn.CoupledInputForgetGateLSTMCell": None,
    "tf.contrib.rnn.HighwayWrapper": "keras.layers.RNN with a custom cell",
    "tf.contrib.rnn.AttentionWrapper": "keras.layers.Attention / MultiHeadAttention",
    # --- tf.contrib.layers ------------------------------------------------------------
    "tf.contrib.layers": "keras.layers, or tf.compat.v1.layers",
    "tf.contrib.layers.batch_norm": "tf.compat.v1.layers.batch_normalization or keras.layers.BatchNormalization",
    "tf.contrib.layers.layer_norm": "keras.layers.LayerNormalization",
    "tf.contrib.layers.embed_sequence": "keras.layers.Embedding",
    "tf.contrib.layers.optimize_loss": "an optimizer's minimize() (tf.compat.v1.train) or keras.Model.fit",
    "tf.contrib.layers.conv2d_transpose": "tf.compat.v1.layers.conv2d_transpose or keras.layers.Conv2DTranspose",
    "tf.contrib.layers.separable_conv2d": "keras.layers.SeparableConv2D",
    "tf.contrib.layers.summarize_variables": "tf.summary.histogram",
    "tf.contrib.layers.apply_regularization": "tf.compat.v1.losses.get_regularization_loss",
    "tf.contrib.layers.real_valued_column": "keras preprocessing layers (tf.feature_column is deprecated)",
    "tf.contrib.layers.sparse_column_with_hash_bucket": "keras.layers.Hashing",
    # --- TF 0.x, removed in TF 1.0 already, with no same-meaning TF1 name ----------------
    # (the TF 0.x names that do have one run as it: tf1_compat/aliases.py)
    "tf.models": "the tensorflow/models repository",
    "tf.models.rnn": "tf.nn.rnn_cell (the cells) and tf.nn.static_rnn / "
    "tf.nn.static_bidirectional_rnn (TF 0.x's tensorflow.models.rnn went in TF 1.0)",
    "tf.models.rnn.rnn_cell": "tf.nn.rnn_cell (or tf.contrib.rnn)",
    "tf.models.rnn.seq2seq": "tf.contrib.legacy_seq2seq (its models and the sequence losses "
    "are provided)",
    "tf.nn.rnn_cell.linear": "tf.layers.dense (or tf.contrib.layers.linear)",
    "tf.VARIABLES": "tf.GraphKeys.GLOBAL_VARIABLES (TF 0.x's tf.GraphKeys.VARIABLES still works)",
    # --- other removed homes ----------------------------------------------------------
    "tf.estimator": "keras.Model.fit (tf.estimator was removed in TF 2.16)",
    "tf.feature_column": "keras preprocessing layers",
    "tensorflow.examples.tutorials": "tensorflow.examples.tutorials.mnist.input_data (provided) "
    "or keras.datasets",
    "tensorflow.examples.tutorials.mnist.mnist": "write the model in the script (the tutorial's "
    "mnist.py model module is not provided)",
}


def lookup(name: str) -> tuple[str, str | None] | None:
    """Return ``(listed_name, replacement)`` for ``name`` or its longest listed prefix."""
    parts = name.split(".")
    while parts:
        key = ".".join(parts)
        if key in REPLACEMENTS:
            return key, REPLACEMENTS[key]
        if key in ALIASES:
            return key, ALIASES[key]
        parts.pop()
    return None


def explain(name: str) -> str:
    """One line saying that ``name`` is not available and what to use instead."""
    hit = lookup(name)
    line = f"{name} is not available in TensorFlow 2 and `parity legacy-run` does not provide it"
    if hit is None:
        return line + " (it is not part of tf.compat.v1; no replacement is listed)"
    key, replacement = hit
    if replacement is None:
        return line + "; there is no direct TF2/Keras replacement"
    if key == "tf.contrib" or (key != name and key.count(".") <= 1):
        return f"{line}; {replacement}"
    return f"{line}; use instead: {replacement}"

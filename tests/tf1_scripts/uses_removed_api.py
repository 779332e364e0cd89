# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""A TF1 script that reaches for a removed API the runner does not provide.
Usage: uses_removed_api.py layer_norm_cell | slim | mul | tutorial_model | models_rnn | ops_rnn
       | layer_norm_import | nas_import | mul_import | ops_rnn_import
"""
import sys

import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 5, 3])
print("graph started")
which = sys.argv[1]
if which == "layer_norm_cell":
    cell = tf.contrib.rnn.LayerNormBasicLSTMCell(16)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
elif which == "slim":
    from tensorflow.contrib import slim
    net = slim.fully_connected(x, 10)
elif which == "mul":
    y = tf.mul(x, 2.0)
elif which == "tutorial_model":
    from tensorflow.examples.tutorials.mnist import mnist
elif which == "models_rnn":  # TF 0.x, removed in TF 1.0
    from tensorflow.models.rnn import rnn, rnn_cell
elif which == "ops_rnn":  # TF 0.x's bidirectional_rnn through TensorFlow's own module
    from tensorflow.python.ops import rnn, rnn_cell
    steps = tf.unstack(x, 5, 1)
    cell = rnn_cell.BasicLSTMCell(8)
    outputs, _, _ = rnn.bidirectional_rnn(cell, cell, steps, dtype=tf.float32)
elif which == "layer_norm_import":  # the import form of layer_norm_cell
    from tensorflow.contrib.rnn import LayerNormBasicLSTMCell
    cell = LayerNormBasicLSTMCell(16)
elif which == "nas_import":
    from tensorflow.contrib.rnn import NASCell
elif which == "mul_import":
    from tensorflow import mul
elif which == "ops_rnn_import":
    from tensorflow.python.ops.rnn import bidirectional_rnn
print("not reached")

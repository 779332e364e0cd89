# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""Prints how it was run (for the runner's tests), then exits with the code given."""
import os
import sys

import tensorflow as tf
import tensorflow.compat.v1 as tf_v1
from tensorflow.python.ops import rnn

print("name", __name__)
print("argv", sys.argv[1:])
print("path0", sys.path[0])
print("cwd", os.getcwd())
print("eager", tf.executing_eagerly())
print("v1_eager", tf_v1.executing_eagerly())
print("placeholder", tf.placeholder is tf_v1.placeholder)
print("contrib_cell", tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell)
print("v1_contrib", tf_v1.contrib.rnn.static_rnn is tf.nn.static_rnn)
print("python_rnn", rnn.dynamic_rnn is tf.nn.dynamic_rnn)
print("version", tf.__version__)
sys.exit(int(sys.argv[-1]))

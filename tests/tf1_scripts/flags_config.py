# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""The flags of flags_mnist_rnn.py, in a config module of their own (as chatbot and
seq2seq tutorials of TF 1.0-1.4 had them). log_dir, v, verbosity and logtostderr are
absl.logging's names too: TF 1.5+ refuses them (DuplicateFlagError)."""
import tensorflow as tf

tf.app.flags.DEFINE_string("log_dir", "/tmp/mnist_rnn/logs", "where the summaries are written")
tf.app.flags.DEFINE_integer("v", 1, "console verbosity: 0 quiet, 1 progress, 2 every step")
tf.app.flags.DEFINE_integer("verbosity", tf.logging.WARN, "tf.logging threshold")
tf.app.flags.DEFINE_boolean("logtostderr", False, "echo tf.logging to stderr")
tf.app.flags.DEFINE_integer("batch_size", 64, "batch size")
tf.app.flags.DEFINE_integer("max_steps", 200, "training steps")
tf.app.flags.DEFINE_integer("num_hidden", 64, "LSTM units")
tf.app.flags.DEFINE_float("learning_rate", 0.01, "Adam's learning rate")
tf.app.flags.DEFINE_boolean("use_peepholes", False, "LSTMCell peephole connections")

FLAGS = tf.app.flags.FLAGS

# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""A TF1 script with a bug of its own: a shape mismatch it detects itself."""
import tensorflow as tf


def check_batch(batch, expected):
    if batch != expected:
        raise ValueError("batch of %d rows, expected %d" % (batch, expected))


x = tf.placeholder(tf.float32, [None, 28, 28])
print("before the error")
check_batch(64, 128)

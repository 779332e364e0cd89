# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""Sessions opened inside a function (as evaluation loops and sweeps do): each call opens a
Session on the same graph, initialises the variables afresh (a new random start), runs the
GRU and closes it. Each of the four sessions is its own model, to be captured.
"""
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4, 2])
out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, dtype=tf.float32)


def evaluate(seed):
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    v = sess.run(out, {x: np.full((1, 4, 2), seed, np.float32)})
    sess.close()
    return float(v.sum())


for seed in range(4):
    print(seed, round(evaluate(seed), 4))

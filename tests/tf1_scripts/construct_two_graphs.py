# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: two models in two graphs, each trained in its own Session (an LSTM
and then a GRU on the same task, compared). Usage: construct_two_graphs.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
T, F, H, BATCH = 5, 2, 6, 16
rng = np.random.RandomState(27)


def batch():
    x = rng.normal(size=(BATCH, T, F)).astype(np.float32)
    return x, x[:, :, 0].sum(1, keepdims=True)


results = {}
for name, make_cell in (("lstm", tf.nn.rnn_cell.BasicLSTMCell), ("gru", tf.nn.rnn_cell.GRUCell)):
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(27)
        x = tf.placeholder(tf.float32, [None, T, F])
        y = tf.placeholder(tf.float32, [None, 1])
        outputs, _ = tf.nn.dynamic_rnn(make_cell(H), x, dtype=tf.float32)
        pred = tf.layers.dense(outputs[:, -1, :], 1)
        loss = tf.reduce_mean(tf.square(pred - y))
        train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(STEPS):
                bx, by = batch()
                _, l = sess.run([train_op, loss], {x: bx, y: by})
            results[name] = float(l)
for name, l in results.items():
    print(name, "final loss", round(l, 4))

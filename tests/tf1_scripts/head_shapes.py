# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""The heads TF1 tutorials put on an RNN, one graph and Session each:
1. a char-level model: two LSTM layers, tf.contrib.layers.fully_connected(activation_fn=None)
   on reshape(outputs, [-1, H]) (every step);
2. static_rnn, tf.layers.dense on outputs[-1];
3. dynamic_rnn, matmul + bias on tf.gather(tf.transpose(outputs, [1, 0, 2]), STEPS - 1);
4. dynamic_rnn of a GRU, matmul + bias on outputs[:, -1].
Usage: head_shapes.py OUT_DIR  (writes OUT_DIR/own_K.npz: inputs and the graph's outputs)
"""
import os
import sys

import numpy as np
import tensorflow as tf

STEPS, IN, H, OUT, BATCH = 5, 3, 6, 4, 3
rng = np.random.RandomState(8)


def run(k, build):
    with tf.Graph().as_default():
        tf.set_random_seed(k)
        x = tf.placeholder(tf.float32, [None, STEPS, IN])
        y = build(x)
        data = rng.rand(BATCH, STEPS, IN).astype(np.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            out = sess.run(y, {x: data})
        if out.ndim == 2 and out.shape[0] == BATCH * STEPS:
            out = out.reshape(BATCH, STEPS, -1)
        np.savez(os.path.join(sys.argv[1], f"own_{k}.npz"), inputs=data, outputs=out)
        print("graph", k, "outputs", out.shape)


def char_model(x):
    cell = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.BasicLSTMCell(H) for _ in range(2)])
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    return tf.contrib.layers.fully_connected(tf.reshape(outputs, [-1, H]), OUT, activation_fn=None)


def static_last(x):
    outputs, _ = tf.contrib.rnn.static_rnn(tf.contrib.rnn.BasicLSTMCell(H), tf.unstack(x, STEPS, 1),
                                           dtype=tf.float32)
    return tf.layers.dense(outputs[-1], OUT)


def gathered(x):
    outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(H), x, dtype=tf.float32)
    last = tf.gather(tf.transpose(outputs, [1, 0, 2]), STEPS - 1)
    w = tf.Variable(tf.random_normal([H, OUT]))
    b = tf.Variable(tf.random_normal([OUT]))
    return tf.matmul(last, w) + b


def sliced(x):
    outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(H), x, dtype=tf.float32)
    w = tf.Variable(tf.random_normal([H, OUT]))
    b = tf.Variable(tf.random_normal([OUT]))
    return tf.matmul(outputs[:, -1], w) + b


for k, build in enumerate([char_model, static_last, gathered, sliced], 1):
    run(k, build)

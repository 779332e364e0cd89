# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style without an RNN cell, with an op migrate --write does not translate:
a running sum over time (tf.cumsum) before a dense layer, plain SGD on a mean square.
Usage: raw_ops_unknown_op.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
T, BATCH = 6, 8
rng = np.random.RandomState(3)

x = tf.placeholder(tf.float32, [None, T], name="x")
y = tf.placeholder(tf.float32, [None, T], name="y")
w = tf.Variable(tf.random_normal([T, T], stddev=0.1), name="w")
running = tf.cumsum(x, axis=1, name="running")
pred = tf.matmul(running, w)
loss = tf.reduce_mean(tf.square(pred - y))
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx = rng.normal(size=(BATCH, T)).astype(np.float32)
        _, l = sess.run([train_op, loss], {x: bx, y: np.cumsum(bx, 1)})
    print("final loss", round(float(l), 4))

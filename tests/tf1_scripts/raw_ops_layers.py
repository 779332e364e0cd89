# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style without an RNN cell: a small model of plain ops, each a different one
for migrate --write's op table (transpose, reshape, a normalisation by the mean, expand_dims /
squeeze, concat, relu / sigmoid / softmax, a cast), trained with plain SGD on a mean square.
It predicts the per-feature mean of a [time, feature] input, shifted. Usage: raw_ops_layers.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
T, F, H, BATCH = 4, 3, 8, 16
rng = np.random.RandomState(5)

tf.set_random_seed(5)
x = tf.placeholder(tf.float32, [None, T, F], name="x")
y = tf.placeholder(tf.float32, [None, F], name="y")
w1 = tf.Variable(tf.random_normal([T * F, H], stddev=0.3), name="w1")
b1 = tf.Variable(tf.zeros([H]), name="b1")
w2 = tf.Variable(tf.random_normal([H + F, F], stddev=0.3), name="w2")

by_feature = tf.transpose(x, [0, 2, 1])                      # [batch, F, T]
flat = tf.reshape(by_feature, [-1, T * F])
centred = flat - tf.reduce_mean(flat, axis=1, keep_dims=True)
scaled = centred / 2.0
hidden = tf.nn.relu(tf.matmul(scaled, w1) + b1)
gate = tf.sigmoid(tf.squeeze(tf.expand_dims(hidden, 1), [1]))
last = tf.cast(tf.cast(x[:, -1, :], tf.float64), tf.float32)
weights = tf.nn.softmax(tf.concat([hidden * gate, last], axis=1))
pred = tf.matmul(weights, w2) + tf.reduce_mean(x, axis=1)
loss = tf.reduce_mean(tf.square(pred - y))
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx = rng.normal(size=(BATCH, T, F)).astype(np.float32)
        by = bx.mean(1) + 0.5 + 0.1 * np.tanh(bx[:, -1, :])
        _, l = sess.run([train_op, loss], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    print("final loss", round(float(l), 4))

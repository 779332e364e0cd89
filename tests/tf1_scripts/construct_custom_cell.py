# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: a hand-written cell (a user subclass of tf.nn.rnn_cell.RNNCell: a
minimal gated unit) run by dynamic_rnn. Usage: construct_custom_cell.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
T, F, H, BATCH = 5, 2, 6, 16
rng = np.random.RandomState(26)


class MinimalGatedCell(tf.nn.rnn_cell.RNNCell):
    def __init__(self, units):
        super(MinimalGatedCell, self).__init__()
        self.units = units

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def call(self, inputs, state):
        both = tf.concat([inputs, state], 1)
        gate = tf.layers.dense(both, self.units, tf.sigmoid, name="gate")
        candidate = tf.layers.dense(tf.concat([inputs, gate * state], 1), self.units, tf.tanh,
                                    name="candidate")
        new = (1 - gate) * state + gate * candidate
        return new, new


tf.set_random_seed(26)
x = tf.placeholder(tf.float32, [None, T, F])
y = tf.placeholder(tf.float32, [None, 1])
outputs, state = tf.nn.dynamic_rnn(MinimalGatedCell(H), x, dtype=tf.float32)
pred = tf.layers.dense(state, 1)
loss = tf.reduce_mean(tf.square(pred - y))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx = rng.normal(size=(BATCH, T, F)).astype(np.float32)
        _, l = sess.run([train_op, loss], {x: bx, y: bx[:, :, 1].max(1, keepdims=True)})
    print("final loss", round(float(l), 4))

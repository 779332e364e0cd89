# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: time-major inputs. The batches are built [time, batch, features] and
fed to dynamic_rnn(..., time_major=True); the head reads the final state. An LSTM regresses
the mean of the first feature. Usage: construct_time_major.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
T, F, H, BATCH = 7, 3, 10, 16
rng = np.random.RandomState(23)


def batch():
    x = rng.normal(size=(T, BATCH, F)).astype(np.float32)  # time-major
    return x, x[:, :, 0].mean(0)[:, None].astype(np.float32)


tf.set_random_seed(23)
x = tf.placeholder(tf.float32, [T, None, F])
y = tf.placeholder(tf.float32, [None, 1])
_, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(H), x, dtype=tf.float32, time_major=True)
pred = tf.layers.dense(state.h, 1)
loss = tf.reduce_mean(tf.square(pred - y))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([train_op, loss], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    print("final loss", round(float(l), 4))

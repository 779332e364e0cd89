# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: a time-major graph with an output per step. The batches are built
[time, batch, features] and fed to dynamic_rnn(..., time_major=True); a dense layer reads every
step's output and the labels are fed [time, batch, 1]: an LSTM regresses the running mean of
the first feature at each step. Usage: construct_time_major_steps.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
T, F, H, BATCH = 6, 2, 8, 16
rng = np.random.RandomState(24)


def batch():
    x = rng.normal(size=(T, BATCH, F)).astype(np.float32)  # time-major
    steps = np.arange(1, T + 1, dtype=np.float32)[:, None]
    return x, (np.cumsum(x[:, :, 0], 0) / steps)[:, :, None].astype(np.float32)


tf.set_random_seed(24)
x = tf.placeholder(tf.float32, [T, None, F])
y = tf.placeholder(tf.float32, [T, None, 1])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(H), x, dtype=tf.float32, time_major=True)
pred = tf.layers.dense(outputs, 1)  # [time, batch, 1]
loss = tf.reduce_mean(tf.square(pred - y))
train_op = tf.train.AdamOptimizer(0.02).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([train_op, loss], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    tx, ty = batch()
    p = sess.run(pred, {x: tx})  # [time, batch, 1], as the graph computes it
    print("last step error", round(float(np.abs(p[-1] - ty[-1]).mean()), 4))
    print("test loss", round(float(np.mean((p - ty) ** 2)), 4))

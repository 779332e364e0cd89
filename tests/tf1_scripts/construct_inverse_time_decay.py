# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: a learning rate of the global step that decays as 1 / (1 + rate * step /
steps) (tf.train.inverse_time_decay, staircase=True); minimize(loss,
global_step=global_step) for a small LSTM classifier (is the running sum ever above zero?).
Usage: construct_inverse_time_decay.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
T, F, H, BATCH = 5, 1, 8, 32
rng = np.random.RandomState(22)


def batch():
    x = rng.normal(size=(BATCH, T, F)).astype(np.float32)
    label = (np.cumsum(x[:, :, 0], 1).max(1) > 1.0).astype(int)
    return x, np.eye(2, dtype=np.float32)[label]


tf.set_random_seed(22)
x = tf.placeholder(tf.float32, [None, T, F])
y = tf.placeholder(tf.float32, [None, 2])
_, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(H), x, dtype=tf.float32)
logits = tf.layers.dense(state.h, 2)
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
global_step = tf.Variable(0, trainable=False, name="global_step")
learning_rate = tf.train.inverse_time_decay(0.5, global_step, 10, 0.5, staircase=True)
train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss, global_step=global_step)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([train_op, loss], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    tx, ty = batch()
    print("test loss", round(float(sess.run(loss, {x: tx, y: ty})), 4))

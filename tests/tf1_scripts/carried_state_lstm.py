# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (the streaming sine -> cosine regression): a BasicLSTMCell whose final
state is fed back as the next batch's initial_state through a placeholder (cell.zero_state
for the first batch), a per-step linear head on reshape(outputs, [-1, CELL_SIZE]).
Usage: carried_state_lstm.py OUT_DIR  (writes OUT_DIR/own.npz: three consecutive batches
and the TF1 graph's predictions on them, the state carried from one to the next)
"""
import os
import sys

import numpy as np
import tensorflow as tf

STEPS, BATCH, CELL_SIZE = 5, 4, 7
start = 0


def get_batch():
    global start
    xs = np.arange(start, start + STEPS * BATCH).reshape((BATCH, STEPS)) / (10 * np.pi)
    start += STEPS
    return np.sin(xs)[:, :, None].astype(np.float32), np.cos(xs)[:, :, None].astype(np.float32)


tf.set_random_seed(5)
xs = tf.placeholder(tf.float32, [BATCH, STEPS, 1])
ys = tf.placeholder(tf.float32, [BATCH, STEPS, 1])
cell = tf.contrib.rnn.BasicLSTMCell(CELL_SIZE)
init_state = cell.zero_state(BATCH, tf.float32)
outputs, final_state = tf.nn.dynamic_rnn(cell, xs, initial_state=init_state)
w_out = tf.Variable(tf.random_normal([CELL_SIZE, 1], stddev=0.5))
b_out = tf.Variable(tf.constant(0.1, shape=[1]))
pred = tf.matmul(tf.reshape(outputs, [-1, CELL_SIZE]), w_out) + b_out
cost = tf.reduce_mean(tf.square(pred - tf.reshape(ys, [-1, 1])))
train = tf.train.AdamOptimizer(0.01).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    state = None
    for step in range(3):
        bx, by = get_batch()
        feed = {xs: bx, ys: by} if state is None else {xs: bx, ys: by, init_state: state}
        _, c, state = sess.run([train, cost, final_state], feed)
        print("step", step, "cost", round(float(c), 4))
    state, seen, preds = None, [], []
    for _ in range(3):
        bx, _ = get_batch()
        feed = {xs: bx} if state is None else {xs: bx, init_state: state}
        p, state = sess.run([pred, final_state], feed)
        seen.append(bx)
        preds.append(p.reshape(BATCH, STEPS, 1))
    np.savez(os.path.join(sys.argv[1], "own.npz"), inputs=np.stack(seen), outputs=np.stack(preds))

# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (MorvanZhou's streaming sine -> cosine RNN regression): one long signal
cut into consecutive batches, a BasicLSTMCell whose final state is fed back as the next
batch's initial_state (cell.zero_state at the start), a per-step linear head on
reshape(outputs, [-1, CELL_SIZE]) and the mean squared error, trained with Adam.
Usage: carried_state_regression.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

TIME_STEPS, BATCH_SIZE, CELL_SIZE, LR = 10, 16, 12, 0.02
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 150
BATCH_START = 0


def get_batch():
    global BATCH_START
    xs = np.arange(BATCH_START, BATCH_START + TIME_STEPS * BATCH_SIZE).reshape(
        (BATCH_SIZE, TIME_STEPS)) / (10 * np.pi)
    BATCH_START += TIME_STEPS
    return np.sin(xs)[:, :, None].astype(np.float32), np.cos(xs)[:, :, None].astype(np.float32)


tf.set_random_seed(5)
xs = tf.placeholder(tf.float32, [BATCH_SIZE, TIME_STEPS, 1])
ys = tf.placeholder(tf.float32, [BATCH_SIZE, TIME_STEPS, 1])
cell = tf.contrib.rnn.BasicLSTMCell(CELL_SIZE)
cell_init_state = cell.zero_state(BATCH_SIZE, tf.float32)
outputs, cell_final_state = tf.nn.dynamic_rnn(cell, xs, initial_state=cell_init_state)
w_out = tf.Variable(tf.random_normal([CELL_SIZE, 1], stddev=0.5))
b_out = tf.Variable(tf.constant(0.1, shape=[1]))
pred = tf.matmul(tf.reshape(outputs, [-1, CELL_SIZE]), w_out) + b_out
cost = tf.reduce_mean(tf.square(pred - tf.reshape(ys, [-1, 1])))
train_op = tf.train.AdamOptimizer(LR).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    state = sess.run(cell_init_state)
    costs = []
    for step in range(STEPS):
        seq, res = get_batch()
        _, c, state = sess.run([train_op, cost, cell_final_state],
                               feed_dict={xs: seq, ys: res, cell_init_state: state})
        costs.append(float(c))
        if step % 50 == 0:
            print("step", step, "cost", round(float(c), 4))
    print("final cost", round(float(np.mean(costs[-50:])), 4))  # the mean of the last 50 steps

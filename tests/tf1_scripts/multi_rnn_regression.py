# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (MorvanZhou's RNN regression, Geron's time series): a MultiRNNCell of
tf.contrib.rnn.BasicLSTMCell inside tf.contrib.rnn.OutputProjectionWrapper, trained to
predict cos(t) from sin(t) with tf.contrib.legacy_seq2seq.sequence_loss_by_example, saved
with tf.train.Saver and restored in a new graph to predict.
Usage: multi_rnn_regression.py CHECKPOINT_DIR
"""
import os
import sys

import numpy as np
import tensorflow as tf

BATCH_START = 0
TIME_STEPS = 20
BATCH_SIZE = 32
INPUT_SIZE = 1
OUTPUT_SIZE = 1
CELL_SIZE = 16
LR = 0.01
STEPS = 200

np.random.seed(1)


def get_batch():
    global BATCH_START
    xs = np.arange(BATCH_START, BATCH_START + TIME_STEPS * BATCH_SIZE).reshape(
        (BATCH_SIZE, TIME_STEPS)) / (10 * np.pi)
    seq = np.sin(xs)
    res = np.cos(xs)
    BATCH_START += TIME_STEPS
    return seq[:, :, np.newaxis], res[:, :, np.newaxis]


def ms_error(labels, logits):
    return tf.square(tf.subtract(labels, logits))


def build():
    xs = tf.placeholder(tf.float32, [None, TIME_STEPS, INPUT_SIZE], name='xs')
    ys = tf.placeholder(tf.float32, [None, TIME_STEPS, OUTPUT_SIZE], name='ys')
    cells = [tf.contrib.rnn.BasicLSTMCell(CELL_SIZE, forget_bias=1.0, state_is_tuple=True)
             for _ in range(2)]
    cell = tf.contrib.rnn.OutputProjectionWrapper(
        tf.contrib.rnn.MultiRNNCell(cells, state_is_tuple=True), output_size=OUTPUT_SIZE)
    pred, _ = tf.nn.dynamic_rnn(cell, xs, dtype=tf.float32, time_major=False)
    losses = tf.contrib.legacy_seq2seq.sequence_loss_by_example(
        [tf.reshape(pred, [-1], name='reshape_pred')],
        [tf.reshape(ys, [-1], name='reshape_target')],
        [tf.ones([BATCH_SIZE * TIME_STEPS], dtype=tf.float32)],
        average_across_timesteps=True,
        softmax_loss_function=ms_error,
        name='losses')
    cost = tf.div(tf.reduce_sum(losses, name='losses_sum'), BATCH_SIZE, name='average_cost')
    return xs, ys, pred, cost


checkpoint = os.path.join(sys.argv[1], 'model.ckpt')
with tf.Graph().as_default():
    tf.set_random_seed(1)
    xs, ys, pred, cost = build()
    train_op = tf.train.AdamOptimizer(LR).minimize(cost)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(STEPS):
            seq, res = get_batch()
            _, c = sess.run([train_op, cost], feed_dict={xs: seq, ys: res})
            if i % 40 == 0 or i == STEPS - 1:
                print('step', i, 'cost:', round(float(c), 4))
        print('Model saved in file:', saver.save(sess, checkpoint))

seq, res = get_batch()
with tf.Graph().as_default():
    xs, ys, pred, cost = build()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, checkpoint)
        c = sess.run(cost, feed_dict={xs: seq, ys: res})
        print('restored cost:', round(float(c), 4))

# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (the classic variable-length-sequence classifier): static_rnn of a
BasicLSTMCell with sequence_length=seqlen, the output at each sequence's last *valid* step
picked with tf.gather, and a matmul + bias head. Sequences are zero-padded to MAX_LEN.
Usage: variable_length_lstm.py OUT_DIR  (writes OUT_DIR/own.npz: a padded test batch, its
lengths and the TF1 graph's logits on it)
"""
import os
import sys

import numpy as np
import tensorflow as tf

MAX_LEN, N_IN, N_HIDDEN, N_CLASSES, BATCH = 8, 2, 6, 2, 5
rng = np.random.RandomState(3)


def batch(n):
    lengths = rng.randint(1, MAX_LEN + 1, size=n)
    x = np.zeros((n, MAX_LEN, N_IN), np.float32)
    for i, l in enumerate(lengths):
        x[i, :l] = rng.rand(l, N_IN)
    y = np.eye(N_CLASSES, dtype=np.float32)[(lengths > MAX_LEN // 2).astype(int)]
    return x, y, lengths.astype(np.int32)


tf.set_random_seed(3)
x = tf.placeholder(tf.float32, [None, MAX_LEN, N_IN])
y = tf.placeholder(tf.float32, [None, N_CLASSES])
seqlen = tf.placeholder(tf.int32, [None])
weights = tf.Variable(tf.random_normal([N_HIDDEN, N_CLASSES]))
biases = tf.Variable(tf.random_normal([N_CLASSES]))

inputs = tf.unstack(x, MAX_LEN, 1)
cell = tf.contrib.rnn.BasicLSTMCell(N_HIDDEN)
outputs, states = tf.contrib.rnn.static_rnn(cell, inputs, dtype=tf.float32, sequence_length=seqlen)
outputs = tf.stack(outputs)
outputs = tf.transpose(outputs, [1, 0, 2])
batch_size = tf.shape(outputs)[0]
index = tf.range(0, batch_size) * MAX_LEN + (seqlen - 1)
last = tf.gather(tf.reshape(outputs, [-1, N_HIDDEN]), index)
logits = tf.matmul(last, weights) + biases

cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
train = tf.train.GradientDescentOptimizer(0.1).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(3):
        bx, by, bl = batch(BATCH)
        _, c = sess.run([train, cost], {x: bx, y: by, seqlen: bl})
        print("step", step, "cost", round(float(c), 4))
    tx, ty, tl = batch(BATCH)
    out = sess.run(logits, {x: tx, seqlen: tl})
    np.savez(os.path.join(sys.argv[1], "own.npz"), inputs=tx, lengths=tl, outputs=out)

# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (the char-rnn language model): characters embedded, a MultiRNNCell of
two BasicLSTMCells in one dynamic_rnn, softmax_w / softmax_b on reshape(outputs, [-1, H]).
softmax_w starts large (the logits of a trained character model reach ~20; here after a
few Adam steps). Usage: char_lm_two_layer.py OUT_DIR  (writes OUT_DIR/own.npz: a batch of
embedded characters and the TF1 graph's logits on them)
"""
import os
import sys

import numpy as np
import tensorflow as tf

TEXT = "the quick brown fox jumps over the lazy dog. " * 40
chars = sorted(set(TEXT))
vocab = {c: i for i, c in enumerate(chars)}
ids = np.array([vocab[c] for c in TEXT])
BATCH, STEPS, EMBED, HIDDEN, V = 4, 10, 8, 24, len(chars)

tf.set_random_seed(7)
x = tf.placeholder(tf.int32, [None, STEPS])
y = tf.placeholder(tf.int32, [None, STEPS])
embedding = tf.get_variable("embedding", [V, EMBED], initializer=tf.random_normal_initializer(stddev=1.0))
inputs = tf.nn.embedding_lookup(embedding, x)
cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(HIDDEN) for _ in range(2)])
outputs, _ = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
with tf.variable_scope("softmax"):
    softmax_w = tf.get_variable("softmax_w", [HIDDEN, V],
                                initializer=tf.random_normal_initializer(stddev=40.0))
    softmax_b = tf.get_variable("softmax_b", [V])
logits = tf.matmul(tf.reshape(outputs, [-1, HIDDEN]), softmax_w) + softmax_b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=tf.reshape(y, [-1]), logits=logits))
train = tf.train.AdamOptimizer(0.002).minimize(loss)

rng = np.random.RandomState(7)


def batch():
    starts = rng.randint(0, len(ids) - STEPS - 1, size=BATCH)
    return (np.stack([ids[s:s + STEPS] for s in starts]),
            np.stack([ids[s + 1:s + STEPS + 1] for s in starts]))


with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(20):
        bx, by = batch()
        _, c = sess.run([train, loss], {x: bx, y: by})
        if step % 5 == 0:
            print("step", step, "loss", round(float(c), 3))
    bx, _ = batch()
    emb, out = sess.run([inputs, logits], {x: bx})
    print("largest logit", round(float(np.abs(out).max()), 2))
    np.savez(os.path.join(sys.argv[1], "own.npz"), inputs=emb, outputs=out.reshape(BATCH, STEPS, V))

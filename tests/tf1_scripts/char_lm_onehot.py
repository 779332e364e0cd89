# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (a character-level language model, as min-char-rnn and the char-rnn
tutorials): characters fed as ids and turned into one-hot vectors with tf.one_hot, an
LSTMCell through dynamic_rnn, a per-step tf.layers.dense head over the vocabulary and the
mean sparse softmax cross-entropy of the next character.
Usage: char_lm_onehot.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

TEXT = ("the quick brown fox jumps over the lazy dog. " * 12 +
        "a stitch in time saves nine. " * 12)
chars = sorted(set(TEXT))
char_to_id = {c: i for i, c in enumerate(chars)}
data = np.array([char_to_id[c] for c in TEXT], dtype=np.int32)
VOCAB = len(chars)
SEQ_LEN, BATCH, HIDDEN, LR = 16, 32, 48, 0.01
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 80
rng = np.random.RandomState(7)


def next_batch(size):
    starts = rng.randint(0, len(data) - SEQ_LEN - 1, size=size)
    x = np.stack([data[s:s + SEQ_LEN] for s in starts])
    y = np.stack([data[s + 1:s + SEQ_LEN + 1] for s in starts])
    return x, y


tf.set_random_seed(7)
input_ids = tf.placeholder(tf.int32, [None, SEQ_LEN])
target_ids = tf.placeholder(tf.int32, [None, SEQ_LEN])
one_hot = tf.one_hot(input_ids, VOCAB)
cell = tf.nn.rnn_cell.LSTMCell(HIDDEN)
outputs, _ = tf.nn.dynamic_rnn(cell, one_hot, dtype=tf.float32)
logits = tf.layers.dense(outputs, VOCAB)
loss = tf.losses.sparse_softmax_cross_entropy(labels=target_ids, logits=logits)
train_op = tf.train.AdamOptimizer(LR).minimize(loss)

eval_x, eval_y = next_batch(200)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = next_batch(BATCH)
        _, l = sess.run([train_op, loss], feed_dict={input_ids: bx, target_ids: by})
        if step % 20 == 0:
            print("step", step, "loss", round(float(l), 4))
    print("eval loss", sess.run(loss, feed_dict={input_ids: eval_x, target_ids: eval_y}))

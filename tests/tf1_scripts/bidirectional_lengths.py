# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (a bidirectional sequence tagger on zero-padded batches):
bidirectional_dynamic_rnn of two BasicLSTMCells with sequence_length=lengths (TF1 runs the
backward cell on each sequence's valid steps only, reversed with tf.reverse_sequence), the
two output sequences concatenated, a dense layer on every step.
Then (a second session) the same tagger whose two directions start from the states given
through initial_state_fw / initial_state_bw (cell.zero_state, fed the states of the text before).
Usage: bidirectional_lengths.py OUT_DIR  (writes OUT_DIR/own.npz: a padded test batch, its
lengths and the TF1 graph's per-step logits on it; OUT_DIR/own_state.npz: the same for the
second session, with the states it fed, forward (h, c) then backward (h, c))
"""
import os
import sys

import numpy as np
import tensorflow as tf

MAX_LEN, N_IN, N_HIDDEN, N_TAGS, BATCH = 7, 3, 5, 4, 6
rng = np.random.RandomState(11)


def batch(n):
    lengths = rng.randint(1, MAX_LEN + 1, size=n)
    lengths[0] = MAX_LEN
    x = np.zeros((n, MAX_LEN, N_IN), np.float32)
    tags = np.zeros((n, MAX_LEN), np.int32)
    for i, l in enumerate(lengths):
        x[i, :l] = rng.normal(size=(l, N_IN))
        tags[i, :l] = (np.cumsum(x[i, :l, 0]) > 0).astype(int) + 2 * (x[i, :l, 1] > 0)
    return x, tags, lengths.astype(np.int32)


tf.set_random_seed(11)
x = tf.placeholder(tf.float32, [None, MAX_LEN, N_IN], name="x")
tags = tf.placeholder(tf.int32, [None, MAX_LEN], name="tags")
lengths = tf.placeholder(tf.int32, [None], name="lengths")
cell_fw = tf.nn.rnn_cell.BasicLSTMCell(N_HIDDEN)
cell_bw = tf.nn.rnn_cell.BasicLSTMCell(N_HIDDEN)
(out_fw, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, x, sequence_length=lengths,
                                                      dtype=tf.float32)
outputs = tf.concat([out_fw, out_bw], axis=2)
logits = tf.layers.dense(outputs, N_TAGS)
weights = tf.sequence_mask(lengths, MAX_LEN, dtype=tf.float32)
loss = tf.contrib.seq2seq.sequence_loss(logits, tags, weights)
train = tf.train.AdamOptimizer(0.05).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(4):
        bx, bt, bl = batch(BATCH)
        _, c = sess.run([train, loss], {x: bx, tags: bt, lengths: bl})
        print("step", step, "loss", round(float(c), 4))
    tx, _, tl = batch(BATCH)
    out = sess.run(logits, {x: tx, lengths: tl})
    np.savez(os.path.join(sys.argv[1], "own.npz"), inputs=tx, lengths=tl, outputs=out)

# the second session: both directions start from given states
graph = tf.Graph()
with graph.as_default():
    tf.set_random_seed(12)
    x = tf.placeholder(tf.float32, [BATCH, MAX_LEN, N_IN], name="x")
    lengths = tf.placeholder(tf.int32, [BATCH], name="lengths")
    cell_fw = tf.nn.rnn_cell.BasicLSTMCell(N_HIDDEN)
    cell_bw = tf.nn.rnn_cell.BasicLSTMCell(N_HIDDEN)
    state_fw = cell_fw.zero_state(BATCH, tf.float32)
    state_bw = cell_bw.zero_state(BATCH, tf.float32)
    (out_fw, out_bw), (final_fw, final_bw) = tf.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, x, sequence_length=lengths, initial_state_fw=state_fw,
        initial_state_bw=state_bw)
    logits = tf.layers.dense(tf.concat([out_fw, out_bw], axis=2), N_TAGS)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tx, _, tl = batch(BATCH)
        given = [rng.normal(scale=0.5, size=(BATCH, N_HIDDEN)).astype(np.float32) for _ in range(4)]
        feed = {x: tx, lengths: tl, state_fw.h: given[0], state_fw.c: given[1],
                state_bw.h: given[2], state_bw.c: given[3]}
        out, f_fw, f_bw = sess.run([logits, final_fw, final_bw], feed)
        np.savez(os.path.join(sys.argv[1], "own_state.npz"), inputs=tx, lengths=tl, outputs=out,
                 states=np.stack(given), finals=np.stack([f_fw.h, f_fw.c, f_bw.h, f_bw.c]))

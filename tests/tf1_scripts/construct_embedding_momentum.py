# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (the text-classification tutorials): token ids looked up in a trained
embedding (tf.nn.embedding_lookup of a tf.get_variable) feed an LSTM; the head reads the
last output, trained by MomentumOptimizer (TF1 applies the embedding's gradient sparsely:
only the looked-up rows and their accumulators move). Is token 1 in the sequence? Usage: construct_embedding_momentum.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
VOCAB, EMBED, T, H, BATCH = 12, 5, 6, 8, 32
rng = np.random.RandomState(25)


def batch():
    ids = rng.randint(2, VOCAB, size=(BATCH, T))
    hit = rng.rand(BATCH) < 0.5
    ids[hit, rng.randint(0, T, size=hit.sum())] = 1
    return ids.astype(np.int32), hit.astype(np.int32)


tf.set_random_seed(25)
ids = tf.placeholder(tf.int32, [None, T])
labels = tf.placeholder(tf.int32, [None])
embedding = tf.get_variable("embedding", [VOCAB, EMBED])
inputs = tf.nn.embedding_lookup(embedding, ids)
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(H), inputs, dtype=tf.float32)
logits = tf.layers.dense(outputs[:, -1, :], 2)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([train_op, loss], {ids: bx, labels: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    print("final loss", round(float(l), 4))

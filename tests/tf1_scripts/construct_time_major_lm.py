# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: a character-level language model fed time-major. Batches of ids are
cut [time, batch] from a text, looked up in an embedding variable and fed to
dynamic_rnn(..., time_major=True); the outputs are flattened to [time * batch, units] for the
softmax layer and the next characters, also [time, batch], to [time * batch].
Usage: construct_time_major_lm.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
T, BATCH, E, H = 8, 12, 6, 16
TEXT = "the quick brown fox jumps over the lazy dog. " * 20
CHARS = sorted(set(TEXT))
V = len(CHARS)
IDS = np.array([CHARS.index(c) for c in TEXT], dtype=np.int32)
rng = np.random.RandomState(25)


def batch():
    starts = rng.randint(0, len(IDS) - T - 1, size=BATCH)
    x = np.stack([IDS[s:s + T] for s in starts], 1)  # [time, batch]
    y = np.stack([IDS[s + 1:s + T + 1] for s in starts], 1)
    return x, y


tf.set_random_seed(25)
x = tf.placeholder(tf.int32, [T, None])
y = tf.placeholder(tf.int32, [T, None])
embedding = tf.get_variable("embedding", [V, E])
inputs = tf.nn.embedding_lookup(embedding, x)  # [time, batch, E]
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(H), inputs, dtype=tf.float32, time_major=True)
logits = tf.layers.dense(tf.reshape(outputs, [-1, H]), V)  # [time * batch, V]
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=tf.reshape(y, [-1]), logits=logits))
train_op = tf.train.AdamOptimizer(0.02).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([train_op, loss], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    tx, ty = batch()
    predicted = sess.run(logits, {x: tx}).argmax(-1).reshape(T, -1)  # [time, batch]
    print("next-character accuracy at the last step", round(float((predicted[-1] == ty[-1]).mean()), 4))
    print("test loss", round(float(sess.run(loss, {x: tx, y: ty})), 4))

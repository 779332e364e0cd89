# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (the PTB / char-rnn training op): tf.gradients of the loss, clipped with
tf.clip_by_global_norm, then optimizer.apply_gradients. A GRU regresses the sum of a noisy
sequence from its last output. Usage: construct_clipped_grads.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
T, F, H, BATCH, CLIP = 6, 2, 8, 16, 0.5
rng = np.random.RandomState(21)


def batch():
    x = rng.normal(size=(BATCH, T, F)).astype(np.float32)
    return x, x[:, :, 0].sum(1, keepdims=True).astype(np.float32)


tf.set_random_seed(21)
x = tf.placeholder(tf.float32, [None, T, F])
y = tf.placeholder(tf.float32, [None, 1])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(H), x, dtype=tf.float32)
pred = tf.layers.dense(outputs[:, -1, :], 1)
loss = tf.reduce_mean(tf.square(pred - y))
tvars = tf.trainable_variables()
grads, _ = tf.clip_by_global_norm(tf.gradients(loss, tvars), CLIP)
train_op = tf.train.GradientDescentOptimizer(0.05).apply_gradients(zip(grads, tvars))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([train_op, loss], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    print("final loss", round(float(l), 4))

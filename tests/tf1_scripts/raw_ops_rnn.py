# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style without an RNN cell: the recurrence written out in raw ops. A tanh RNN
with biases, h = tanh(x_t W_x + h W_h + b), unrolled by a Python loop over tf.unstack(x), and a
softmax head on the last state, trained with Adam on the mean softmax cross-entropy: which of
three channels has the largest sum over the sequence; the softmax of the logits is fetched
once at the end. Usage: raw_ops_rnn.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
T, F, H, C, BATCH = 5, 3, 10, 3, 16
rng = np.random.RandomState(7)


def batch():
    x = rng.normal(size=(BATCH, T, F)).astype(np.float32)
    return x, np.eye(C, dtype=np.float32)[x.sum(1).argmax(1)]


tf.set_random_seed(7)
x = tf.placeholder(tf.float32, [None, T, F], name="x")
y = tf.placeholder(tf.float32, [None, C], name="y")
W_x = tf.Variable(tf.truncated_normal([F, H], stddev=0.5), name="W_x")
W_h = tf.Variable(tf.truncated_normal([H, H], stddev=0.3), name="W_h")
b_h = tf.Variable(tf.zeros([H]), name="b_h")
W_out = tf.Variable(tf.truncated_normal([H, C], stddev=0.5), name="W_out")
b_out = tf.Variable(tf.constant(0.1, shape=[C]), name="b_out")


def rnn_step(x_t, h):
    return tf.tanh(tf.matmul(x_t, W_x) + tf.matmul(h, W_h) + b_h)


h = tf.zeros([tf.shape(x)[0], H])
for x_t in tf.unstack(x, axis=1):
    h = rnn_step(x_t, h)
logits = tf.nn.bias_add(tf.matmul(h, W_out), b_out, name="logits")
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
probabilities = tf.nn.softmax(logits)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))
train_op = tf.train.AdamOptimizer(0.02).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l, a = sess.run([train_op, loss, accuracy], {x: bx, y: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    bx, _ = batch()
    p = sess.run(probabilities, {x: bx})
    print("mean top probability", round(float(p.max(1).mean()), 4))
    print("final loss", round(float(l), 4))

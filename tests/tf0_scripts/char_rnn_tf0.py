# ruff: noqa  (TF 0.12 style on purpose: run unmodified by parity legacy-run)
"""A character-level LSTM language model, written the TensorFlow 0.12 way.

TF 0.x names used: tf.nn.rnn, tf.unpack, tf.pack, tf.mul, tf.sub, tf.neg, tf.select,
tf.batch_matmul, tf.inv, tf.scalar_summary, tf.histogram_summary, tf.merge_all_summaries,
tf.train.SummaryWriter, tf.initialize_all_variables; TF 0.x argument orders:
tf.split(split_dim, num_split, value), tf.concat(concat_dim, values),
tf.nn.softmax_cross_entropy_with_logits(logits, labels).
Usage: char_rnn_tf0.py LOGDIR
"""
import os
import sys

import numpy as np
import tensorflow as tf

logdir = sys.argv[1]
corpus = "the quick brown fox jumps over the lazy dog; " * 30
chars = sorted(set(corpus))
VOCAB, STEPS, BATCH, HIDDEN = len(chars), 12, 16, 32
data = np.array([chars.index(c) for c in corpus])
rng = np.random.RandomState(0)


def next_batch():
    starts = rng.randint(0, len(data) - STEPS - 1, BATCH)
    inputs = np.stack([data[s:s + STEPS] for s in starts])
    targets = np.stack([data[s + 1:s + STEPS + 1] for s in starts])
    return inputs, targets


tf.set_random_seed(0)
x = tf.placeholder(tf.int32, [BATCH, STEPS])
y = tf.placeholder(tf.int32, [BATCH, STEPS])
x_onehot = tf.one_hot(x, VOCAB)
labels = tf.reshape(tf.one_hot(y, VOCAB), [-1, VOCAB])

steps = [tf.squeeze(s, [1]) for s in tf.split(1, STEPS, x_onehot)]
cell = tf.nn.rnn_cell.BasicLSTMCell(HIDDEN)
outputs, state = tf.nn.rnn(cell, steps, dtype=tf.float32)
output = tf.reshape(tf.concat(1, outputs), [-1, HIDDEN])

softmax_w = tf.Variable(tf.truncated_normal([HIDDEN, VOCAB], stddev=0.1))
softmax_b = tf.Variable(tf.zeros([VOCAB]))
logits = tf.matmul(output, softmax_w) + softmax_b
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits, labels))
weight_decay = tf.mul(1e-4, tf.reduce_sum(tf.square(softmax_w)))
cost = tf.add(loss, weight_decay)
safe_cost = tf.select(tf.is_finite(cost), cost, tf.zeros_like(cost))

correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
error_rate = tf.sub(1.0, tf.reduce_mean(tf.cast(correct, tf.float32)))
log_likelihood = tf.neg(loss)
inverse_perplexity = tf.inv(tf.exp(loss))

# how much the last state attends to each step: scores of a dot-product "attention"
stacked = tf.pack(outputs, axis=1)
scores = tf.batch_matmul(stacked, tf.expand_dims(state.h, 2))
attention = tf.nn.softmax(tf.squeeze(scores, [2]))
last_step_logits = tf.unpack(tf.reshape(logits, [BATCH, STEPS, VOCAB]), axis=1)[-1]

tf.scalar_summary("cost", cost)
tf.histogram_summary("softmax_w", softmax_w)
summaries = tf.merge_all_summaries()

optimizer = tf.train.AdamOptimizer(0.01)
grads, _ = tf.clip_by_global_norm(tf.gradients(safe_cost, tf.trainable_variables()), 5.0)
train_op = optimizer.apply_gradients(zip(grads, tf.trainable_variables()))

test_x, test_y = next_batch()
with tf.Session() as sess:
    writer = tf.train.SummaryWriter(logdir, sess.graph)
    sess.run(tf.initialize_all_variables())
    for step in range(1, 201):
        batch_x, batch_y = next_batch()
        _, value, summary = sess.run([train_op, cost, summaries], {x: batch_x, y: batch_y})
        writer.add_summary(summary, step)
        if step == 1 or step % 50 == 0:
            print("step %d cost %.4f" % (step, value))
    writer.close()
    feed = {x: test_x, y: test_y}
    err, ll, inv_ppl, att, last = sess.run(
        [error_rate, log_likelihood, inverse_perplexity, attention, last_step_logits], feed)
    print("test error rate %.4f" % err)
    print("test log-likelihood %.4f" % ll)
    print("inverse perplexity %.4f" % inv_ppl)
    print("attention on the last 3 steps %s" % np.round(att[0, -3:], 3))
    print("next characters %r" % "".join(chars[i] for i in last.argmax(1)))
print("event files", len([f for f in os.listdir(logdir) if f.startswith("events.")]))

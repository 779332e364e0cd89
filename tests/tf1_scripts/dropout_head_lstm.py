# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: an LSTMCell, dropout on its last output with a keep_prob placeholder
(0.5 in training, 1.0 in test), then a tf.layers.dense head. The head can only be reached
by feeding keep_prob, which the RNN's inputs alone do not.
"""
import numpy as np
import tensorflow as tf

tf.set_random_seed(2)
x = tf.placeholder(tf.float32, [None, 5, 3])
keep_prob = tf.placeholder(tf.float32)
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(4), x, dtype=tf.float32)
last = tf.nn.dropout(outputs[:, -1], keep_prob)
logits = tf.layers.dense(last, 3)
loss = tf.reduce_mean(tf.square(logits))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
data = np.random.RandomState(2).rand(4, 5, 3).astype(np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(train, {x: data, keep_prob: 0.5})
    print("test logits", sess.run(logits, {x: data, keep_prob: 1.0}).round(3)[0])

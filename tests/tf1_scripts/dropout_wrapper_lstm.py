# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: two LSTM layers in a MultiRNNCell, each in a DropoutWrapper whose
keep probabilities are fed through a placeholder (0.5 in training, 1.0 in test): input and
output dropout on the first, output dropout on the second; a dense head on the last step.
"""
import numpy as np
import tensorflow as tf

tf.set_random_seed(4)
x = tf.placeholder(tf.float32, [None, 6, 3])
keep_prob = tf.placeholder(tf.float32, [])
first = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(5), input_keep_prob=keep_prob,
                                      output_keep_prob=keep_prob)
second = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(4), output_keep_prob=keep_prob)
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell([first, second]), x, dtype=tf.float32)
logits = tf.layers.dense(outputs[:, -1], 2)
loss = tf.reduce_mean(tf.square(logits))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
data = np.random.RandomState(4).rand(3, 6, 3).astype(np.float32)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(train, {x: data, keep_prob: 0.5})
    print("test logits", sess.run(logits, {x: data, keep_prob: 1.0}).round(3)[0])

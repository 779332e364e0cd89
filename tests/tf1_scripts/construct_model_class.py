# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: the model built inside a class (placeholders, cell, loss and train op
as attributes, the char-rnn / PTB tutorials' Model), fed and fetched through the instance.
A GRU classifies whether a sequence rises. Usage: construct_model_class.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
rng = np.random.RandomState(24)


class Model:
    def __init__(self, steps, hidden, classes=2):
        self.inputs = tf.placeholder(tf.float32, [None, steps, 1], name="inputs")
        self.labels = tf.placeholder(tf.int64, [None], name="labels")
        cell = tf.nn.rnn_cell.GRUCell(hidden)
        outputs, _ = tf.nn.dynamic_rnn(cell, self.inputs, dtype=tf.float32)
        self.logits = tf.layers.dense(outputs[:, -1, :], classes)
        self.loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=self.labels, logits=self.logits))
        self.train_op = tf.train.AdamOptimizer(0.01).minimize(self.loss)


def batch(n=32, steps=6):
    x = rng.normal(size=(n, steps, 1)).astype(np.float32)
    return x, (x[:, -1, 0] > x[:, 0, 0]).astype(np.int64)


tf.set_random_seed(24)
model = Model(6, 8)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(STEPS):
        bx, by = batch()
        _, l = sess.run([model.train_op, model.loss], {model.inputs: bx, model.labels: by})
        if step % 50 == 0:
            print("step", step, "loss", round(float(l), 4))
    print("final loss", round(float(l), 4))

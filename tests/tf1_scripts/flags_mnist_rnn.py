# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""An LSTM over the 28 rows of each MNIST digit, configured by tf.app.flags (flags_config.py)
and started by tf.app.run(); the data comes from tf.contrib.learn.datasets.load_dataset.

    flags_mnist_rnn.py [--log_dir=DIR] [--v=N] [--verbosity=N] [--max_steps=N] ...

Prints the flags main() did not parse, the loss every 50 steps (--v=1) and the test accuracy.
"""
from __future__ import print_function

import os

import numpy as np
import tensorflow as tf

from flags_config import FLAGS

tf.logging.set_verbosity(FLAGS.verbosity)  # read before tf.app.run(), as TF 1.x allowed


def main(argv):
    print("unparsed arguments: {}".format(argv[1:]))
    tf.set_random_seed(0)
    np.random.seed(0)
    mnist = tf.contrib.learn.datasets.load_dataset("mnist")

    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.int64, [None])
    rows = tf.reshape(x, [-1, 28, 28])
    cell = tf.contrib.rnn.LSTMCell(FLAGS.num_hidden, use_peepholes=FLAGS.use_peepholes)
    outputs, _ = tf.nn.dynamic_rnn(cell, rows, dtype=tf.float32)
    logits = tf.layers.dense(outputs[:, -1], 10)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=tf.one_hot(y, 10), logits=logits))
    train_op = tf.train.AdamOptimizer(FLAGS.learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()

    if tf.gfile.Exists(FLAGS.log_dir):
        tf.gfile.DeleteRecursively(FLAGS.log_dir)
    tf.gfile.MakeDirs(FLAGS.log_dir)
    with tf.Session() as sess:
        writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
        sess.run(tf.global_variables_initializer())
        for step in range(FLAGS.max_steps):
            batch_x, batch_y = mnist.train.next_batch(FLAGS.batch_size)
            summary, l, _ = sess.run([merged, loss, train_op], {x: batch_x, y: batch_y})
            writer.add_summary(summary, step)
            if FLAGS.v >= 2 or (FLAGS.v >= 1 and step % 50 == 0):
                print("step {}, loss {:.4f}".format(step, l))
        writer.close()
        acc = sess.run(accuracy, {x: mnist.test.images, y: mnist.test.labels})
        tf.logging.info("done")
        print("test accuracy {:.4f}".format(acc))


if __name__ == "__main__":
    tf.app.run()

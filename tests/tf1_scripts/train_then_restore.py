# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: train in one Session and save a tf.train.Saver checkpoint, then open a
second Session, restore the latest checkpoint of the folder and evaluate (the train / evaluate
split of many TF1 programs). An LSTM tells which of two noisy channels has the larger mean.
Usage: train_then_restore.py CHECKPOINT_DIR [STEPS] [--evaluate-only]
(--evaluate-only: no training, the folder's checkpoint from an earlier run is evaluated)
"""
import os
import sys

import numpy as np
import tensorflow as tf

T, F, H, CLASSES, BATCH = 8, 2, 16, 2, 32
rng = np.random.RandomState(31)


def make_batch(n):
    x = rng.normal(size=(n, T, F)).astype(np.float32)
    labels = (x[:, :, 0].mean(1) > x[:, :, 1].mean(1)).astype(np.int64)
    return x, labels


test_x, test_y = make_batch(256)

tf.set_random_seed(31)
x = tf.placeholder(tf.float32, [None, T, F])
y = tf.placeholder(tf.int64, [None])
outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(H), x, dtype=tf.float32)
logits = tf.layers.dense(outputs[:, -1, :], CLASSES)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
saver = tf.train.Saver()


def train(steps, checkpoint_dir):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            bx, by = make_batch(BATCH)
            _, l = sess.run([train_op, loss], feed_dict={x: bx, y: by})
            if step % 50 == 0:
                print("step", step, "loss", round(float(l), 4))
        path = saver.save(sess, os.path.join(checkpoint_dir, "model.ckpt"), global_step=steps)
        print("saved", os.path.basename(path))


def evaluate(checkpoint_dir):
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint(checkpoint_dir))
        scores = sess.run(logits, feed_dict={x: test_x})
    accuracy = float(np.mean(scores.argmax(1) == test_y))
    print("test accuracy", round(accuracy, 4))
    return accuracy


if __name__ == "__main__":
    folder = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 150
    if "--evaluate-only" not in sys.argv:
        train(steps, folder)
    evaluate(folder)

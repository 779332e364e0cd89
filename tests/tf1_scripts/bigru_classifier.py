# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style: a 2-layer bidirectional GRU classifier (tf.contrib.rnn's
stack_bidirectional_dynamic_rnn over GRUCells, the last step of the concatenated outputs
into tf.layers.dense), trained with the mean softmax cross-entropy and Adam on NumPy data:
is the sum of a noisy sequence's first feature positive?
Usage: bigru_classifier.py [STEPS]
"""
import sys

import numpy as np
import tensorflow as tf

TIME_STEPS, N_FEATURES, N_HIDDEN, N_CLASSES = 10, 3, 12, 2
BATCH_SIZE, LR = 32, 0.01
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
rng = np.random.RandomState(11)


def make_batch(n):
    x = rng.normal(size=(n, TIME_STEPS, N_FEATURES)).astype(np.float32)
    label = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    return x, np.eye(N_CLASSES, dtype=np.float32)[label]


tf.set_random_seed(11)
X = tf.placeholder(tf.float32, [None, TIME_STEPS, N_FEATURES])
Y = tf.placeholder(tf.float32, [None, N_CLASSES])
cells_fw = [tf.contrib.rnn.GRUCell(N_HIDDEN) for _ in range(2)]
cells_bw = [tf.contrib.rnn.GRUCell(N_HIDDEN) for _ in range(2)]
outputs, _, _ = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, X, dtype=tf.float32)
logits = tf.layers.dense(outputs[:, -1, :], N_CLASSES)
loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
train_op = tf.train.AdamOptimizer(LR).minimize(loss_op)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1)), tf.float32))

test_x, test_y = make_batch(500)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, STEPS + 1):
        batch_x, batch_y = make_batch(BATCH_SIZE)
        _, loss = sess.run([train_op, loss_op], feed_dict={X: batch_x, Y: batch_y})
        if step % 20 == 0 or step == 1:
            print("Step", step, "loss", round(float(loss), 4))
    print("Testing Accuracy:", sess.run(accuracy, feed_dict={X: test_x, Y: test_y}))

# ruff: noqa  (TF 0.12 style on purpose: run unmodified by parity legacy-run)
"""A bidirectional LSTM that compares the first and last digits of a sequence, written the
TensorFlow 0.12 way (TensorFlow's own rnn modules, bool dims for tf.reverse).

TF 0.x names used: rnn.bidirectional_rnn (tensorflow.python.ops.rnn), tf.unpack,
tf.image.per_image_whitening, tf.listdiff, tf.complex_abs, tf.batch_matmul,
tf.initialize_all_variables; TF 0.x argument orders and forms:
tf.nn.sparse_softmax_cross_entropy_with_logits(logits, labels),
tf.nn.sigmoid_cross_entropy_with_logits(logits, targets), tf.concat(concat_dim, values),
tf.split(split_dim, num_split, value), tf.reverse(tensor, dims) with bools.
"""
import numpy as np
import tensorflow as tf
from tensorflow.python.ops import rnn, rnn_cell

STEPS, HIDDEN, BATCH = 8, 16, 64
rng = np.random.RandomState(1)


def make(n):
    digits = rng.randint(0, 10, size=(n, STEPS))
    order = np.sign(digits[:, 0] - digits[:, -1]) + 1  # 0: first < last, 1: equal, 2: first > last
    big = (digits.sum(1) > 4.5 * STEPS).astype(np.float32)  # an easier second target
    return digits[:, :, None].astype(np.float32) / 9.0, order, big[:, None]


train_x, train_order, train_big = make(2000)
test_x, test_order, test_big = make(500)

tf.set_random_seed(1)
x = tf.placeholder(tf.float32, [None, STEPS, 1])
order = tf.placeholder(tf.int64, [None])
big = tf.placeholder(tf.float32, [None, 1])

steps = tf.unpack(x, axis=1)
outputs, _, _ = rnn.bidirectional_rnn(
    rnn_cell.BasicLSTMCell(HIDDEN), rnn_cell.BasicLSTMCell(HIDDEN), steps, dtype=tf.float32)
first_fw, first_bw = tf.split(1, 2, outputs[0])
last_fw, last_bw = tf.split(1, 2, outputs[-1])
features = tf.concat(1, [last_fw, first_bw])

w = tf.Variable(tf.truncated_normal([2 * HIDDEN, 4], stddev=0.1))
b = tf.Variable(tf.zeros([4]))
out = tf.matmul(features, w) + b
order_logits, big_logit = out[:, :3], out[:, 3:]
order_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(order_logits, order))
big_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(big_logit, big))
loss = order_loss + big_loss
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

predicted = tf.argmax(order_logits, 1)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, order), tf.float32))
big_accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(big_logit > 0, tf.float32), big), tf.float32))

# the same digits backwards: "first < last" becomes "first > last"
x_reversed = tf.reverse(x, [False, True, False])
# the classes never predicted on the test set
classes_missed = tf.listdiff(tf.constant([0, 1, 2], tf.int64), tf.unique(predicted)[0])[0]
# the size of the mean output of each direction: |a + bi| of their means
size = tf.complex_abs(tf.complex(tf.reduce_mean(last_fw), tf.reduce_mean(first_bw)))
# whitened features (zero mean, unit variance per example), the TF 0.12 image op on a 3-D view
whitened = tf.image.per_image_whitening(tf.reshape(features[:1], [1, 2 * HIDDEN, 1]))
gram = tf.batch_matmul(tf.expand_dims(features, 1), tf.expand_dims(features, 2))

with tf.Session() as sess:
    sess.run(tf.initialize_all_variables())
    for step in range(1, 301):
        i = rng.randint(0, len(train_x) - BATCH)
        feed = {x: train_x[i:i + BATCH], order: train_order[i:i + BATCH], big: train_big[i:i + BATCH]}
        _, value = sess.run([train_op, loss], feed)
        if step == 1 or step % 100 == 0:
            print("step %d loss %.4f" % (step, value))
    test_feed = {x: test_x, order: test_order, big: test_big}
    acc, big_acc, missed, magnitude, white, g = sess.run(
        [accuracy, big_accuracy, classes_missed, size, whitened, gram], test_feed)
    print("test accuracy first-vs-last %.4f, sum > 36 %.4f" % (acc, big_acc))
    print("classes never predicted %s" % missed.tolist())
    print("mean output size %.4f" % magnitude)
    print("whitened features mean %.3f std %.3f" % (white.mean(), white.std()))
    print("squared norm of the first features %.4f" % g[0, 0, 0])
    backwards = sess.run(x_reversed, {x: test_x})
    acc_backwards = sess.run(accuracy, {x: backwards, order: 2 - test_order})
    print("test accuracy on reversed sequences %.4f" % acc_backwards)

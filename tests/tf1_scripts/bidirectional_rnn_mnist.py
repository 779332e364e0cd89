# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""TF1 tutorial style (aymericdamien's bidirectional_rnn.py): forward and backward
tf.contrib.rnn.BasicLSTMCell through static_bidirectional_rnn, then a second model with
stack_bidirectional_dynamic_rnn over GRUCells.
"""
import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

np.random.seed(2)
tf.set_random_seed(2)
mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)

learning_rate = 0.01
training_steps = 120
batch_size = 64
display_step = 40
num_input = 28
timesteps = 28
num_hidden = 16
num_classes = 10

X = tf.placeholder("float", [None, timesteps, num_input])
Y = tf.placeholder("float", [None, num_classes])
weights = {'out': tf.Variable(tf.random_normal([2 * num_hidden, num_classes]))}
biases = {'out': tf.Variable(tf.random_normal([num_classes]))}


def BiRNN(x, weights, biases):
    x = tf.unstack(x, timesteps, 1)
    lstm_fw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
    lstm_bw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
    try:
        outputs, _, _ = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x,
                                                     dtype=tf.float32)
    except Exception:  # Old TensorFlow version only returns outputs not states
        outputs = rnn.static_bidirectional_rnn(lstm_fw_cell, lstm_bw_cell, x,
                                               dtype=tf.float32)
    return tf.matmul(outputs[-1], weights['out']) + biases['out']


def StackedBiRNN(x):
    cells_fw = [rnn.GRUCell(num_hidden) for _ in range(2)]
    cells_bw = [rnn.GRUCell(num_hidden) for _ in range(2)]
    outputs, states_fw, states_bw = rnn.stack_bidirectional_dynamic_rnn(
        cells_fw, cells_bw, x, dtype=tf.float32)
    print('stacked outputs', outputs.shape.as_list()[1:], 'layers', len(states_fw))
    return tf.layers.dense(outputs[:, -1, :], num_classes)


for name, model in (('bidirectional', lambda: BiRNN(X, weights, biases)),
                    ('stacked', lambda: StackedBiRNN(X))):
    with tf.variable_scope(name):
        logits = model()
    loss_op = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y))
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss_op)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(Y, 1)), tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(1, training_steps + 1):
            batch_x, batch_y = mnist.train.next_batch(batch_size)
            batch_x = batch_x.reshape((batch_size, timesteps, num_input))
            _, loss = sess.run([train_op, loss_op], feed_dict={X: batch_x, Y: batch_y})
            if step % display_step == 0 or step == 1:
                print(name, "Step " + str(step) + ", Minibatch Loss= " + "{:.4f}".format(loss))
        test_data = mnist.test.images[:1000].reshape((-1, timesteps, num_input))
        print(name, "Testing Accuracy:",
              sess.run(accuracy, feed_dict={X: test_data, Y: mnist.test.labels[:1000]}))

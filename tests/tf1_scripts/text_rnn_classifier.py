# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""A sentence classifier in the style of the 2016-2017 text-classification tutorials:
tf.flags with FLAGS._parse_flags() and FLAGS.__flags, learn.preprocessing.VocabularyProcessor
(saved, restored for the evaluation), a GRU over the word ids.

    text_rnn_classifier.py [--out_dir=DIR] [--num_epochs=N] ...

The data is a toy review corpus written here (seeded): a sentence is positive when its
sentiment word is. Prints the parameters, the vocabulary size and the dev accuracy.
"""
from __future__ import print_function

import os

import numpy as np
import tensorflow as tf
from tensorflow.contrib import learn

# Data loading params
tf.flags.DEFINE_float("dev_sample_percentage", .2, "Percentage of the training data to use for validation")
# Model Hyperparameters
tf.flags.DEFINE_integer("embedding_dim", 16, "Dimensionality of word embedding")
tf.flags.DEFINE_integer("hidden_units", 16, "GRU units")
# Training parameters
tf.flags.DEFINE_integer("batch_size", 32, "Batch Size")
tf.flags.DEFINE_integer("num_epochs", 8, "Number of training epochs")
tf.flags.DEFINE_string("out_dir", "runs", "Where the vocabulary is saved")
# Misc Parameters
tf.flags.DEFINE_boolean("allow_soft_placement", True, "Allow device soft device placement")
tf.flags.DEFINE_boolean("log_device_placement", False, "Log placement of ops on devices")

FLAGS = tf.flags.FLAGS
FLAGS._parse_flags()
print("\nParameters:")
for attr, value in sorted(FLAGS.__flags.items()):
    print("{}={}".format(attr.upper(), value))
print("")

POSITIVE = ["good", "great", "wonderful", "fine", "lovely"]
NEGATIVE = ["bad", "awful", "boring", "poor", "dull"]
FILLER = ["the", "film", "was", "a", "plot", "and", "acting", "really", "very", "story",
          "music", "this", "it", "quite", "cast", "of", "with", "ending"]


def load_data_and_labels(rng, n=600):
    x_text, y = [], []
    for _ in range(n):
        words = list(rng.choice(FILLER, rng.randint(4, 12)))
        label = rng.randint(2)
        words.insert(rng.randint(len(words) + 1), rng.choice(POSITIVE if label else NEGATIVE))
        x_text.append(" ".join(words))
        y.append([0, 1] if label else [1, 0])
    return x_text, np.array(y)


rng = np.random.RandomState(10)
x_text, y = load_data_and_labels(rng)

# Build vocabulary
max_document_length = max([len(x.split(" ")) for x in x_text])
vocab_processor = learn.preprocessing.VocabularyProcessor(max_document_length)
x = np.array(list(vocab_processor.fit_transform(x_text)))

shuffle_indices = np.random.RandomState(10).permutation(np.arange(len(y)))
x_shuffled, y_shuffled = x[shuffle_indices], y[shuffle_indices]
text_shuffled = [x_text[i] for i in shuffle_indices]
dev_sample_index = -1 * int(FLAGS.dev_sample_percentage * float(len(y)))
x_train, x_dev = x_shuffled[:dev_sample_index], x_shuffled[dev_sample_index:]
y_train, y_dev = y_shuffled[:dev_sample_index], y_shuffled[dev_sample_index:]
text_dev = text_shuffled[dev_sample_index:]
print("Vocabulary Size: {:d}".format(len(vocab_processor.vocabulary_)))
print("Train/Dev split: {:d}/{:d}".format(len(y_train), len(y_dev)))

if not os.path.exists(FLAGS.out_dir):
    os.makedirs(FLAGS.out_dir)
vocab_processor.save(os.path.join(FLAGS.out_dir, "vocab"))

tf.set_random_seed(10)
input_x = tf.placeholder(tf.int32, [None, max_document_length], name="input_x")
input_y = tf.placeholder(tf.float32, [None, 2], name="input_y")
lengths = tf.reduce_sum(tf.sign(input_x), 1)
with tf.name_scope("embedding"):
    W = tf.Variable(tf.random_uniform([len(vocab_processor.vocabulary_), FLAGS.embedding_dim], -1.0, 1.0), name="W")
    embedded = tf.nn.embedding_lookup(W, input_x)
cell = tf.contrib.rnn.GRUCell(FLAGS.hidden_units)
_, last = tf.nn.dynamic_rnn(cell, embedded, sequence_length=lengths, dtype=tf.float32)
scores = tf.layers.dense(last, 2, name="scores")
predictions = tf.argmax(scores, 1, name="predictions")
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=scores, labels=input_y))
accuracy = tf.reduce_mean(tf.cast(tf.equal(predictions, tf.argmax(input_y, 1)), "float"), name="accuracy")
train_op = tf.train.AdamOptimizer(1e-2).minimize(loss)

session_conf = tf.ConfigProto(allow_soft_placement=FLAGS.allow_soft_placement,
                              log_device_placement=FLAGS.log_device_placement)
with tf.Session(config=session_conf) as sess:
    sess.run(tf.global_variables_initializer())
    batches_per_epoch = int((len(y_train) - 1) / FLAGS.batch_size) + 1
    for epoch in range(FLAGS.num_epochs):
        for b in range(batches_per_epoch):
            start, end = b * FLAGS.batch_size, min((b + 1) * FLAGS.batch_size, len(y_train))
            _, l = sess.run([train_op, loss], {input_x: x_train[start:end], input_y: y_train[start:end]})
        print("epoch {}, loss {:g}".format(epoch, l))

    # Evaluation, as eval.py did: the saved vocabulary, restored, maps the raw dev sentences
    restored = learn.preprocessing.VocabularyProcessor.restore(os.path.join(FLAGS.out_dir, "vocab"))
    x_eval = np.array(list(restored.transform(text_dev)))
    acc = sess.run(accuracy, {input_x: x_eval, input_y: y_dev})
    print("dev accuracy {:g}".format(acc))

# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""A tiny word-level LSTM language model in the style of the TF1 PTB and char-rnn tutorials:
tf.flags + tf.app.run(), tf.logging, tf.gfile, an unrolled decoder
(tf.contrib.legacy_seq2seq.rnn_decoder) and tf.contrib.seq2seq.sequence_loss.

    ptb_style_lm.py --data_path=DIR [--num_steps_train=N]

Writes its own small corpus into DIR (a repeating grammar), then trains and prints the
perplexity every 10 steps and, at the end, the perplexity of a greedy rollout.
"""
import os

import numpy as np
import tensorflow as tf
from tensorflow.contrib import legacy_seq2seq, rnn

flags = tf.flags
logging = tf.logging
flags.DEFINE_string("data_path", None, "where the corpus is written and read")
flags.DEFINE_integer("num_steps_train", 60, "training steps")
flags.DEFINE_integer("hidden_size", 32, "LSTM units")
FLAGS = flags.FLAGS

BATCH, UNROLL = 8, 6


def write_corpus(path):
    rng = np.random.RandomState(0)
    subjects, verbs, objects = ["the cat", "a dog", "my aunt"], ["eats", "sees"], ["fish", "a ball", "rice"]
    lines = [" %s %s %s " % (subjects[rng.randint(3)], verbs[rng.randint(2)], objects[rng.randint(3)])
             for _ in range(300)]
    with tf.gfile.GFile(path, "w") as f:
        f.write("\n".join(lines))


def read_ids(path):
    with tf.gfile.GFile(path, "rb") as f:
        words = f.read().decode("utf-8").replace("\n", "<eos>").split()
    vocab = {w: i for i, w in enumerate(sorted(set(words)))}
    return np.array([vocab[w] for w in words]), len(vocab)


def main(_):
    if not FLAGS.data_path:
        raise ValueError("Must set --data_path")
    tf.gfile.MakeDirs(FLAGS.data_path)
    corpus = os.path.join(FLAGS.data_path, "corpus.txt")
    write_corpus(corpus)
    assert tf.gfile.Exists(corpus)
    ids, vocab_size = read_ids(corpus)
    logging.info("vocabulary of %d words", vocab_size)
    tf.set_random_seed(0)

    x = tf.placeholder(tf.int32, [BATCH, UNROLL])
    y = tf.placeholder(tf.int32, [BATCH, UNROLL])
    embedding = tf.get_variable("embedding", [vocab_size, FLAGS.hidden_size])
    inputs = tf.unstack(tf.nn.embedding_lookup(embedding, x), UNROLL, 1)
    cell = rnn.MultiRNNCell([rnn.BasicLSTMCell(FLAGS.hidden_size)])
    softmax_w = tf.get_variable("softmax_w", [FLAGS.hidden_size, vocab_size])
    softmax_b = tf.get_variable("softmax_b", [vocab_size])
    outputs, _ = legacy_seq2seq.rnn_decoder(inputs, cell.zero_state(BATCH, tf.float32), cell,
                                            scope="rnnlm")
    logits = tf.reshape(tf.nn.xw_plus_b(tf.concat(outputs, 0), softmax_w, softmax_b),
                        [UNROLL, BATCH, vocab_size])
    logits = tf.transpose(logits, [1, 0, 2])
    loss = tf.contrib.seq2seq.sequence_loss(logits, y, tf.ones([BATCH, UNROLL]))
    train_op = tf.train.AdamOptimizer(0.02).minimize(loss)

    # greedy rollout: each step fed the embedding of the previous step's best word
    def loop(prev, _):
        return tf.nn.embedding_lookup(embedding, tf.argmax(tf.nn.xw_plus_b(prev, softmax_w, softmax_b), 1))

    rolled, _ = legacy_seq2seq.rnn_decoder(inputs, cell.zero_state(BATCH, tf.float32), cell,
                                           loop_function=loop, scope="rnnlm")
    print("variables", len(tf.trainable_variables()))  # the rollout shares the decoder's

    span = BATCH * UNROLL + 1
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(FLAGS.num_steps_train):
            start = (step * span) % (len(ids) - span)
            chunk = ids[start:start + span]
            feed = {x: chunk[:-1].reshape(BATCH, UNROLL), y: chunk[1:].reshape(BATCH, UNROLL)}
            cost, _ = sess.run([loss, train_op], feed)
            if step % 10 == 0 or step == FLAGS.num_steps_train - 1:
                print("step %d perplexity: %.3f" % (step, np.exp(cost)))
        print("rollout outputs", len(sess.run(rolled, feed)))


if __name__ == "__main__":
    tf.app.run()

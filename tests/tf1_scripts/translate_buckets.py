# ruff: noqa
"""A translate-tutorial-style (TensorFlow 0.12 / 1.0) bucketed seq2seq model:
tf.nn.seq2seq.embedding_attention_seq2seq inside model_with_buckets, on a toy task
(write a digit sequence backwards). Trained with feed_previous=False, saved, restored into a
forward-only model (feed_previous=True) and evaluated per bucket.

    python translate_buckets.py --train_dir /tmp/translate [--steps 300]
"""
from __future__ import print_function

import argparse
import os
import random

import numpy as np
import tensorflow as tf

PAD_ID, GO_ID, EOS_ID = 0, 1, 2
VOCAB = 12
BUCKETS = [(4, 6), (7, 9)]


class Seq2SeqModel(object):
    def __init__(self, size, batch_size, learning_rate, forward_only):
        self.batch_size = batch_size
        self.global_step = tf.Variable(0, trainable=False)
        cell = tf.nn.rnn_cell.GRUCell(size)

        def seq2seq_f(encoder_inputs, decoder_inputs, do_decode):
            return tf.nn.seq2seq.embedding_attention_seq2seq(
                encoder_inputs, decoder_inputs, cell,
                num_encoder_symbols=VOCAB, num_decoder_symbols=VOCAB,
                embedding_size=size, feed_previous=do_decode, dtype=tf.float32)

        self.encoder_inputs, self.decoder_inputs, self.target_weights = [], [], []
        for i in range(BUCKETS[-1][0]):
            self.encoder_inputs.append(tf.placeholder(tf.int32, shape=[None], name="encoder{0}".format(i)))
        for i in range(BUCKETS[-1][1] + 1):
            self.decoder_inputs.append(tf.placeholder(tf.int32, shape=[None], name="decoder{0}".format(i)))
            self.target_weights.append(tf.placeholder(tf.float32, shape=[None], name="weight{0}".format(i)))
        targets = [self.decoder_inputs[i + 1] for i in range(len(self.decoder_inputs) - 1)]
        self.outputs, self.losses = tf.nn.seq2seq.model_with_buckets(
            self.encoder_inputs, self.decoder_inputs, targets, self.target_weights, BUCKETS,
            lambda x, y: seq2seq_f(x, y, forward_only))
        if not forward_only:
            params = tf.trainable_variables()
            opt = tf.train.AdamOptimizer(learning_rate)
            self.updates = []
            for b in range(len(BUCKETS)):
                gradients = tf.gradients(self.losses[b], params)
                clipped, _ = tf.clip_by_global_norm(gradients, 5.0)
                self.updates.append(opt.apply_gradients(zip(clipped, params), global_step=self.global_step))
        self.saver = tf.train.Saver(tf.global_variables())

    def step(self, session, encoder_inputs, decoder_inputs, target_weights, bucket_id, forward_only):
        encoder_size, decoder_size = BUCKETS[bucket_id]
        feed = {}
        for l in range(encoder_size):
            feed[self.encoder_inputs[l].name] = encoder_inputs[l]
        for l in range(decoder_size):
            feed[self.decoder_inputs[l].name] = decoder_inputs[l]
            feed[self.target_weights[l].name] = target_weights[l]
        feed[self.decoder_inputs[decoder_size].name] = np.zeros([len(encoder_inputs[0])], dtype=np.int32)
        if not forward_only:
            _, loss = session.run([self.updates[bucket_id], self.losses[bucket_id]], feed)
            return loss, None
        loss, outputs = session.run([self.losses[bucket_id], self.outputs[bucket_id]], feed)
        return loss, outputs

    def get_batch(self, data, bucket_id):
        """The tutorial's layout: reversed, padded encoder inputs; GO + target + padding."""
        encoder_size, decoder_size = BUCKETS[bucket_id]
        encoder_inputs, decoder_inputs = [], []
        for _ in range(self.batch_size):
            encoder_input, decoder_input = random.choice(data[bucket_id])
            pad = [PAD_ID] * (encoder_size - len(encoder_input))
            encoder_inputs.append(list(reversed(encoder_input + pad)))
            decoder_inputs.append([GO_ID] + decoder_input + [PAD_ID] * (decoder_size - len(decoder_input) - 1))
        batch_encoder = [np.array([encoder_inputs[b][l] for b in range(self.batch_size)], dtype=np.int32)
                         for l in range(encoder_size)]
        batch_decoder, batch_weights = [], []
        for l in range(decoder_size):
            batch_decoder.append(np.array([decoder_inputs[b][l] for b in range(self.batch_size)], dtype=np.int32))
            weight = np.ones(self.batch_size, dtype=np.float32)
            for b in range(self.batch_size):
                if l == decoder_size - 1 or decoder_inputs[b][l + 1] == PAD_ID:
                    weight[b] = 0.0
            batch_weights.append(weight)
        return batch_encoder, batch_decoder, batch_weights


def make_data(seed, n):
    rng = random.Random(seed)
    data = [[] for _ in BUCKETS]
    for _ in range(n):
        length = rng.randint(2, BUCKETS[-1][0])
        source = [rng.randint(3, VOCAB - 1) for _ in range(length)]
        target = list(reversed(source)) + [EOS_ID]
        for bucket_id, (source_size, target_size) in enumerate(BUCKETS):
            if len(source) <= source_size and len(target) < target_size:
                data[bucket_id].append([source, target])
                break
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train_dir", required=True)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", type=int, default=48)
    args = parser.parse_args()
    random.seed(0)
    np.random.seed(0)
    train_set, test_set = make_data(1, 4000), make_data(2, 400)
    sizes = [len(b) for b in train_set]
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.set_random_seed(0)
        model = Seq2SeqModel(args.size, 32, 0.01, forward_only=False)
        sess.run(tf.global_variables_initializer())
        for step in range(1, args.steps + 1):
            bucket_id = 0 if random.random() < sizes[0] / float(sum(sizes)) else 1
            loss, _ = model.step(sess, *model.get_batch(train_set, bucket_id), bucket_id=bucket_id, forward_only=False)
            if step == 1 or step % 50 == 0:
                print("global step %d bucket %d loss %.4f" % (step, bucket_id, loss))
        if not os.path.exists(args.train_dir):
            os.makedirs(args.train_dir)
        path = model.saver.save(sess, os.path.join(args.train_dir, "translate.ckpt"), global_step=model.global_step)
        print("saved %s, %d variables" % (path, len(tf.global_variables())))

    with tf.Graph().as_default(), tf.Session() as sess:
        model = Seq2SeqModel(args.size, 1, 0.01, forward_only=True)
        model.saver.restore(sess, tf.train.latest_checkpoint(args.train_dir))
        for bucket_id in range(len(BUCKETS)):
            exact = 0
            for source, target in test_set[bucket_id]:
                model.batch_size = 1
                encoder_inputs, decoder_inputs, target_weights = model.get_batch({bucket_id: [(source, target)]}, bucket_id)
                _, output_logits = model.step(sess, encoder_inputs, decoder_inputs, target_weights, bucket_id, True)
                outputs = [int(np.argmax(logit, axis=1)[0]) for logit in output_logits]
                if EOS_ID in outputs:
                    outputs = outputs[:outputs.index(EOS_ID)]
                exact += outputs == target[:-1]
            print("eval: bucket %d exact-match accuracy %.3f on %d" % (bucket_id, exact / float(len(test_set[bucket_id])), len(test_set[bucket_id])))


if __name__ == "__main__":
    main()

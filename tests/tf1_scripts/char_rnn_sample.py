# ruff: noqa  (TF1 tutorial style on purpose: run unmodified by parity legacy-run)
"""Samples text from the char-rnn that char_rnn_train.py saved in SAVE_DIR: reads config.pkl
and chars_vocab.pkl (cPickle), restores the latest checkpoint, prints the sample.
--sample: 0 = most likely character, 1 = weighted pick (NumPy 1-era code), 2 = weighted at
spaces."""
from __future__ import print_function

import argparse
import os

import numpy as np
import tensorflow as tf
from six.moves import cPickle

from char_rnn_model import CharModel


def main():
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--save_dir', type=str, default='save',
                        help='model directory to store checkpointed models')
    parser.add_argument('-n', type=int, default=500, help='number of characters to sample')
    parser.add_argument('--prime', type=str, default=u' ', help='prime text')
    parser.add_argument('--sample', type=int, default=1,
                        help='0 to use max at each timestep, 1 to sample at each timestep, '
                             '2 to sample on spaces')
    parser.add_argument('--seed', type=int, default=0, help='random seed of the weighted picks')
    args = parser.parse_args()
    sample(args)


def sample(args):
    np.random.seed(args.seed)
    with open(os.path.join(args.save_dir, 'config.pkl'), 'rb') as f:
        saved_args = cPickle.load(f)
    with open(os.path.join(args.save_dir, 'chars_vocab.pkl'), 'rb') as f:
        chars, vocab = cPickle.load(f)
    model = CharModel(saved_args, infer=True)
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        saver = tf.train.Saver(tf.global_variables())
        ckpt = tf.train.get_checkpoint_state(args.save_dir)
        if ckpt and ckpt.model_checkpoint_path:
            saver.restore(sess, ckpt.model_checkpoint_path)
            print(model.sample(sess, chars, vocab, args.n, args.prime, args.sample))
        else:
            print("no checkpoint found in {}".format(args.save_dir))


if __name__ == '__main__':
    main()

# ruff: noqa
"""An NMT-tutorial-style encoder-decoder (TF 1.4-era tf.contrib.seq2seq) on a toy task:
reverse a sequence of digits. Bahdanau attention, trained with TrainingHelper, saved with a
Saver, then restored into fresh inference graphs for greedy decoding and beam search (width 3).

    python nmt_attention_reverse.py --out_dir /tmp/nmt [--num_train_steps 300]
"""
from __future__ import print_function

import argparse
import os

import numpy as np
import tensorflow as tf
from tensorflow.python.layers import core as layers_core

PAD, SOS, EOS = 0, 1, 2
VOCAB = 13  # 3 specials + 10 digits
EMB, UNITS = 16, 64
MIN_LEN, MAX_LEN = 3, 6


def make_batch(rng, size):
    lengths = rng.randint(MIN_LEN, MAX_LEN + 1, size=size)
    src = np.zeros((size, MAX_LEN), np.int32)
    tgt_in = np.zeros((size, MAX_LEN + 1), np.int32)
    tgt_out = np.zeros((size, MAX_LEN + 1), np.int32)
    for i, n in enumerate(lengths):
        seq = rng.randint(3, VOCAB, size=n)
        src[i, :n] = seq
        tgt_in[i, 0] = SOS
        tgt_in[i, 1:n + 1] = seq[::-1]
        tgt_out[i, :n] = seq[::-1]
        tgt_out[i, n] = EOS
    return src, lengths.astype(np.int32), tgt_in, tgt_out, (lengths + 1).astype(np.int32)


def build_model(mode, beam_width=3):
    """mode: train, greedy or beam. The scopes are the NMT tutorial's."""
    src = tf.placeholder(tf.int32, [None, None], name="source")
    src_len = tf.placeholder(tf.int32, [None], name="source_length")
    batch_size = tf.size(src_len)
    feeds = {"src": src, "src_len": src_len}
    with tf.variable_scope("dynamic_seq2seq"):
        with tf.variable_scope("embeddings"):
            embedding_encoder = tf.get_variable("embedding_encoder", [VOCAB, EMB])
            embedding_decoder = tf.get_variable("embedding_decoder", [VOCAB, EMB])
        with tf.variable_scope("encoder"):
            encoder_emb_inp = tf.nn.embedding_lookup(embedding_encoder, src)
            encoder_outputs, encoder_state = tf.nn.dynamic_rnn(
                tf.contrib.rnn.BasicLSTMCell(UNITS), encoder_emb_inp,
                sequence_length=src_len, dtype=tf.float32)
        with tf.variable_scope("decoder") as decoder_scope:
            output_layer = layers_core.Dense(VOCAB, use_bias=False, name="output_projection")
            memory, memory_len, state, rows = encoder_outputs, src_len, encoder_state, batch_size
            if mode == "beam":
                memory = tf.contrib.seq2seq.tile_batch(encoder_outputs, multiplier=beam_width)
                memory_len = tf.contrib.seq2seq.tile_batch(src_len, multiplier=beam_width)
                state = tf.contrib.seq2seq.tile_batch(encoder_state, multiplier=beam_width)
                rows = batch_size * beam_width
            attention_mechanism = tf.contrib.seq2seq.BahdanauAttention(
                UNITS, memory, memory_sequence_length=memory_len)
            cell = tf.contrib.seq2seq.AttentionWrapper(
                tf.contrib.rnn.BasicLSTMCell(UNITS), attention_mechanism,
                attention_layer_size=UNITS, alignment_history=(mode != "train"),
                name="attention")
            decoder_initial_state = cell.zero_state(rows, tf.float32).clone(cell_state=state)
            max_iter = tf.reduce_max(src_len) * 2
            start_tokens = tf.fill([batch_size], SOS)
            if mode == "train":
                tgt_in = tf.placeholder(tf.int32, [None, None], name="target_input")
                tgt_out = tf.placeholder(tf.int32, [None, None], name="target_output")
                tgt_len = tf.placeholder(tf.int32, [None], name="target_length")
                feeds.update(tgt_in=tgt_in, tgt_out=tgt_out, tgt_len=tgt_len)
                helper = tf.contrib.seq2seq.TrainingHelper(
                    tf.nn.embedding_lookup(embedding_decoder, tgt_in), tgt_len)
                decoder = tf.contrib.seq2seq.BasicDecoder(cell, helper, decoder_initial_state)
                outputs, _, _ = tf.contrib.seq2seq.dynamic_decode(
                    decoder, impute_finished=True, scope=decoder_scope)
                logits = output_layer(outputs.rnn_output)
                mask = tf.sequence_mask(tgt_len, tf.shape(logits)[1], dtype=tf.float32)
                loss = tf.contrib.seq2seq.sequence_loss(
                    logits, tgt_out[:, :tf.shape(logits)[1]], mask)
                return feeds, loss
            if mode == "greedy":
                helper = tf.contrib.seq2seq.GreedyEmbeddingHelper(
                    embedding_decoder, start_tokens, EOS)
                decoder = tf.contrib.seq2seq.BasicDecoder(
                    cell, helper, decoder_initial_state, output_layer=output_layer)
                outputs, final_state, lengths = tf.contrib.seq2seq.dynamic_decode(
                    decoder, maximum_iterations=max_iter, scope=decoder_scope)
                alignments = final_state.alignment_history.stack()
                return feeds, (outputs.sample_id, lengths, alignments)
            decoder = tf.contrib.seq2seq.BeamSearchDecoder(
                cell=cell, embedding=embedding_decoder, start_tokens=start_tokens,
                end_token=EOS, initial_state=decoder_initial_state, beam_width=beam_width,
                output_layer=output_layer, length_penalty_weight=0.0)
            outputs, final_state, _ = tf.contrib.seq2seq.dynamic_decode(
                decoder, maximum_iterations=max_iter, scope=decoder_scope)
            # BeamSearchDecoder returns the history stacked, in the final beams' order
            alignments = final_state.cell_state.alignment_history
            return feeds, (outputs.predicted_ids, outputs.beam_search_decoder_output.scores,
                           alignments)


def strip(ids):
    out = []
    for t in ids:
        if t == EOS:
            break
        out.append(int(t))
    return out


def accuracy(predicted, src, lengths):
    """(sequence accuracy, token accuracy) of reversals."""
    exact, tokens, total = 0, 0, 0
    for row, seq, n in zip(predicted, src, lengths):
        want = list(seq[:n][::-1]) + [EOS]
        got = list(row[:n + 1]) + [PAD] * max(0, n + 1 - len(row))
        exact += strip(row) == want[:-1]
        tokens += sum(int(a == b) for a, b in zip(got, want))
        total += n + 1
    return exact / float(len(src)), tokens / float(total)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", required=True)
    parser.add_argument("--num_train_steps", type=int, default=300)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--skip_train", action="store_true",
                        help="only decode, from the checkpoint in out_dir")
    args = parser.parse_args()
    ckpt = os.path.join(args.out_dir, "translate.ckpt")

    if not args.skip_train:
        rng = np.random.RandomState(1)
        train_graph = tf.Graph()
        with train_graph.as_default():
            tf.set_random_seed(1)
            feeds, loss = build_model("train")
            global_step = tf.train.get_or_create_global_step()
            params = tf.trainable_variables()
            gradients = tf.gradients(loss, params)
            clipped, _ = tf.clip_by_global_norm(gradients, 5.0)
            train_op = tf.train.AdamOptimizer(0.01).apply_gradients(
                zip(clipped, params), global_step=global_step)
            saver = tf.train.Saver()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                for step in range(1, args.num_train_steps + 1):
                    src, src_len, tgt_in, tgt_out, tgt_len = make_batch(rng, args.batch_size)
                    _, loss_v = sess.run([train_op, loss], {
                        feeds["src"]: src, feeds["src_len"]: src_len, feeds["tgt_in"]: tgt_in,
                        feeds["tgt_out"]: tgt_out, feeds["tgt_len"]: tgt_len})
                    if step == 1 or step % 50 == 0:
                        print("step %d train loss %.4f" % (step, loss_v))
                if not os.path.isdir(args.out_dir):
                    os.makedirs(args.out_dir)
                saver.save(sess, ckpt, global_step=global_step)
        print("saved", tf.train.latest_checkpoint(args.out_dir))

    test_rng = np.random.RandomState(2)
    src, src_len, _, _, _ = make_batch(test_rng, 200)
    latest = tf.train.latest_checkpoint(args.out_dir)
    for mode in ("greedy", "beam"):
        graph = tf.Graph()
        with graph.as_default():
            feeds, fetches = build_model(mode)
            saver = tf.train.Saver()
            with tf.Session() as sess:
                saver.restore(sess, latest)
                got = sess.run(fetches, {feeds["src"]: src, feeds["src_len"]: src_len})
        if mode == "greedy":
            ids, lengths, alignments = got
            seq_acc, tok_acc = accuracy(ids, src, src_len)
            print("greedy sequence accuracy %.3f token accuracy %.3f" % (seq_acc, tok_acc))
            print("alignment history", list(alignments.shape))
            # attention of the first output step over the source: the last source token
            first = alignments[0, np.arange(len(src)), src_len - 1]
            print("first step attends to the last source token: %.3f" % first.mean())
            on_target = [alignments[t, i, n - 1 - t] for i, n in enumerate(src_len) for t in range(n)]
            print("greedy attends to the reversed position: %.3f" % np.mean(on_target))
        else:
            ids, scores, alignments = got
            print("beam predicted_ids", list(ids.shape[::2]), "beams", ids.shape[2])
            # the best beam's attention: output step t reads source position n - 1 - t
            best = alignments.reshape(alignments.shape[0], len(src), -1, alignments.shape[-1])[:, :, 0]
            on_target = [best[t, i, n - 1 - t] for i, n in enumerate(src_len) for t in range(n)]
            print("best beam attends to the reversed position: %.3f" % np.mean(on_target))
            seq_acc, tok_acc = accuracy(ids[:, :, 0], src, src_len)
            print("beam sequence accuracy %.3f token accuracy %.3f" % (seq_acc, tok_acc))
            final = scores[:, -1, :]
            print("beams sorted by score: %s" % bool(np.all(np.diff(final, axis=1) <= 1e-6)))
            print("example", [int(t) for t in src[0, :src_len[0]]], "->",
                  [strip(ids[0, :, k]) for k in range(ids.shape[2])])


if __name__ == "__main__":
    main()

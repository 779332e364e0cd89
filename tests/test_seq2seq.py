"""`tf.contrib.seq2seq` and `tf.contrib.legacy_seq2seq` under `parity legacy-run`.

The pieces are checked in this process (``tf1_compat()``) against NumPy written from the
TF 1.x documentation and the NMT tutorial's equations: attention scores, one attention
decoder step restored from a checkpoint written under TF 1.x's variable names, gather_tree,
beam search on a fixed bigram model, the legacy attention decoder. The two programs in
tests/tf1_scripts/ (an NMT-style attention model with greedy and beam-search decoding, a
translate-tutorial bucketed model) run in subprocesses, as a user runs them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from parity import legacy_run

pytestmark = pytest.mark.legacy

SCRIPTS = Path(__file__).resolve().parent / "tf1_scripts"


# ------------------------------------------------------------------------ NumPy refs
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_step(x, c, h, kernel, bias):
    """BasicLSTMCell: gates (i, j, f, o) of concat([x, h]), forget_bias 1."""
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
    c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)
    return c, np.tanh(c) * sigmoid(o)


def masked_softmax(score, lengths):
    mask = np.arange(score.shape[1])[None, :] < lengths[:, None]
    return softmax(np.where(mask, score, -np.inf))


def gather_tree_reference(step_ids, parent_ids, max_lengths, end_token):
    """TF 1.x's GatherTree kernel, loop for loop."""
    time, batch, beam = step_ids.shape
    beams = np.full_like(step_ids, end_token)
    for b in range(batch):
        length = min(time, max_lengths[b])
        for k in range(beam):
            if length <= 0:
                continue
            beams[length - 1, b, k] = step_ids[length - 1, b, k]
            parent = parent_ids[length - 1, b, k]
            for t in range(length - 2, -1, -1):
                beams[t, b, k] = step_ids[t, b, parent]
                parent = parent_ids[t, b, parent]
            finished = False
            for t in range(length):
                if finished:
                    beams[t, b, k] = end_token
                elif beams[t, b, k] == end_token:
                    finished = True
    return beams


def beam_search_reference(transition_logits, start, end, beam_width, max_steps, penalty=0.0):
    """TF 1.x's beam search step by step for one sentence of a bigram model (the next
    token's logits are a row of ``transition_logits`` chosen by the previous token). The
    scores are divided by GNMT's length penalty ((5 + length) / 6) ** penalty, the length
    not counting the end token."""
    vocab = transition_logits.shape[0]
    log_probs = np.full(beam_width, -np.inf)
    log_probs[0] = 0.0
    finished = np.zeros(beam_width, bool)
    lengths = np.zeros(beam_width, int)
    prev = np.full(beam_width, start)
    words, parents, scores = [], [], []
    for _ in range(max_steps):
        step = log_softmax(transition_logits[prev])
        eos_only = np.full(vocab, np.finfo(np.float32).min)
        eos_only[end] = 0.0
        step[finished] = eos_only
        total = log_probs[:, None] + step
        add = np.ones((beam_width, vocab), int)
        add[:, end] = 0
        add[finished] = 0
        score = total / ((5.0 + lengths[:, None] + add) / 6.0) ** penalty
        order = np.argsort(-score.reshape(-1), kind="stable")[:beam_width]
        parent, word = order // vocab, order % vocab
        was_finished = finished[parent]
        log_probs = total.reshape(-1)[order]
        lengths = lengths[parent] + ~was_finished
        finished = was_finished | (word == end)
        prev = word
        words.append(word)
        parents.append(parent)
        scores.append(score.reshape(-1)[order])
        if finished.all():
            break
    step_ids = np.array(words)[:, None, :]
    parent_ids = np.array(parents)[:, None, :]
    beams = gather_tree_reference(step_ids, parent_ids, [lengths.max()], end)[:, 0, :]
    return beams, np.array(scores)


def randomize(tf, sess, seed):
    """Every trainable variable set to seeded random values; returns {name: value}."""
    rng = np.random.RandomState(seed)
    values = {}
    for v in tf.trainable_variables():
        value = rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32)
        sess.run(v.assign(value))
        values[v.op.name] = value
    return values


# ----------------------------------------------------------------------- seq2seq API
def test_gather_tree_follows_parents_and_stops_at_end_token():
    end = 9
    # 3 steps, 1 sentence, 2 beams: beam 0 ends 7 -> 5 -> 3 via parents (1, 0)
    step_ids = np.array([[[2, 3]], [[4, 5]], [[6, 7]]], np.int32)
    parent_ids = np.array([[[0, 0]], [[1, 0]], [[1, 0]]], np.int32)
    rng = np.random.RandomState(0)
    big_steps = rng.randint(0, 6, size=(7, 3, 4)).astype(np.int32)
    big_steps[rng.rand(7, 3, 4) < 0.2] = 5  # end tokens inside the beams
    big_parents = rng.randint(0, 4, size=(7, 3, 4)).astype(np.int32)
    big_lengths = np.array([7, 4, 0], np.int32)
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            small = tf.contrib.seq2seq.gather_tree(step_ids, parent_ids, [3], end)
            short = tf.contrib.seq2seq.gather_tree(step_ids, parent_ids, [2], end)
            big = tf.contrib.seq2seq.gather_tree(big_steps, big_parents, big_lengths, 5)
            small_v, short_v, big_v = sess.run([small, short, big])
    # by hand: beam 0: t2 id 6 (parent 1) -> t1 beam 1's id 5 (parent 0) -> t0 beam 0's id 2
    np.testing.assert_array_equal(small_v[:, 0, 0], [2, 5, 6])
    np.testing.assert_array_equal(small_v[:, 0, 1], [3, 4, 7])
    # max length 2: the last step is end_token, the beam traced from step 1
    np.testing.assert_array_equal(short_v[:, 0, :], [[3, 2], [4, 5], [9, 9]])
    np.testing.assert_array_equal(big_v, gather_tree_reference(big_steps, big_parents, big_lengths, 5))
    assert (big_v[:, 2, :] == 5).all()  # a sentence of length 0 is all end tokens


def test_tile_batch_repeats_each_entry_in_place():
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            x = tf.constant([[1, 2], [3, 4]])
            tiled = tf.contrib.seq2seq.tile_batch((x, tf.constant([5, 6])), 3)
            assert tiled[0].shape.as_list() == [6, 2]
            a, b = sess.run(tiled)
    np.testing.assert_array_equal(a, [[1, 2]] * 3 + [[3, 4]] * 3)
    np.testing.assert_array_equal(b, [5, 5, 5, 6, 6, 6])


def test_attention_scores_match_numpy_and_tf1_variable_names():
    rng = np.random.RandomState(3)
    memory = rng.randn(2, 4, 5).astype(np.float32)
    lengths = np.array([4, 2], np.int32)
    query = rng.randn(2, 6).astype(np.float32)
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            s2s = tf.contrib.seq2seq
            out = {}
            for scope, make in [
                ("plain", lambda: s2s.BahdanauAttention(3, memory, lengths)),
                ("normed", lambda: s2s.BahdanauAttention(3, memory, lengths, normalize=True)),
                ("luong", lambda: s2s.LuongAttention(6, memory, lengths)),
                ("scaled", lambda: s2s.LuongAttention(6, memory, lengths, scale=True)),
            ]:
                with tf.variable_scope(scope):
                    mechanism = make()
                    out[scope] = mechanism(tf.constant(query), state=None)[0]
            sess.run(tf.global_variables_initializer())
            w = randomize(tf, sess, 4)
            got = sess.run(out)
    assert sorted(w) == [
        "luong/memory_layer/kernel",
        "normed/bahdanau_attention/attention_b",
        "normed/bahdanau_attention/attention_g",
        "normed/bahdanau_attention/attention_v",
        "normed/bahdanau_attention/query_layer/kernel",
        "normed/memory_layer/kernel",
        "plain/bahdanau_attention/attention_v",
        "plain/bahdanau_attention/query_layer/kernel",
        "plain/memory_layer/kernel",
        "scaled/luong_attention/attention_g",
        "scaled/memory_layer/kernel",
    ]
    for scope in ("plain", "normed"):
        keys = memory @ w[f"{scope}/memory_layer/kernel"]
        q = query @ w[f"{scope}/bahdanau_attention/query_layer/kernel"]
        v = w[f"{scope}/bahdanau_attention/attention_v"]
        b = 0.0
        if scope == "normed":
            v = w["normed/bahdanau_attention/attention_g"] * v / np.linalg.norm(v)
            b = w["normed/bahdanau_attention/attention_b"]
        score = (v * np.tanh(keys + q[:, None, :] + b)).sum(-1)
        np.testing.assert_allclose(got[scope], masked_softmax(score, lengths), rtol=1e-5, atol=1e-6)
    for scope, g in (("luong", 1.0), ("scaled", w["scaled/luong_attention/attention_g"])):
        keys = memory @ w[f"{scope}/memory_layer/kernel"]
        score = g * np.einsum("bd,btd->bt", query, keys)
        np.testing.assert_allclose(got[scope], masked_softmax(score, lengths), rtol=1e-5, atol=1e-6)
    assert (got["plain"][1, 2:] == 0).all()  # past the memory's length


# TF 1.x names of an attention decoder built the NMT tutorial's way (scope "decoder",
# AttentionWrapper's default name, output layer "output_projection"), E=3, A=7, H=6, D=5, V=4
TF1_DECODER_VARIABLES = {
    "decoder/memory_layer/kernel": [5, 6],
    "decoder/attention_wrapper/basic_lstm_cell/kernel": [3 + 7 + 6, 24],
    "decoder/attention_wrapper/basic_lstm_cell/bias": [24],
    "decoder/attention_wrapper/bahdanau_attention/query_layer/kernel": [6, 6],
    "decoder/attention_wrapper/bahdanau_attention/attention_v": [6],
    "decoder/attention_wrapper/attention_layer/kernel": [6 + 5, 7],
    "decoder/output_projection/kernel": [7, 4],
}


def test_attention_decoder_restores_a_tf1_named_checkpoint_and_matches_numpy(tmp_path):
    rng = np.random.RandomState(5)
    memory = rng.randn(2, 4, 5).astype(np.float32)
    memory_lengths = np.array([3, 4], np.int32)
    inputs = rng.randn(2, 3, 3).astype(np.float32)
    lengths = np.array([3, 2], np.int32)
    c0, h0 = rng.randn(2, 2, 6).astype(np.float32)
    with legacy_run.tf1_compat() as tf:
        # a TF1-era program's checkpoint: plain get_variable under those names, no seq2seq API
        with tf.Graph().as_default(), tf.Session() as sess:
            for name, shape in TF1_DECODER_VARIABLES.items():
                tf.get_variable(name, shape, initializer=tf.random_normal_initializer(0, 0.5, seed=1))
            sess.run(tf.global_variables_initializer())
            w = {v.op.name: sess.run(v) for v in tf.global_variables()}
            path = tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))
        with tf.Graph().as_default(), tf.Session() as sess:
            s2s = tf.contrib.seq2seq
            with tf.variable_scope("decoder") as scope:
                mechanism = s2s.BahdanauAttention(6, memory, memory_sequence_length=memory_lengths)
                cell = s2s.AttentionWrapper(
                    tf.contrib.rnn.BasicLSTMCell(6), mechanism, attention_layer_size=7,
                    alignment_history=True,
                )
                start = cell.zero_state(2, tf.float32).clone(
                    cell_state=tf.contrib.rnn.LSTMStateTuple(tf.constant(c0), tf.constant(h0))
                )
                helper = s2s.TrainingHelper(tf.constant(inputs), lengths)
                decoder = s2s.BasicDecoder(
                    cell, helper, start,
                    output_layer=tf.layers.Dense(4, use_bias=False, name="output_projection"),
                )
                outputs, final, final_lengths = s2s.dynamic_decode(
                    decoder, impute_finished=True, scope=scope
                )
                history = final.alignment_history.stack()
            names = {v.op.name: v.shape.as_list() for v in tf.global_variables()}
            tf.train.Saver().restore(sess, path)
            got = sess.run([outputs.rnn_output, outputs.sample_id, final.cell_state, final_lengths, history])
    assert names == TF1_DECODER_VARIABLES
    logits, sample_ids, (c_final, h_final), lengths_v, history_v = got
    np.testing.assert_array_equal(lengths_v, lengths)
    assert logits.shape == (2, 3, 4)
    keys = memory * (np.arange(4)[None, :, None] < memory_lengths[:, None, None]) @ w["decoder/memory_layer/kernel"]
    values = memory * (np.arange(4)[None, :, None] < memory_lengths[:, None, None])
    c, h, attention = c0, h0, np.zeros((2, 7), np.float32)
    for t in range(3):
        c_new, h_new = lstm_step(
            np.concatenate([inputs[:, t], attention], 1), c, h,
            w["decoder/attention_wrapper/basic_lstm_cell/kernel"],
            w["decoder/attention_wrapper/basic_lstm_cell/bias"],
        )
        q = h_new @ w["decoder/attention_wrapper/bahdanau_attention/query_layer/kernel"]
        score = (w["decoder/attention_wrapper/bahdanau_attention/attention_v"]
                 * np.tanh(keys + q[:, None, :])).sum(-1)
        alignments = masked_softmax(score, memory_lengths)
        context = np.einsum("bt,btd->bd", alignments, values)
        attention = np.concatenate([h_new, context], 1) @ w["decoder/attention_wrapper/attention_layer/kernel"]
        step_logits = attention @ w["decoder/output_projection/kernel"]
        live = t < lengths
        # impute_finished: zero outputs and the state copied through once a row is done
        np.testing.assert_allclose(logits[:, t][live], step_logits[live], rtol=1e-4, atol=1e-5)
        assert (logits[:, t][~live] == 0).all()
        np.testing.assert_array_equal(sample_ids[:, t][live], step_logits.argmax(1)[live])
        np.testing.assert_allclose(history_v[t][live], alignments[live], rtol=1e-4, atol=1e-6)
        c, h = np.where(live[:, None], c_new, c), np.where(live[:, None], h_new, h)
    np.testing.assert_allclose(c_final, c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_final, h, rtol=1e-4, atol=1e-5)


def test_attention_wrapper_says_when_the_memory_was_not_tiled_for_beam_search():
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            s2s = tf.contrib.seq2seq
            memory = tf.zeros([2, 4, 5])
            cell = s2s.AttentionWrapper(
                tf.contrib.rnn.GRUCell(3), s2s.LuongAttention(3, memory), name="attention"
            )
            with pytest.raises(ValueError, match="attention: Non-matching batch sizes.*tile_batch"):
                cell.zero_state(2 * 3, tf.float32)
            fed = tf.placeholder(tf.float32, [None, 4, 5])
            cell = s2s.AttentionWrapper(tf.contrib.rnn.GRUCell(3), s2s.BahdanauAttention(3, fed))
            state = cell.zero_state(tf.shape(fed)[0] * 3, tf.float32)
            sess.run(tf.global_variables_initializer())
            assert sess.run(cell.zero_state(tf.shape(fed)[0], tf.float32).cell_state,
                            {fed: np.zeros((2, 4, 5))}).shape == (2, 3)
            with pytest.raises(tf.errors.InvalidArgumentError, match="tile_batch"):
                sess.run(state.cell_state, {fed: np.zeros((2, 4, 5))})


# A bigram "model": the cell passes its input through, the embedding of the previous token
# is the row of next-token logits. Tokens: 0 start, 1 end, 2 A, 3 B.
BIGRAM = np.log(np.array([
    [1e-9, 1e-9, 0.55, 0.45],  # start: A is likelier...
    [0.25, 0.25, 0.25, 0.25],  # (after the end token: never read)
    [1e-9, 0.33, 0.34, 0.33],  # after A the end is unlikely
    [1e-9, 0.90, 0.05, 0.05],  # ...but B then end is the likeliest sentence
], np.float32))


def _bigram_decode(tf, make_decoder, **kwargs):
    class PassThrough:
        output_size = 4
        state_size = 1

        def __call__(self, inputs, state):
            return inputs, state

    return tf.contrib.seq2seq.dynamic_decode(make_decoder(PassThrough()), **kwargs)


def test_beam_search_on_a_fixed_bigram_model_matches_numpy_and_beats_greedy():
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            s2s = tf.contrib.seq2seq
            embedding = tf.constant(BIGRAM)
            start = tf.fill([2], 0)
            results = {}
            for width, penalty in ((2, 0.0), (3, 0.0), (3, 1.0)):
                state = s2s.tile_batch(tf.zeros([2, 1]), width)
                outputs, final, _ = _bigram_decode(
                    tf,
                    lambda cell, w=width, s=state, p=penalty: s2s.BeamSearchDecoder(
                        cell, embedding, start, 1, s, w, length_penalty_weight=p),
                    maximum_iterations=6,
                )
                results[(width, penalty)] = (
                    outputs.predicted_ids, outputs.beam_search_decoder_output.scores)
            greedy, _, greedy_lengths = _bigram_decode(
                tf,
                lambda cell: s2s.BasicDecoder(
                    cell, s2s.GreedyEmbeddingHelper(embedding, start, 1), tf.zeros([2, 1])
                ),
                maximum_iterations=4,
            )
            got = sess.run(results)
            greedy_ids, greedy_len = sess.run([greedy.sample_id, greedy_lengths])
    for (width, penalty), (ids, scores) in got.items():
        beams, ref_scores = beam_search_reference(BIGRAM, 0, 1, width, 6, penalty)
        assert ids.shape[0] == 2 and ids.shape[2] == width
        for b in range(2):  # the two sentences are the same
            np.testing.assert_array_equal(ids[b], beams)
            np.testing.assert_allclose(scores[b], ref_scores, rtol=1e-5)
        if penalty == 0:  # by hand: "B end" has probability 0.45 * 0.9, the best sentence
            np.testing.assert_array_equal(ids[0, :2, 0], [3, 1])
            np.testing.assert_allclose(scores[0, -1, 0], np.log(0.45 * 0.9), rtol=1e-5)
    assert not np.allclose(got[(3, 0.0)][1], got[(3, 1.0)][1])  # the penalty changed scores
    # greedy takes A (0.55), then A again (0.34) until maximum_iterations stops it
    np.testing.assert_array_equal(greedy_ids, [[2, 2, 2, 2]] * 2)
    np.testing.assert_array_equal(greedy_len, [4, 4])


def test_beam_search_returns_tensor_array_states_in_the_final_beams_order():
    """A cell that records its input in a TensorArray of its state (as AttentionWrapper's
    alignment_history does): after the search, final beam k's rows are its own inputs, the
    start token then its own predicted ids."""
    batch, width = 2, 3
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            s2s = tf.contrib.seq2seq

            class Recorder:
                output_size = 4

                def __call__(self, inputs, state):
                    x, ta = state
                    return inputs, (x, ta.write(ta.size(), inputs))

            state = (
                s2s.tile_batch(tf.zeros([batch, 1]), width),
                tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[batch * width, 4]),
            )
            decoder = s2s.BeamSearchDecoder(
                Recorder(), tf.constant(BIGRAM), tf.fill([batch], 0), 1, state, width
            )
            outputs, final, _ = s2s.dynamic_decode(decoder, maximum_iterations=6)
            ids, history, lengths = sess.run(
                [outputs.predicted_ids, final.cell_state[1], final.lengths]
            )
    assert history.shape == (ids.shape[1], batch * width, 4)
    distinct_beams = 0
    for b in range(batch):
        for k in range(width):
            fed = [0] + list(ids[b, :, k])
            for t in range(lengths[b, k]):
                np.testing.assert_allclose(history[t, b * width + k], BIGRAM[fed[t]])
            distinct_beams += len(set(map(tuple, ids[b].T))) == width
    assert distinct_beams == batch * width  # three different hypotheses were reordered


def test_sample_embedding_helper_draws_from_the_softmax_and_stops_at_end():
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            tf.set_random_seed(7)
            s2s = tf.contrib.seq2seq
            embedding = tf.constant(BIGRAM)
            n = 4000
            outputs, _, lengths = _bigram_decode(
                tf,
                lambda cell: s2s.BasicDecoder(
                    cell, s2s.SampleEmbeddingHelper(embedding, tf.fill([n], 0), 1, seed=3),
                    tf.zeros([n, 1]),
                ),
                maximum_iterations=30,
            )
            ids, lengths_v = sess.run([outputs.sample_id, lengths])
    first = ids[:, 0]
    assert abs((first == 2).mean() - 0.55) < 0.03 and abs((first == 3).mean() - 0.45) < 0.03
    after_b = ids[first == 3, 1]
    assert abs((after_b == 1).mean() - 0.9) < 0.03
    # a sentence ends at its first end token: its length counts it, nothing after it
    for row, length in zip(ids[:200], lengths_v[:200]):
        ends = np.flatnonzero(row == 1)
        assert ends.size == 0 and length == 30 or length == ends[0] + 1


# -------------------------------------------------------------------- legacy_seq2seq
def test_legacy_attention_decoder_matches_numpy():
    rng = np.random.RandomState(8)
    steps = rng.randn(2, 2, 3).astype(np.float32)  # 2 steps of [batch 2, 3]
    states = rng.randn(2, 4, 5).astype(np.float32)
    h0 = rng.randn(2, 6).astype(np.float32)
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            outputs, state = tf.contrib.legacy_seq2seq.attention_decoder(
                [tf.constant(s) for s in steps], tf.constant(h0), tf.constant(states),
                tf.contrib.rnn.BasicRNNCell(6), output_size=4,
            )
            sess.run(tf.global_variables_initializer())
            w = randomize(tf, sess, 9)
            got, state_v = sess.run([outputs, state])
    p = "attention_decoder/"
    assert {k: v.shape for k, v in w.items()} == {
        p + "AttnW_0": (1, 1, 5, 5), p + "AttnV_0": (5,), p + "kernel": (8, 3), p + "bias": (3,),
        p + "basic_rnn_cell/kernel": (9, 6), p + "basic_rnn_cell/bias": (6,),
        p + "Attention_0/kernel": (6, 5), p + "Attention_0/bias": (5,),
        p + "AttnOutputProjection/kernel": (11, 4), p + "AttnOutputProjection/bias": (4,),
    }
    features = states @ w[p + "AttnW_0"][0, 0]
    h, attns = h0, np.zeros((2, 5), np.float32)
    for t in range(2):
        x = np.concatenate([steps[t], attns], 1) @ w[p + "kernel"] + w[p + "bias"]
        h = np.tanh(np.concatenate([x, h], 1) @ w[p + "basic_rnn_cell/kernel"] + w[p + "basic_rnn_cell/bias"])
        y = h @ w[p + "Attention_0/kernel"] + w[p + "Attention_0/bias"]
        a = softmax((w[p + "AttnV_0"] * np.tanh(features + y[:, None, :])).sum(-1))
        attns = np.einsum("bt,btd->bd", a, states)
        out = np.concatenate([h, attns], 1) @ w[p + "AttnOutputProjection/kernel"] + w[p + "AttnOutputProjection/bias"]
        np.testing.assert_allclose(got[t], out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(state_v, h, rtol=1e-4, atol=1e-5)


def test_embedding_rnn_seq2seq_feed_previous_tensor_and_buckets_share_variables():
    rng = np.random.RandomState(10)
    enc = rng.randint(0, 5, size=(3, 2)).astype(np.int32)  # 3 steps of [batch 2]
    dec = rng.randint(0, 6, size=(3, 2)).astype(np.int32)
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            feed = tf.placeholder(tf.bool, [])
            cell = tf.contrib.rnn.BasicRNNCell(4)
            outputs, state = tf.contrib.legacy_seq2seq.embedding_rnn_seq2seq(
                [tf.constant(e) for e in enc], [tf.constant(d) for d in dec], cell,
                num_encoder_symbols=5, num_decoder_symbols=6, embedding_size=3,
                feed_previous=feed,
            )
            sess.run(tf.global_variables_initializer())
            w = randomize(tf, sess, 11)
            fed = sess.run(outputs, {feed: True})
            forced = sess.run(outputs, {feed: False})
        with tf.Graph().as_default():
            cell = tf.contrib.rnn.GRUCell(4)
            x = [tf.placeholder(tf.int32, [None]) for _ in range(4)]
            weights = [tf.ones([2]) for _ in range(4)]
            bucket_outputs, losses = tf.contrib.legacy_seq2seq.model_with_buckets(
                x, x, x, weights, [(2, 2), (4, 4)],
                lambda a, b: tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(
                    a, b, cell, 5, 6, 3, feed_previous=False),
            )
            n_bucketed = len(tf.trainable_variables())
            assert [len(o) for o in bucket_outputs] == [2, 4] and len(losses) == 2
        with tf.Graph().as_default():
            x = [tf.placeholder(tf.int32, [None]) for _ in range(4)]
            tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(
                x, x, tf.contrib.rnn.GRUCell(4), 5, 6, 3)
            n_single = len(tf.trainable_variables())
    assert n_bucketed == n_single  # the second bucket reused every variable of the first
    p = "embedding_rnn_seq2seq/"
    d = p + "embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/"
    assert sorted(w) == sorted([
        p + "rnn/embedding_wrapper/embedding", p + "rnn/embedding_wrapper/basic_rnn_cell/kernel",
        p + "rnn/embedding_wrapper/basic_rnn_cell/bias", p + "embedding_rnn_decoder/embedding",
        d + "basic_rnn_cell/kernel", d + "basic_rnn_cell/bias", d + "kernel", d + "bias",
    ])

    def rnn(x, h, name):
        return np.tanh(np.concatenate([x, h], 1) @ w[name + "kernel"] + w[name + "bias"])

    h = np.zeros((2, 4), np.float32)
    for e in enc:
        h = rnn(w[p + "rnn/embedding_wrapper/embedding"][e], h, p + "rnn/embedding_wrapper/basic_rnn_cell/")
    emb = w[p + "embedding_rnn_decoder/embedding"]
    for feed_previous, got in ((True, fed), (False, forced)):
        state, inp = h, emb[dec[0]]
        for t in range(3):
            state = rnn(inp, state, d + "basic_rnn_cell/")
            out = state @ w[d + "kernel"] + w[d + "bias"]
            np.testing.assert_allclose(got[t], out, rtol=1e-4, atol=1e-5)
            inp = emb[out.argmax(1)] if feed_previous else emb[dec[min(t + 1, 2)]]
    assert not np.allclose(fed[2], forced[2])


# --------------------------------------------------------------------- the programs
def floats(pattern, text):
    return [float(v) for v in re.findall(pattern, text)]


def run(name, args, tmp_path, **kwargs):
    done = legacy_run.run_script(SCRIPTS / name, args, cwd=tmp_path, timeout=300, **kwargs)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done


NMT_CHECKPOINT = {  # the NMT tutorial's names (embedding 16, 64 units, 13 symbols)
    "dynamic_seq2seq/embeddings/embedding_encoder": [13, 16],
    "dynamic_seq2seq/embeddings/embedding_decoder": [13, 16],
    "dynamic_seq2seq/encoder/rnn/basic_lstm_cell/kernel": [80, 256],
    "dynamic_seq2seq/encoder/rnn/basic_lstm_cell/bias": [256],
    "dynamic_seq2seq/decoder/memory_layer/kernel": [64, 64],
    "dynamic_seq2seq/decoder/attention/basic_lstm_cell/kernel": [144, 256],
    "dynamic_seq2seq/decoder/attention/basic_lstm_cell/bias": [256],
    "dynamic_seq2seq/decoder/attention/bahdanau_attention/query_layer/kernel": [64, 64],
    "dynamic_seq2seq/decoder/attention/bahdanau_attention/attention_v": [64],
    "dynamic_seq2seq/decoder/attention/attention_layer/kernel": [128, 64],
    "dynamic_seq2seq/decoder/output_projection/kernel": [64, 13],
}


def test_nmt_style_attention_model_trains_then_decodes_greedy_and_beam(tmp_path):
    done = run("nmt_attention_reverse.py", ["--out_dir", "nmt", "--num_train_steps", "200"], tmp_path)
    assert done.returncode == 0, done.stderr
    losses = floats(r"train loss ([\d.]+)", done.stdout)
    assert len(losses) == 5 and losses[-1] < 0.1 * losses[0]  # measured 2.57 -> 0.0005
    (greedy_seq, greedy_tok) = re.search(
        r"greedy sequence accuracy ([\d.]+) token accuracy ([\d.]+)", done.stdout).groups()
    (beam_seq, _) = re.search(
        r"beam sequence accuracy ([\d.]+) token accuracy ([\d.]+)", done.stdout).groups()
    # reversing 3-6 of 10 digits; chance of a whole sequence is < 1e-3. Measured 1.0 and 1.0
    assert float(greedy_seq) > 0.9 and float(beam_seq) > 0.9 and float(greedy_tok) > 0.95
    assert "alignment history [" in done.stdout
    (attends,) = floats(r"attends to the last source token: ([\d.]+)", done.stdout)
    assert attends > 0.5  # the first output is the last input: attention learned where to look
    (greedy_on, beam_on) = floats(r"attends to the reversed position: ([\d.]+)", done.stdout)
    # the best beam's alignment history, reordered, is the greedy path's (measured 0.82 both)
    assert greedy_on > 0.5 and abs(beam_on - greedy_on) < 0.05
    assert "beam predicted_ids [200, 3] beams 3" in done.stdout
    assert "beams sorted by score: True" in done.stdout
    import tensorflow as tf

    saved = {n: s for n, s in tf.train.list_variables(str(tmp_path / "nmt")) if "Adam" not in n}
    for name in ("global_step", "beta1_power", "beta2_power"):
        saved.pop(name)
    assert saved == NMT_CHECKPOINT
    # pure TF 1.x names: --strict has nothing to stop; decoding again from the checkpoint
    again = run("nmt_attention_reverse.py", ["--out_dir", "nmt", "--skip_train"], tmp_path, strict=True)
    assert again.returncode == 0, again.stderr
    assert "greedy sequence accuracy " + greedy_seq in again.stdout
    assert "train loss" not in again.stdout and again.stderr == ""


def test_translate_style_bucketed_model_with_tf0_names(tmp_path):
    done = run("translate_buckets.py", ["--train_dir", "train"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tf.nn.seq2seq (TF 0.x) runs as tf.contrib.legacy_seq2seq" in done.stderr
    losses = floats(r"loss ([\d.]+)", done.stdout)
    assert losses[-1] < 0.3 * losses[0]  # measured 2.48 -> 0.14
    accuracies = floats(r"exact-match accuracy ([\d.]+)", done.stdout)
    # reversed digit strings, 2-7 of 9 digits: chance is < 1%. Measured 0.90 and 0.74
    assert len(accuracies) == 2 and min(accuracies) > 0.5


def test_translate_style_program_under_strict_stops_at_the_tf0_name(tmp_path):
    done = run("translate_buckets.py", ["--train_dir", "train"], tmp_path, strict=True)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("parity legacy-run: error: ") and "translate_buckets.py:42: " in line
    assert line.endswith(
        "tf.nn.seq2seq is TF 0.x's name, renamed in TF 1.0 (--strict); "
        "use instead: tf.contrib.legacy_seq2seq"
    )
    assert not (tmp_path / "train").exists()


def test_unprovided_seq2seq_names_keep_their_one_line_error():
    with legacy_run.tf1_compat() as tf:
        with pytest.raises(AttributeError, match="keras"):
            tf.contrib.seq2seq.ScheduledEmbeddingTrainingHelper  # noqa: B018
        from tensorflow.contrib import legacy_seq2seq
        from tensorflow.contrib.seq2seq import AttentionWrapper, BahdanauAttention  # noqa: F401

        assert legacy_seq2seq.model_with_buckets.__module__ == "tf1_compat.legacy_seq2seq"
        assert set(dir(tf.contrib.seq2seq)) >= {
            "AttentionWrapper", "BeamSearchDecoder", "dynamic_decode", "sequence_loss",
        }

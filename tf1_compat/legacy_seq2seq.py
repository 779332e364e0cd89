"""``tf.contrib.legacy_seq2seq`` of TensorFlow 1.x (the TF 1.0 translate tutorial's models).

Graph-mode re-implementations on ``tf.compat.v1`` with TF 1.x's scopes and variable names
(the TF 1.3+ spelling, ``kernel``/``bias``), so that checkpoints of such models restore:

- ``basic_rnn_seq2seq`` (scope ``basic_rnn_seq2seq``: encoder ``rnn/<cell>``, decoder
  ``rnn_decoder/<cell>``);
- ``embedding_rnn_seq2seq`` / ``embedding_rnn_decoder`` (encoder
  ``rnn/embedding_wrapper/{embedding,<cell>}``; decoder ``embedding_rnn_decoder/embedding``
  and ``rnn_decoder/output_projection_wrapper/{<cell>,kernel,bias}``);
- ``attention_decoder`` / ``embedding_attention_decoder`` / ``embedding_attention_seq2seq``
  (``AttnW_0`` ``[1, 1, attn_size, attn_size]``, ``AttnV_0``, the input projection
  ``kernel``/``bias``, ``Attention_0/{kernel,bias}``, ``AttnOutputProjection/{kernel,bias}``);
- ``model_with_buckets`` (one model per bucket, variables shared, the sequence losses of
  :mod:`tf1_compat.contrib`).

``feed_previous`` may be a Python bool or a boolean tensor (both decoders built, chosen by
``tf.cond``, as TF 1.x did). The encoder runs on a deep copy of ``cell``, as since TF 1.1.
"""

from __future__ import annotations

import copy
import functools
import math
import weakref

from tf1_compat import contrib


def _tf():
    import tensorflow.compat.v1 as v1  # the real module, whatever sys.modules["tensorflow"] is

    return v1


def _linear(args, output_size, bias):
    """``W [sum of input sizes, output_size]`` (``kernel``) and ``bias`` in the current
    scope, applied to ``concat(args, 1)`` (TF 1.x's ``rnn_cell_impl._linear``)."""
    tf = _tf()
    if not isinstance(args, (list, tuple)):
        args = [args]
    total = 0
    for a in args:
        shape = a.get_shape()
        if shape.ndims != 2:
            raise ValueError(f"linear is expecting 2D arguments: {[a.get_shape() for a in args]}")
        size = tf.compat.dimension_value(shape[1])
        if size is None:
            raise ValueError(f"linear expects shape[1] to be provided for shape {shape}, but saw None")
        total += size
    dtype = args[0].dtype
    weights = tf.get_variable("kernel", [total, output_size], dtype=dtype)
    res = tf.matmul(args[0] if len(args) == 1 else tf.concat(args, 1), weights)
    if not bias:
        return res
    biases = tf.get_variable(
        "bias", [output_size], dtype=dtype, initializer=tf.constant_initializer(0.0, dtype=dtype)
    )
    return tf.nn.bias_add(res, biases)


@functools.cache
def _embedding_wrapper_class():
    tf = _tf()

    class EmbeddingWrapper(tf.nn.rnn_cell.RNNCell):
        """Embeds integer inputs (``embedding`` ``[embedding_classes, embedding_size]``,
        uniform in +-sqrt(3) unless a scope initializer is set) before running ``cell``."""

        def __init__(self, cell, embedding_classes, embedding_size, initializer=None,
                     reuse=None):
            super().__init__(_reuse=reuse)
            if embedding_classes <= 0 or embedding_size <= 0:
                raise ValueError(
                    "Both embedding_classes and embedding_size must be greater than 0: "
                    f"{embedding_classes}, {embedding_size}."
                )
            self._cell = cell
            self._embedding_classes, self._embedding_size = embedding_classes, embedding_size
            self._initializer = initializer

        @property
        def state_size(self):
            return self._cell.state_size

        @property
        def output_size(self):
            return self._cell.output_size

        def zero_state(self, batch_size, dtype):
            with tf.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
                return self._cell.zero_state(batch_size, dtype)

        def call(self, inputs, state):
            initializer = self._initializer or tf.get_variable_scope().initializer
            if initializer is None:
                initializer = tf.random_uniform_initializer(-math.sqrt(3), math.sqrt(3))
            dtype = tf.nest.flatten(state)[0].dtype
            embedding = tf.get_variable(
                "embedding", [self._embedding_classes, self._embedding_size],
                initializer=initializer, dtype=dtype,
            )
            embedded = tf.nn.embedding_lookup(embedding, tf.reshape(inputs, [-1]))
            return self._cell(embedded, state)

    return EmbeddingWrapper


_ENCODER_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _encoder_cell(cell):
    """The encoder's copy of ``cell`` (TF 1.1+ deep-copies it). Models built once per bucket
    (TF 0.12 / 1.0 programs pass one cell to every bucket) reuse the copy made for the same
    scope, so the buckets share the encoder's variables as they do the decoder's."""
    scope = _tf().get_variable_scope().name
    copies = _ENCODER_COPIES.setdefault(cell, {})
    if scope not in copies:
        try:
            copies[scope] = copy.deepcopy(cell)
        except TypeError:
            raise ValueError(
                "legacy_seq2seq: the cell was already used in another model, so its encoder "
                "copy cannot be made; create a new cell for each model"
            ) from None
    return copies[scope]


def _output_projection(cell, num_symbols):
    return contrib._projection_wrappers()[0](cell, num_symbols)


def _extract_argmax_and_embed(embedding, output_projection=None, update_embedding=True):
    tf = _tf()

    def loop_function(prev, _):
        if output_projection is not None:
            prev = tf.nn.xw_plus_b(prev, output_projection[0], output_projection[1])
        emb_prev = tf.nn.embedding_lookup(embedding, tf.argmax(prev, 1))
        if not update_embedding:
            emb_prev = tf.stop_gradient(emb_prev)
        return emb_prev

    return loop_function


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=None, scope=None):
    """Encoder ``static_rnn`` over ``encoder_inputs``; its final state starts
    ``rnn_decoder`` over ``decoder_inputs``. Returns ``(outputs, state)``."""
    tf = _tf()
    with tf.variable_scope(scope or "basic_rnn_seq2seq"):
        enc_cell = _encoder_cell(cell)
        _, enc_state = tf.nn.static_rnn(enc_cell, encoder_inputs, dtype=dtype or tf.float32)
        return contrib.rnn_decoder(decoder_inputs, enc_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None, dtype=None,
                     scope=None):
    """As :func:`basic_rnn_seq2seq`, one set of cell weights for encoder and decoder."""
    tf = _tf()
    with tf.variable_scope("combined_tied_rnn_seq2seq"):
        scope = scope or "tied_rnn_seq2seq"
        _, enc_state = tf.nn.static_rnn(cell, encoder_inputs, dtype=dtype or tf.float32, scope=scope)
        tf.get_variable_scope().reuse_variables()
        return contrib.rnn_decoder(
            decoder_inputs, enc_state, cell, loop_function=loop_function, scope=scope
        )


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size,
                          output_projection=None, feed_previous=False,
                          update_embedding_for_previous=True, scope=None):
    """``rnn_decoder`` on embedded ids (``embedding`` ``[num_symbols, embedding_size]``);
    with ``feed_previous`` each step after the first is fed the embedded argmax of the last
    output (through ``output_projection`` ``(W, b)`` when given)."""
    tf = _tf()
    with tf.variable_scope(scope or "embedding_rnn_decoder") as vscope:
        if output_projection is not None:
            proj_weights = tf.convert_to_tensor(output_projection[0], dtype=vscope.dtype)
            proj_weights.get_shape().assert_is_compatible_with([None, num_symbols])
            proj_biases = tf.convert_to_tensor(output_projection[1], dtype=vscope.dtype)
            proj_biases.get_shape().assert_is_compatible_with([num_symbols])
        embedding = tf.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = (
            _extract_argmax_and_embed(embedding, output_projection, update_embedding_for_previous)
            if feed_previous
            else None
        )
        emb_inp = [tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs]
        return contrib.rnn_decoder(emb_inp, initial_state, cell, loop_function=loop_function)


def _decode_both_ways(decode, encoder_state, n_outputs, feed_previous):
    """``feed_previous`` as a tensor: both decoders, chosen by ``tf.cond`` (TF 1.x)."""
    tf = _tf()

    def decoder(feed_previous_bool):
        reuse = None if feed_previous_bool else True
        with tf.variable_scope(tf.get_variable_scope(), reuse=reuse):
            outputs, state = decode(feed_previous_bool)
            return list(outputs) + tf.nest.flatten(state)

    outputs_and_state = tf.cond(feed_previous, lambda: decoder(True), lambda: decoder(False))
    state_list = outputs_and_state[n_outputs:]
    state = tf.nest.pack_sequence_as(structure=encoder_state, flat_sequence=state_list)
    return outputs_and_state[:n_outputs], state


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols,
                          num_decoder_symbols, embedding_size, output_projection=None,
                          feed_previous=False, dtype=None, scope=None):
    """Embedded encoder (``EmbeddingWrapper`` on a copy of ``cell``) and
    :func:`embedding_rnn_decoder` (``cell`` in an ``OutputProjectionWrapper`` to
    ``num_decoder_symbols`` unless ``output_projection`` is given)."""
    tf = _tf()
    with tf.variable_scope(scope or "embedding_rnn_seq2seq") as vscope:
        if dtype is not None:
            vscope.set_dtype(dtype)
        else:
            dtype = vscope.dtype
        encoder_cell = _embedding_wrapper_class()(
            _encoder_cell(cell), embedding_classes=num_encoder_symbols, embedding_size=embedding_size
        )
        _, encoder_state = tf.nn.static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
        if output_projection is None:
            cell = _output_projection(cell, num_decoder_symbols)

        def decode(feed, update=True):
            return embedding_rnn_decoder(
                decoder_inputs, encoder_state, cell, num_decoder_symbols, embedding_size,
                output_projection=output_projection, feed_previous=feed,
                update_embedding_for_previous=update,
            )

        if isinstance(feed_previous, bool):
            return decode(feed_previous)
        return _decode_both_ways(
            lambda feed: decode(feed, update=False), encoder_state, len(decoder_inputs),
            feed_previous,
        )


def attention_decoder(decoder_inputs, initial_state, attention_states, cell, output_size=None,
                      num_heads=1, loop_function=None, dtype=None, scope=None,
                      initial_state_attention=False):
    """RNN decoder with Bahdanau-style attention over ``attention_states``
    ``[batch, attn_length, attn_size]`` (``num_heads`` heads): each step's input is
    ``linear([input] + attentions)``, each output ``linear([cell_output] + attentions)``
    (``AttnOutputProjection``)."""
    tf = _tf()
    if not decoder_inputs:
        raise ValueError("Must provide at least 1 input to attention decoder.")
    if num_heads < 1:
        raise ValueError("With less than 1 heads, use a non-attention decoder.")
    if tf.compat.dimension_value(attention_states.get_shape()[2]) is None:
        raise ValueError(
            f"Shape[2] of attention_states must be known: {attention_states.get_shape()}"
        )
    if output_size is None:
        output_size = cell.output_size
    with tf.variable_scope(scope or "attention_decoder", dtype=dtype) as vscope:
        dtype = vscope.dtype
        batch_size = tf.shape(decoder_inputs[0])[0]
        attn_length = tf.compat.dimension_value(attention_states.get_shape()[1])
        if attn_length is None:
            attn_length = tf.shape(attention_states)[1]
        attn_size = tf.compat.dimension_value(attention_states.get_shape()[2])
        hidden = tf.reshape(attention_states, [-1, attn_length, 1, attn_size])
        hidden_features, v = [], []
        attention_vec_size = attn_size
        for a in range(num_heads):
            k = tf.get_variable(f"AttnW_{a}", [1, 1, attn_size, attention_vec_size])
            hidden_features.append(tf.nn.conv2d(hidden, k, [1, 1, 1, 1], "SAME"))
            v.append(tf.get_variable(f"AttnV_{a}", [attention_vec_size]))
        state = initial_state

        def attention(query):
            ds = []
            query_list = tf.nest.flatten(query)
            for q in query_list:
                if q.get_shape().ndims:
                    assert q.get_shape().ndims == 2
            query = tf.concat(query_list, 1) if len(query_list) > 1 else query_list[0]
            for a in range(num_heads):
                with tf.variable_scope(f"Attention_{a}"):
                    y = _linear(query, attention_vec_size, True)
                    y = tf.reshape(y, [-1, 1, 1, attention_vec_size])
                    s = tf.reduce_sum(v[a] * tf.tanh(hidden_features[a] + y), [2, 3])
                    weights = tf.nn.softmax(s)
                    d = tf.reduce_sum(tf.reshape(weights, [-1, attn_length, 1, 1]) * hidden, [1, 2])
                    ds.append(tf.reshape(d, [-1, attn_size]))
            return ds

        outputs = []
        prev = None
        batch_attn_size = tf.stack([batch_size, attn_size])
        attns = [tf.zeros(batch_attn_size, dtype=dtype) for _ in range(num_heads)]
        for a in attns:
            a.set_shape([None, attn_size])
        if initial_state_attention:
            attns = attention(initial_state)
        for i, inp in enumerate(decoder_inputs):
            if i > 0:
                tf.get_variable_scope().reuse_variables()
            if loop_function is not None and prev is not None:
                with tf.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            input_size = tf.compat.dimension_value(inp.get_shape().with_rank(2)[1])
            if input_size is None:
                raise ValueError(f"Could not infer input size from input: {inp.name}")
            x = _linear([inp] + attns, input_size, True)
            cell_output, state = cell(x, state)
            if i == 0 and initial_state_attention:
                with tf.variable_scope(tf.get_variable_scope(), reuse=True):
                    attns = attention(state)
            else:
                attns = attention(state)
            with tf.variable_scope("AttnOutputProjection"):
                output = _linear([cell_output] + attns, output_size, True)
            if loop_function is not None:
                prev = output
            outputs.append(output)
    return outputs, state


def embedding_attention_decoder(decoder_inputs, initial_state, attention_states, cell,
                                num_symbols, embedding_size, num_heads=1, output_size=None,
                                output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True, dtype=None, scope=None,
                                initial_state_attention=False):
    """:func:`attention_decoder` on embedded ids (``embedding`` ``[num_symbols,
    embedding_size]``), fed its own argmax with ``feed_previous``."""
    tf = _tf()
    if output_size is None:
        output_size = cell.output_size
    if output_projection is not None:
        proj_biases = tf.convert_to_tensor(output_projection[1], dtype=dtype)
        proj_biases.get_shape().assert_is_compatible_with([num_symbols])
    with tf.variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
        embedding = tf.get_variable("embedding", [num_symbols, embedding_size])
        loop_function = (
            _extract_argmax_and_embed(embedding, output_projection, update_embedding_for_previous)
            if feed_previous
            else None
        )
        emb_inp = [tf.nn.embedding_lookup(embedding, i) for i in decoder_inputs]
        return attention_decoder(
            emb_inp, initial_state, attention_states, cell, output_size=output_size,
            num_heads=num_heads, loop_function=loop_function,
            initial_state_attention=initial_state_attention,
        )


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols,
                                num_decoder_symbols, embedding_size, num_heads=1,
                                output_projection=None, feed_previous=False, dtype=None,
                                scope=None, initial_state_attention=False):
    """The TF 1.0 translate tutorial's model: an embedded encoder (on a copy of ``cell``),
    its outputs as attention states, and :func:`embedding_attention_decoder`."""
    tf = _tf()
    with tf.variable_scope(scope or "embedding_attention_seq2seq", dtype=dtype) as vscope:
        dtype = vscope.dtype
        encoder_cell = _embedding_wrapper_class()(
            _encoder_cell(cell), embedding_classes=num_encoder_symbols, embedding_size=embedding_size
        )
        encoder_outputs, encoder_state = tf.nn.static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
        top_states = [tf.reshape(e, [-1, 1, cell.output_size]) for e in encoder_outputs]
        attention_states = tf.concat(top_states, 1)
        output_size = None
        if output_projection is None:
            cell = _output_projection(cell, num_decoder_symbols)
            output_size = num_decoder_symbols

        def decode(feed, update=True):
            return embedding_attention_decoder(
                decoder_inputs, encoder_state, attention_states, cell, num_decoder_symbols,
                embedding_size, num_heads=num_heads, output_size=output_size,
                output_projection=output_projection, feed_previous=feed,
                update_embedding_for_previous=update,
                initial_state_attention=initial_state_attention,
            )

        if isinstance(feed_previous, bool):
            return decode(feed_previous)
        return _decode_both_ways(
            lambda feed: decode(feed, update=False), encoder_state, len(decoder_inputs),
            feed_previous,
        )


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, seq2seq,
                       softmax_loss_function=None, per_example_loss=False, name=None):
    """One ``seq2seq(encoder_inputs[:n], decoder_inputs[:m])`` per bucket ``(n, m)``,
    variables shared; returns ``(outputs per bucket, loss per bucket)``."""
    tf = _tf()
    if len(encoder_inputs) < buckets[-1][0]:
        raise ValueError(
            f"Length of encoder_inputs ({len(encoder_inputs)}) must be at least that of last "
            f"bucket ({buckets[-1][0]})."
        )
    if len(targets) < buckets[-1][1]:
        raise ValueError(
            f"Length of targets ({len(targets)}) must be at least that of last bucket "
            f"({buckets[-1][1]})."
        )
    if len(weights) < buckets[-1][1]:
        raise ValueError(
            f"Length of weights ({len(weights)}) must be at least that of last bucket "
            f"({buckets[-1][1]})."
        )
    all_inputs = list(encoder_inputs) + list(decoder_inputs) + list(targets) + list(weights)
    losses, outputs = [], []
    with tf.name_scope(name, "model_with_buckets", all_inputs):
        for j, bucket in enumerate(buckets):
            with tf.variable_scope(tf.get_variable_scope(), reuse=True if j > 0 else None):
                bucket_outputs, _ = seq2seq(encoder_inputs[: bucket[0]], decoder_inputs[: bucket[1]])
                outputs.append(bucket_outputs)
                loss = contrib.sequence_loss_by_example if per_example_loss else contrib.sequence_loss
                losses.append(
                    loss(outputs[-1], targets[: bucket[1]], weights[: bucket[1]],
                         softmax_loss_function=softmax_loss_function)
                )
    return outputs, losses


def exports() -> dict:
    """``{name: resolver}`` of the models above, for ``tf.contrib.legacy_seq2seq``."""
    return {
        f.__name__: (lambda f=f: f)
        for f in (
            basic_rnn_seq2seq, tied_rnn_seq2seq, embedding_rnn_decoder, embedding_rnn_seq2seq,
            attention_decoder, embedding_attention_decoder, embedding_attention_seq2seq,
            model_with_buckets,
        )
    }

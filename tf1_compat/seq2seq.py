"""``tf.contrib.seq2seq`` of TensorFlow 1.x (the NMT tutorial's decoder API) on ``tf.compat.v1``.

Graph-mode re-implementations, written from the TF 1.x API documentation and the NMT
tutorial's equations, with the variable names and shapes TF 1.x gave them, so that a
checkpoint of such a model restores:

- helpers: ``TrainingHelper``, ``GreedyEmbeddingHelper``, ``SampleEmbeddingHelper``,
  ``CustomHelper``; ``BasicDecoder`` (``BasicDecoderOutput(rnn_output, sample_id)``) and
  ``dynamic_decode`` (scope ``decoder``; ``maximum_iterations``, ``impute_finished``,
  ``output_time_major``; returns ``(outputs, final_state, final_sequence_lengths)``);
- attention: ``BahdanauAttention`` (``memory_layer/kernel``, then, under the cell,
  ``bahdanau_attention/query_layer/kernel``, ``attention_v`` and with ``normalize``
  ``attention_g``, ``attention_b``), ``LuongAttention`` (``memory_layer/kernel``; with
  ``scale``, ``luong_attention/attention_g``), ``AttentionWrapper`` (scope
  ``attention_wrapper``: the wrapped cell, ``attention_layer/kernel`` when
  ``attention_layer_size`` is given; ``alignment_history``, ``output_attention``,
  ``initial_cell_state``) and its ``AttentionWrapperState`` (``clone``);
- beam search: ``BeamSearchDecoder`` (``length_penalty_weight``; its outputs are
  ``FinalBeamSearchDecoderOutput(predicted_ids, beam_search_decoder_output)``), ``tile_batch``
  and ``gather_tree`` (TF 1.x's kernel, written with TensorFlow ops).

Not provided: ``ScheduledEmbeddingTrainingHelper``, ``ScheduledOutputTrainingHelper``,
``InferenceHelper``, the monotonic attentions and ``BeamSearchDecoder``'s
``coverage_penalty_weight`` (must stay 0). As in TF 1.x, ``BeamSearchDecoder`` returns the
``TensorArray`` states (``alignment_history``) stacked ``[time, batch * beam, ...]`` in the
order of the final beams: each final beam's row at step t is the one its ancestor wrote.
"""

from __future__ import annotations

import collections
import functools
import math

import numpy as np


def _tf():
    import tensorflow.compat.v1 as v1  # the real module, whatever sys.modules["tensorflow"] is

    return v1


def _nest():
    return _tf().nest


def _dim(shape, i):
    return _tf().compat.dimension_value(_tf().TensorShape(shape)[i])


def _transpose_batch_time(x):
    """[batch, time, ...] <-> [time, batch, ...] (rank >= 2; anything else as it is)."""
    tf = _tf()
    rank = x.shape.ndims
    if rank is not None and rank < 2:
        return x
    if rank is None:
        rank = tf.rank(x)
        perm = tf.concat(([1, 0], tf.range(2, rank)), axis=0)
        return tf.transpose(x, perm)
    return tf.transpose(x, [1, 0] + list(range(2, rank)))


# --------------------------------------------------------------------------- helpers
class Helper:
    """The interface of TF 1.x's sampling helpers (``batch_size``, ``sample_ids_shape``,
    ``sample_ids_dtype``, ``initialize``, ``sample``, ``next_inputs``)."""

    @property
    def sample_ids_shape(self):
        return _tf().TensorShape([])

    @property
    def sample_ids_dtype(self):
        return _tf().int32


class CustomHelper(Helper):
    """A helper from three functions: ``initialize_fn() -> (finished, next_inputs)``,
    ``sample_fn(time, outputs, state) -> sample_ids``, ``next_inputs_fn(time, outputs, state,
    sample_ids) -> (finished, next_inputs, next_state)``."""

    def __init__(self, initialize_fn, sample_fn, next_inputs_fn, sample_ids_shape=None,
                 sample_ids_dtype=None):
        tf = _tf()
        self._initialize_fn, self._sample_fn = initialize_fn, sample_fn
        self._next_inputs_fn = next_inputs_fn
        self._batch_size = None
        self._sample_ids_shape = tf.TensorShape(sample_ids_shape or [])
        self._sample_ids_dtype = sample_ids_dtype or tf.int32

    @property
    def batch_size(self):
        if self._batch_size is None:
            raise ValueError("CustomHelper: batch_size is known only after initialize()")
        return self._batch_size

    @property
    def sample_ids_shape(self):
        return self._sample_ids_shape

    @property
    def sample_ids_dtype(self):
        return self._sample_ids_dtype

    def initialize(self, name=None):
        tf = _tf()
        with tf.name_scope(name, f"{type(self).__name__}Initialize"):
            finished, next_inputs = self._initialize_fn()
            if self._batch_size is None:
                self._batch_size = tf.size(finished)
        return finished, next_inputs

    def sample(self, time, outputs, state, name=None):
        with _tf().name_scope(name, f"{type(self).__name__}Sample", (time, outputs, state)):
            return self._sample_fn(time=time, outputs=outputs, state=state)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with _tf().name_scope(name, f"{type(self).__name__}NextInputs", (time, outputs, state)):
            return self._next_inputs_fn(
                time=time, outputs=outputs, state=state, sample_ids=sample_ids
            )


class TrainingHelper(Helper):
    """Teacher forcing: step ``t`` reads ``inputs[:, t]``; a sequence is finished once ``t``
    reaches its ``sequence_length``."""

    def __init__(self, inputs, sequence_length, time_major=False, name=None):
        tf, nest = _tf(), _nest()
        with tf.name_scope(name, "TrainingHelper", [inputs, sequence_length]):
            inputs = nest.map_structure(tf.convert_to_tensor, inputs)
            if not time_major:
                inputs = nest.map_structure(_transpose_batch_time, inputs)
            self._input_tas = nest.map_structure(
                lambda x: tf.TensorArray(
                    dtype=x.dtype, size=tf.shape(x)[0], element_shape=x.shape[1:]
                ).unstack(x),
                inputs,
            )
            self._sequence_length = tf.convert_to_tensor(sequence_length, name="sequence_length")
            if self._sequence_length.get_shape().ndims != 1:
                raise ValueError(
                    "TrainingHelper: sequence_length must be a vector, got shape "
                    f"{self._sequence_length.get_shape()}"
                )
            self._zero_inputs = nest.map_structure(lambda x: tf.zeros_like(x[0, :]), inputs)
            self._batch_size = tf.size(sequence_length)

    @property
    def inputs(self):
        return self._input_tas

    @property
    def sequence_length(self):
        return self._sequence_length

    @property
    def batch_size(self):
        return self._batch_size

    def _read(self, time, finished):
        tf, nest = _tf(), _nest()
        return tf.cond(
            tf.reduce_all(finished),
            lambda: self._zero_inputs,
            lambda: nest.map_structure(lambda ta: ta.read(time), self._input_tas),
        )

    def initialize(self, name=None):
        tf = _tf()
        with tf.name_scope(name, "TrainingHelperInitialize"):
            finished = tf.equal(0, self._sequence_length)
            return finished, self._read(0, finished)

    def sample(self, time, outputs, name=None, **unused_kwargs):
        tf = _tf()
        with tf.name_scope(name, "TrainingHelperSample", [time, outputs]):
            return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

    def next_inputs(self, time, outputs, state, name=None, **unused_kwargs):
        tf = _tf()
        with tf.name_scope(name, "TrainingHelperNextInputs", [time, outputs, state]):
            next_time = time + 1
            finished = next_time >= self._sequence_length
            return finished, self._read(next_time, finished), state


class GreedyEmbeddingHelper(Helper):
    """Inference: each step is fed the embedding of the previous step's argmax; a sequence
    is finished when it emits ``end_token``."""

    def __init__(self, embedding, start_tokens, end_token):
        tf = _tf()
        if callable(embedding):
            self._embedding_fn = embedding
        else:
            self._embedding_fn = lambda ids: tf.nn.embedding_lookup(embedding, ids)
        self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32, name="start_tokens")
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32, name="end_token")
        if self._start_tokens.get_shape().ndims != 1:
            raise ValueError("GreedyEmbeddingHelper: start_tokens must be a vector")
        if self._end_token.get_shape().ndims != 0:
            raise ValueError("GreedyEmbeddingHelper: end_token must be a scalar")
        self._batch_size = tf.size(start_tokens)
        self._start_inputs = self._embedding_fn(self._start_tokens)

    @property
    def batch_size(self):
        return self._batch_size

    def initialize(self, name=None):
        tf = _tf()
        return tf.tile([False], [self._batch_size]), self._start_inputs

    def sample(self, time, outputs, state, name=None):
        tf = _tf()
        if not isinstance(outputs, tf.Tensor):
            raise TypeError(f"Expected outputs to be a single Tensor, got: {type(outputs)}")
        return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        tf = _tf()
        finished = tf.equal(sample_ids, self._end_token)
        next_inputs = tf.cond(
            tf.reduce_all(finished),
            lambda: self._start_inputs,
            lambda: self._embedding_fn(sample_ids),
        )
        return finished, next_inputs, state


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
    """As :class:`GreedyEmbeddingHelper`, but each id is drawn from the softmax of the
    outputs (divided by ``softmax_temperature`` when given)."""

    def __init__(self, embedding, start_tokens, end_token, softmax_temperature=None, seed=None):
        super().__init__(embedding, start_tokens, end_token)
        self._softmax_temperature = softmax_temperature
        self._seed = seed

    def sample(self, time, outputs, state, name=None):
        tf = _tf()
        if not isinstance(outputs, tf.Tensor):
            raise TypeError(f"Expected outputs to be a single Tensor, got: {type(outputs)}")
        logits = outputs
        if self._softmax_temperature is not None:
            logits = outputs / self._softmax_temperature
        ids = tf.random.categorical(logits, 1, seed=self._seed, dtype=tf.int32)
        return tf.reshape(ids, [-1])


# -------------------------------------------------------------------------- decoders
class Decoder:
    """The decoder interface of ``dynamic_decode``: ``batch_size``, ``output_size``,
    ``output_dtype``, ``initialize``, ``step``, optionally ``finalize``."""

    @property
    def tracks_own_finished(self):
        return False

    def finalize(self, outputs, final_state, sequence_lengths):
        raise NotImplementedError


class BasicDecoderOutput(collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))):
    pass


class BasicDecoder(Decoder):
    """One ``cell`` step per decoding step, its output through ``output_layer`` (a
    ``tf.layers.Dense``; its variables under the decoding scope), the next input from
    ``helper``."""

    def __init__(self, cell, helper, initial_state, output_layer=None):
        if not callable(cell):
            raise TypeError(f"cell must be an RNNCell, received: {type(cell)}")
        if not isinstance(helper, Helper):
            raise TypeError(f"helper must be a Helper, received: {type(helper)}")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a Layer, received: {type(output_layer)}")
        self._cell, self._helper = cell, helper
        self._initial_state = initial_state
        self._output_layer = output_layer

    @property
    def batch_size(self):
        return self._helper.batch_size

    def _rnn_output_size(self):
        tf, nest = _tf(), _nest()
        size = self._cell.output_size
        if self._output_layer is None:
            return size
        shapes = nest.map_structure(lambda s: tf.TensorShape([None]).concatenate(s), size)
        out = self._output_layer.compute_output_shape(shapes)
        return nest.map_structure(lambda s: s[1:], out)

    @property
    def output_size(self):
        return BasicDecoderOutput(
            rnn_output=self._rnn_output_size(), sample_id=self._helper.sample_ids_shape
        )

    @property
    def output_dtype(self):
        nest = _nest()
        dtype = nest.flatten(self._initial_state)[0].dtype
        return BasicDecoderOutput(
            nest.map_structure(lambda _: dtype, self._rnn_output_size()),
            self._helper.sample_ids_dtype,
        )

    def initialize(self, name=None):
        return self._helper.initialize() + (self._initial_state,)

    def step(self, time, inputs, state, name=None):
        tf = _tf()
        with tf.name_scope(name, "BasicDecoderStep", (time, inputs, state)):
            cell_outputs, cell_state = self._cell(inputs, state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            sample_ids = self._helper.sample(time=time, outputs=cell_outputs, state=cell_state)
            finished, next_inputs, next_state = self._helper.next_inputs(
                time=time, outputs=cell_outputs, state=cell_state, sample_ids=sample_ids
            )
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished


def dynamic_decode(decoder, output_time_major=False, impute_finished=False,
                   maximum_iterations=None, parallel_iterations=32, swap_memory=False,
                   scope=None):
    """Runs ``decoder`` in a ``tf.while_loop`` until every sequence is finished or
    ``maximum_iterations`` steps are done. ``impute_finished``: the outputs of finished
    sequences are zeros and their state is copied through. Returns ``(final_outputs,
    final_state, final_sequence_lengths)``; outputs are batch-major unless
    ``output_time_major``."""
    tf, nest = _tf(), _nest()
    if not isinstance(decoder, Decoder):
        raise TypeError(f"Expected decoder to be type Decoder, but saw: {type(decoder)}")
    with tf.variable_scope(scope, "decoder"):
        if maximum_iterations is not None:
            maximum_iterations = tf.convert_to_tensor(
                maximum_iterations, dtype=tf.int32, name="maximum_iterations"
            )
            if maximum_iterations.get_shape().ndims != 0:
                raise ValueError("maximum_iterations must be a scalar")
        initial_finished, initial_inputs, initial_state = decoder.initialize()
        batch_size = decoder.batch_size
        static_batch = tf.get_static_value(batch_size)

        def zeros(shape, dtype):
            shape = tf.TensorShape(shape)
            dims = tf.constant(shape.as_list(), dtype=tf.int32, shape=[shape.ndims])
            return tf.zeros(tf.concat([[batch_size], dims], 0), dtype=dtype)

        zero_outputs = nest.map_structure(zeros, decoder.output_size, decoder.output_dtype)
        if maximum_iterations is not None:
            initial_finished = tf.logical_or(initial_finished, 0 >= maximum_iterations)
        initial_sequence_lengths = tf.zeros_like(initial_finished, dtype=tf.int32)
        initial_time = tf.constant(0, dtype=tf.int32)

        def create_ta(shape, dtype):
            element = tf.TensorShape([static_batch]).concatenate(tf.TensorShape(shape))
            return tf.TensorArray(dtype=dtype, size=0, dynamic_size=True, element_shape=element)

        initial_outputs_ta = nest.map_structure(
            create_ta, decoder.output_size, decoder.output_dtype
        )

        def condition(unused_time, unused_outputs_ta, unused_state, unused_inputs, finished,
                      unused_sequence_lengths):
            return tf.logical_not(tf.reduce_all(finished))

        def body(time, outputs_ta, state, inputs, finished, sequence_lengths):
            next_outputs, decoder_state, next_inputs, decoder_finished = decoder.step(
                time, inputs, state
            )
            if decoder.tracks_own_finished:
                next_finished = decoder_finished
            else:
                next_finished = tf.logical_or(decoder_finished, finished)
            next_sequence_lengths = tf.where(
                tf.logical_not(finished),
                tf.fill(tf.shape(sequence_lengths), time + 1),
                sequence_lengths,
            )
            nest.assert_same_structure(state, decoder_state)
            nest.assert_same_structure(outputs_ta, next_outputs)
            nest.assert_same_structure(inputs, next_inputs)
            if maximum_iterations is not None:
                next_finished = tf.logical_or(next_finished, time + 1 >= maximum_iterations)
            if impute_finished:
                emit = nest.map_structure(
                    lambda out, zero: tf.where(finished, zero, out), next_outputs, zero_outputs
                )

                def copy_state(new, cur):
                    if isinstance(cur, tf.TensorArray):
                        return new
                    new.set_shape(cur.shape)
                    return new if new.shape.ndims == 0 else tf.where(finished, cur, new)

                next_state = nest.map_structure(copy_state, decoder_state, state)
            else:
                emit, next_state = next_outputs, decoder_state
            outputs_ta = nest.map_structure(lambda ta, out: ta.write(time, out), outputs_ta, emit)
            return time + 1, outputs_ta, next_state, next_inputs, next_finished, next_sequence_lengths

        res = tf.while_loop(
            condition,
            body,
            loop_vars=(
                initial_time,
                initial_outputs_ta,
                initial_state,
                initial_inputs,
                initial_finished,
                initial_sequence_lengths,
            ),
            parallel_iterations=parallel_iterations,
            maximum_iterations=maximum_iterations,
            swap_memory=swap_memory,
        )
        final_outputs = nest.map_structure(lambda ta: ta.stack(), res[1])
        final_state, final_sequence_lengths = res[2], res[5]
        try:
            final_outputs, final_state = decoder.finalize(
                final_outputs, final_state, final_sequence_lengths
            )
        except NotImplementedError:
            pass
        if not output_time_major:
            final_outputs = nest.map_structure(_transpose_batch_time, final_outputs)
    return final_outputs, final_state, final_sequence_lengths


# ------------------------------------------------------------------------- attention
def _dense(units, name, dtype=None):
    return _tf().layers.Dense(units, name=name, use_bias=False, dtype=dtype)


def _prepare_memory(memory, memory_sequence_length):
    """The memory with the steps past each sequence's length zeroed."""
    tf, nest = _tf(), _nest()
    memory = nest.map_structure(lambda m: tf.convert_to_tensor(m, name="memory"), memory)
    if memory_sequence_length is None:
        return memory
    memory_sequence_length = tf.convert_to_tensor(memory_sequence_length, name="memory_sequence_length")
    first = nest.flatten(memory)[0]
    mask = tf.sequence_mask(memory_sequence_length, maxlen=tf.shape(first)[1], dtype=first.dtype)

    def apply(m):
        rank = m.get_shape().ndims
        extra = tf.ones(rank - 2, dtype=tf.int32) if rank is not None else tf.ones(tf.rank(m) - 2, tf.int32)
        shape = tf.concat([tf.shape(mask), extra], 0)
        return m * tf.reshape(mask, shape)

    return nest.map_structure(apply, memory)


def _maybe_mask_score(score, memory_sequence_length, score_mask_value):
    tf = _tf()
    if memory_sequence_length is None:
        return score
    mask = tf.sequence_mask(memory_sequence_length, maxlen=tf.shape(score)[1])
    return tf.where(mask, score, score_mask_value * tf.ones_like(score))


class AttentionMechanism:
    """Base of the attention mechanisms (for ``isinstance`` checks, as in TF 1.x)."""


class _BaseAttentionMechanism(AttentionMechanism):
    def __init__(self, query_layer, memory, probability_fn, memory_sequence_length=None,
                 memory_layer=None, score_mask_value=None, name=None):
        tf, nest = _tf(), _nest()
        self._query_layer, self._memory_layer = query_layer, memory_layer
        self.dtype = memory_layer.dtype if memory_layer is not None else None
        if not callable(probability_fn):
            raise TypeError(f"probability_fn must be callable, saw type: {type(probability_fn).__name__}")
        with tf.name_scope(name, "BaseAttentionMechanismInit", nest.flatten(memory)):
            self._values = _prepare_memory(memory, memory_sequence_length)
            if score_mask_value is None:
                score_mask_value = self._values.dtype.as_numpy_dtype(-np.inf)
            self._probability_fn = lambda score, prev: probability_fn(
                _maybe_mask_score(score, memory_sequence_length, score_mask_value), prev
            )
            self._keys = memory_layer(self._values) if memory_layer is not None else self._values
            self._batch_size = _dim(self._keys.shape, 0) or tf.shape(self._keys)[0]
            self._alignments_size = _dim(self._keys.shape, 1) or tf.shape(self._keys)[1]

    @property
    def memory_layer(self):
        return self._memory_layer

    @property
    def query_layer(self):
        return self._query_layer

    @property
    def values(self):
        return self._values

    @property
    def keys(self):
        return self._keys

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def alignments_size(self):
        return self._alignments_size

    @property
    def state_size(self):
        return self._alignments_size

    def initial_alignments(self, batch_size, dtype):
        tf = _tf()
        return tf.zeros([batch_size, self._alignments_size], dtype=dtype)

    def initial_state(self, batch_size, dtype):
        return self.initial_alignments(batch_size, dtype)


def _softmax(score, _prev):
    return _tf().nn.softmax(score)


class BahdanauAttention(_BaseAttentionMechanism):
    """Additive attention: ``score_j = v . tanh(W1 h_j + W2 q)`` (``normalize``: weight
    normalisation of ``v`` with ``g``, plus a bias ``b``)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False,
                 probability_fn=None, score_mask_value=None, dtype=None,
                 name="BahdanauAttention"):
        tf = _tf()
        dtype = dtype or tf.float32
        super().__init__(
            query_layer=_dense(num_units, "query_layer", dtype),
            memory=memory,
            probability_fn=probability_fn or _softmax,
            memory_sequence_length=memory_sequence_length,
            memory_layer=_dense(num_units, "memory_layer", dtype),
            score_mask_value=score_mask_value,
            name=name,
        )
        self._num_units, self._normalize, self._name = num_units, normalize, name

    def __call__(self, query, state):
        tf = _tf()
        with tf.variable_scope(None, "bahdanau_attention", [query]):
            processed = self._query_layer(query) if self._query_layer is not None else query
            processed = tf.expand_dims(processed, 1)
            dtype = processed.dtype
            units = _dim(self._keys.shape, 2) or tf.shape(self._keys)[2]
            v = tf.get_variable("attention_v", [units], dtype=dtype)
            if self._normalize:
                g = tf.get_variable(
                    "attention_g", dtype=dtype, shape=(),
                    initializer=tf.constant_initializer(math.sqrt(1.0 / units)),
                )
                b = tf.get_variable(
                    "attention_b", [units], dtype=dtype, initializer=tf.zeros_initializer()
                )
                normed_v = g * v * tf.rsqrt(tf.reduce_sum(tf.square(v)))
                score = tf.reduce_sum(normed_v * tf.tanh(self._keys + processed + b), [2])
            else:
                score = tf.reduce_sum(v * tf.tanh(self._keys + processed), [2])
        alignments = self._probability_fn(score, state)
        return alignments, alignments


class LuongAttention(_BaseAttentionMechanism):
    """Multiplicative attention: ``score_j = q . (W h_j)`` (``scale``: times a scalar ``g``)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False,
                 probability_fn=None, score_mask_value=None, dtype=None, name="LuongAttention"):
        tf = _tf()
        dtype = dtype or tf.float32
        super().__init__(
            query_layer=None,
            memory=memory,
            probability_fn=probability_fn or _softmax,
            memory_sequence_length=memory_sequence_length,
            memory_layer=_dense(num_units, "memory_layer", dtype),
            score_mask_value=score_mask_value,
            name=name,
        )
        self._num_units, self._scale, self._name = num_units, scale, name

    def __call__(self, query, state):
        tf = _tf()
        with tf.variable_scope(None, "luong_attention", [query]):
            depth = _dim(query.get_shape(), -1)
            key_units = _dim(self._keys.get_shape(), -1)
            if depth != key_units:
                raise ValueError(
                    "Incompatible or unknown inner dimensions between query and keys. Query "
                    f"({query}) has units: {depth}. Keys ({self._keys}) have units: "
                    f"{key_units}. Perhaps you need to set num_units to the keys' dimension "
                    f"({depth})?"
                )
            score = tf.squeeze(tf.matmul(tf.expand_dims(query, 1), self._keys, transpose_b=True), [1])
            if self._scale:
                g = tf.get_variable(
                    "attention_g", dtype=query.dtype, shape=(), initializer=tf.ones_initializer()
                )
                score = g * score
        alignments = self._probability_fn(score, state)
        return alignments, alignments


def hardmax(logits, name=None):
    """One-hot of the argmax of the last axis (TF 1.x's ``seq2seq.hardmax``)."""
    tf = _tf()
    with tf.name_scope(name, "Hardmax", [logits]):
        logits = tf.convert_to_tensor(logits, name="logits")
        depth = _dim(logits.get_shape(), -1) or tf.shape(logits)[-1]
        return tf.one_hot(tf.argmax(logits, -1), depth, dtype=logits.dtype)


class AttentionWrapperState(
    collections.namedtuple(
        "AttentionWrapperState",
        ("cell_state", "attention", "time", "alignments", "alignment_history", "attention_state"),
    )
):
    """The state of :class:`AttentionWrapper`; ``clone(**kwargs)`` replaces fields (e.g. the
    ``cell_state`` by the encoder's final state), keeping their static shapes."""

    def clone(self, **kwargs):
        tf = _tf()

        def keep_shape(old, new):
            if (isinstance(old, tf.Tensor) and isinstance(new, tf.Tensor)
                    and old.shape.is_compatible_with(new.shape)):
                new.set_shape(old.shape)
            return new

        return _nest().map_structure(keep_shape, self, self._replace(**kwargs))


def _item_or_tuple(seq):
    seq = tuple(seq)
    return seq[0] if len(seq) == 1 else seq


@functools.cache
def _attention_wrapper_class():
    tf = _tf()
    nest = _nest()
    RNNCell = tf.nn.rnn_cell.RNNCell

    class AttentionWrapper(RNNCell):
        """Wraps ``cell`` with attention over ``attention_mechanism``'s memory: the cell reads
        ``concat([inputs, previous attention])``; its output queries the memory; the
        attention is ``attention_layer([cell_output, context])`` (``attention_layer_size``)
        or the context itself."""

        def __init__(self, cell, attention_mechanism, attention_layer_size=None,
                     alignment_history=False, cell_input_fn=None, output_attention=True,
                     initial_cell_state=None, name=None, attention_layer=None):
            super().__init__(name=name)
            self._is_multi = isinstance(attention_mechanism, (list, tuple))
            mechanisms = tuple(attention_mechanism) if self._is_multi else (attention_mechanism,)
            for m in mechanisms:
                if not isinstance(m, AttentionMechanism):
                    raise TypeError(
                        "attention_mechanism must be an AttentionMechanism or list of multiple "
                        f"AttentionMechanism instances, saw type: {type(m).__name__}"
                    )
            if cell_input_fn is None:
                cell_input_fn = lambda inputs, attention: tf.concat([inputs, attention], -1)  # noqa: E731
            elif not callable(cell_input_fn):
                raise TypeError(f"cell_input_fn must be callable, saw type: {type(cell_input_fn).__name__}")
            if attention_layer_size is not None and attention_layer is not None:
                raise ValueError("Only one of attention_layer_size and attention_layer should be set")
            if attention_layer_size is not None:
                sizes = tuple(attention_layer_size) if isinstance(attention_layer_size, (list, tuple)) else (attention_layer_size,)
                if len(sizes) != len(mechanisms):
                    raise ValueError(
                        "If provided, attention_layer_size must contain exactly one integer per "
                        f"attention_mechanism, saw: {len(sizes)} vs {len(mechanisms)}"
                    )
                layers = tuple(
                    tf.layers.Dense(size, name="attention_layer", use_bias=False, dtype=m.dtype)
                    for size, m in zip(sizes, mechanisms)
                )
                attention_size = sum(sizes)
            elif attention_layer is not None:
                layers = tuple(attention_layer) if isinstance(attention_layer, (list, tuple)) else (attention_layer,)
                attention_size = None
            else:
                layers = None
                attention_size = sum(_dim(m.values.get_shape(), -1) for m in mechanisms)
            self._cell = cell
            self._mechanisms = mechanisms
            self._attention_layers = layers
            self._attention_layer_size = attention_size
            self._cell_input_fn = cell_input_fn
            self._output_attention = output_attention
            self._alignment_history = alignment_history
            self._initial_cell_state = initial_cell_state
            if layers is not None and attention_size is None:
                batch_depths = [_dim(m.values.get_shape(), -1) for m in mechanisms]
                self._attention_layer_size = sum(
                    _dim(layer.compute_output_shape(
                        [None, _dim(tf.TensorShape([None]).concatenate(cell.output_size), -1) + d]
                    ), -1)
                    for layer, d in zip(layers, batch_depths)
                )

        @property
        def output_size(self):
            return self._attention_layer_size if self._output_attention else self._cell.output_size

        @property
        def state_size(self):
            return AttentionWrapperState(
                cell_state=self._cell.state_size,
                time=tf.TensorShape([]),
                attention=self._attention_layer_size,
                alignments=_item_or_tuple(m.alignments_size for m in self._mechanisms),
                attention_state=_item_or_tuple(m.state_size for m in self._mechanisms),
                alignment_history=_item_or_tuple(
                    m.alignments_size if self._alignment_history else () for m in self._mechanisms
                ),
            )

        def zero_state(self, batch_size, dtype):
            with tf.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
                if self._initial_cell_state is not None:
                    cell_state = self._initial_cell_state
                else:
                    cell_state = self._cell.zero_state(batch_size, dtype)
                message = (
                    f"When calling zero_state of AttentionWrapper {self._base_name}: "
                    "Non-matching batch sizes between the memory (encoder output) and the "
                    "requested batch size. Are you using the BeamSearchDecoder? If so, make "
                    "sure your encoder output has been tiled to beam_width via "
                    "tf.contrib.seq2seq.tile_batch, and the batch_size= argument passed to "
                    "zero_state is batch_size * beam_width."
                )
                static = tf.get_static_value(batch_size)
                for m in self._mechanisms:
                    known = tf.get_static_value(m.batch_size)
                    if static is not None and known is not None and int(static) != int(known):
                        raise ValueError(message)
                checks = [
                    tf.assert_equal(batch_size, m.batch_size, message=message)
                    for m in self._mechanisms
                ]
                with tf.control_dependencies(checks):
                    cell_state = nest.map_structure(
                        lambda s: tf.identity(s, name="checked_cell_state"), cell_state
                    )
                alignments = [m.initial_alignments(batch_size, dtype) for m in self._mechanisms]
                history = [
                    tf.TensorArray(dtype, size=0, dynamic_size=True,
                                   element_shape=a.shape) if self._alignment_history else ()
                    for a in alignments
                ]
                return AttentionWrapperState(
                    cell_state=cell_state,
                    time=tf.zeros([], dtype=tf.int32),
                    attention=tf.zeros(tf.stack([batch_size, self._attention_layer_size]), dtype=dtype),
                    alignments=_item_or_tuple(alignments),
                    attention_state=_item_or_tuple(
                        m.initial_state(batch_size, dtype) for m in self._mechanisms
                    ),
                    alignment_history=_item_or_tuple(history),
                )

        def call(self, inputs, state):
            if not isinstance(state, AttentionWrapperState):
                raise TypeError(
                    f"Expected state to be instance of AttentionWrapperState. Received type "
                    f"{type(state)} instead."
                )
            cell_inputs = self._cell_input_fn(inputs, state.attention)
            cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
            if self._is_multi:
                prev_states, prev_history = state.attention_state, state.alignment_history
            else:
                prev_states, prev_history = [state.attention_state], [state.alignment_history]
            attentions, alignments, states, histories = [], [], [], []
            for i, mechanism in enumerate(self._mechanisms):
                alignment, next_attention_state = mechanism(cell_output, state=prev_states[i])
                context = tf.squeeze(tf.matmul(tf.expand_dims(alignment, 1), mechanism.values), [1])
                if self._attention_layers is not None:
                    attention = self._attention_layers[i](tf.concat([cell_output, context], 1))
                else:
                    attention = context
                attentions.append(attention)
                alignments.append(alignment)
                states.append(next_attention_state)
                histories.append(
                    prev_history[i].write(state.time, alignment) if self._alignment_history else ()
                )
            attention = tf.concat(attentions, 1)
            next_state = AttentionWrapperState(
                time=state.time + 1,
                cell_state=next_cell_state,
                attention=attention,
                attention_state=_item_or_tuple(states),
                alignments=_item_or_tuple(alignments),
                alignment_history=_item_or_tuple(histories),
            )
            return (attention if self._output_attention else cell_output), next_state

    return AttentionWrapper


# ----------------------------------------------------------------------- beam search
class BeamSearchDecoderState(
    collections.namedtuple(
        "BeamSearchDecoderState",
        ("cell_state", "log_probs", "finished", "lengths", "accumulated_attention_probs"),
    )
):
    pass


class BeamSearchDecoderOutput(
    collections.namedtuple("BeamSearchDecoderOutput", ("scores", "predicted_ids", "parent_ids"))
):
    pass


class FinalBeamSearchDecoderOutput(
    collections.namedtuple(
        "FinalBeamDecoderOutput", ("predicted_ids", "beam_search_decoder_output")
    )
):
    pass


def _tile_one(t, multiplier):
    tf = _tf()
    t = tf.convert_to_tensor(t, name="t")
    if t.shape.ndims is None or t.shape.ndims < 1:
        raise ValueError("t must have statically known rank")
    shape_t = tf.shape(t)
    tiling = [1] * (t.shape.ndims + 1)
    tiling[1] = multiplier
    static = _dim(t.shape, 0)
    tiled = tf.tile(tf.expand_dims(t, 1), tiling)
    tiled = tf.reshape(tiled, tf.concat(([shape_t[0] * multiplier], shape_t[1:]), 0))
    tiled.set_shape(
        tf.TensorShape([static * multiplier if static is not None else None]).concatenate(t.shape[1:])
    )
    return tiled


def tile_batch(t, multiplier, name=None):
    """Each batch entry repeated ``multiplier`` times in place: ``[a, b] -> [a, a, a, b, b, b]``
    (for every tensor of the structure ``t``)."""
    tf, nest = _tf(), _nest()
    flat = nest.flatten(t)
    with tf.name_scope(name, "tile_batch", flat + [multiplier]):
        return nest.map_structure(lambda x: _tile_one(x, multiplier), t)


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token, name=None):
    """The full beams from the per-step ids and parent pointers (TF 1.x's GatherTree op):
    ``step_ids``/``parent_ids`` ``[max_time, batch, beam]``, ``max_sequence_lengths``
    ``[batch]``. Each beam is followed back from its last step; steps past a beam's first
    ``end_token``, or past ``max_sequence_lengths``, are ``end_token``."""
    tf = _tf()
    with tf.name_scope(name, "GatherTree", [step_ids, parent_ids, max_sequence_lengths, end_token]):
        step_ids = tf.convert_to_tensor(step_ids, name="step_ids")
        parent_ids = tf.convert_to_tensor(parent_ids, dtype=step_ids.dtype, name="parent_ids")
        end_token = tf.convert_to_tensor(end_token, dtype=step_ids.dtype, name="end_token")
        lengths = tf.convert_to_tensor(max_sequence_lengths, name="max_sequence_lengths")
        shape = tf.shape(step_ids)
        max_time, batch, beam = shape[0], shape[1], shape[2]
        lengths = tf.minimum(tf.cast(lengths, tf.int32), max_time)
        start = tf.tile(tf.expand_dims(tf.range(beam, dtype=step_ids.dtype), 0), [batch, 1])
        out_ta = tf.TensorArray(step_ids.dtype, size=max_time, element_shape=step_ids.shape[1:])

        def body(t, cur, ta):
            active = tf.expand_dims(t < lengths, 1) & tf.ones_like(cur, tf.bool)
            ids = tf.gather(step_ids[t], cur, batch_dims=1)
            parents = tf.gather(parent_ids[t], cur, batch_dims=1)
            ta = ta.write(t, tf.where(active, ids, tf.fill(tf.shape(ids), end_token)))
            return t - 1, tf.where(active, parents, cur), ta

        _, _, out_ta = tf.while_loop(
            lambda t, *_: t >= 0, body, (max_time - 1, start, out_ta), back_prop=False
        )
        beams = out_ta.stack()
        is_end = tf.cast(tf.equal(beams, end_token), tf.int32)
        ended_before = tf.cumsum(is_end, axis=0, exclusive=True) > 0
        beams = tf.where(ended_before, tf.fill(tf.shape(beams), end_token), beams)
        beams.set_shape(step_ids.shape)
        return beams


def gather_tree_from_array(t, parent_ids, sequence_length):
    """``t`` ``[time, batch * beam, ...]``, written by the cell at each step in that step's
    beam order, reordered so that row ``(b, k)`` at step ``t`` is what final beam ``k``'s own
    ancestor wrote then (``parent_ids`` ``[time, batch, beam]``, ``sequence_length``
    ``[batch, beam]``; steps past the longest beam keep their order)."""
    tf = _tf()
    shape = tf.shape(parent_ids)
    max_time, batch_size, beam_width = shape[0], shape[1], shape[2]
    beam_ids = tf.tile(tf.reshape(tf.range(beam_width), [1, 1, -1]), [max_time, batch_size, 1])
    max_lengths = tf.cast(tf.reduce_max(sequence_length, axis=1), tf.int32)
    # the beam each final beam descends from, in each step's output order ...
    sorted_ids = gather_tree(beam_ids, parent_ids, max_lengths, beam_width + 1)
    in_bound = tf.logical_and(
        tf.expand_dims(tf.transpose(tf.sequence_mask(max_lengths, maxlen=max_time)), 2),
        tf.ones_like(beam_ids, dtype=tf.bool),
    )
    sorted_ids = tf.where(in_bound, sorted_ids, beam_ids)
    # ... and the row it came from in the order the cell ran that step in
    source_ids = tf.where(in_bound, tf.gather(parent_ids, sorted_ids, batch_dims=2), beam_ids)
    time_ind = tf.tile(tf.reshape(tf.range(max_time), [-1, 1, 1]), [1, batch_size, beam_width])
    batch_ind = tf.tile(tf.reshape(tf.range(batch_size), [1, -1, 1]), [max_time, 1, beam_width])
    indices = tf.stack([time_ind, batch_ind, source_ids], -1)
    final_shape = tf.shape(t)
    ordered = tf.gather_nd(tf.reshape(t, [max_time, batch_size, beam_width, -1]), indices)
    return tf.reshape(ordered, final_shape)


def _length_penalty(sequence_lengths, penalty_factor):
    tf = _tf()
    penalty_factor = tf.convert_to_tensor(penalty_factor, name="penalty_factor")
    penalty_factor.set_shape(())
    static = tf.get_static_value(penalty_factor)
    if static is not None and static == 0:
        return 1.0
    return tf.div((5.0 + tf.cast(sequence_lengths, tf.float32)) ** penalty_factor,
                  (5.0 + 1.0) ** penalty_factor)


def _mask_probs(probs, eos_token, finished):
    """Finished beams can only emit ``eos_token``, at no cost."""
    tf = _tf()
    vocab_size = tf.shape(probs)[2]
    finished_row = tf.one_hot(
        eos_token, vocab_size, dtype=probs.dtype,
        on_value=tf.convert_to_tensor(0.0, dtype=probs.dtype), off_value=probs.dtype.min,
    )
    finished_probs = tf.tile(tf.reshape(finished_row, [1, 1, -1]), tf.concat([tf.shape(finished), [1]], 0))
    finished_mask = tf.tile(tf.expand_dims(finished, 2), [1, 1, vocab_size])
    return tf.where(finished_mask, finished_probs, probs)


def _gather_beams(gather_from, beam_ids, batch_size, beam_width):
    """``gather_from[b, beam_ids[b, k], ...]`` for ``[batch, beam, ...]`` tensors."""
    tf = _tf()
    offsets = tf.expand_dims(tf.range(batch_size) * beam_width, 1)
    flat_ids = tf.reshape(beam_ids + offsets, [-1])
    shape = tf.shape(gather_from)
    flat = tf.reshape(gather_from, tf.concat([[batch_size * beam_width], shape[2:]], 0))
    out = tf.reshape(tf.gather(flat, flat_ids), shape)
    out.set_shape(gather_from.shape)
    return out


class BeamSearchDecoder(Decoder):
    """Beam search over ``cell``: ``initial_state`` must already be tiled to
    ``batch_size * beam_width`` (``tile_batch``); outputs ``FinalBeamSearchDecoderOutput``
    whose ``predicted_ids`` are ``[batch, time, beam_width]``, best beam first."""

    def __init__(self, cell, embedding, start_tokens, end_token, initial_state, beam_width,
                 output_layer=None, length_penalty_weight=0.0, coverage_penalty_weight=0.0,
                 reorder_tensor_arrays=True):
        tf, nest = _tf(), _nest()
        if not callable(cell):
            raise TypeError(f"cell must be an RNNCell, received: {type(cell)}")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a Layer, received: {type(output_layer)}")
        if coverage_penalty_weight:
            raise ValueError(
                "BeamSearchDecoder: coverage_penalty_weight is not provided by parity "
                "legacy-run (leave it at 0.0)"
            )
        self._cell, self._output_layer = cell, output_layer
        self._reorder_tensor_arrays = reorder_tensor_arrays
        if callable(embedding):
            self._embedding_fn = embedding
        else:
            self._embedding_fn = lambda ids: tf.nn.embedding_lookup(embedding, ids)
        self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32, name="start_tokens")
        if self._start_tokens.get_shape().ndims != 1:
            raise ValueError("start_tokens must be a vector")
        self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32, name="end_token")
        if self._end_token.get_shape().ndims != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = tf.size(start_tokens)
        self._beam_width = beam_width
        self._length_penalty_weight = length_penalty_weight
        self._initial_cell_state = nest.map_structure(self._maybe_split, initial_state)
        self._start_tokens = tf.tile(tf.expand_dims(self._start_tokens, 1), [1, beam_width])
        self._start_inputs = self._embedding_fn(self._start_tokens)
        self._finished = tf.zeros([self._batch_size, beam_width], dtype=tf.bool)

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def tracks_own_finished(self):
        return True

    @property
    def output_size(self):
        tf = _tf()
        shape = tf.TensorShape([self._beam_width])
        return BeamSearchDecoderOutput(scores=shape, predicted_ids=shape, parent_ids=shape)

    @property
    def output_dtype(self):
        tf = _tf()
        dtype = _nest().flatten(self._initial_cell_state)[0].dtype
        return BeamSearchDecoderOutput(scores=dtype, predicted_ids=tf.int32, parent_ids=tf.int32)

    def _split(self, t):
        tf = _tf()
        shape = tf.shape(t)
        static_batch = tf.get_static_value(self._batch_size)
        out = tf.reshape(t, tf.concat(([self._batch_size, self._beam_width], shape[1:]), 0))
        out.set_shape(tf.TensorShape([static_batch, self._beam_width]).concatenate(t.shape[1:]))
        return out

    def _merge(self, t):
        tf = _tf()
        shape = tf.shape(t)
        static_batch = tf.get_static_value(self._batch_size)
        merged = static_batch * self._beam_width if static_batch is not None else None
        out = tf.reshape(t, tf.concat(([self._batch_size * self._beam_width], shape[2:]), 0))
        out.set_shape(tf.TensorShape([merged]).concatenate(t.shape[2:]))
        return out

    def _maybe_split(self, t):
        tf = _tf()
        if isinstance(t, tf.TensorArray) or t.shape.ndims is None or t.shape.ndims < 1:
            return t
        return self._split(t)

    def _maybe_merge(self, t):
        tf = _tf()
        if isinstance(t, tf.TensorArray) or t.shape.ndims is None or t.shape.ndims < 2:
            return t
        return self._merge(t)

    def initialize(self, name=None):
        tf = _tf()
        dtype = _nest().flatten(self._initial_cell_state)[0].dtype
        log_probs = tf.one_hot(
            tf.zeros([self._batch_size], dtype=tf.int32), depth=self._beam_width,
            on_value=tf.convert_to_tensor(0.0, dtype=dtype),
            off_value=tf.convert_to_tensor(-np.inf, dtype=dtype), dtype=dtype,
        )
        state = BeamSearchDecoderState(
            cell_state=self._initial_cell_state,
            log_probs=log_probs,
            finished=self._finished,
            lengths=tf.zeros([self._batch_size, self._beam_width], dtype=tf.int64),
            accumulated_attention_probs=(),
        )
        return self._finished, self._start_inputs, state

    def finalize(self, outputs, final_state, sequence_lengths):
        tf = _tf()
        max_lengths = tf.cast(tf.reduce_max(final_state.lengths, axis=1), tf.int32)
        predicted_ids = gather_tree(
            outputs.predicted_ids, outputs.parent_ids,
            max_sequence_lengths=max_lengths, end_token=self._end_token,
        )
        if self._reorder_tensor_arrays:
            final_state = final_state._replace(cell_state=_nest().map_structure(
                lambda t: self._sort_array_beams(t, outputs.parent_ids, final_state.lengths),
                final_state.cell_state,
            ))
        return FinalBeamSearchDecoderOutput(
            beam_search_decoder_output=outputs, predicted_ids=predicted_ids
        ), final_state

    def _sort_array_beams(self, t, parent_ids, sequence_lengths):
        """A ``TensorArray`` of the cell state (``alignment_history``), stacked to ``[time,
        batch * beam, ...]`` and its beams put in the order of the final beams (TF 1.x's
        ``reorder_tensor_arrays``); anything else as it is."""
        tf = _tf()
        if not isinstance(t, tf.TensorArray):
            return t
        return gather_tree_from_array(t.stack(), parent_ids, sequence_lengths)

    def step(self, time, inputs, state, name=None):
        tf, nest = _tf(), _nest()
        with tf.name_scope(name, "BeamSearchDecoderStep", (time, inputs, state)):
            inputs = nest.map_structure(self._merge, inputs)
            cell_state = nest.map_structure(self._maybe_merge, state.cell_state)
            cell_outputs, next_cell_state = self._cell(inputs, cell_state)
            cell_outputs = nest.map_structure(self._split, cell_outputs)
            next_cell_state = nest.map_structure(self._maybe_split, next_cell_state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            output, next_state = self._search_step(time, cell_outputs, next_cell_state, state)
            finished = next_state.finished
            next_inputs = tf.cond(
                tf.reduce_all(finished),
                lambda: self._start_inputs,
                lambda: self._embedding_fn(output.predicted_ids),
            )
        return output, next_state, next_inputs, finished

    def _search_step(self, time, logits, next_cell_state, beam_state):
        tf, nest = _tf(), _nest()
        batch_size, beam_width, end_token = self._batch_size, self._beam_width, self._end_token
        static_batch = tf.get_static_value(batch_size)
        previously_finished = beam_state.finished
        not_finished = tf.logical_not(previously_finished)
        step_log_probs = _mask_probs(tf.nn.log_softmax(logits), end_token, previously_finished)
        total_probs = tf.expand_dims(beam_state.log_probs, 2) + step_log_probs
        vocab_size = _dim(logits.shape, -1) or tf.shape(logits)[-1]
        lengths_to_add = tf.one_hot(
            tf.fill([batch_size, beam_width], end_token), depth=vocab_size,
            on_value=np.int64(0), off_value=np.int64(1), dtype=tf.int64,
        )
        lengths_to_add *= tf.expand_dims(tf.cast(not_finished, tf.int64), 2)
        new_lengths = lengths_to_add + tf.expand_dims(beam_state.lengths, 2)
        scores = total_probs / _length_penalty(new_lengths, self._length_penalty_weight)
        scores_flat = tf.reshape(scores, [batch_size, -1])
        next_beam_scores, word_indices = tf.nn.top_k(scores_flat, k=beam_width)
        next_beam_scores.set_shape([static_batch, beam_width])
        word_indices.set_shape([static_batch, beam_width])
        flat_probs = tf.reshape(total_probs, [batch_size, -1])
        next_beam_probs = tf.gather(flat_probs, word_indices, batch_dims=1)
        next_word_ids = tf.cast(tf.mod(word_indices, vocab_size), tf.int32, name="next_beam_word_ids")
        next_beam_ids = tf.cast(word_indices // vocab_size, tf.int32, name="next_beam_parent_ids")
        previously_finished = tf.gather(previously_finished, next_beam_ids, batch_dims=1)
        next_finished = tf.logical_or(
            previously_finished, tf.equal(next_word_ids, end_token), name="next_beam_finished"
        )
        next_lengths = tf.gather(beam_state.lengths, next_beam_ids, batch_dims=1)
        next_lengths += tf.cast(tf.logical_not(previously_finished), tf.int64)

        def gather_state(t):
            if isinstance(t, tf.TensorArray) or t.shape.ndims is None or t.shape.ndims < 2:
                return t
            return _gather_beams(t, next_beam_ids, batch_size, beam_width)

        next_cell_state = nest.map_structure(gather_state, next_cell_state)
        next_state = BeamSearchDecoderState(
            cell_state=next_cell_state,
            log_probs=next_beam_probs,
            lengths=next_lengths,
            finished=next_finished,
            accumulated_attention_probs=(),
        )
        output = BeamSearchDecoderOutput(
            scores=next_beam_scores, predicted_ids=next_word_ids, parent_ids=next_beam_ids
        )
        return output, next_state


# --------------------------------------------------------------------------- module
def exports() -> dict:
    """``{name: resolver}`` of ``tf.contrib.seq2seq`` (``sequence_loss`` is contrib's)."""
    values = {
        cls.__name__: cls
        for cls in (
            Helper, CustomHelper, TrainingHelper, GreedyEmbeddingHelper, SampleEmbeddingHelper,
            Decoder, BasicDecoder, BasicDecoderOutput, AttentionMechanism, BahdanauAttention,
            LuongAttention, AttentionWrapperState, BeamSearchDecoder, BeamSearchDecoderState,
            BeamSearchDecoderOutput, FinalBeamSearchDecoderOutput,
        )
    }
    values.update(dynamic_decode=dynamic_decode, tile_batch=tile_batch,
                  gather_tree=gather_tree, gather_tree_from_array=gather_tree_from_array,
                  hardmax=hardmax)
    resolvers = {name: (lambda v=v: v) for name, v in values.items()}
    resolvers["AttentionWrapper"] = _attention_wrapper_class
    return resolvers

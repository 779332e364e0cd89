"""The parts of ``tf.contrib`` that tutorials use, mapped to their ``tf.compat.v1`` homes.

Provided:
- ``tf.contrib.rnn``: the cells and wrappers of ``tf.compat.v1.nn.rnn_cell`` (``BasicLSTMCell``,
  ``LSTMCell``, ``GRUCell``, ``BasicRNNCell``, ``MultiRNNCell``, ``DropoutWrapper``,
  ``ResidualWrapper``, ``DeviceWrapper``, ``LSTMStateTuple``, ``RNNCell``), the static RNNs of
  ``tf.compat.v1.nn`` (``static_rnn``, ``static_bidirectional_rnn``,
  ``static_state_saving_rnn``), and re-implementations of the contrib-only
  ``stack_bidirectional_rnn``, ``stack_bidirectional_dynamic_rnn``,
  ``OutputProjectionWrapper``, ``InputProjectionWrapper``; ``LSTMBlockCell`` and
  ``GRUBlockCell(V2)`` become ``LSTMCell``/``GRUCell`` (the same maths, another kernel).
- ``tf.contrib.layers``: ``fully_connected``, ``linear``, ``flatten``, ``conv2d``,
  ``max_pool2d``, ``avg_pool2d``, ``dropout`` (on ``tf.compat.v1.layers``; their variables are
  named ``dense/kernel`` rather than ``fully_connected/weights``), ``xavier_initializer``,
  ``xavier_initializer_conv2d``, ``variance_scaling_initializer``, ``l1_regularizer``,
  ``l2_regularizer``.
- ``tf.contrib.legacy_seq2seq``: ``rnn_decoder`` (char-rnn's decoder), ``sequence_loss_by_example``,
  ``sequence_loss``, and the seq2seq models of :mod:`tf1_compat.legacy_seq2seq`.
- ``tf.contrib.seq2seq``: ``sequence_loss`` (3-D logits; the PTB tutorial's loss), and the
  decoders, helpers, attention and beam search of :mod:`tf1_compat.seq2seq`.
- ``tf.contrib.framework``: ``get_or_create_global_step``, ``get_global_step``, ``nest``.

Everything else raises the one-line error of :mod:`tf1_compat.replacements`.
"""

from __future__ import annotations

import functools

from tf1_compat.modules import ShimModule


def _tf():
    import tensorflow.compat.v1 as v1  # the real module, whatever sys.modules["tensorflow"] is

    return v1


def _rnn_cell(name):
    return lambda: getattr(_tf().nn.rnn_cell, name)


def _nn(name):
    return lambda: getattr(_tf().nn, name)


# ----------------------------------------------------------------------------- rnn
def stack_bidirectional_dynamic_rnn(
    cells_fw,
    cells_bw,
    inputs,
    initial_states_fw=None,
    initial_states_bw=None,
    dtype=None,
    sequence_length=None,
    parallel_iterations=None,
    time_major=False,
    scope=None,
    swap_memory=False,
):
    """Layers of ``bidirectional_dynamic_rnn``, each fed the concatenated outputs of the last
    (contrib's ``stack_bidirectional_dynamic_rnn``: same scopes, same return value)."""
    tf = _tf()
    _check_stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw = [], []
    layer = inputs
    with tf.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with tf.variable_scope(f"cell_{i}"):
                outputs, (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
                    cell_fw,
                    cell_bw,
                    layer,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None,
                    sequence_length=sequence_length,
                    parallel_iterations=parallel_iterations,
                    dtype=dtype,
                    swap_memory=swap_memory,
                    time_major=time_major,
                )
                layer = tf.concat(outputs, 2)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_rnn(
    cells_fw,
    cells_bw,
    inputs,
    initial_states_fw=None,
    initial_states_bw=None,
    dtype=None,
    sequence_length=None,
    scope=None,
):
    """The static (list of time steps) form of :func:`stack_bidirectional_dynamic_rnn`."""
    tf = _tf()
    _check_stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    if not inputs:
        raise ValueError("stack_bidirectional_rnn: inputs must be a non-empty list of tensors")
    states_fw, states_bw = [], []
    layer = inputs
    with tf.variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            with tf.variable_scope(f"cell_{i}") as cell_scope:
                layer, state_fw, state_bw = tf.nn.static_bidirectional_rnn(
                    cell_fw,
                    cell_bw,
                    layer,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None,
                    sequence_length=sequence_length,
                    dtype=dtype,
                    scope=cell_scope,
                )
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer, tuple(states_fw), tuple(states_bw)


def _check_stack(cells_fw, cells_bw, initial_states_fw, initial_states_bw):
    if not cells_fw or not cells_bw:
        raise ValueError("stack_bidirectional_rnn: cells_fw and cells_bw must be non-empty lists")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("stack_bidirectional_rnn: cells_fw and cells_bw differ in length")
    for states in (initial_states_fw, initial_states_bw):
        if states is not None and len(states) != len(cells_fw):
            raise ValueError("stack_bidirectional_rnn: one initial state per layer is needed")


@functools.cache
def _projection_wrappers():
    """Contrib's OutputProjectionWrapper / InputProjectionWrapper on the legacy RNNCell."""
    tf = _tf()
    RNNCell = tf.nn.rnn_cell.RNNCell

    def dim(shape):
        return tf.compat.dimension_value(tf.TensorShape(shape)[-1])

    class OutputProjectionWrapper(RNNCell):
        """Runs ``cell`` and projects its output to ``output_size`` (``kernel`` and ``bias``)."""

        def __init__(self, cell, output_size, activation=None, reuse=None):
            super().__init__(_reuse=reuse)
            if output_size < 1:
                raise ValueError(
                    f"OutputProjectionWrapper: output_size must be >= 1, got {output_size}"
                )
            self._cell, self._size, self._activation = cell, output_size, activation

        @property
        def state_size(self):
            return self._cell.state_size

        @property
        def output_size(self):
            return self._size

        def zero_state(self, batch_size, dtype):
            with tf.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
                return self._cell.zero_state(batch_size, dtype)

        def build(self, inputs_shape):
            depth = self._cell.output_size
            self._kernel = self.add_weight("kernel", shape=[depth, self._size])
            self._bias = self.add_weight(
                "bias", shape=[self._size], initializer=tf.zeros_initializer(dtype=self.dtype)
            )
            self.built = True

        def call(self, inputs, state):
            output, new_state = self._cell(inputs, state)
            projected = tf.nn.bias_add(tf.matmul(output, self._kernel), self._bias)
            if self._activation is not None:
                projected = self._activation(projected)
            return projected, new_state

    class InputProjectionWrapper(RNNCell):
        """Projects the input to ``num_proj`` features (no bias) before running ``cell``."""

        def __init__(self, cell, num_proj, activation=None, input_size=None, reuse=None):
            super().__init__(_reuse=reuse)
            if num_proj < 1:
                raise ValueError(f"InputProjectionWrapper: num_proj must be >= 1, got {num_proj}")
            self._cell, self._num_proj, self._activation = cell, num_proj, activation

        @property
        def state_size(self):
            return self._cell.state_size

        @property
        def output_size(self):
            return self._cell.output_size

        def zero_state(self, batch_size, dtype):
            with tf.name_scope(type(self).__name__ + "ZeroState", values=[batch_size]):
                return self._cell.zero_state(batch_size, dtype)

        def build(self, inputs_shape):
            self._kernel = self.add_weight("kernel", shape=[dim(inputs_shape), self._num_proj])
            self.built = True

        def call(self, inputs, state):
            projected = tf.matmul(inputs, self._kernel)
            if self._activation is not None:
                projected = self._activation(projected)
            return self._cell(projected, state)

    return OutputProjectionWrapper, InputProjectionWrapper


def LSTMBlockCell(
    num_units,
    forget_bias=1.0,
    cell_clip=None,
    use_peephole=False,
    dtype=None,
    reuse=None,
    name="lstm_cell",
):
    """Contrib's fused-kernel LSTM: the same maths as ``LSTMCell`` (gates i, j, f, o)."""
    clip = cell_clip if cell_clip is not None and cell_clip > 0 else None
    return _tf().nn.rnn_cell.LSTMCell(
        num_units,
        use_peepholes=use_peephole,
        cell_clip=clip,
        forget_bias=forget_bias,
        reuse=reuse,
        name=name,
        dtype=dtype,
    )


def GRUBlockCell(num_units=None, cell_size=None, reuse=None, name="gru_cell"):
    """Contrib's fused-kernel GRU: the same maths as ``GRUCell``."""
    units = num_units if num_units is not None else cell_size
    if units is None:
        raise ValueError("GRUBlockCell: num_units is required")
    return _tf().nn.rnn_cell.GRUCell(units, reuse=reuse, name=name)


# -------------------------------------------------------------------------- layers
def _finish(outputs, normalizer_fn, normalizer_params, activation_fn):
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return outputs


def _relu(x):
    return _tf().nn.relu(x)


def xavier_initializer(uniform=True, seed=None, dtype=None):
    """Glorot: variance scaling with scale 1 over the average fan (truncated normal if not uniform)."""
    tf = _tf()
    return tf.variance_scaling_initializer(
        scale=1.0,
        mode="fan_avg",
        seed=seed,
        distribution="uniform" if uniform else "truncated_normal",
        dtype=dtype or tf.float32,
    )


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None, dtype=None):
    tf = _tf()
    return tf.variance_scaling_initializer(
        scale=factor,
        mode=mode.lower(),
        seed=seed,
        distribution="uniform" if uniform else "truncated_normal",
        dtype=dtype or tf.float32,
    )


def l1_regularizer(scale, scope=None):
    if scale < 0:
        raise ValueError(f"l1_regularizer: scale must be >= 0, got {scale}")
    if scale == 0:
        return lambda weights: None
    return lambda weights: _tf().multiply(
        scale, _tf().reduce_sum(_tf().abs(weights)), name="l1_regularizer"
    )


def l2_regularizer(scale, scope=None):
    if scale < 0:
        raise ValueError(f"l2_regularizer: scale must be >= 0, got {scale}")
    if scale == 0:
        return lambda weights: None
    return lambda weights: _tf().multiply(scale, _tf().nn.l2_loss(weights), name="l2_regularizer")


_DEFAULT = object()


def fully_connected(
    inputs,
    num_outputs,
    activation_fn=_relu,
    normalizer_fn=None,
    normalizer_params=None,
    weights_initializer=_DEFAULT,
    weights_regularizer=None,
    biases_initializer=_DEFAULT,
    biases_regularizer=None,
    reuse=None,
    variables_collections=None,
    outputs_collections=None,
    trainable=True,
    scope=None,
):
    tf = _tf()
    if weights_initializer is _DEFAULT:
        weights_initializer = xavier_initializer()
    if biases_initializer is _DEFAULT:
        biases_initializer = tf.zeros_initializer()
    use_bias = biases_initializer is not None and normalizer_fn is None
    outputs = tf.layers.dense(
        inputs,
        num_outputs,
        use_bias=use_bias,
        kernel_initializer=weights_initializer,
        bias_initializer=biases_initializer or tf.zeros_initializer(),
        kernel_regularizer=weights_regularizer,
        bias_regularizer=biases_regularizer,
        trainable=trainable,
        name=scope,
        reuse=reuse,
    )
    return _finish(outputs, normalizer_fn, normalizer_params, activation_fn)


def linear(inputs, num_outputs, **kwargs):
    return fully_connected(inputs, num_outputs, activation_fn=None, **kwargs)


def flatten(inputs, outputs_collections=None, scope=None):
    return _tf().layers.flatten(inputs, name=scope)


def _data_format(fmt):
    return "channels_first" if fmt in ("NCHW", "NCW", "NCDHW") else "channels_last"


def conv2d(
    inputs,
    num_outputs,
    kernel_size,
    stride=1,
    padding="SAME",
    data_format=None,
    rate=1,
    activation_fn=_relu,
    normalizer_fn=None,
    normalizer_params=None,
    weights_initializer=_DEFAULT,
    weights_regularizer=None,
    biases_initializer=_DEFAULT,
    biases_regularizer=None,
    reuse=None,
    variables_collections=None,
    outputs_collections=None,
    trainable=True,
    scope=None,
):
    tf = _tf()
    if weights_initializer is _DEFAULT:
        weights_initializer = xavier_initializer()
    if biases_initializer is _DEFAULT:
        biases_initializer = tf.zeros_initializer()
    use_bias = biases_initializer is not None and normalizer_fn is None
    outputs = tf.layers.conv2d(
        inputs,
        num_outputs,
        kernel_size,
        strides=stride,
        padding=padding,
        data_format=_data_format(data_format),
        dilation_rate=rate,
        use_bias=use_bias,
        kernel_initializer=weights_initializer,
        bias_initializer=biases_initializer or tf.zeros_initializer(),
        kernel_regularizer=weights_regularizer,
        bias_regularizer=biases_regularizer,
        trainable=trainable,
        name=scope,
        reuse=reuse,
    )
    return _finish(outputs, normalizer_fn, normalizer_params, activation_fn)


def max_pool2d(
    inputs,
    kernel_size,
    stride=2,
    padding="VALID",
    data_format="NHWC",
    outputs_collections=None,
    scope=None,
):
    return _tf().layers.max_pooling2d(
        inputs,
        kernel_size,
        stride,
        padding=padding,
        data_format=_data_format(data_format),
        name=scope,
    )


def avg_pool2d(
    inputs,
    kernel_size,
    stride=2,
    padding="VALID",
    data_format="NHWC",
    outputs_collections=None,
    scope=None,
):
    return _tf().layers.average_pooling2d(
        inputs,
        kernel_size,
        stride,
        padding=padding,
        data_format=_data_format(data_format),
        name=scope,
    )


def dropout(
    inputs,
    keep_prob=0.5,
    noise_shape=None,
    is_training=True,
    outputs_collections=None,
    scope=None,
    seed=None,
):
    return _tf().layers.dropout(
        inputs,
        rate=1 - keep_prob,
        noise_shape=noise_shape,
        seed=seed,
        training=is_training,
        name=scope,
    )


# ------------------------------------------------------------------ legacy_seq2seq
def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    """Runs ``cell`` over the list ``decoder_inputs`` from ``initial_state`` (contrib's
    ``legacy_seq2seq.rnn_decoder``: scope ``rnn_decoder``, variables shared across steps;
    with ``loop_function(prev_output, i)`` step ``i > 0`` is fed from the previous output)."""
    tf = _tf()
    with tf.variable_scope(scope or "rnn_decoder"):
        state = initial_state
        outputs = []
        prev = None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with tf.variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                tf.get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def sequence_loss_by_example(
    logits, targets, weights, average_across_timesteps=True, softmax_loss_function=None, name=None
):
    """Weighted cross-entropy per example, summed over the time steps (lists of 2-D tensors)."""
    tf = _tf()
    if not (len(logits) == len(targets) == len(weights)):
        raise ValueError(
            "sequence_loss_by_example: logits, targets and weights must be lists of "
            f"the same length, got {len(logits)}, {len(targets)}, {len(weights)}"
        )
    with tf.name_scope(
        name, "sequence_loss_by_example", list(logits) + list(targets) + list(weights)
    ):
        terms = []
        for logit, target, weight in zip(logits, targets, weights):
            if softmax_loss_function is None:
                crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=tf.reshape(target, [-1]), logits=logit
                )
            else:
                crossent = softmax_loss_function(labels=target, logits=logit)
            terms.append(crossent * weight)
        log_perps = tf.add_n(terms)
        if average_across_timesteps:
            log_perps /= tf.add_n(list(weights)) + 1e-12
    return log_perps


def sequence_loss(
    logits,
    targets,
    weights,
    average_across_timesteps=True,
    average_across_batch=True,
    softmax_loss_function=None,
    name=None,
):
    """:func:`sequence_loss_by_example` summed, and divided by the batch size by default."""
    tf = _tf()
    with tf.name_scope(name, "sequence_loss", list(logits) + list(targets) + list(weights)):
        cost = tf.reduce_sum(
            sequence_loss_by_example(
                logits,
                targets,
                weights,
                average_across_timesteps=average_across_timesteps,
                softmax_loss_function=softmax_loss_function,
            )
        )
        if average_across_batch:
            return cost / tf.cast(tf.shape(targets[0])[0], cost.dtype)
        return cost


# ------------------------------------------------------------------------- seq2seq
def seq2seq_sequence_loss(
    logits,
    targets,
    weights,
    average_across_timesteps=True,
    average_across_batch=True,
    sum_over_timesteps=False,
    sum_over_batch=False,
    softmax_loss_function=None,
    name=None,
):
    """``tf.contrib.seq2seq.sequence_loss``: weighted cross-entropy of 3-D ``logits``
    ``[batch, time, classes]`` against ``targets`` ``[batch, time]`` (ids) with ``weights``
    ``[batch, time]``; averaged (divided by the summed weights) or summed-and-divided by the
    count of non-zero weights over the axes asked for, as contrib did."""
    tf = _tf()
    if len(logits.get_shape()) != 3:
        raise ValueError("sequence_loss: logits must be a [batch, time, classes] tensor")
    if len(targets.get_shape()) != 2:
        raise ValueError("sequence_loss: targets must be a [batch, time] tensor")
    if len(weights.get_shape()) != 2:
        raise ValueError("sequence_loss: weights must be a [batch, time] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError(
            "sequence_loss: average_across_timesteps and sum_over_timesteps cannot both be set"
        )
    if average_across_batch and sum_over_batch:
        raise ValueError(
            "sequence_loss: average_across_batch and sum_over_batch cannot both be set"
        )
    with tf.name_scope(name, "sequence_loss", [logits, targets, weights]):
        num_classes = tf.shape(logits)[2]
        logits_flat = tf.reshape(logits, [-1, num_classes])
        targets_flat = tf.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=targets_flat, logits=logits_flat
            )
        else:
            crossent = softmax_loss_function(labels=targets_flat, logits=logits_flat)
        crossent *= tf.reshape(weights, [-1])

        def count(axis=None):
            return tf.cast(tf.count_nonzero(weights, axis=axis), crossent.dtype)

        if average_across_timesteps and average_across_batch:
            return tf.div_no_nan(tf.reduce_sum(crossent), tf.reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            return tf.div_no_nan(tf.reduce_sum(crossent), count())
        crossent = tf.reshape(crossent, tf.shape(logits)[0:2])
        if average_across_timesteps:  # and not across the batch: one value per example
            crossent = tf.div_no_nan(
                tf.reduce_sum(crossent, axis=[1]), tf.reduce_sum(weights, axis=[1])
            )
        elif sum_over_timesteps:
            crossent = tf.div_no_nan(tf.reduce_sum(crossent, axis=[1]), count(1))
        if average_across_batch:  # and not across time: one value per time step
            crossent = tf.div_no_nan(
                tf.reduce_sum(crossent, axis=[0]), tf.reduce_sum(weights, axis=[0])
            )
        elif sum_over_batch:
            crossent = tf.div_no_nan(tf.reduce_sum(crossent, axis=[0]), count(0))
        return crossent


# ------------------------------------------------------------------------ modules
_RNN_CELL_NAMES = (
    "RNNCell",
    "BasicRNNCell",
    "BasicLSTMCell",
    "LSTMCell",
    "GRUCell",
    "MultiRNNCell",
    "DropoutWrapper",
    "ResidualWrapper",
    "DeviceWrapper",
    "LSTMStateTuple",
)


def _const(value):
    return lambda: value


def build_modules() -> dict:
    """``{module name: ShimModule}`` for ``tensorflow.contrib`` and its provided children."""
    rnn = {name: _rnn_cell(name) for name in _RNN_CELL_NAMES}
    rnn.update(
        {
            name: _nn(name)
            for name in ("static_rnn", "static_bidirectional_rnn", "static_state_saving_rnn")
        }
    )
    rnn.update(
        stack_bidirectional_dynamic_rnn=_const(stack_bidirectional_dynamic_rnn),
        stack_bidirectional_rnn=_const(stack_bidirectional_rnn),
        OutputProjectionWrapper=lambda: _projection_wrappers()[0],
        InputProjectionWrapper=lambda: _projection_wrappers()[1],
        LSTMBlockCell=_const(LSTMBlockCell),
        GRUBlockCell=_const(GRUBlockCell),
        GRUBlockCellV2=_const(GRUBlockCell),
    )
    layers = {
        f.__name__: _const(f)
        for f in (
            fully_connected,
            linear,
            flatten,
            conv2d,
            max_pool2d,
            avg_pool2d,
            dropout,
            xavier_initializer,
            variance_scaling_initializer,
            l1_regularizer,
            l2_regularizer,
        )
    }
    layers["xavier_initializer_conv2d"] = _const(xavier_initializer)
    seq2seq = {
        f.__name__: _const(f) for f in (rnn_decoder, sequence_loss_by_example, sequence_loss)
    }
    seq2seq_new = {"sequence_loss": _const(seq2seq_sequence_loss)}
    from tf1_compat import legacy_seq2seq as legacy_models
    from tf1_compat import seq2seq as decoders

    seq2seq.update(legacy_models.exports())
    seq2seq_new.update(decoders.exports())
    framework = {
        "get_or_create_global_step": lambda: _tf().train.get_or_create_global_step,
        "get_global_step": lambda: _tf().train.get_global_step,
        "nest": lambda: _tf().nest,
    }
    children = {
        "rnn": ShimModule(
            "tensorflow.contrib.rnn",
            "tf.contrib.rnn, mapped to tf.compat.v1.nn (parity legacy-run)",
            rnn,
        ),
        "layers": ShimModule(
            "tensorflow.contrib.layers",
            "the tf.contrib.layers tutorials use (parity legacy-run)",
            layers,
        ),
        "legacy_seq2seq": ShimModule(
            "tensorflow.contrib.legacy_seq2seq",
            "tf.contrib.legacy_seq2seq: the seq2seq models and losses (parity legacy-run)",
            seq2seq,
        ),
        "seq2seq": ShimModule(
            "tensorflow.contrib.seq2seq",
            "tf.contrib.seq2seq: decoders, attention, beam search, sequence_loss (parity legacy-run)",
            seq2seq_new,
        ),
        "framework": ShimModule(
            "tensorflow.contrib.framework",
            "a few of tf.contrib.framework (parity legacy-run)",
            framework,
        ),
    }
    contrib = ShimModule(
        "tensorflow.contrib",
        "tf.contrib, the parts tutorials use (parity legacy-run)",
        {name: _const(mod) for name, mod in children.items()},
        package=True,
    )
    modules = {"tensorflow.contrib": contrib}
    modules.update({mod.__name__: mod for mod in children.values()})
    return modules

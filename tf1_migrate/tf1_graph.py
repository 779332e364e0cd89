"""The TF1 side of an RNN description: rebuild the graph with TF1's own cells, load a
checkpoint's values into it, run it (for :mod:`tf1_migrate.testing`).

The cells are TF1's (``tf.compat.v1.nn.rnn_cell``, through tf_keras: ``TF_USE_LEGACY_KERAS=1``
must be set before TensorFlow is first imported; importing :mod:`tf1_migrate` does it), so the
arithmetic is TF1's, not the converter's. Each graph lives in its own ``tf.Graph`` and
``Session``: Keras 3 keeps working in the same process.
"""

from __future__ import annotations

import warnings

import numpy as np

from tf1_migrate import tf1_rnn
from tf1_migrate.tf1_rnn import RNNModel

# TF1 variable name below the cell's scope, per role
_ROLE_SUFFIX = {"kernel": "kernel", "bias": "bias", "w_f_diag": "w_f_diag", "w_i_diag": "w_i_diag",
                "w_o_diag": "w_o_diag", "projection": "projection/kernel",
                "gates_kernel": "gates/kernel", "gates_bias": "gates/bias",
                "candidate_kernel": "candidate/kernel", "candidate_bias": "candidate/bias"}


def v1():
    import os
    import sys

    if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS", "") not in ("1", "true", "True"):
        raise RuntimeError("TensorFlow was imported before TF_USE_LEGACY_KERAS=1 was set, so TF1's "
                           "cells are not available: import tf1_migrate (or set TF_USE_LEGACY_KERAS=1) "
                           "before keras and tensorflow")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf

    return tf.compat.v1


def _activation(name):
    import tensorflow as tf

    if name in (None, "tanh"):
        return None  # the cells' default (tanh)
    fn = getattr(tf.nn, name, None) or getattr(tf.math, name, None)
    if fn is None:
        raise ValueError(f"unknown activation '{name}'")
    return fn


def _make_cell(cell: tf1_rnn.Cell, name: str):
    with warnings.catch_warnings():  # TF1's cells are deprecated: that is the point here
        warnings.simplefilter("ignore")
        return _make_cell_quietly(cell, name)


def _make_cell_quietly(cell: tf1_rnn.Cell, name: str):
    tf = v1()
    rnn = tf.nn.rnn_cell
    if cell.layout != "joint":
        raise ValueError(f"'{name}': a hand-written cell ({cell.tf1_class}) has no TF1 class to rebuild it")
    act = _activation(cell.activation)
    if cell.kind == "lstm":
        if cell.tf1_class == "BasicLSTMCell" and not (cell.peepholes or cell.num_proj):
            made = rnn.BasicLSTMCell(cell.units, forget_bias=cell.forget_bias, activation=act, name=name)
        else:
            made = rnn.LSTMCell(cell.units, use_peepholes=cell.peepholes, num_proj=cell.num_proj,
                                cell_clip=cell.cell_clip, proj_clip=cell.proj_clip,
                                forget_bias=cell.forget_bias, activation=act, name=name)
    elif cell.kind == "gru":
        made = rnn.GRUCell(cell.units, activation=act, name=name)
    else:
        made = rnn.BasicRNNCell(cell.units, activation=act, name=name)
    return rnn.ResidualWrapper(made) if cell.residual else made


def _merge(a, b, how):
    tf = v1()
    if how == "concat":
        return tf.concat([a, b], -1)
    if how == "sum":
        return a + b
    if how == "mul":
        return a * b
    return (a + b) / 2.0


def _last_h(state):
    """The output part of a final state: ``h`` of an ``LSTMStateTuple``, the last layer's of a stack."""
    if isinstance(state, tuple) and not hasattr(state, "h"):
        state = state[-1]
    return state.h if hasattr(state, "h") else state


def _initial_state(cells, states, offset):
    """(TF1's initial state of ``cells`` from ``states`` (Keras order: ``h, c`` per LSTM cell,
    ``h`` per other cell) at ``offset``, the offset of the next cells' states); ``(None,
    offset)`` without ``states``."""
    if states is None:
        return None, offset
    tf = v1()
    parts = []
    for cell in cells:
        if cell.kind == "lstm":
            parts.append(tf.nn.rnn_cell.LSTMStateTuple(states[offset + 1], states[offset]))
            offset += 2
        else:
            parts.append(states[offset])
            offset += 1
    return (parts[0] if len(parts) == 1 else tuple(parts)), offset


def build(model: RNNModel, inputs, *, lengths=None, states=None):
    """The TF1 graph of ``model`` on ``inputs`` (in the current default graph).

    Returns ``(output tensor, {variable: TF1 name in the description})``. ``inputs`` is laid
    out as the TF1 graph was (time-major when ``model.time_major``); the output of a
    sequence is batch-major, as Keras gives it. ``lengths``: TF1's ``sequence_length`` of
    every block; ``states``: the initial states (Keras order: ``h, c`` per LSTM cell, the
    cells in order, a bidirectional block's forward cells before its backward ones).
    """
    tf = v1()
    tf1_rnn.require(model, for_emit=True)
    time_major = bool(model.time_major)
    made, x = [], inputs
    dtype = tf.as_dtype(model.dtype)
    state = None
    offset = 0
    for b, block in enumerate(model.blocks):
        def stack(cells):
            built = [_make_cell(c, f"c{len(made) + k}") for k, c in enumerate(cells)]
            made.extend(zip(cells, built))
            return built[0] if len(built) == 1 else tf.nn.rnn_cell.MultiRNNCell(built)

        with tf.variable_scope(f"block{b}"):
            if block.bidirectional:
                fw, bw = stack(block.fw), stack(block.bw)
                first, offset = _initial_state(block.fw, states, offset)
                second, offset = _initial_state(block.bw, states, offset)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    (out_fw, out_bw), (s_fw, s_bw) = tf.nn.bidirectional_dynamic_rnn(
                        fw, bw, x, sequence_length=lengths, initial_state_fw=first,
                        initial_state_bw=second, dtype=dtype, time_major=time_major)
                x = _merge(out_fw, out_bw, block.merge)
                state = _merge(_last_h(s_fw), _last_h(s_bw), block.merge)
            else:
                first, offset = _initial_state(block.fw, states, offset)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    x, s = tf.nn.dynamic_rnn(stack(block.fw), x, sequence_length=lengths,
                                             initial_state=first, dtype=dtype, time_major=time_major)
                state = _last_h(s)
    sequence = tf.transpose(x, [1, 0, 2]) if time_major else x
    out = sequence
    head = model.head
    if head is not None:
        feed = {"last": sequence[:, -1, :], "state": state, "sequence": sequence}[head.input]
        kernel = tf.get_variable("head/kernel", [head.in_features, head.units], dtype=dtype)
        out = tf.tensordot(feed, kernel, [[feed.shape.ndims - 1], [0]])
        variables = {kernel: head.kernel}
        if head.bias:
            bias = tf.get_variable("head/bias", [head.units], dtype=dtype)
            out = out + bias
            variables[bias] = head.bias
        if head.activation:
            out = getattr(tf.nn, head.activation)(out)
    else:
        variables = {}
    variables.update(_cell_variables(made))
    return out, variables


def _cell_variables(made) -> dict:
    """``{variable: TF1 name in the description}`` of the cells built as ``c{k}``."""
    variables = {}
    for k, (cell, built) in enumerate(made):
        scope_part = f"/c{k}/"
        for var in built.weights:
            name = var.op.name
            suffix = name.split(scope_part, 1)[1] if scope_part in name else None
            role = next((r for r, s in _ROLE_SUFFIX.items() if s == suffix), None)
            if role is None or role not in cell.variables:
                raise RuntimeError(f"unexpected TF1 variable {name} in the rebuilt graph")
            variables[var] = cell.variables[role]
    return variables


def build_layer(block: tf1_rnn.Block, inputs, *, dtype="float32", lengths=None, states=None):
    """One layer on its own (in the current default graph): ``block``'s cells (one cell, a
    stack, or the two directions), batch-major ``inputs``, optional ``lengths`` (TF1's
    ``sequence_length``) and initial ``states`` (Keras order: ``h, c`` per cell; the
    forward direction's, then the backward's). Returns ``(output sequence, final output state, {variable: TF1 name})``:
    the layer-by-layer diagnosis of :mod:`tf1_migrate.testing` runs each layer of a stack
    this way (the captured graph's while loop does not expose the layers between)."""
    tf = v1()
    dtype = tf.as_dtype(dtype)
    made = []

    def stack(cells):
        built = [_make_cell(c, f"c{len(made) + k}") for k, c in enumerate(cells)]
        made.extend(zip(cells, built))
        return built[0] if len(built) == 1 else tf.nn.rnn_cell.MultiRNNCell(built)

    def initial(cells, offset):  # (TF1's state of the cells, where the next cells' start)
        return _initial_state(cells, states, offset)

    with warnings.catch_warnings(), tf.variable_scope("layer"):
        warnings.simplefilter("ignore")
        if block.bidirectional:  # states: forward's, then backward's
            first, offset = initial(block.fw, 0)
            (out_fw, out_bw), (s_fw, s_bw) = tf.nn.bidirectional_dynamic_rnn(
                stack(block.fw), stack(block.bw), inputs, sequence_length=lengths,
                initial_state_fw=first, initial_state_bw=initial(block.bw, offset)[0], dtype=dtype)
            out = _merge(out_fw, out_bw, block.merge)
            state = _merge(_last_h(s_fw), _last_h(s_bw), block.merge)
        else:
            out, s = tf.nn.dynamic_rnn(stack(block.fw), inputs, sequence_length=lengths,
                                       initial_state=initial(block.fw, 0)[0], dtype=dtype)
            state = _last_h(s)
    return out, state, _cell_variables(made)


def run(model: RNNModel, weights: dict, x: np.ndarray) -> np.ndarray:
    """The rebuilt TF1 graph's outputs on batch-major ``x``, with ``weights`` (TF1 names)."""
    import tensorflow as tf

    tf1 = v1()
    graph = tf.Graph()
    with graph.as_default():
        x = np.asarray(x, dtype=model.dtype)
        feed_x = np.transpose(x, (1, 0, 2)) if model.time_major else x
        ph = tf1.placeholder(model.dtype, [None] * feed_x.ndim)
        ph.set_shape([None, None, model.input_size])
        out, variables = build(model, ph)
        with tf1.Session(graph=graph) as sess:
            load(sess, variables, weights)
            return sess.run(out, {ph: feed_x})


def load(sess, variables: dict, weights: dict) -> None:
    """Assign ``weights[name]`` to each ``{variable: name}``."""
    for var, name in variables.items():
        if name not in weights:
            raise KeyError(f"the checkpoint has no variable '{name}'")
        var.load(np.asarray(weights[name]), sess)

"""Parity checks for your own TF1 -> Keras 3 migration, from your own pytest.

    from tf1_migrate.testing import assert_same_outputs, assert_same_step

    def test_port_computes_what_tf1_computed():
        model = build_model()                         # your Keras 3 port
        model.load_weights("converted.weights.h5")    # parity convert ... --model mymodel:build_model
        assert_same_outputs("captured/session_001", model, x)

``tf1`` (the reference) is one of:

- a ``legacy-run --capture`` session folder, or its ``structure.json``: the captured graph
  itself (``graph.meta``) with the checkpoint restored, run on your inputs (and
  ``lengths=`` / ``states=`` where the graph takes them), so whatever the graph computes
  after the RNN is in the reference; a capture from before the graph was saved is rebuilt
  with TF1's own cells from the captured structure (said in a warning);
- a graph-building function ``build(inputs) -> outputs`` (your TF1 model code, given a
  placeholder shaped like ``inputs``), with ``checkpoint=`` to restore its variables from.

The TF1 graph runs in its own ``tf.Graph``/``Session`` (tf_keras's TF1 cells: import
:mod:`tf1_migrate` or set ``TF_USE_LEGACY_KERAS=1`` before Keras and TensorFlow are imported);
the Keras side is plain Keras 3 on any backend. Inputs are batch-major, as Keras takes
them (a time-major TF1 graph gets them transposed).

:func:`assert_same_sequence` compares consecutive batches with the final state of each fed
as the initial state of the next, on both sides. When outputs differ, the message names the
first layer that differs and by how much (each RNN layer's output sequence, then the head).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before anything imports TensorFlow

__all__ = ["assert_same_outputs", "assert_same_sequence", "assert_same_step", "mismatch", "tf1_outputs"]

LOSSES = ("mse", "mean_square", "sum_square", "softmax_cross_entropy",
          "sparse_softmax_cross_entropy", "sigmoid_cross_entropy", "sequence_loss")
# what each loss is in the TF1 tutorials' own words
LOSS_FORMS = {
    "mse": "tf.losses.mean_squared_error(labels, outputs)",
    "mean_square": "tf.reduce_mean(tf.square(outputs - labels))",
    "sum_square": "tf.reduce_sum(tf.square(outputs - labels))",
    "softmax_cross_entropy": "tf.losses.softmax_cross_entropy / reduce_mean(tf.nn.softmax_cross_entropy_with_logits)",
    "sparse_softmax_cross_entropy": "tf.losses.sparse_softmax_cross_entropy / reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits)",
    "sigmoid_cross_entropy": "tf.losses.sigmoid_cross_entropy / reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits)",
    "sequence_loss": "tf.contrib.seq2seq.sequence_loss(logits [batch, time, classes], targets [batch, time], weights): sum(xent * weights) / sum(weights)",
}
OPTIMIZERS = ("adam", "sgd", "momentum")


@dataclass
class _Reference:
    model: object = None  # tf1_rnn.RNNModel (capture description)
    weights: dict | None = None
    build_fn: object = None
    checkpoint: str | None = None
    meta: str | None = None  # the captured graph (graph.meta)
    spec: dict | None = None  # its tensors to feed and fetch (capture.py's _graph_spec)


def _reference(tf1, checkpoint=None, rnn=None) -> _Reference:
    from pathlib import Path

    from tf1_migrate import convert, tf1_rnn

    if callable(tf1):
        if checkpoint is None:
            raise ValueError("a graph-building function needs checkpoint= (the TF1 checkpoint to restore)")
        return _Reference(build_fn=tf1, checkpoint=convert.resolve_prefix(checkpoint))
    data, described = convert.load_description(tf1)
    ckpt = checkpoint or described
    if ckpt is None:
        raise ValueError(f"'{tf1}' names no checkpoint: pass checkpoint=")
    models = convert.describe_models(data)
    model = tf1_rnn.select(models, rnn)
    tf1_rnn.require(model, for_emit=True)
    ref = _Reference(model=model, weights=convert.read_checkpoint(ckpt),
                     checkpoint=convert.resolve_prefix(ckpt))
    folder = Path(tf1) if Path(tf1).is_dir() else Path(tf1).parent
    specs = data.get("tensors") or []
    index = next(i for i, m in enumerate(models) if m is model)
    spec = specs[index] if index < len(specs) else None
    meta = folder / data["graph"] if data.get("graph") else None
    if meta is not None and meta.is_file() and spec:
        ref.meta, ref.spec = str(meta), spec
        if any(n.startswith("head not identified") for n in model.notes):
            warnings.warn(f"'{tf1}': the capture did not identify the dense layer after the RNN "
                          f"(see its notes): the reference is the RNN's own output",
                          UserWarning, stacklevel=3)
    else:
        warnings.warn(f"'{tf1}': no graph.meta (an older capture, or a graph that could not be "
                      f"saved): the TF1 reference is rebuilt "
                      f"from structure.json with TF1's cells, so what the description misses (a "
                      f"head, sequence lengths, a carried state) is missing from the reference "
                      f"too; capture the script again to compare with the captured graph itself",
                      UserWarning, stacklevel=3)
    return ref


def _graph_with_reference(ref: _Reference, x, extras=None):
    """(graph, placeholder, output, {variable: checkpoint name} or None, restore function).

    ``extras``: ``{"lengths": array or None, "states": [arrays] or None}`` to build the
    graph with placeholders for them (a description's model only); the placeholders are
    put back into it under ``"feed"`` (``{placeholder: value}``)."""
    import tensorflow as tf

    from tf1_migrate import tf1_graph

    v1 = tf1_graph.v1()
    graph = tf.Graph()
    with graph.as_default():
        if ref.model is not None:
            shape = [None, None, ref.model.input_size]
            ph = v1.placeholder(ref.model.dtype, shape, name="inputs")
            n = s = None
            feed = {}
            if extras and extras.get("lengths") is not None:
                n = v1.placeholder(tf.int32, [None], name="lengths")
                feed[n] = np.asarray(extras["lengths"], np.int32)
            if extras and extras.get("states") is not None:
                s = [v1.placeholder(ref.model.dtype, [None, np.shape(a)[-1]], name=f"state_{k}")
                     for k, a in enumerate(extras["states"])]
                feed.update({p: np.asarray(a, ref.model.dtype) for p, a in zip(s, extras["states"])})
            if extras is not None:
                extras["feed"] = feed
            out, variables = tf1_graph.build(ref.model, ph, lengths=n, states=s)

            def restore(sess):
                tf1_graph.load(sess, variables, ref.weights)
        else:
            ph = v1.placeholder(x.dtype, [None, *x.shape[1:]], name="inputs")
            out = ref.build_fn(ph)
            model_vars = v1.global_variables()
            if not model_vars:
                raise ValueError("the graph-building function created no variables")
            saver = v1.train.Saver(var_list=model_vars)
            variables = {v: v.op.name for v in model_vars}

            def restore(sess):
                try:
                    saver.restore(sess, ref.checkpoint)
                except (tf.errors.NotFoundError, tf.errors.InvalidArgumentError) as exc:
                    first = str(exc).strip().splitlines()[0]
                    raise ValueError(f"cannot restore '{ref.checkpoint}' into the graph: {first}") from None
    return graph, ph, out, variables, restore


def _feed(ref: _Reference, x):
    if ref.model is not None and ref.model.time_major:
        return np.transpose(x, (1, 0, 2))
    return x


class _CapturedGraph:
    """The captured session's graph (``graph.meta``) with the checkpoint restored, run on
    batch-major inputs, lengths and initial states: ``run(x, lengths, states) -> (output,
    [final states])``. One session for every call (a sequence of batches)."""

    def __init__(self, ref: _Reference):
        import tensorflow as tf

        from tf1_migrate import tf1_graph

        v1 = tf1_graph.v1()
        self.spec, self.model = ref.spec, ref.model
        self.graph = tf.Graph()
        with self.graph.as_default(), _quiet():
            try:
                v1.train.import_meta_graph(ref.meta, clear_devices=True)
            except Exception as exc:  # noqa: BLE001  (an op this TensorFlow does not have, ...)
                raise ValueError(f"cannot import the captured graph '{ref.meta}': "
                                 f"{_first_line(exc)}") from None
            variables = v1.global_variables()
            saver = v1.train.Saver(var_list={v.op.name: v for v in variables}) if variables else None
            init = [v1.local_variables_initializer(), v1.tables_initializer()]
            get = self.graph.get_tensor_by_name
            self.inputs = [get(n) for n in self.spec["inputs"]]
            self.lengths = get(self.spec["lengths"]) if self.spec.get("lengths") else None
            self.state_in = [get(n) for n in self.spec.get("state_in", [])]
            self.state_out = [get(n) for n in self.spec.get("state_out", [])]
            self.keep = [get(n) for n in self.spec.get("keep", [])]
            self.output = [get(n) for n in self.spec["output"]]
        self.sess = v1.Session(graph=self.graph)
        try:
            with self.graph.as_default():
                self.sess.run(init)
                if saver is not None:
                    saver.restore(self.sess, ref.checkpoint)
        except Exception as exc:  # noqa: BLE001
            self.sess.close()
            raise ValueError(f"cannot restore '{ref.checkpoint}' into the captured graph: "
                             f"{_first_line(exc)}") from None

    def close(self):
        self.sess.close()

    def feed(self, x, lengths=None, states=None) -> dict:
        spec = self.spec
        batch, steps = x.shape[0], x.shape[1]
        if spec["static"]:
            if steps != len(self.inputs):
                raise ValueError(f"the captured graph is unrolled over {len(self.inputs)} steps; "
                                 f"the inputs have {steps}")
            feed = {t: x[:, i, :] for i, t in enumerate(self.inputs)}
        else:
            feed = {self.inputs[0]: np.transpose(x, (1, 0, 2)) if spec["time_major"] else x}
        for t in self.keep:  # dropout off, as at inference
            shape = t.shape.as_list() if t.shape.is_fully_defined() else ()
            feed[t] = np.ones(shape, t.dtype.as_numpy_dtype)
        if self.lengths is not None:
            value = np.full(batch, steps) if lengths is None else np.asarray(lengths)
            feed[self.lengths] = value.astype(self.lengths.dtype.as_numpy_dtype)
        elif lengths is not None:
            raise ValueError("lengths= given, but the captured RNN has no sequence_length")
        if states is not None and len(states) != len(self.state_in):
            raise ValueError(f"states= gives {len(states)} arrays; the captured RNN takes "
                             f"{len(self.state_in)} (h, c per LSTM cell, h per other cell)")
        for k, t in enumerate(self.state_in):  # zeros when not given (TF1's zero_state)
            feed[t] = (np.asarray(states[k]) if states is not None else
                       np.zeros((batch, int(t.shape[-1])))).astype(t.dtype.as_numpy_dtype)
        return feed

    def run(self, x, lengths=None, states=None):
        x = np.asarray(x)
        with _quiet():
            got = self.sess.run({"out": self.output, "states": self.state_out},
                                self.feed(x, lengths, states))
        return self._output(got["out"], x.shape), [np.asarray(s) for s in got["states"]]

    def _output(self, values, shape):
        spec, batch, steps = self.spec, shape[0], shape[1]
        tm = spec["time_major"]
        form = spec["form"]
        if form == "steps":
            return np.stack(values, axis=1)
        if form == "fw_bw":
            fw, bw = (np.transpose(v, (1, 0, 2)) if tm else v for v in values)
            merge = spec.get("merge") or self.model.blocks[-1].merge
            return {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw,
                    "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2}[merge]()
        out = np.asarray(values[0])
        if form == "head_sequence":  # the head on every step: [batch, time, units]
            if out.ndim == 2:
                out = out.reshape(steps, batch, -1).transpose(1, 0, 2) if tm else out.reshape(batch, steps, -1)
            elif tm:
                out = np.transpose(out, (1, 0, 2))
        elif form == "sequence" and tm:
            out = np.transpose(out, (1, 0, 2))
        return out


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _no_extras(lengths, states):
    if lengths is not None or states is not None:
        raise ValueError("lengths= and states= need a capture folder with its graph (graph.meta): "
                         "the TF1 reference runs the captured graph")


def _reference_outputs(ref: _Reference, x, lengths=None, states=None):
    """(output, [final states]) of the reference on batch-major ``x``."""
    from tf1_migrate import tf1_graph

    if ref.meta is not None:
        graph = _CapturedGraph(ref)
        try:
            return graph.run(x, lengths, states)
        finally:
            graph.close()
    _no_extras(lengths, states)
    with _quiet():
        graph, ph, out, _, restore = _graph_with_reference(ref, x)
    with graph.as_default(), _quiet(), tf1_graph.v1().Session(graph=graph) as sess:
        sess.run(tf1_graph.v1().global_variables_initializer())
        restore(sess)
        return sess.run(out, {ph: _feed(ref, x)}), []


def tf1_outputs(tf1, inputs, *, checkpoint=None, rnn=None, lengths=None, states=None,
                final_states: bool = False):
    """The TF1 reference's outputs on batch-major ``inputs`` (with ``final_states=True``:
    ``(outputs, [final states])``, Keras order: ``h, c`` per LSTM cell).

    A capture folder runs the captured graph itself; ``lengths`` feeds its
    ``sequence_length`` (default: every sequence full), ``states`` its initial state
    (default: zeros)."""
    ref = _reference(tf1, checkpoint, rnn)
    out, states_out = _reference_outputs(ref, np.asarray(inputs), lengths, states)
    return (out, states_out) if final_states else out


@contextlib.contextmanager
def _quiet():
    """Keras 3 on TensorFlow passes variables to ``np.array`` (a NumPy 2 DeprecationWarning in
    Keras's own code, not the user's); TF1's cells warn that they are deprecated (also
    through the ``tensorflow`` logger: quiet while the reference is built, then as it was)."""
    import logging

    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(max(level, logging.ERROR))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"(?s).*__array__ implementation", category=DeprecationWarning)
            warnings.filterwarnings("ignore", message=r"(?s).*is deprecated and will be removed")
            yield
    finally:
        logger.setLevel(level)


def _keras_feeds(keras_model, ref: _Reference, x, lengths=None, states=None) -> list:
    """The Keras model's inputs: the sequences, then (a model with more inputs, as
    ``parity convert --emit-model`` builds it) the lengths and the initial states."""
    declared = getattr(keras_model, "inputs", None) or [None]
    feeds = [x]
    model = ref.model
    if len(declared) > 1 and model is not None:
        if model.lengths:
            feeds.append(np.full(x.shape[0], x.shape[1], np.int32) if lengths is None
                         else np.asarray(lengths, np.int32))
        if model.state_inputs:
            if states is None:
                states = [np.zeros((x.shape[0], int(t.shape[-1])), x.dtype) for t in declared[len(feeds):]]
            feeds += [np.asarray(s, x.dtype) for s in states]
    if len(feeds) != len(declared):
        raise AssertionError(f"the Keras model takes {len(declared)} input(s); the TF1 graph's "
                             f"are {len(feeds)} here (the sequences"
                             + (", their lengths" if model is not None and model.lengths else "")
                             + (", the initial states" if model is not None and model.state_inputs else "")
                             + ")")
    if len(declared) == 1 and (lengths is not None or states is not None):
        raise AssertionError("lengths= / states= given, but the Keras model takes only the sequences")
    return feeds


def _keras_outputs(model, feeds):
    """(output, [final states]) of the Keras model."""
    import keras

    with _quiet():
        got = model(feeds[0] if len(feeds) == 1 else feeds, training=False)
    got = [keras.ops.convert_to_numpy(g) for g in (got if isinstance(got, (list, tuple)) else [got])]
    return got[0], got[1:]


def _tolerance(expected, rtol, atol):
    scale = max(1.0, float(np.max(np.abs(expected)))) if np.size(expected) else 1.0
    return rtol, atol * scale


def mismatch(actual, expected, rtol: float = 1e-6, atol: float = 1e-5) -> str | None:
    """Why ``actual`` is not ``expected`` (one line: the largest error and where), or ``None``.

    Elementwise ``|actual - expected| <= rtol * |expected| + atol * max(1, max |expected|)``."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        return f"shape {list(actual.shape)} != TF1's {list(expected.shape)}"
    if not actual.size:
        return None
    rtol, atol = _tolerance(expected, rtol, atol)
    err = np.abs(actual - expected)
    bad = err > rtol * np.abs(expected) + atol
    if not bad.any():
        return None
    where = np.unravel_index(int(np.argmax(err)), err.shape)
    return (f"max abs error {float(err[where]):.3g} at {list(map(int, where))} (Keras "
            f"{float(actual[where]):.6g}, TF1 {float(expected[where]):.6g}; "
            f"{int(bad.sum())} of {bad.size} elements off, tolerance {atol:.2g} + {rtol:g}*|TF1|)")


def assert_same_outputs(tf1, keras_model, inputs, rtol=1e-6, atol=1e-5, *, checkpoint=None,
                        rnn=None, lengths=None, states=None) -> None:
    """Assert that ``keras_model(inputs)`` is the TF1 reference's output.

    From a capture folder the reference is the captured graph itself (``graph.meta`` with
    the checkpoint restored): what the graph computes after the RNN (a head, a gather by
    lengths) is in it. ``lengths``: the sequences' lengths, for a graph with
    ``sequence_length`` (default: every sequence full); ``states``: the initial states of
    a graph that takes them (Keras order: ``h, c`` per LSTM cell; default: zeros). A Keras
    model with more inputs than the sequences (``parity convert --emit-model``) gets them
    in its order: sequences, lengths, states; the final states it returns after its output
    are compared too.

    Tolerance: ``|keras - tf1| <= rtol * |tf1| + atol * max(1, max |tf1|)`` elementwise. The
    absolute part scales with the reference's magnitude: float32 rounding in a matmul grows
    with the size of its result, so outputs of magnitude ~20 (a 2-layer character model's
    logits) differ by ~2e-5 between two correct implementations, while a wrong mapping
    (forget bias, gate order) moves them by orders of magnitude more. For outputs of
    magnitude up to 1 this is the suite's own pairs' tolerance (rtol 1e-6, atol 1e-5).

    When they differ, the message says where first: each RNN layer's output sequence is
    compared (TF1's layers rebuilt one by one from the checkpoint, Keras's read from
    sub-models), then the head.
    """
    x = np.asarray(inputs)
    ref = _reference(tf1, checkpoint, rnn)
    expected, expected_states = _reference_outputs(ref, x, lengths, states)
    feeds = _keras_feeds(keras_model, ref, x, lengths, states)
    got, got_states = _keras_outputs(keras_model, feeds)
    problems = _compare(got, got_states, expected, expected_states, rtol, atol)
    if problems:
        where = _diagnose(ref, keras_model, feeds, rtol, atol, problems[0][1]) \
            if problems[0][0] == "output" else ""
        raise AssertionError(
            "the Keras model does not compute what the TF1 graph computes: "
            + "; ".join(f"{what}: {why}" for what, why in problems) + (f"\n{where}" if where else ""))


def _compare(got, got_states, expected, expected_states, rtol, atol) -> list:
    problems = []
    why = mismatch(got, expected, rtol, atol)
    if why:
        problems.append(("output", why))
    if got_states and expected_states:
        if len(got_states) != len(expected_states):
            problems.append(("final states", f"the Keras model returns {len(got_states)}, the "
                                             f"TF1 graph {len(expected_states)}"))
        for k, (g, e) in enumerate(zip(got_states, expected_states)):
            why = mismatch(g, e, rtol, atol)
            if why:
                problems.append((f"final state {k}", why))
    return problems


def assert_same_sequence(tf1, keras_model, batches, *, states=None, lengths=None, rtol=1e-6,
                         atol=1e-5, checkpoint=None, rnn=None) -> None:
    """Assert that the Keras model computes what the captured TF1 graph computes on
    consecutive ``batches`` with the state carried: the final state of batch ``k`` is fed
    as the initial state of batch ``k + 1``, on each side (as the streaming/truncated-BPTT
    tutorials feed ``final_state`` back into ``initial_state``). Every batch's outputs and
    final states are compared.

    ``tf1``: a capture folder whose RNN takes an initial state (``parity convert
    --emit-model`` gives such a model state inputs and outputs: sequences, [lengths],
    states in; output, final states out). ``states``: the first batch's initial states
    (Keras order: ``h, c`` per LSTM cell; default zeros); ``lengths``: one array per
    batch, or None.
    """
    ref = _reference(tf1, checkpoint, rnn)
    if ref.meta is None or not ref.spec.get("state_in"):
        raise ValueError(f"'{tf1}' is not a capture of an RNN that takes an initial state (and "
                         f"its graph): nothing to carry")
    batches = [np.asarray(b) for b in batches]
    lengths = list(lengths) if lengths is not None else [None] * len(batches)
    graph = _CapturedGraph(ref)
    tf1_state = keras_state = None if states is None else [np.asarray(s) for s in states]
    try:
        for k, (x, n) in enumerate(zip(batches, lengths)):
            expected, tf1_state_next = graph.run(x, n, tf1_state)
            feeds = _keras_feeds(keras_model, ref, x, n, keras_state)
            got, keras_state = _keras_outputs(keras_model, feeds)
            if len(keras_state) != len(tf1_state_next):
                raise AssertionError(f"the Keras model returns {len(keras_state)} final state(s) "
                                     f"after its output; the TF1 graph {len(tf1_state_next)}: it "
                                     f"cannot carry the state")
            problems = _compare(got, keras_state, expected, tf1_state_next, rtol, atol)
            if problems:
                raise AssertionError(
                    f"batch {k + 1} of {len(batches)} (the state carried from the batches before "
                    f"it): the Keras model does not compute what the TF1 graph computes: "
                    + "; ".join(f"{what}: {why}" for what, why in problems))
            tf1_state = tf1_state_next
    finally:
        graph.close()


# ----------------------------------------------------------------------------- diagnosis
def _layers(model):
    """The TF1 model's layers, in order: ``(label, Block)``, one cell each of a one-direction
    stack, each bidirectional block whole."""
    from tf1_migrate import tf1_rnn

    out = []
    for block in model.blocks:
        if block.bidirectional:
            out.append(tf1_rnn.Block(block.fw, block.bw, block.merge))
        else:
            out.extend(tf1_rnn.Block([c]) for c in block.fw)
    return out


def _keras_layers(keras_model):
    """The Keras RNN layers in order, each with how many TF1 layers it runs, or why not."""
    import keras

    found = []
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            found.append((layer, 1))
        elif isinstance(layer, keras.layers.RNN):
            cell = layer.cell
            found.append((layer, len(cell.cells) if isinstance(cell, keras.layers.StackedRNNCells) else 1))
    return found


def _diagnose(ref: _Reference, keras_model, feeds, rtol, atol, output_why="") -> str:
    """Where the Keras model first departs from TF1: layer by layer, then the head."""
    try:
        return _diagnose_layers(ref, keras_model, feeds, rtol, atol, output_why)
    except Exception as exc:  # noqa: BLE001  (the diagnosis never hides the verdict)
        return f"(layer by layer: not available: {_first_line(exc)})"


def _diagnose_layers(ref, keras_model, feeds, rtol, atol, output_why) -> str:
    import keras

    model = ref.model
    if model is None:
        return "(layer by layer: needs a capture description, not a graph-building function)"
    tf1_layers = _layers(model)
    keras_layers = _keras_layers(keras_model)
    if sum(n for _, n in keras_layers) != len(tf1_layers) or not getattr(keras_model, "inputs", None):
        return (f"(layer by layer: the Keras model's RNN layers ({len(keras_layers)}) do not pair "
                f"one by one with TF1's {len(tf1_layers)})")
    outputs = []
    for layer, _ in keras_layers:
        out = layer.output
        outputs.append(out[0] if isinstance(out, (list, tuple)) else out)
    with _quiet():
        declared = keras_model.inputs
        sub = keras.Model(declared[0] if len(declared) == 1 else declared, outputs)
        got = sub(feeds[0] if len(feeds) == 1 else feeds, training=False)
    got = [keras.ops.convert_to_numpy(g) for g in (got if isinstance(got, (list, tuple)) else [got])]
    x = feeds[0]
    lengths = feeds[1] if model.lengths else None
    states = feeds[1 + bool(model.lengths):] if model.state_inputs else None
    sequence, used, total = x, 0, len(tf1_layers)
    for (layer, count), keras_out in zip(keras_layers, got):
        seq, last = None, None
        for _ in range(count):
            block = tf1_layers[used]
            mine = None
            if states is not None:  # each layer's share of the states: h, c per LSTM cell
                def size(b):
                    return sum(2 if c.kind == "lstm" else 1 for c in b.fw + (b.bw or []))
                offset = sum(size(b) for b in tf1_layers[:used])
                mine = states[offset:offset + size(block)]
            seq, last = _tf1_layer(ref, block, sequence, lengths, mine)
            sequence, used = seq, used + 1
        want = seq if keras_out.ndim == 3 else last
        why = mismatch(keras_out, want, rtol, atol)
        if why:
            first = used - count + 1
            label = (f"layer {used} of {total}" if count == 1 else
                     f"layers {first}-{used} of {total} (one Keras layer)")
            scopes = ", ".join(c.scope for c in tf1_layers[used - 1].fw + (tf1_layers[used - 1].bw or []))
            return (f"first difference at {label} (TF1 {scopes}; Keras '{layer.name}'): its "
                    f"output sequence differs: {why}"
                    + ("; the layers before it match" if used > count else ""))
    if model.head is not None:
        return (f"every RNN layer matches; the head (TF1 {model.head.kernel}, on the RNN's "
                f"{model.head.input} output) differs: {output_why}")
    return "every RNN layer matches; the outputs differ after them (the merge, or which output is taken)"


def _tf1_layer(ref, block, x, lengths, states):
    """One TF1 layer rebuilt from the checkpoint: (output sequence, final output state)."""
    import tensorflow as tf

    from tf1_migrate import tf1_graph

    v1 = tf1_graph.v1()
    graph = tf.Graph()
    with graph.as_default(), _quiet():
        ph = v1.placeholder(ref.model.dtype, [None, None, x.shape[-1]])
        n = v1.placeholder(tf.int32, [None]) if lengths is not None else None
        s = [v1.placeholder(ref.model.dtype, [None, a.shape[-1]]) for a in states] if states else None
        seq, last, variables = tf1_graph.build_layer(block, ph, dtype=ref.model.dtype, lengths=n,
                                                     states=s)
        with v1.Session(graph=graph) as sess:
            tf1_graph.load(sess, variables, ref.weights)
            feed = {ph: np.asarray(x, ref.model.dtype)}
            if n is not None:
                feed[n] = np.asarray(lengths, np.int32)
            if s:
                feed.update({p: np.asarray(a, ref.model.dtype) for p, a in zip(s, states)})
            return sess.run([seq, last], feed)


# ----------------------------------------------------------------------------- one step
def _tf1_loss(name, labels, outputs, weights=None):
    from tf1_migrate import tf1_graph

    v1 = tf1_graph.v1()
    losses = v1.losses
    if name == "mse":
        return losses.mean_squared_error(labels, outputs)
    if name == "mean_square":
        return v1.reduce_mean(v1.square(outputs - labels))
    if name == "sum_square":
        return v1.reduce_sum(v1.square(outputs - labels))
    if name == "sequence_loss":  # tf.contrib.seq2seq.sequence_loss with its defaults
        xent = v1.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=outputs)
        return v1.reduce_sum(xent * weights) / v1.reduce_sum(weights)
    if name == "softmax_cross_entropy":
        return losses.softmax_cross_entropy(labels, outputs)
    if name == "sparse_softmax_cross_entropy":
        return losses.sparse_softmax_cross_entropy(labels, outputs)
    return losses.sigmoid_cross_entropy(labels, outputs)


def _keras_loss(name, weights=None):
    import keras

    ops = keras.ops

    class _Summed(keras.losses.Loss):  # per-example values, summed over the batch
        def __init__(self, fn):
            super().__init__(reduction="sum", name=name)
            self.fn = fn

        def call(self, y_true, y_pred):
            return self.fn(y_true, y_pred)

    if name in ("mean_square", "sum_square"):
        def squares(y, p):  # per example: the sum over its elements
            return ops.sum(ops.reshape(ops.square(p - y), (ops.shape(p)[0], -1)), axis=1)
        if name == "sum_square":
            return _Summed(squares)

        def mean(y, p):  # per example: its share of the mean over every element
            return squares(y, p) / ops.cast(ops.size(p), p.dtype)
        return _Summed(mean)
    if name == "sequence_loss":
        w = np.asarray(weights, dtype="float32")

        def weighted(y, p):  # per element: xent * w / sum(w), summed (per element, not per
            # example: a model whose output carries a mask of its lengths has it applied to these)
            xent = keras.losses.sparse_categorical_crossentropy(y, p, from_logits=True)
            # a backend tensor, not the NumPy array: PyTorch would call numpy() on xent
            return xent * ops.convert_to_tensor(w, dtype=xent.dtype) / float(w.sum())
        return _Summed(weighted)
    return {"mse": keras.losses.MeanSquaredError(),
            "softmax_cross_entropy": keras.losses.CategoricalCrossentropy(from_logits=True),
            "sparse_softmax_cross_entropy": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "sigmoid_cross_entropy": keras.losses.BinaryCrossentropy(from_logits=True)}[name]


def _tf1_optimizer(name, lr, momentum):
    from tf1_migrate import tf1_graph

    train = tf1_graph.v1().train
    if name == "adam":
        return train.AdamOptimizer(lr)
    if name == "sgd":
        return train.GradientDescentOptimizer(lr)
    return train.MomentumOptimizer(lr, momentum)


def faithful_keras_optimizer(name: str, learning_rate: float, momentum: float = 0.9):
    """The Keras 3 optimizer that takes TF1's step: ``Adam(lr, epsilon=1e-8)`` for
    ``AdamOptimizer(lr)`` (Keras 3's default epsilon is 1e-7), ``SGD`` for the others."""
    import keras

    if name == "adam":
        return keras.optimizers.Adam(learning_rate, epsilon=1e-8)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate)
    return keras.optimizers.SGD(learning_rate, momentum=momentum)


def _check_optimizer_defaults(name, optimizer) -> None:
    config = optimizer.get_config()
    if name == "adam":
        for key, tf1_value in (("epsilon", 1e-8), ("beta_1", 0.9), ("beta_2", 0.999)):
            if not np.isclose(config.get(key, tf1_value), tf1_value, rtol=1e-6, atol=0):
                raise AssertionError(f"Keras Adam has {key}={config[key]}; TF1's AdamOptimizer uses "
                                     f"{tf1_value} (Keras 3's default epsilon is 1e-7): pass {key}={tf1_value}")
        if config.get("amsgrad"):
            raise AssertionError("Keras Adam has amsgrad=True; TF1's AdamOptimizer has no AMSGrad")


def _tf1_model_for_weights(ref: _Reference, values: dict, rnn):
    """The RNN description that pairs TF1 variables with Keras weights."""
    from tf1_migrate import tf1_rnn

    if ref.model is not None:
        return ref.model
    models, _ = tf1_rnn.recognise(values)
    model = tf1_rnn.select(models, rnn)
    for _, cell in model.cells():  # deltas: a constant forget bias cancels out
        if cell.kind == "lstm" and cell.forget_bias is None:
            cell.forget_bias = 0.0
    return model


def assert_same_step(tf1, keras_model, inputs, targets, *, loss: str = "mse",
                     optimizer: str = "adam", learning_rate: float = 0.001, momentum: float = 0.9,
                     keras_optimizer=None, checkpoint=None, rnn=None, rtol: float = 1e-5,
                     atol: float | None = None, weights=None, lengths=None, states=None,
                     clip_norm: float | None = None) -> None:
    """Assert that one optimizer step on ``(inputs, targets)`` moves each weight of the Keras
    model as TF1 moves the variable it was converted from.

    ``loss``: one of :data:`LOSSES` (the TF1 forms in :data:`LOSS_FORMS`: ``mse``,
    ``mean_square`` and ``sum_square`` (``reduce_mean`` / ``reduce_sum`` of ``square``), the
    softmax, sparse-softmax and sigmoid cross-entropies, ``sequence_loss`` with
    ``weights=`` [batch, time]) and the Keras loss that takes the same gradient;
    ``optimizer``: ``"adam"`` (``AdamOptimizer``), ``"sgd"`` (``GradientDescentOptimizer``),
    ``"momentum"`` (``MomentumOptimizer``), with ``learning_rate`` (and ``momentum``);
    ``keras_optimizer``: the Keras optimizer your port trains with (default: the one that
    takes TF1's step, :func:`faithful_keras_optimizer`). ``atol`` on the weight changes
    defaults to 2% of the learning rate: Adam's first step is about ``lr * sign(g)``, and
    for gradients near zero the two frameworks' float32 rounding moves it by up to a few
    tenths of a percent of ``lr`` (0.13% measured on an MNIST LSTM); a wrong learning rate,
    loss or mapping moves it by the order of ``lr``. ``keras_model`` is left as it was.

    ``clip_norm``: the TF1 step clips the gradients with ``tf.clip_by_global_norm(grads,
    clip_norm)`` before ``apply_gradients`` (the Keras optimizer's ``global_clipnorm``).

    ``lengths`` (TF1's ``sequence_length``; default: every sequence full) and ``states``
    (the initial states, Keras order ``h, c`` per LSTM cell; default: zeros), for a
    capture whose RNN takes them: the TF1 side runs with them, and the Keras model gets
    them as its further inputs (sequences, lengths, states, as ``parity convert
    --emit-model`` and ``parity migrate --write`` build it); a Keras model that returns its
    final states after its output is trained on its first output.

    The TF1 side of the step is the captured RNN and head rebuilt with TF1's own cells from
    the capture's description and checkpoint, plus the loss and optimizer named here (the
    captured graph's own training ops belong to the script's loss); its outputs before the
    step are what :func:`assert_same_outputs` checks against the captured graph itself.
    """

    from tf1_migrate import tf1_graph

    if loss not in LOSSES:
        raise ValueError(f"loss {loss!r} is not supported: one of "
                         + "; ".join(f"{k} ({v})" for k, v in LOSS_FORMS.items()))
    if (loss == "sequence_loss") != (weights is not None):
        raise ValueError("sequence_loss takes weights= (its [batch, time] weights); the other losses do not")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r} (TF1's "
                         f"RMSPropOptimizer starts its mean square at 1.0, Keras's RMSprop at 0: "
                         f"their first steps differ)")
    atol = 0.02 * learning_rate if atol is None else atol
    if keras_optimizer is None:
        keras_optimizer = faithful_keras_optimizer(optimizer, learning_rate, momentum)
        if clip_norm is not None:
            keras_optimizer.global_clipnorm = clip_norm
    _check_optimizer_defaults(optimizer, keras_optimizer)
    x, y = np.asarray(inputs), np.asarray(targets)
    ref = _reference(tf1, checkpoint, rnn)
    if ref.model is None:
        _no_extras(lengths, states)
    model = ref.model
    extras = None
    if model is not None and (model.lengths or model.state_inputs or lengths is not None
                              or states is not None):
        if lengths is not None and not model.lengths:
            raise ValueError("lengths= given, but the captured RNN has no sequence_length")
        if states is not None and not model.state_inputs:
            raise ValueError("states= given, but the captured RNN takes no initial state")
        extras = {"lengths": lengths if lengths is not None or not model.lengths
                  else np.full(x.shape[0], x.shape[1], np.int32),
                  "states": states}
    feeds = _keras_feeds(keras_model, ref, x, lengths, states)

    # TF1: restore, one step
    v1 = tf1_graph.v1()
    with _quiet():
        graph, ph, out, variables, restore = _graph_with_reference(ref, x, extras)
    with graph.as_default(), _quiet():
        labels = v1.placeholder(y.dtype, [None, *y.shape[1:]], name="targets")
        w_t = v1.constant(np.asarray(weights, dtype=out.dtype.as_numpy_dtype)) if weights is not None else None
        loss_t = _tf1_loss(loss, labels, out, w_t)
        tf1_opt = _tf1_optimizer(optimizer, learning_rate, momentum)
        if clip_norm is None:
            train = tf1_opt.minimize(loss_t, var_list=list(variables))
        else:
            var_list = list(variables)
            grads, _ = v1.clip_by_global_norm(v1.gradients(loss_t, var_list), clip_norm)
            train = tf1_opt.apply_gradients(zip(grads, var_list))
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            restore(sess)
            names = list(variables.values())
            before = dict(zip(names, sess.run(list(variables))))
            feed = {ph: _feed(ref, x), labels: y, **(extras or {}).get("feed", {})}
            sess.run(train, feed)
            after = dict(zip(names, sess.run(list(variables))))

    # Keras: a copy of the model, one step
    with _quiet():
        k_before, k_after = _keras_step(keras_model, keras_optimizer, _keras_loss(loss, weights),
                                        feeds, y, ref, before, rnn)
    _compare_steps(k_before, k_after, before, after, rtol, atol)


def _keras_step(keras_model, keras_optimizer, loss, feeds, y, ref, before, rnn):
    import keras

    from tf1_migrate import keras_rnn

    try:
        clone = keras.models.clone_model(keras_model)
        clone.set_weights(keras_model.get_weights())
    except Exception:  # noqa: BLE001  (a subclassed model: step it, then put its weights back)
        clone = None
    stepped = clone if clone is not None else keras_model
    saved = keras_model.get_weights()
    try:
        trained = stepped
        outputs = getattr(stepped, "outputs", None) or []
        if len(outputs) > 1:  # output, final states: the loss is on the output
            trained = keras.Model(stepped.inputs, outputs[0])
        trained.compile(optimizer=keras_optimizer, loss=loss)
        rnn_model = _tf1_model_for_weights(ref, before, rnn)
        k_before = keras_rnn.keras_cell_weights(stepped, rnn_model)
        trained.train_on_batch(feeds[0] if len(feeds) == 1 else feeds, y)
        k_after = keras_rnn.keras_cell_weights(stepped, rnn_model)
    finally:
        if clone is None:
            keras_model.set_weights(saved)
    return k_before, k_after


def step_mismatch(actual, expected, *, atol: float, step: float, rtol: float = 0.0,
                  stray: float = 1e-4) -> str | None:
    """Why two optimizer steps differ (one line), or ``None`` when they agree.

    ``actual``/``expected``: the weights after the step (or the steps themselves). Adam's
    first step is about ``lr * g / (|g| + eps)``: where a gradient is itself float32 noise
    (``|g|`` near ``eps``), a last-bit difference in ``g`` moves that weight by a sizeable
    part of the step, more on some CPUs than on others (measured: one weight of 79,872 by
    5.7% of ``lr`` on an LSTM kernel with PyTorch's AVX2 kernels, the others within 0.3%).
    So up to a fraction ``stray`` of the elements (default 1 in 10,000) may miss
    ``atol + rtol * |expected|``, each by less than half of ``step`` (the step's size, e.g.
    the learning rate); a wrong learning rate, loss or mapping moves most weights by the
    order of a whole step and fails.
    """
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        return f"shapes differ: {actual.shape} vs {expected.shape}"
    diff = np.abs(actual - expected)
    off = diff > atol + rtol * np.abs(expected)
    worst = float(diff.max()) if diff.size else 0.0
    if not off.any():
        return None
    if off.mean() > stray or worst >= 0.5 * step:
        return (f"{int(off.sum())} of {off.size} elements differ by more than {atol:.3g} "
                f"(up to {worst:.3g}; allowed: {stray:.0e} of them, each below {0.5 * step:.3g})")
    return None


def _compare_steps(k_before, k_after, before, after, rtol, atol) -> None:
    from tf1_migrate import tf1_rnn

    problems = []
    for (slot, kb), (_, ka) in zip(k_before, k_after):
        kind, label, obj = slot[0], slot[1], slot[2]
        if kind == "cell":
            tb, ta = tf1_rnn.cell_to_keras(obj, before), tf1_rnn.cell_to_keras(obj, after)
        else:
            tb = {"kernel": before[obj.kernel], **({"bias": before[obj.bias]} if obj.bias else {})}
            ta = {"kernel": after[obj.kernel], **({"bias": after[obj.bias]} if obj.bias else {})}
        for role in ka:
            if role not in ta:
                continue
            keras_delta, tf1_delta = ka[role] - kb[role], ta[role] - tb[role]
            largest = float(np.max(np.abs(tf1_delta))) if tf1_delta.size else 0.0
            why = step_mismatch(keras_delta, tf1_delta, atol=atol, rtol=rtol, step=largest)
            if why:
                problems.append(f"{label} {role}: the step differs: {why} (steps of up to "
                                f"{largest:.3g})")
    if problems:
        raise AssertionError("one optimizer step differs between TF1 and Keras: " + "; ".join(problems))

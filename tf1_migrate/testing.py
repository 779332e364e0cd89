"""Parity checks for your own TF1 -> Keras 3 migration, from your own pytest.

    from tf1_migrate.testing import assert_same_outputs, assert_same_step

    def test_port_computes_what_tf1_computed():
        model = build_model()                         # your Keras 3 port
        model.load_weights("converted.weights.h5")    # parity convert ... --model mymodel:build_model
        assert_same_outputs("captured/session_001", model, x)

``tf1`` (the reference) is one of:

- a ``legacy-run --capture`` session folder (its ``structure.json`` and checkpoint), or the
  ``structure.json`` itself: the graph is rebuilt with TF1's own cells from the captured
  structure, and the checkpoint's values are loaded into it;
- a graph-building function ``build(inputs) -> outputs`` (your TF1 model code, given a
  placeholder shaped like ``inputs``), with ``checkpoint=`` to restore its variables from.

The TF1 graph runs in its own ``tf.Graph``/``Session`` (tf_keras's TF1 cells: import
:mod:`tf1_migrate` or set ``TF_USE_LEGACY_KERAS=1`` before Keras and TensorFlow are imported);
the Keras side is plain Keras 3 on any backend. Inputs are batch-major, as Keras takes
them (a time-major TF1 graph gets them transposed).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before anything imports TensorFlow

__all__ = ["assert_same_outputs", "assert_same_step", "tf1_outputs"]

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


def _reference(tf1, checkpoint=None, rnn=None) -> _Reference:
    from tf1_migrate import convert, tf1_rnn

    if callable(tf1):
        if checkpoint is None:
            raise ValueError("a graph-building function needs checkpoint= (the TF1 checkpoint to restore)")
        return _Reference(build_fn=tf1, checkpoint=convert.resolve_prefix(checkpoint))
    data, described = convert.load_description(tf1)
    ckpt = checkpoint or described
    if ckpt is None:
        raise ValueError(f"'{tf1}' names no checkpoint: pass checkpoint=")
    model = tf1_rnn.select(convert.describe_models(data), rnn)
    tf1_rnn.require(model, for_emit=True)
    return _Reference(model=model, weights=convert.read_checkpoint(ckpt))


def _graph_with_reference(ref: _Reference, x):
    """(graph, placeholder, output, {variable: checkpoint name} or None, restore function)."""
    import tensorflow as tf

    from tf1_migrate import tf1_graph

    v1 = tf1_graph.v1()
    graph = tf.Graph()
    with graph.as_default():
        if ref.model is not None:
            shape = [None, None, ref.model.input_size]
            ph = v1.placeholder(ref.model.dtype, shape, name="inputs")
            out, variables = tf1_graph.build(ref.model, ph)

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


def tf1_outputs(tf1, inputs, *, checkpoint=None, rnn=None) -> np.ndarray:
    """The TF1 reference's outputs on batch-major ``inputs``."""
    from tf1_migrate import tf1_graph

    ref = _reference(tf1, checkpoint, rnn)
    x = np.asarray(inputs)
    with _quiet():
        graph, ph, out, _, restore = _graph_with_reference(ref, x)
    with graph.as_default(), _quiet(), tf1_graph.v1().Session(graph=graph) as sess:
        sess.run(tf1_graph.v1().global_variables_initializer())
        restore(sess)
        return sess.run(out, {ph: _feed(ref, x)})


@contextlib.contextmanager
def _quiet():
    """Keras 3 on TensorFlow passes variables to ``np.array`` (a NumPy 2 DeprecationWarning in
    Keras's own code, not the user's); TF1's cells warn that they are deprecated."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?s).*__array__ implementation", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"(?s).*is deprecated and will be removed")
        yield


def _keras_outputs(model, x) -> np.ndarray:
    import keras

    with _quiet():
        return keras.ops.convert_to_numpy(model(x, training=False))


def assert_same_outputs(tf1, keras_model, inputs, rtol=1e-6, atol=1e-5, *, checkpoint=None,
                        rnn=None) -> None:
    """Assert that ``keras_model(inputs)`` is the TF1 reference's output.

    Tolerance: ``|keras - tf1| <= rtol * |tf1| + atol * max(1, max |tf1|)`` elementwise. The
    absolute part scales with the reference's magnitude: float32 rounding in a matmul grows
    with the size of its result, so outputs of magnitude ~20 (a 2-layer character model's
    logits) differ by ~2e-5 between two correct implementations, while a wrong mapping
    (forget bias, gate order) moves them by orders of magnitude more. For outputs of
    magnitude up to 1 this is the suite's own pairs' tolerance (rtol 1e-6, atol 1e-5).
    """
    x = np.asarray(inputs)
    expected = tf1_outputs(tf1, x, checkpoint=checkpoint, rnn=rnn)
    got = _keras_outputs(keras_model, x)
    if got.shape != expected.shape:
        raise AssertionError(f"Keras output shape {got.shape} != TF1's {expected.shape}")
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(
        got, expected, rtol=rtol, atol=atol * scale,
        err_msg="the Keras model does not compute what the TF1 graph computes (weights mapped "
                "with parity convert? forget bias? GRU reset_after=False? the output at the "
                "last step, or the final state?)")


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

        def weighted(y, p):  # per example: sum_t xent * w / sum(w), summed over the batch
            xent = keras.losses.sparse_categorical_crossentropy(y, p, from_logits=True)
            # a backend tensor, not the NumPy array: PyTorch would call numpy() on xent
            return ops.sum(xent * ops.convert_to_tensor(w, dtype=xent.dtype), axis=1) / float(w.sum())
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
                     atol: float | None = None, weights=None) -> None:
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
    keras_optimizer = keras_optimizer or faithful_keras_optimizer(optimizer, learning_rate, momentum)
    _check_optimizer_defaults(optimizer, keras_optimizer)
    x, y = np.asarray(inputs), np.asarray(targets)
    ref = _reference(tf1, checkpoint, rnn)

    # TF1: restore, one step
    v1 = tf1_graph.v1()
    with _quiet():
        graph, ph, out, variables, restore = _graph_with_reference(ref, x)
    with graph.as_default(), _quiet():
        labels = v1.placeholder(y.dtype, [None, *y.shape[1:]], name="targets")
        w_t = v1.constant(np.asarray(weights, dtype=out.dtype.as_numpy_dtype)) if weights is not None else None
        loss_t = _tf1_loss(loss, labels, out, w_t)
        train = _tf1_optimizer(optimizer, learning_rate, momentum).minimize(
            loss_t, var_list=list(variables))
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            restore(sess)
            names = list(variables.values())
            before = dict(zip(names, sess.run(list(variables))))
            feed = {ph: _feed(ref, x), labels: y}
            sess.run(train, feed)
            after = dict(zip(names, sess.run(list(variables))))

    # Keras: a copy of the model, one step
    with _quiet():
        k_before, k_after = _keras_step(keras_model, keras_optimizer, _keras_loss(loss, weights),
                                        x, y, ref, before, rnn)
    _compare_steps(k_before, k_after, before, after, rtol, atol)


def _keras_step(keras_model, keras_optimizer, loss, x, y, ref, before, rnn):
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
        stepped.compile(optimizer=keras_optimizer, loss=loss)
        rnn_model = _tf1_model_for_weights(ref, before, rnn)
        k_before = keras_rnn.keras_cell_weights(stepped, rnn_model)
        stepped.train_on_batch(x, y)
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

"""Parity checks of a port whose model is a TF1 forward graph written out op for op
(:mod:`tf1_migrate.keras_graph`: a script with no RNN cell), against the captured graph.

    from tf1_migrate.graph_testing import assert_same_graph_outputs, assert_same_graph_step

    assert_same_graph_outputs("port_capture/session_001", model)     # the capture's probe
    assert_same_graph_step("port_capture/session_001", model, y, loss=port.LOSS,
                           optimizer=port.build_optimizer())

The reference is the captured graph itself (``graph.meta``, the variables of its checkpoint
loaded) run in its own ``tf.Graph``/``Session``: its output on the capture's probe inputs,
and one run of the script's train op (its optimizer's slots fresh, as a Keras optimizer's
are). The Keras model is the port's ``build_model()`` with the converted weights, on any
backend; its weights are found by the TF1 names its ``graph`` layer keeps
(``TF1Graph.TF1_VARIABLES``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before anything imports TensorFlow

__all__ = ["assert_same_graph_outputs", "assert_same_graph_step", "probe_inputs"]


def _description(capture) -> tuple[Path, dict]:
    folder = Path(capture)
    if folder.name == "structure.json":
        folder = folder.parent
    return folder, json.loads((folder / "structure.json").read_text())


def probe_inputs(capture) -> np.ndarray:
    """The random inputs the capture ran the TF1 graph's output on."""
    _, data = _description(capture)
    probe = data["training"]["forward"]["probe"]
    return np.asarray(next(iter(probe["inputs"].values())),
                      dtype=data["training"]["input"]["dtype"])


def _roles(data) -> dict:
    """{"x": placeholder, "y": placeholder, "train": op name, "output": tensor name}."""
    out = {"output": data["training"]["forward"]["output"]}
    for run in data["training"]["runs"]:
        for feed in run["feed"]:
            if feed["role"] in ("x", "y") and isinstance(feed["name"], str):
                out.setdefault(feed["role"], feed["name"])
        fetches = run["fetches"] if isinstance(run["fetches"], list) else [run["fetches"]]
        for f in fetches:
            if isinstance(f, dict) and f.get("role") == "train":
                out.setdefault("train", f["name"])
    return out


class _TF1:
    """The captured graph in a Session of its own, its variables from the checkpoint."""

    def __init__(self, capture, *, fresh_slots: bool = False):
        import tensorflow.compat.v1 as v1

        from tf1_migrate import convert

        folder, data = _description(capture)
        self.data, self.roles = data, _roles(data)
        self.graph = v1.Graph()
        with self.graph.as_default():
            v1.train.import_meta_graph(str(folder / data["graph"]), clear_devices=True)
            variables = self.graph.get_collection("variables")
            self.trainable = {v.op.name: v for v in self.graph.get_collection("trainable_variables")}
            init = v1.variables_initializer(variables)
        self.sess = v1.Session(graph=self.graph)
        self.sess.run(init)
        values = convert.read_checkpoint(str(folder / data.get("checkpoint", "model.ckpt")))
        with self.graph.as_default():
            for v in variables:
                name = v.op.name
                if name in values and (name in self.trainable or not fresh_slots):
                    v.load(values[name], self.sess)

    def run(self, fetch, feed: dict):
        with self.graph.as_default():
            return self.sess.run(fetch, {self.graph.get_tensor_by_name(k): v for k, v in feed.items()})

    def weights(self) -> dict:
        return dict(zip(self.trainable, self.sess.run(list(self.trainable.values()))))

    def close(self):
        self.sess.close()


def _keras_weights(model) -> dict:
    import keras

    layer = model.get_layer("graph")
    return {name: np.asarray(keras.ops.convert_to_numpy(getattr(layer, attr)))
            for attr, name in layer.TF1_VARIABLES.items()}


def _tolerances(dtype) -> tuple[float, float]:
    return (1e-10, 1e-12) if np.dtype(dtype) == np.float64 else (1e-5, 1e-6)


def assert_same_graph_outputs(capture, keras_model, inputs=None, *, rtol=None, atol=None):
    """The Keras model's output is the TF1 graph's on ``inputs`` (the capture's probe)."""
    import keras

    tf1 = _TF1(capture)
    try:
        x = probe_inputs(capture) if inputs is None else np.asarray(inputs)
        expected = np.asarray(tf1.run(tf1.roles["output"], {tf1.roles["x"]: x}))
    finally:
        tf1.close()
    got = np.asarray(keras.ops.convert_to_numpy(keras_model(x, training=False)))
    default_rtol, default_atol = _tolerances(expected.dtype)
    rtol, atol = rtol or default_rtol, atol or default_atol
    assert got.shape == expected.shape, f"output shape {got.shape}, TF1 {expected.shape}"
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        raise AssertionError(f"the port's output differs from the TF1 graph's: largest difference "
                             f"{float(np.abs(got - expected)[worst]):.3g} at {tuple(int(i) for i in worst)} "
                             f"(port {float(got[worst]):.6g}, TF1 {float(expected[worst]):.6g}; "
                             f"rtol {rtol}, atol {atol})")


def assert_same_graph_step(capture, keras_model, targets, *, loss, optimizer, inputs=None,
                           rtol: float = 1e-3, atol=None):
    """One optimizer step of the Keras model (``loss``, ``optimizer``: the port's) on
    ``inputs`` / ``targets`` moves every weight as one run of the script's TF1 train op
    (from the same weights, the optimizer's slots fresh): each weight's difference at most
    ``atol + rtol * (the size of its TF1 step)``."""
    tf1 = _TF1(capture, fresh_slots=True)
    try:
        x = probe_inputs(capture) if inputs is None else np.asarray(inputs)
        before = tf1.weights()
        tf1.run(tf1.roles["train"], {tf1.roles["x"]: x, tf1.roles["y"]: np.asarray(targets)})
        after = tf1.weights()
    finally:
        tf1.close()
    keras_model.compile(optimizer=optimizer, loss=loss)
    keras_model.train_on_batch(x, np.asarray(targets))
    got = _keras_weights(keras_model)
    moved = max(float(np.max(np.abs(after[n] - before[n]))) for n in after)
    assert moved > 0, "the TF1 train op did not move any weight on these inputs"
    problems = []
    for name, value in after.items():
        if name not in got:
            problems.append(f"{name}: not a weight of the port")
            continue
        step = float(np.max(np.abs(value - before[name])))
        tol = (atol if atol is not None else _tolerances(value.dtype)[1]) + rtol * step
        diff = float(np.max(np.abs(got[name] - value)))
        if diff > tol:
            problems.append(f"{name}: after one step the port's weight differs from TF1's by "
                            f"{diff:.3g} (TF1's step {step:.3g}, tolerance {tol:.3g})")
    assert not problems, "; ".join(problems)

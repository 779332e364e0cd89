"""Peephole, projection and clipped LSTM cells convert: `TF1LSTMCell` (and its named forms
`PeepholeLSTMCell`, `ProjectionLSTMCell`), Keras 3 cells of our own registered as
serializable, compute what TF1's `LSTMCell(use_peepholes=..., num_proj=..., cell_clip=...,
proj_clip=...)` computes with the same values (the reference: TF1's own cell, see
``tf1_migrate.tf1_graph``), and the emitted `.keras` file loads after importing
``tf1_migrate.keras_layers``. No training: random weights (the peepholes and the clip
values large enough to matter), one batch.
"""

import numpy as np
import pytest

import tf1_migrate  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow: TF1's cells)
from tf1_migrate import convert, keras_rnn, tf1_graph, tf1_rnn

pytestmark = [pytest.mark.legacy, pytest.mark.port]

IN, UNITS, STEPS = 3, 6, 5
CASES = {
    "peepholes": dict(peepholes=True),
    "projection": dict(num_proj=4),
    "peepholes+projection+clipping": dict(peepholes=True, num_proj=4, cell_clip=0.5, proj_clip=0.3),
}


def _model(details, stacked):
    cells, size = [], IN
    for k in range(2 if stacked else 1):
        scope = f"rnn/multi_rnn_cell/cell_{k}/lstm_cell" if stacked else "rnn/lstm_cell"
        roles = {"kernel": f"{scope}/kernel", "bias": f"{scope}/bias"}
        if details.get("peepholes"):
            roles.update({r: f"{scope}/{r}" for r in ("w_f_diag", "w_i_diag", "w_o_diag")})
        if details.get("num_proj"):
            roles["projection"] = f"{scope}/projection/kernel"
        cell = tf1_rnn.Cell("lstm", UNITS, size, roles, tf1_class="LSTMCell", forget_bias=1.0,
                            activation="tanh", scope=scope, **details)
        cells.append(cell)
        size = cell.output_size
    return tf1_rnn.RNNModel("", [tf1_rnn.Block(cells)], None, input_size=IN, time_major=False)


@pytest.mark.parametrize("stacked", [False, True], ids=["one", "stacked"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_own_cells_compute_what_tf1_lstmcell_computes(case, stacked, tmp_path):
    import keras

    from tf1_migrate.keras_layers import TF1LSTMCell

    model = _model(CASES[case], stacked)
    rng = np.random.RandomState(0)
    weights = {n: rng.normal(scale=0.7, size=s).astype(np.float32)
               for n, s in tf1_rnn.tf1_shapes(model).items()}
    x = rng.normal(size=(4, STEPS, IN)).astype(np.float32)
    expected = tf1_graph.run(model, weights, x)  # TF1's own LSTMCell

    built = keras_rnn.build_model(model)
    rows = keras_rnn.fill(built, model, weights)
    assert all(r[3] == "ok" for r in rows), rows
    cells = [layer.cell for layer in built.layers if isinstance(layer, keras.layers.RNN)]
    assert cells and all(isinstance(c, TF1LSTMCell) for c in cells)
    got = keras.ops.convert_to_numpy(built(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)

    path = tmp_path / "m.keras"
    built.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), expected, rtol=1e-5, atol=1e-5)


def test_the_peepholes_matter(tmp_path):
    """Zeroing the peephole weights moves the outputs far beyond the tolerance above."""
    import keras

    model = _model(CASES["peepholes"], False)
    rng = np.random.RandomState(0)
    weights = {n: rng.normal(scale=0.7, size=s).astype(np.float32)
               for n, s in tf1_rnn.tf1_shapes(model).items()}
    x = rng.normal(size=(4, STEPS, IN)).astype(np.float32)
    expected = tf1_graph.run(model, weights, x)
    built = keras_rnn.build_model(model)
    keras_rnn.fill(built, model, weights)
    built.layers[-1].cell.w_f_diag.assign(np.zeros(UNITS, np.float32))
    got = keras.ops.convert_to_numpy(built(x))
    assert np.max(np.abs(got - expected)) > 1e-2


def test_a_checkpoint_with_peepholes_and_projection_converts(tmp_path):
    """The bare-checkpoint path: ``parity convert CKPT --emit-model`` (no longer refused)."""
    import keras
    import tensorflow as tf

    model = _model(CASES["peepholes+projection+clipping"], False)
    for _, cell in model.cells():  # a checkpoint cannot tell the clip values: none here
        cell.cell_clip = cell.proj_clip = None
    rng = np.random.RandomState(1)
    weights = {n: rng.normal(scale=0.7, size=s).astype(np.float32)
               for n, s in tf1_rnn.tf1_shapes(model).items()}
    names = sorted(weights)
    tf.raw_ops.SaveV2(prefix=str(tmp_path / "model.ckpt"), tensor_names=names,
                      shape_and_slices=[""] * len(names), tensors=[tf.constant(weights[n]) for n in names])
    done = convert.convert_any(tmp_path / "model.ckpt", emit_model=tmp_path / "m.keras", forget_bias=1.0)
    assert "not ok" not in done.table
    import tf1_migrate.keras_layers  # noqa: F401  (registers the cells)

    x = rng.normal(size=(2, STEPS, IN)).astype(np.float32)
    got = keras.ops.convert_to_numpy(keras.saving.load_model(tmp_path / "m.keras")(x))
    np.testing.assert_allclose(got, tf1_graph.run(model, weights, x), rtol=1e-5, atol=1e-5)

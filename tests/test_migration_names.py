"""Checkpoints of every TF 1.x era convert: the variable names of TF 0.12
(``RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix`` + ``Bias``, ``GRUCell/Gates/...``)
and of TF 1.0-1.2 (``.../basic_lstm_cell/weights`` + ``biases``, ``fully_connected/weights``)
are read as today's, and the emitted model computes what TF1's own cells compute with
those values (the reference: the graph rebuilt with ``tf.nn.rnn_cell``, see
``tf1_migrate.tf1_graph``). No training: random weights, one batch.
"""

import numpy as np
import pytest

import tf1_migrate  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow: TF1's cells)
from tf1_migrate import convert, tf1_graph, tf1_rnn

pytestmark = [pytest.mark.legacy, pytest.mark.port]

IN, UNITS, OUT, STEPS = 3, 5, 2, 4


def _stack(kind, names):
    """An RNNModel of ``len(names)`` cells at today's scopes ``names``, a dense head on the last step."""
    cells, size = [], IN
    for scope in names:
        cells.append(tf1_rnn.tf1_cell(kind, scope, UNITS, size, forget_bias=1.0, activation="tanh"))
        size = UNITS
    head = tf1_rnn.Head("fully_connected/kernel", "fully_connected/bias", UNITS, OUT, input="last")
    return tf1_rnn.RNNModel("", [tf1_rnn.Block(cells)], head, input_size=IN, time_major=False)


def _random_weights(model, rng):
    return {n: rng.normal(scale=0.5, size=s).astype(np.float32)
            for n, s in tf1_rnn.tf1_shapes(model).items()}


def _save(prefix, weights):
    import tensorflow as tf

    names = sorted(weights)
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(weights[n]) for n in names])


# today's name -> the name an earlier release gave it
TF1_0 = {"rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel": "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/weights",
         "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias": "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/biases",
         "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel": "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/weights",
         "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias": "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/biases",
         "fully_connected/kernel": "fully_connected/weights",
         "fully_connected/bias": "fully_connected/biases"}
TF0_12 = {"rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel": "RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix",
          "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias": "RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Bias",
          "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel": "RNN/MultiRNNCell/Cell1/BasicLSTMCell/Linear/Matrix",
          "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias": "RNN/MultiRNNCell/Cell1/BasicLSTMCell/Linear/Bias",
          "fully_connected/kernel": "fully_connected/weights",
          "fully_connected/bias": "fully_connected/biases"}
TF1_0_LSTMCELL = {"rnn/lstm_cell/kernel": "rnn/lstm_cell/weights", "rnn/lstm_cell/bias": "rnn/lstm_cell/biases",
                  "fully_connected/kernel": "fully_connected/weights",
                  "fully_connected/bias": "fully_connected/biases"}
TF0_12_GRU = {"rnn/gru_cell/gates/kernel": "RNN/GRUCell/Gates/Linear/Matrix",
              "rnn/gru_cell/gates/bias": "RNN/GRUCell/Gates/Linear/Bias",
              "rnn/gru_cell/candidate/kernel": "RNN/GRUCell/Candidate/Linear/Matrix",
              "rnn/gru_cell/candidate/bias": "RNN/GRUCell/Candidate/Linear/Bias",
              "fully_connected/kernel": "fully_connected/weights",
              "fully_connected/bias": "fully_connected/biases"}

CASES = {
    "tf1.0 basic_lstm_cell/weights": ("lstm", ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell",
                                               "rnn/multi_rnn_cell/cell_1/basic_lstm_cell"], TF1_0),
    "tf0.12 Linear/Matrix": ("lstm", ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell",
                                      "rnn/multi_rnn_cell/cell_1/basic_lstm_cell"], TF0_12),
    "tf1.0 lstm_cell/weights": ("lstm", ["rnn/lstm_cell"], TF1_0_LSTMCELL),
    "tf0.12 GRUCell/Gates": ("gru", ["rnn/gru_cell"], TF0_12_GRU),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_checkpoint_of_an_earlier_release_converts_and_matches_tf1(case, tmp_path):
    import keras

    kind, scopes, old_names = CASES[case]
    model = _stack(kind, scopes)
    if kind == "lstm" and "lstm_cell/" in scopes[0] + "/":
        model.blocks[0].fw[0].tf1_class = "LSTMCell"
    weights = _random_weights(model, np.random.RandomState(0))
    assert set(weights) == set(old_names)  # every variable gets its old name
    x = np.random.RandomState(1).normal(size=(3, STEPS, IN)).astype(np.float32)
    expected = tf1_graph.run(model, weights, x)  # TF1's own cells

    _save(tmp_path / "model.ckpt", {old_names[n]: v for n, v in weights.items()})
    options = {"forget_bias": 1.0} if kind == "lstm" else {}
    done = convert.convert_any(tmp_path / "model.ckpt", emit_model=tmp_path / "m.keras",
                               head_input="last", **options)
    assert any("earlier TF release" in n for n in done.notes), done.notes
    assert "not ok" not in done.table
    got = keras.ops.convert_to_numpy(keras.saving.load_model(tmp_path / "m.keras")(x))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)

"""parity.testing: assert_same_outputs / assert_same_step, the checks a user puts in their own tests.

The TF1 reference is either the user's own graph-building function plus a checkpoint, or a
capture description (here written from the checkpoint's recognised structure, as
legacy-run --capture writes it); the Keras model is a port written as a user would write it.
Each check is shown to pass on a correct port and to fail on a wrong one.
"""

import json
import shutil

import numpy as np
import pytest

from parity import convert, keras_rnn, tf1_rnn
from parity.testing import assert_same_outputs, assert_same_step

pytestmark = [pytest.mark.legacy, pytest.mark.port]

T, F, UNITS, N = 5, 4, 6, 3


def build_tf1(x, time_major=False):
    """The user's TF1 model code."""
    import tensorflow as tf

    v1 = tf.compat.v1
    cell = v1.nn.rnn_cell.LSTMCell(UNITS, forget_bias=1.0)
    outputs, _ = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32, time_major=time_major)
    last = outputs[-1] if time_major else outputs[:, -1, :]
    return v1.layers.dense(last, N)


def port():
    """The user's Keras 3 port."""
    import keras

    inputs = keras.Input((T, F))
    return keras.Model(inputs, keras.layers.Dense(N)(keras.layers.LSTM(UNITS)(inputs)))


def train_and_save(prefix, time_major=False):
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)
        shape = [T, None, F] if time_major else [None, T, F]
        x = v1.placeholder(tf.float32, shape)
        y = build_tf1(x, time_major)
        loss = tf.reduce_mean(tf.square(y - 0.5))
        train = v1.train.AdamOptimizer(0.05).minimize(loss)
        batch = np.random.RandomState(1).normal(size=(8, T, F)).astype(np.float32)
        if time_major:
            batch = batch.transpose(1, 0, 2)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {x: batch})
            v1.train.Saver().save(sess, str(prefix))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("tf1") / "model.ckpt"
    train_and_save(prefix)
    return prefix


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(7)
    return rng.normal(size=(10, T, F)).astype(np.float32), rng.normal(size=(10, N)).astype(np.float32)


def converted(prefix, forget_bias=1.0):
    model = port()
    rnn_model, weights, _ = convert.recognise_checkpoint(prefix, forget_bias=forget_bias)
    keras_rnn.fill(model, rnn_model, weights)
    return model


def write_description(folder, prefix, **options):
    """What legacy-run --capture writes: structure.json beside the checkpoint."""
    folder.mkdir(exist_ok=True)
    for f in prefix.parent.glob(prefix.name + ".*"):
        shutil.copy(f, folder / f.name.replace(prefix.name, "model.ckpt"))
    models, _ = tf1_rnn.recognise(convert.read_checkpoint(prefix))
    model = tf1_rnn.apply_options(models[0], forget_bias=1.0, head_input="last",
                                  activation="tanh", **options)
    (folder / "structure.json").write_text(json.dumps(
        {"format": tf1_rnn.FORMAT, "version": 1, "checkpoint": "model.ckpt",
         "models": [tf1_rnn.to_dict(model)]}))
    return folder


def test_same_outputs_with_the_users_graph_function(trained, data):
    x, _ = data
    assert_same_outputs(build_tf1, converted(trained), x, checkpoint=trained)
    with pytest.raises(AssertionError, match="does not compute what the TF1 graph computes"):
        assert_same_outputs(build_tf1, converted(trained, forget_bias=0.0), x, checkpoint=trained)


def test_same_outputs_with_a_capture_description(trained, data, tmp_path):
    x, _ = data
    folder = write_description(tmp_path / "session_001", trained)
    assert_same_outputs(str(folder), converted(trained), x)
    assert_same_outputs(str(folder / "structure.json"), converted(trained), x)
    with pytest.raises(AssertionError):
        assert_same_outputs(str(folder), port(), x)  # a port with its own fresh weights


def test_time_major_graph_gets_transposed_inputs(tmp_path, data):
    x, _ = data
    prefix = tmp_path / "tm.ckpt"
    train_and_save(prefix, time_major=True)
    folder = write_description(tmp_path / "session_001", prefix, time_major=True)
    model = converted(prefix)
    assert_same_outputs(str(folder), model, x)  # batch-major x, as Keras takes it


def test_same_step(trained, data, tmp_path):
    import keras

    x, y = data
    model = converted(trained)
    before = [w.copy() for w in model.get_weights()]
    assert_same_step(build_tf1, model, x, y, loss="mse", learning_rate=0.01, checkpoint=trained)
    folder = write_description(tmp_path / "session_001", trained)
    assert_same_step(str(folder), model, x, y, loss="mse", learning_rate=0.01)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # the user's model is left as it was
    with pytest.raises(AssertionError, match="epsilon"):  # Keras 3's default 1e-7
        assert_same_step(build_tf1, model, x, y, learning_rate=0.01, checkpoint=trained,
                         keras_optimizer=keras.optimizers.Adam(0.01))
    with pytest.raises(AssertionError, match="step differs"):
        assert_same_step(build_tf1, model, x, y, learning_rate=0.01, checkpoint=trained,
                         keras_optimizer=keras.optimizers.Adam(0.02, epsilon=1e-8))
    assert_same_step(build_tf1, model, x, y, optimizer="sgd", learning_rate=0.1, checkpoint=trained)


def test_bad_references_say_why(trained, data, tmp_path):
    x, _ = data
    with pytest.raises(ValueError, match="needs checkpoint="):
        assert_same_outputs(build_tf1, port(), x)
    with pytest.raises(convert.ConversionError, match="no capture description"):
        assert_same_outputs(str(tmp_path), port(), x)
    with pytest.raises(ValueError, match="RMSProp"):
        assert_same_step(build_tf1, port(), x, x[:, 0, :N], optimizer="rmsprop", checkpoint=trained)

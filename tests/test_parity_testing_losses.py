"""`assert_same_step` with the losses of the TF1 tutorials: reduce_sum / reduce_mean of
square, and sequence_loss with weights (padding weighted 0); an unsupported loss names the
supported ones in one line. The TF1 side is the user's graph-building function and a
checkpoint (no training: the initial values), the Keras side a port as a user writes it.
"""

import numpy as np
import pytest

import tf1_migrate  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow: TF1's cells)
from tf1_migrate import convert, keras_rnn
from tf1_migrate.testing import assert_same_step

pytestmark = [pytest.mark.legacy, pytest.mark.port]

T, F, UNITS, N, B = 4, 3, 5, 3, 6


def regression(x):
    import tensorflow as tf

    v1 = tf.compat.v1
    outputs, _ = v1.nn.dynamic_rnn(v1.nn.rnn_cell.LSTMCell(UNITS), x, dtype=tf.float32)
    return v1.layers.dense(outputs[:, -1, :], N)


def per_step(x):
    import tensorflow as tf

    v1 = tf.compat.v1
    outputs, _ = v1.nn.dynamic_rnn(v1.nn.rnn_cell.LSTMCell(UNITS), x, dtype=tf.float32)
    return v1.layers.dense(outputs, N)  # logits [batch, time, classes]


def _saved(build, prefix):
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(3)
        build(v1.placeholder(tf.float32, [None, T, F]))
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, str(prefix))
    return prefix


def _port(prefix, sequences):
    import keras

    inputs = keras.Input((T, F))
    x = keras.layers.LSTM(UNITS, return_sequences=sequences)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(N)(x))
    rnn_model, weights, _ = convert.recognise_checkpoint(
        prefix, forget_bias=1.0, head_input="sequence" if sequences else "last")
    keras_rnn.fill(model, rnn_model, weights)
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(5)
    return rng.normal(size=(B, T, F)).astype(np.float32), rng.normal(size=(B, N)).astype(np.float32)


@pytest.mark.parametrize("loss", ["sum_square", "mean_square"])
def test_squared_error_losses_take_tf1s_step(loss, data, tmp_path):
    import keras

    prefix = _saved(regression, tmp_path / "model.ckpt")
    model = _port(prefix, sequences=False)
    x, y = data
    assert_same_step(regression, model, x, y, loss=loss, optimizer="sgd", learning_rate=0.01,
                     checkpoint=prefix)
    # the other reduction is another step: a sum is B * N times a mean
    scale = 1.0 / (B * N) if loss == "sum_square" else float(B * N)
    with pytest.raises(AssertionError, match="step differs"):
        assert_same_step(regression, model, x, y, loss=loss, optimizer="sgd", learning_rate=0.01,
                         checkpoint=prefix, keras_optimizer=keras.optimizers.SGD(0.01 * scale))


def test_sequence_loss_with_weights_takes_tf1s_step(tmp_path):
    prefix = _saved(per_step, tmp_path / "model.ckpt")
    model = _port(prefix, sequences=True)
    rng = np.random.RandomState(6)
    x = rng.normal(size=(B, T, F)).astype(np.float32)
    targets = rng.randint(0, N, size=(B, T)).astype(np.int32)
    weights = (np.arange(T)[None, :] < rng.randint(1, T + 1, size=(B, 1))).astype(np.float32)
    assert 0 < weights.sum() < weights.size  # padding weighted 0
    assert_same_step(per_step, model, x, targets, loss="sequence_loss", weights=weights,
                     optimizer="sgd", learning_rate=0.5, checkpoint=prefix)
    with pytest.raises(AssertionError, match="step differs"):  # the weights count
        _mismatched_weights(model, x, targets, weights, prefix)


def _mismatched_weights(model, x, targets, weights, prefix):
    """TF1 with the padding weights, Keras told the padding counts fully."""
    from tf1_migrate import testing

    original = testing._keras_loss
    try:
        testing._keras_loss = lambda name, w=None: original(name, np.ones_like(weights))
        assert_same_step(per_step, model, x, targets, loss="sequence_loss", weights=weights,
                         optimizer="sgd", learning_rate=0.5, checkpoint=prefix)
    finally:
        testing._keras_loss = original


def test_an_unsupported_loss_names_itself_in_one_line(data, tmp_path):
    x, y = data
    with pytest.raises(ValueError) as caught:
        assert_same_step(regression, None, x, y, loss="huber", checkpoint=tmp_path / "none.ckpt")
    text = str(caught.value)
    assert "'huber'" in text and "\n" not in text and "sum_square" in text and "sequence_loss" in text

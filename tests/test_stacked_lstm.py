"""stacked_lstm: MultiRNNCell([BasicLSTMCell(128), BasicLSTMCell(256)]) + dynamic_rnn (TF1)
against keras.layers.RNN([LSTMCell(128), LSTMCell(256)], return_sequences=True,
return_state=True) (Keras 3), both trained as an MNIST row classifier.

Outcome: both sides, seeded, 300 steps of batch 64 at LR 0.01 on the shipped sample, must
reach THRESHOLD test accuracy on its 2,000-image test split, within PAIR_TOLERANCE of each other.
Numerical equivalence: transplanted weights give the same logits, predictions, accuracy,
output sequences and final (h, c) states of both cells, in both directions; one Adam step
from the same weights and batch gives the same new weights; without the gate reorder or
the forget-bias fold the outputs and states are far off.
"""

import dataclasses

import numpy as np
import pytest
import session_cache

from datasets import mnist
from hyperparams import StackedLSTMConfig
from parity import backends
from parity.adapters.legacy import stacked_lstm as legacy
from parity.adapters.port import stacked_lstm as port
from parity.convert import read_checkpoint
from parity.pairs import stacked_lstm as pairs
from tf1_migrate.testing import step_mismatch

STEPS = 300
# Runs made for this test (seed 1, 300 steps, shipped sample): legacy 0.935, port 0.927
# (legacy 0.60 after 25 steps, 0.92 after 150); the untrained model scores ~0.1.
# The trained accuracy is a chaotic function of every rounding (another CPU's vector unit,
# thread count or seed: another training path). Measured with `python -m benchmarks.isa_spread`
# on two AMD EPYC machines: legacy over seeds 1-4 0.9305-0.9435, port at seed 1 0.927-0.957
# (TensorFlow and JAX backends); legacy - port at seed 1 up to 0.022. As for mnist_static_rnn
# (the same data and budget, a standard deviation of the difference of 1.5 points), the pair
# margin is 7 points and the threshold 0.88, each more than 4.5 sd from the measured values,
# so they hold on any x86-64 CPU; smaller differences are the exact levels' to catch
# (transplanted weights, one Adam step: below) and the many-seed gate's.
THRESHOLD = 0.88
PAIR_TOLERANCE = 0.07
RTOL, ATOL = 1e-6, 1e-5  # float32 output equivalence (the migration guide's): outputs, h, logits
# The cell state c is an unbounded running sum (|c| up to ~20 here, h = o * tanh(c) is in
# [-1, 1]); compared with rtol 1e-5. Measured: the worst element differed by 2.7e-6
# relative (1.6e-5 absolute at c = -6.1), just outside the outputs' tolerance.
C_RTOL = 1e-5
# The TF1 graph and the port on Keras's TensorFlow backend run the same TensorFlow kernels
# (matmul, sigmoid, tanh); on JAX (XLA) and PyTorch the kernels differ in the last bits, and
# through 2 x 28 cell steps float32 rounding grows. Measured largest |port - legacy| over the
# 500 x 28 x 256 outputs from the trained legacy weights: TensorFlow 6.6e-6, JAX 1.06e-5,
# PyTorch 1.5e-5 (one value in 3.6 million above 1e-5; top cell's final c: 9.8e-6, 1.2e-5,
# 1.7e-5). So the sequences and states get twice the absolute tolerance on those backends;
# the logits (the model's outputs) stay within RTOL/ATOL on every backend.
SEQ_ATOL = ATOL if backends.current() == "tensorflow" else 2 * ATOL
CONFIG = dataclasses.replace(StackedLSTMConfig(), steps=STEPS)
# One Adam step moves every variable by about the learning rate (1e-2). Last-bit gradient
# differences between dynamic_rnn and Keras's RNN change m / (sqrt(v) + eps) visibly only
# where the gradient is ~eps; measured largest difference 2.4e-5, so the new weights must
# agree within 2% of the learning rate.
STEP_ATOL = 0.02 * CONFIG.learning_rate
N_STATES = 500  # test images whose full output sequences and states are compared

pytestmark = [pytest.mark.legacy, pytest.mark.port]


@pytest.fixture(scope="module")
def test_split():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(CONFIG.data_dir)
    scale = np.float32(255)
    batch = (x_train[:CONFIG.batch_size].astype(np.float32) / scale, y_train[:CONFIG.batch_size])
    return x_test.astype(np.float32) / scale, y_test, batch


@pytest.fixture(scope="module")
def legacy_run(tmp_path_factory):
    def train(folder):  # once per test session (tests/session_cache.py)
        checkpoint = folder / "model.ckpt"
        return legacy.train(CONFIG, verbose=False, checkpoint_path=checkpoint), checkpoint

    return session_cache.once(f"stacked_lstm legacy {CONFIG!r}", train,
                              tmp_path_factory.mktemp("stacked_ckpt"))


@pytest.fixture(scope="module")
def port_run(tmp_path_factory):
    weights_file = tmp_path_factory.mktemp("port_weights") / "model.weights.h5"
    result = port.train(CONFIG, verbose=False, checkpoint_path=weights_file)
    result.extras["weights_file"] = weights_file
    return result


def accuracy(logits, labels) -> float:
    return float(np.mean(np.argmax(logits, axis=1) == labels))


# --- outcome ----------------------------------------------------------------------------
@pytest.mark.legacy
@pytest.mark.backend_neutral  # the TF1 side only
def test_legacy_learns(legacy_run):
    result, _ = legacy_run
    assert (result.example, result.impl, result.metric) == ("stacked_lstm", "legacy", "test_accuracy")
    assert result.steps == STEPS and result.higher_is_better
    assert result.value >= THRESHOLD, result.value
    assert result.loss_history[-1][1] < result.loss_history[0][1] / 3


@pytest.mark.port
def test_port_learns(port_run):
    assert port_run.impl == "port" and port_run.metric == "test_accuracy"
    assert port_run.steps == STEPS  # optimizer iterations: the same number of gradient steps
    assert port_run.value >= THRESHOLD, port_run.value
    assert port_run.loss_history[-1][1] < port_run.loss_history[0][1]


def test_pair_within_the_pair_margin(legacy_run, port_run):
    assert abs(legacy_run[0].value - port_run.value) <= PAIR_TOLERANCE


@pytest.mark.port
def test_untrained_model_is_below_threshold(test_split):
    x_test, y_test, _ = test_split
    untrained = {v.path: v.numpy() for v in port.build_model(CONFIG).weights}
    assert accuracy(port.predict(untrained, x_test, CONFIG), y_test) < 0.3


@pytest.mark.port
def test_port_layer_is_the_articles_rnn():
    layer = port.build_model(CONFIG).get_layer("rnn")
    assert layer.return_sequences and layer.return_state
    assert [cell.units for cell in layer.cell.cells] == [128, 256]


@pytest.mark.legacy
@pytest.mark.backend_neutral  # the TF1 side only
def test_legacy_checkpoint(legacy_run):
    result, checkpoint = legacy_run
    folder = checkpoint.parent
    assert (folder / "checkpoint").exists() and (folder / "model.ckpt.index").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left
    saved = read_checkpoint(checkpoint)
    assert set(saved) == set(result.weights)
    for name, value in result.weights.items():
        np.testing.assert_array_equal(saved[name], value)


@pytest.mark.port
def test_port_saves_keras_weights(port_run):
    weights_file = port_run.extras["weights_file"]
    assert [p.name for p in weights_file.parent.iterdir()] == ["model.weights.h5"]  # no temporary
    model = port.build_model(CONFIG)
    model.load_weights(str(weights_file))
    for v in model.weights:
        np.testing.assert_array_equal(v.numpy(), port_run.weights[v.path])
    with pytest.raises(ValueError, match=r"must end in \.weights\.h5"):
        port.train(CONFIG, verbose=False, checkpoint_path=weights_file.with_suffix(".ckpt"))


# --- numerical equivalence -------------------------------------------------------------------
def assert_same_sequences(expected: dict, actual: dict):
    np.testing.assert_allclose(actual["outputs"], expected["outputs"], rtol=RTOL, atol=SEQ_ATOL)
    assert len(actual["states"]) == len(expected["states"]) == 2
    for k, ((h, c), (h_ref, c_ref)) in enumerate(zip(actual["states"], expected["states"])):
        np.testing.assert_allclose(h, h_ref, rtol=RTOL, atol=SEQ_ATOL, err_msg=f"h of cell {k}")
        np.testing.assert_allclose(c, c_ref, rtol=C_RTOL, atol=SEQ_ATOL, err_msg=f"c of cell {k}")
    # the top cell's final h is the last output, on both sides
    np.testing.assert_array_equal(actual["states"][1][0], actual["outputs"][:, -1, :])


def test_legacy_to_port_same_outputs_and_states(legacy_run, test_split):
    x_test, y_test, _ = test_split
    result, _ = legacy_run
    port_weights = pairs.legacy_to_port(result.weights, CONFIG)

    legacy_logits = legacy.predict(result.weights, x_test, CONFIG)
    port_logits = port.predict(port_weights, x_test, CONFIG)
    np.testing.assert_allclose(port_logits, legacy_logits, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(port_logits.argmax(1), legacy_logits.argmax(1))
    assert accuracy(port_logits, y_test) == pytest.approx(result.value, abs=1e-6)

    images = x_test[:N_STATES]
    legacy_seq = legacy.outputs_and_states(result.weights, images, CONFIG)
    assert_same_sequences(legacy_seq, port.outputs_and_states(port_weights, images, CONFIG))

    # Each step of the mapping matters: without it outputs and cell states are far off.
    for ablation in ({"reorder": False}, {"fold_forget_bias": False}):
        wrong = port.outputs_and_states(pairs.legacy_to_port(result.weights, CONFIG, **ablation),
                                        images, CONFIG)
        assert np.abs(wrong["outputs"] - legacy_seq["outputs"]).max() > 1000 * ATOL, ablation
        for k in range(2):
            assert np.abs(wrong["states"][k][1] - legacy_seq["states"][k][1]).max() > 1000 * ATOL


def test_port_to_legacy_same_outputs_and_states(port_run, test_split):
    x_test, y_test, _ = test_split
    legacy_weights = pairs.port_to_legacy(port_run.weights, CONFIG)

    port_logits = port.predict(port_run.weights, x_test, CONFIG)
    legacy_logits = legacy.predict(legacy_weights, x_test, CONFIG)
    np.testing.assert_allclose(legacy_logits, port_logits, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(legacy_logits.argmax(1), port_logits.argmax(1))
    assert accuracy(legacy_logits, y_test) == pytest.approx(port_run.value, abs=1e-6)

    images = x_test[:N_STATES]
    assert_same_sequences(port.outputs_and_states(port_run.weights, images, CONFIG),
                          legacy.outputs_and_states(legacy_weights, images, CONFIG))


def assert_same_step(expected: dict, actual: dict, before: dict):
    assert set(expected) == set(actual)
    for name in expected:
        moved = np.abs(expected[name] - before[name]).max()
        assert moved > 0.5 * CONFIG.learning_rate, name  # the step did something
        # all weights within STEP_ATOL but a stray few of near-zero gradient (see step_mismatch)
        why = step_mismatch(actual[name], expected[name], atol=STEP_ATOL, step=CONFIG.learning_rate)
        assert why is None, f"{name}: {why}"


def test_one_adam_step_legacy_to_port(legacy_run, test_split):
    _, _, batch = test_split
    weights = legacy_run[0].weights
    legacy_after = pairs.legacy_to_port(legacy.train_step(weights, batch, CONFIG), CONFIG)
    port_after = port.train_step(pairs.legacy_to_port(weights, CONFIG), batch, CONFIG)
    assert_same_step(legacy_after, port_after, pairs.legacy_to_port(weights, CONFIG))


def test_one_adam_step_port_to_legacy(port_run, test_split):
    _, _, batch = test_split
    weights = port_run.weights
    port_after = pairs.port_to_legacy(port.train_step(weights, batch, CONFIG), CONFIG)
    legacy_after = legacy.train_step(pairs.port_to_legacy(weights, CONFIG), batch, CONFIG)
    assert_same_step(port_after, legacy_after, pairs.port_to_legacy(weights, CONFIG))


# --- bad input ----------------------------------------------------------------------------
def test_mismatched_weights_raise_one_clear_error(legacy_run, port_run):
    legacy_weights = dict(legacy_run[0].weights)
    cell_1 = "rnn/multi_rnn_cell/cell_1/basic_lstm_cell"
    with pytest.raises(ValueError, match=f"missing: {cell_1}/bias"):
        pairs.legacy_to_port({k: v for k, v in legacy_weights.items() if k != f"{cell_1}/bias"}, CONFIG)
    # cell 1 with 128 units instead of 256
    wrong_shape = dict(legacy_weights, **{f"{cell_1}/kernel": np.zeros((256, 512), np.float32)})
    with pytest.raises(ValueError, match=rf"wrong shape: {cell_1}/kernel \(256, 512\) != \(384, 1024\)"):
        pairs.legacy_to_port(wrong_shape, CONFIG)
    # static_rnn names (mnist_static_rnn) are not dynamic_rnn + MultiRNNCell's
    static_names = {"rnn/basic_lstm_cell/kernel": np.zeros((156, 512), np.float32),
                    "rnn/basic_lstm_cell/bias": np.zeros(512, np.float32)}
    with pytest.raises(ValueError, match="unexpected: rnn/basic_lstm_cell/bias"):
        pairs.legacy_to_port(static_names, CONFIG)
    with pytest.raises(ValueError, match="missing: dense/kernel"):
        pairs.port_to_legacy({k: v for k, v in port_run.weights.items() if k != "dense/kernel"}, CONFIG)
    with pytest.raises(ValueError, match="does not match"):
        legacy.predict(port_run.weights, np.zeros((2, 28, 28)), CONFIG)
    with pytest.raises(ValueError, match="does not match"):
        port.outputs_and_states(legacy_weights, np.zeros((2, 28, 28)), CONFIG)


@pytest.mark.port
def test_same_seed_same_numbers():
    """Seeded: the same config trains to the same numbers (legacy's seeding: test_mnist_static_rnn)."""
    short = dataclasses.replace(CONFIG, steps=3)
    a, b = port.train(short, verbose=False), port.train(short, verbose=False)
    assert a.loss_history == b.loss_history
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name], b.weights[name])

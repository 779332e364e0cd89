"""binary_addition_lstm: the TF1 program, its Keras port, and the weight transplant between them."""

import dataclasses

import numpy as np
import pytest
import session_cache

from datasets import binary_addition as data
from hyperparams import BinaryAdditionLSTMConfig
from parity.adapters.legacy import binary_addition_lstm as legacy
from parity.pairs import binary_addition_lstm as pairs

CONFIG = dataclasses.replace(BinaryAdditionLSTMConfig(), steps=1500)  # issue 3's budget, batch 64
OUTPUT_RTOL, OUTPUT_ATOL = 1e-6, 1e-5  # float32 transplant (measured max |diff| ~2.4e-7)
STEP_ATOL = 1e-6  # one Adam step (each weight moves ~1e-3; measured max |diff| ~1.2e-7)
SHORT = dataclasses.replace(BinaryAdditionLSTMConfig(), steps=30, log_every=10)


def port_module():
    from parity.adapters.port import binary_addition_lstm as port

    return port


def max_diff(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b)
    return max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in a)


@pytest.fixture(scope="module")
def evaluation():
    x, y, a, b = data.evaluation_set()
    return x, y


@pytest.fixture(scope="module")
def legacy_run(tmp_path_factory):
    return session_cache.once(f"binary_addition_lstm legacy {CONFIG!r}",  # once per test session
                              lambda _folder: legacy.train(CONFIG, verbose=False),
                              tmp_path_factory.mktemp("legacy"))


@pytest.fixture(scope="module")
def port_run():
    return port_module().train(CONFIG, verbose=False)


@pytest.fixture(scope="module")
def batch():
    return data.generate_batch(CONFIG.batch_size, np.random.RandomState(123))


# --- outcome (issue 3) ------------------------------------------------------------------
@pytest.mark.legacy
def test_legacy_learns_binary_addition(legacy_run):
    assert legacy_run.metric == "exact_sum_accuracy" and legacy_run.higher_is_better
    assert legacy_run.value >= 0.97
    first, last = legacy_run.loss_history[0][1], legacy_run.loss_history[-1][1]
    assert last < 0.1 * first


@pytest.mark.port
def test_port_learns_binary_addition(port_run):
    assert port_run.value >= 0.97
    first, last = port_run.loss_history[0][1], port_run.loss_history[-1][1]
    # Measured last/first loss: 0.020 on the TensorFlow backend, 0.012 on JAX, 0.106 on
    # PyTorch (each backend draws its own initial weights from the seed; from one shared
    # start the three follow the same loss curve to 5 digits over the 1,500 steps).
    assert last < 0.2 * first


@pytest.mark.legacy
@pytest.mark.port
def test_outcome_parity(legacy_run, port_run):
    assert abs(legacy_run.value - port_run.value) <= 0.03


@pytest.mark.legacy
def test_legacy_is_seeded():
    a, b = legacy.train(SHORT, verbose=False), legacy.train(SHORT, verbose=False)
    assert a.loss_history == b.loss_history and max_diff(a.weights, b.weights) == 0.0
    c = legacy.train(dataclasses.replace(SHORT, seed=1), verbose=False)
    assert max_diff(a.weights, c.weights) > 1e-3


@pytest.mark.port
def test_port_is_seeded():
    port = port_module()
    a, b = port.train(SHORT, verbose=False), port.train(SHORT, verbose=False)
    assert a.loss_history == b.loss_history and max_diff(a.weights, b.weights) == 0.0


@pytest.mark.legacy
def test_legacy_variables_match_the_transplant(legacy_run):
    assert {k: v.shape for k, v in legacy_run.weights.items()} == pairs.legacy_shapes(CONFIG)


@pytest.mark.port
def test_port_variables_match_the_transplant():
    model = port_module().build_model(CONFIG)
    assert {v.path: tuple(v.shape) for v in model.weights} == pairs.port_shapes(CONFIG)


@pytest.mark.legacy
def test_legacy_evaluates_any_batch_size(legacy_run):
    x, _ = data.generate_batch(3, np.random.RandomState(0))  # the article's graph took only 64
    assert legacy.predict(legacy_run.weights, x, CONFIG).shape == (3, 8)
    with pytest.raises(ValueError, match="shape"):
        legacy.predict(legacy_run.weights, np.zeros((3, 8)), CONFIG)


# --- transplant: same outputs (issue 6) -------------------------------------------------
@pytest.mark.legacy
@pytest.mark.port
def test_transplant_legacy_to_port(legacy_run, evaluation):
    x, y = evaluation
    port = port_module()
    out_legacy = legacy.predict(legacy_run.weights, x, CONFIG)
    out_port = port.predict(pairs.legacy_to_port(legacy_run.weights, CONFIG), x, CONFIG)
    np.testing.assert_allclose(out_port, out_legacy, rtol=OUTPUT_RTOL, atol=OUTPUT_ATOL)
    np.testing.assert_array_equal(np.round(out_port), np.round(out_legacy))
    assert port.exact_sum_accuracy(out_port, y) == legacy.exact_sum_accuracy(out_legacy, y)
    assert legacy.exact_sum_accuracy(out_legacy, y) == legacy_run.value


@pytest.mark.legacy
@pytest.mark.port
def test_transplant_port_to_legacy(port_run, evaluation):
    x, y = evaluation
    port = port_module()
    out_port = port.predict(port_run.weights, x, CONFIG)
    out_legacy = legacy.predict(pairs.port_to_legacy(port_run.weights, CONFIG), x, CONFIG)
    np.testing.assert_allclose(out_legacy, out_port, rtol=OUTPUT_RTOL, atol=OUTPUT_ATOL)
    np.testing.assert_array_equal(np.round(out_port), np.round(out_legacy))
    assert legacy.exact_sum_accuracy(out_legacy, y) == port.exact_sum_accuracy(out_port, y)
    assert port.exact_sum_accuracy(out_port, y) == port_run.value


@pytest.mark.legacy
@pytest.mark.port
@pytest.mark.parametrize("left_out", ["fold_forget_bias", "reorder"])
def test_each_transplant_step_matters(legacy_run, evaluation, left_out):
    x, _ = evaluation
    port = port_module()
    out_legacy = legacy.predict(legacy_run.weights, x, CONFIG)
    wrong = pairs.legacy_to_port(legacy_run.weights, CONFIG, **{left_out: False})
    out_port = port.predict(wrong, x, CONFIG)
    assert np.max(np.abs(out_port - out_legacy)) > 1000 * OUTPUT_ATOL  # measured ~0.45


def test_transplant_checks_names_and_shapes(legacy_run):
    weights = dict(legacy_run.weights)
    with pytest.raises(ValueError, match="missing: weights"):
        pairs.legacy_to_port({k: v for k, v in weights.items() if k != "weights"}, CONFIG)
    with pytest.raises(ValueError, match="wrong shape: rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel"):
        pairs.legacy_to_port({**weights, "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel":
                              np.zeros((41, 80), np.float32)}, CONFIG)
    port_weights = pairs.legacy_to_port(weights, CONFIG)
    with pytest.raises(ValueError, match="unexpected: lstm_2/lstm_cell/bias"):
        pairs.port_to_legacy({**port_weights, "lstm_2/lstm_cell/bias": np.zeros(80)}, CONFIG)
    np.testing.assert_allclose(  # the round trip is exact up to the forget-bias fold (+1 then -1)
        max_diff(pairs.port_to_legacy(port_weights, CONFIG), weights), 0.0, atol=1e-6)


# --- transplant: same optimizer step (issue 6) ------------------------------------------
@pytest.mark.legacy
@pytest.mark.port
def test_one_adam_step_legacy_to_port(legacy_run, batch):
    start = legacy_run.weights
    stepped_legacy = legacy.train_step(start, batch, CONFIG)
    stepped_port = port_module().train_step(pairs.legacy_to_port(start, CONFIG), batch, CONFIG)
    assert max_diff(stepped_legacy, start) > 1e-4  # Adam's first step moves weights ~1e-3
    assert max_diff(pairs.port_to_legacy(stepped_port, CONFIG), stepped_legacy) < STEP_ATOL


@pytest.mark.legacy
@pytest.mark.port
def test_one_adam_step_port_to_legacy(port_run, batch):
    start = port_run.weights
    stepped_port = port_module().train_step(start, batch, CONFIG)
    stepped_legacy = legacy.train_step(pairs.port_to_legacy(start, CONFIG), batch, CONFIG)
    assert max_diff(stepped_port, start) > 1e-4
    assert max_diff(pairs.legacy_to_port(stepped_legacy, CONFIG), stepped_port) < STEP_ATOL


# --- checkpoint -------------------------------------------------------------------------
@pytest.mark.legacy
def test_legacy_writes_a_saver_checkpoint(tmp_path):
    import tensorflow as tf

    result = legacy.train(SHORT, verbose=False, checkpoint_path=str(tmp_path / "model.ckpt"))
    assert (tmp_path / "model.ckpt.index").exists() and (tmp_path / "checkpoint").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ckpt-")]  # temp dir gone
    reader = tf.train.load_checkpoint(str(tmp_path / "model.ckpt"))
    for name, value in result.weights.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)

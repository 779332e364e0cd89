"""series_predictor: the article's 1,000 iterations on both sides, Saver / weights-file
round trips, checkpoint errors, the variable-reuse defect, and weight-transplant parity."""

import dataclasses
import os
import tempfile

import numpy as np
import pytest
import session_cache

from datasets.series_toy import TEST_X, TEST_Y, TRAIN_X, TRAIN_Y
from hyperparams import SeriesPredictorConfig

# Seed 0: with the article's 1,000 iterations both sides land every prediction within
# 1.0, the port on each Keras backend too (largest errors seen: legacy 0.97; port 0.80 on
# TensorFlow, 0.94 on JAX, 0.83 on PyTorch: each backend draws its own initial weights
# from the seed). The criterion is tight for this article: seeds 0-3 put the worst step
# 0.67-0.97 off (legacy), seeds 0-5 0.71-1.75 (port, TensorFlow), 0.85-1.58 (JAX) and
# 0.83-1.81 (PyTorch); the book's own run printed 11.94 for a target of 11.
SEED = 0
CONFIG = SeriesPredictorConfig(seed=SEED)
WITHIN = 1.0


@pytest.fixture(scope="module")
def legacy_run(tmp_path_factory):
    from parity.adapters.legacy import series_predictor

    def train(directory):  # once per test session (tests/session_cache.py)
        return series_predictor.train(dataclasses.replace(CONFIG, checkpoint_dir=str(directory)),
                                      verbose=False), directory

    return session_cache.once(f"series_predictor legacy {CONFIG!r}", train,
                              tmp_path_factory.mktemp("legacy_ckpt"))


@pytest.fixture(scope="module")
def port_run(tmp_path_factory):
    from parity.adapters.port import series_predictor

    directory = tmp_path_factory.mktemp("port_ckpt")
    return series_predictor.train(dataclasses.replace(CONFIG, checkpoint_dir=str(directory)),
                                  verbose=False), directory


# ---------------------------------------------------------------- outcome

@pytest.mark.legacy
def test_legacy_predicts_the_test_sequences(legacy_run):
    result, _ = legacy_run
    predictions = result.extras["predictions"]
    assert predictions.shape == TEST_Y.shape
    assert np.all(np.abs(predictions - TEST_Y) < WITHIN), predictions
    assert result.metric == "test_mse" and not result.higher_is_better
    assert result.value == pytest.approx(float(np.mean((predictions - TEST_Y) ** 2)))
    # training worked: the loss fell from the first logged iteration to the last
    assert result.loss_history[-1][1] < 0.1 * result.loss_history[0][1]


@pytest.mark.port
def test_port_predicts_the_test_sequences(port_run):
    result, _ = port_run
    predictions = result.extras["predictions"]
    assert predictions.shape == TEST_Y.shape
    assert np.all(np.abs(predictions - TEST_Y) < WITHIN), predictions
    assert result.loss_history[-1][1] < 0.1 * result.loss_history[0][1]


@pytest.mark.legacy
@pytest.mark.port
def test_both_sides_reach_comparable_mse(legacy_run, port_run):
    # registry tolerance for series_predictor: MSEs within 0.5
    assert abs(legacy_run[0].value - port_run[0].value) < 0.5


# ---------------------------------------------------------------- checkpoints

@pytest.mark.legacy
def test_legacy_checkpoint_goes_to_the_given_folder(legacy_run):
    result, directory = legacy_run
    path = result.extras["checkpoint"]
    assert os.path.dirname(path) == str(directory)
    assert os.path.exists(path + ".index")
    assert not [f for f in os.listdir(directory) if ".tmp-" in f or f.startswith(".")]


@pytest.mark.parametrize("side", [pytest.param("parity.adapters.legacy", marks=pytest.mark.legacy),
                                  pytest.param("parity.adapters.port", marks=pytest.mark.port)])
def test_without_a_checkpoint_dir_nothing_is_left_in_the_temp_or_current_folder(
        side, tmp_path, monkeypatch):
    """checkpoint_dir=None: saved to and restored from a temporary folder, which is gone
    afterwards (each run used to leave one in the system temp folder), never the cwd."""
    import importlib

    module = importlib.import_module(f"{side}.series_predictor")
    temp, cwd = tmp_path / "tmp", tmp_path / "cwd"
    temp.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(cwd)
    result = module.train(dataclasses.replace(CONFIG, steps=20), verbose=False)
    assert result.extras["checkpoint"] is None  # nothing to point at any more
    assert result.extras["predictions"].shape == TEST_Y.shape and result.weights
    assert os.listdir(temp) == [] and os.listdir(cwd) == []


@pytest.mark.legacy
def test_legacy_restore_in_a_fresh_graph_is_bit_identical(legacy_run):
    from parity.adapters.legacy import series_predictor

    result, _ = legacy_run
    fresh = series_predictor.SeriesPredictor(1, 4, 10, seed=SEED + 1)  # other initial values
    restored = fresh.test(TEST_X, result.extras["checkpoint"])
    np.testing.assert_array_equal(restored, result.extras["predictions"])
    np.testing.assert_array_equal(
        series_predictor.predict(result.weights, TEST_X, CONFIG), result.extras["predictions"])


@pytest.mark.port
def test_port_restore_into_a_fresh_model_is_bit_identical(port_run):
    from parity.adapters.port import series_predictor

    result, directory = port_run
    path = result.extras["checkpoint"]
    assert os.path.dirname(path) == str(directory) and path.endswith(".weights.h5")
    assert os.listdir(directory) == [os.path.basename(path)]  # no temporary left behind
    fresh = series_predictor.restore_checkpoint(path, CONFIG)
    np.testing.assert_array_equal(fresh.predict(TEST_X, verbose=0), result.extras["predictions"])
    np.testing.assert_array_equal(
        series_predictor.predict(result.weights, TEST_X, CONFIG), result.extras["predictions"])


def _one_line_naming(excinfo, path):
    message = str(excinfo.value)
    assert "\n" not in message and str(path) in message, message


@pytest.mark.legacy
def test_legacy_missing_or_corrupt_checkpoint_is_one_clear_error(legacy_run, tmp_path):
    from parity.adapters.legacy import series_predictor

    predictor = series_predictor.SeriesPredictor(1, 4, 10)
    missing = tmp_path / "nowhere" / "model.ckpt"
    with pytest.raises(FileNotFoundError) as excinfo:
        predictor.test(TEST_X, missing)
    _one_line_naming(excinfo, missing)

    corrupt = tmp_path / "model.ckpt"
    source = legacy_run[0].extras["checkpoint"]
    for suffix in (".index", ".data-00000-of-00001"):
        with open(source + suffix, "rb") as f:
            data = f.read()
        (tmp_path / ("model.ckpt" + suffix)).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError) as excinfo:
        predictor.test(TEST_X, corrupt)
    _one_line_naming(excinfo, corrupt)


@pytest.mark.port
def test_port_missing_or_corrupt_checkpoint_is_one_clear_error(port_run, tmp_path):
    from parity.adapters.port import series_predictor

    missing = tmp_path / "model.weights.h5"
    with pytest.raises(FileNotFoundError) as excinfo:
        series_predictor.restore_checkpoint(missing, CONFIG)
    _one_line_naming(excinfo, missing)

    with open(port_run[0].extras["checkpoint"], "rb") as f:
        data = f.read()
    missing.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError) as excinfo:
        series_predictor.restore_checkpoint(missing, CONFIG)
    _one_line_naming(excinfo, missing)


# ---------------------------------------------------------------- the reuse defect

@pytest.mark.legacy
def test_rebuilding_the_model_needs_reuse_and_the_fix_shares_one_cell(legacy_run):
    from parity.adapters.legacy import series_predictor
    from tf1_compat.runtime import tf1

    tf = tf1()
    predictor = series_predictor.SeriesPredictor(1, 4, 10)
    with predictor.graph.as_default():
        with pytest.raises(ValueError, match="already exists"):
            predictor.model()  # the article's second model() call without reuse
    predictor.test(TEST_X, legacy_run[0].extras["checkpoint"])  # the fixed path
    names = sorted(v.name for v in predictor.graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES))
    assert names == ["W_out:0", "b_out:0", "rnn/basic_lstm_cell/bias:0",
                     "rnn/basic_lstm_cell/kernel:0"]


# ---------------------------------------------------------------- numerical equivalence

@pytest.mark.legacy
@pytest.mark.port
def test_legacy_weights_in_the_port_give_the_same_outputs(legacy_run):
    from parity.adapters.port import series_predictor as port
    from parity.pairs import series_predictor as pairs

    legacy = legacy_run[0]
    outputs = port.predict(pairs.legacy_to_port(legacy.weights, CONFIG), TEST_X, CONFIG)
    np.testing.assert_allclose(outputs, legacy.extras["predictions"], rtol=1e-6, atol=1e-5)
    mse = float(np.mean((outputs - TEST_Y) ** 2))
    assert mse == pytest.approx(legacy.value, rel=1e-5, abs=1e-6)


@pytest.mark.legacy
@pytest.mark.port
def test_port_weights_in_the_legacy_graph_give_the_same_outputs(port_run):
    from parity.adapters.legacy import series_predictor as legacy
    from parity.pairs import series_predictor as pairs

    port = port_run[0]
    weights = pairs.port_to_legacy(port.weights, CONFIG)
    outputs = legacy.predict(weights, TEST_X, CONFIG)
    np.testing.assert_allclose(outputs, port.extras["predictions"], rtol=1e-6, atol=1e-5)
    round_trip = pairs.legacy_to_port(weights, CONFIG)
    for name, value in port.weights.items():
        np.testing.assert_allclose(round_trip[name], value, rtol=0, atol=1e-6)


@pytest.mark.legacy
@pytest.mark.port
def test_one_adam_step_gives_the_same_weights(legacy_run):
    from parity.adapters.legacy import series_predictor as legacy
    from parity.adapters.port import series_predictor as port
    from parity.pairs import series_predictor as pairs

    start = legacy_run[0].weights
    after_legacy = legacy.train_step(start, (TRAIN_X, TRAIN_Y), CONFIG)
    after_port = port.train_step(pairs.legacy_to_port(start, CONFIG), (TRAIN_X, TRAIN_Y), CONFIG)
    expected = pairs.legacy_to_port(after_legacy, CONFIG)
    moved = 0.0
    for name, value in expected.items():
        np.testing.assert_allclose(after_port[name], value, rtol=1e-5, atol=1e-6, err_msg=name)
        moved = max(moved, float(np.max(np.abs(value - pairs.legacy_to_port(start, CONFIG)[name]))))
    assert moved > 1e-4  # the step changed the weights (Adam's first step is ~lr = 1e-3)


@pytest.mark.legacy
@pytest.mark.port
def test_transplant_rejects_mismatched_names_and_shapes(legacy_run):
    from parity.pairs import series_predictor as pairs

    weights = dict(legacy_run[0].weights)
    weights["W_out"] = weights["W_out"][:5]
    with pytest.raises(ValueError, match="W_out"):
        pairs.legacy_to_port(weights, CONFIG)
    with pytest.raises(ValueError, match="missing"):
        pairs.port_to_legacy({"out/kernel": np.zeros((10, 1))}, CONFIG)

"""airline_passengers: outcome (each side beats a flat forecast, legacy ~ port), weight
transplant legacy <-> port <-> torch (equal outputs, forecast, metric, one Adam step),
training from identical initial weights (``config.init="torch"``: legacy and port take the
same path; torch leaves it by its two biases and Adam's epsilon placement), checkpoint, plots.

Budgets and tolerances come from runs (see the constants below); the whole file runs in
well under 3 minutes on 2 cores. Torch tests skip, saying how to install it, when PyTorch
is absent.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
import session_cache

import legacy_graph  # noqa: F401  (legacy Keras routing before any TensorFlow import)
from datasets import airline
from hyperparams import AirlinePassengersConfig
from parity.adapters.legacy import airline_passengers as legacy
from parity.adapters.reference import airline_passengers as torch_ref
from parity.pairs import airline_passengers as pairs

needs_torch = pytest.mark.skipif(not torch_ref.torch_available(), reason=torch_ref.TORCH_MISSING)

# --- outcome budget and tolerance (measured, 5 seeds per side) -----------------------------
# Recursive 12-month forecast RMSE (passengers) at 20 epochs, seeds 0-4:
#   legacy 84.6 53.5 97.8 86.2 125.5  (mean 89.5, std 26.0)
#   port   96.1 74.1 101.7 114.7 120.7 (mean 101.5, std 18.2)
#   torch  57.5 51.9 121.9 55.7 52.8  (mean 67.9, std 30.2);  flat forecast 88.5
# The recursive forecast is erratic in the budget (seed 0, every 5 epochs, legacy:
# 132 42 108 85 93 143 166 198; it overshoots upwards as training goes on, 293 at 300
# epochs), so "beats the flat forecast" on the recursive forecast holds for no short
# budget and every seed; the outcome test uses the one-step-ahead forecast of the 12 test
# months (each from the 12 actual months before it), which a trained model beats the flat
# forecast with and an untrained one does not. The recursive RMSE is checked for parity:
# one seed's legacy-port difference is a difference of two independent draws, std
# sqrt(26.0^2 + 18.2^2) = 31.7; the tolerance is 2.5 of those, 80 passengers.
EPOCHS = 20
SEED = 0
RMSE_TOLERANCE = 80.0

# --- numerical parity (float32) --------------------------------------------------------------
RTOL, ATOL = 1e-6, 1e-5  # outputs of the same weights, legacy vs port (DESIGN.md, level 2)
TORCH_RTOL, TORCH_ATOL = 1e-5, 1e-5  # torch sums two biases and orders ops differently
FORECAST_ATOL = 0.01  # passengers: 12 recursive float32 steps, x ~259 by the inverse scaling
# One Adam step: updates are ~1e-3 (lr); where a gradient is ~eps, float32 rounding of
# m / (sqrt(v) + eps) shows. Measured largest difference 1.02e-6 (1 of 40,000 weights, the
# PyTorch backend with its kernels limited to SSE4.2; below 1e-6 on the others), so 5e-6:
# still 200 times below one step, which a mapping error moves a weight by.
STEP_ATOL = 5e-6
# torch vs Keras, one step: the eps placement is made equal only up to float32 rounding;
# where a gradient is ~1e-7 the step depends on eps (2 of 40,000 weights differed by 1.2e-6)
TORCH_STEP_ATOL = 5e-6

# --- training from identical initial weights (config.init="torch"), one epoch, seed 0 ------
# measured: legacy vs port epoch loss 2.3e-7 apart (0.108593), weights after 120 steps
# within 3.1e-6; legacy vs the article's torch loop: per-step losses 0.10 apart (the two
# PyTorch biases each take an Adam step); with one bias: 3.2e-4 (eps placement); with one
# bias and TF1's Adam: 1.7e-6. The tolerance sits between the last two.
SAME_PATH_ATOL = 1e-5

CONFIG = dataclasses.replace(AirlinePassengersConfig(), steps=EPOCHS, seed=SEED)


@pytest.fixture(scope="module")
def data():
    return airline.prepare(CONFIG.window, CONFIG.test_months)


@pytest.fixture(scope="module")
def flat_rmse(data):
    """The naive forecast every model must beat: the mean of the last 12 training months."""
    flat = np.full(CONFIG.test_months, data.train[-12:].mean())
    return legacy.forecast_errors(flat, data.test)[0]


@pytest.fixture(scope="module")
def test_windows(data):
    """The 12 windows whose next month is a test month (the series scaled by the train scaler)."""
    scaled = data.scaler.transform(data.series)
    n = len(scaled)
    starts = range(n - CONFIG.test_months - CONFIG.window, n - CONFIG.window)
    return np.stack([scaled[s:s + CONFIG.window] for s in starts]).astype(np.float32)[..., None]


@pytest.fixture(scope="module")
def legacy_run(tmp_path_factory):
    def train(folder):  # once per test session (tests/session_cache.py)
        ckpt = folder / "model.ckpt"
        return legacy.train(CONFIG, verbose=False, checkpoint_path=ckpt), ckpt

    return session_cache.once(f"airline_passengers legacy {CONFIG!r}", train,
                              tmp_path_factory.mktemp("ckpt"))


@pytest.fixture(scope="module")
def port_run():
    from parity.adapters.port import airline_passengers as port

    return port.train(CONFIG, verbose=False)


@pytest.fixture(scope="module")
def torch_run():
    return torch_ref.train(CONFIG, verbose=False)


@pytest.fixture(scope="module")
def port():
    from parity.adapters.port import airline_passengers as port

    return port


def _one_step_rmse(predict, weights, test_windows, data):
    scaled = np.asarray(predict(weights, test_windows, CONFIG)).reshape(-1, 1)
    return legacy.forecast_errors(data.scaler.inverse_transform(scaled).ravel(), data.test)[0]


def _assert_result(result, predict, test_windows, data, flat_rmse):
    forecast = np.asarray(result.extras["forecast"])
    assert forecast.shape == (CONFIG.test_months,) and np.all(np.isfinite(forecast))
    rmse, mape = legacy.forecast_errors(forecast, data.test)
    assert result.metric == "forecast_rmse" and not result.higher_is_better
    assert result.value == pytest.approx(rmse) and result.extras["mape"] == pytest.approx(mape)
    assert len(result.loss_history) == EPOCHS
    assert result.loss_history[-1][1] < result.loss_history[0][1]  # it learned
    one_step = _one_step_rmse(predict, result.weights, test_windows, data)
    assert one_step < flat_rmse, f"{result.impl} one-step RMSE {one_step:.1f} >= flat {flat_rmse:.1f}"


# ============================================================================ outcome
@pytest.mark.legacy
def test_legacy_beats_flat_forecast(legacy_run, test_windows, data, flat_rmse):
    _assert_result(legacy_run[0], legacy.predict, test_windows, data, flat_rmse)


@pytest.mark.port
def test_port_beats_flat_forecast(port_run, port, test_windows, data, flat_rmse):
    _assert_result(port_run, port.predict, test_windows, data, flat_rmse)


@pytest.mark.torch
@needs_torch
def test_torch_beats_flat_forecast(torch_run, test_windows, data, flat_rmse):
    _assert_result(torch_run, torch_ref.predict, test_windows, data, flat_rmse)


def test_untrained_model_does_not_beat_flat(port, test_windows, data, flat_rmse):
    """The outcome criterion can fail: Keras's initial weights do not pass it."""
    import keras

    keras.utils.set_random_seed(SEED)
    model = port.build_model(CONFIG)
    weights = {v.path: v.numpy() for v in model.weights}
    assert _one_step_rmse(port.predict, weights, test_windows, data) > flat_rmse


@pytest.mark.legacy
@pytest.mark.port
def test_legacy_and_port_rmse_within_tolerance(legacy_run, port_run):
    diff = abs(legacy_run[0].value - port_run.value)
    assert diff <= RMSE_TOLERANCE, (legacy_run[0].value, port_run.value)


@pytest.mark.legacy
def test_same_seed_same_numbers():
    config = dataclasses.replace(CONFIG, steps=1)
    a, b = (legacy.train(config, verbose=False) for _ in range(2))
    assert a.value == b.value
    np.testing.assert_array_equal(a.weights["rnn/lstm_cell/kernel"], b.weights["rnn/lstm_cell/kernel"])


# ============================================================================ checkpoint
@pytest.mark.legacy
def test_checkpoint_holds_the_trained_weights(legacy_run):
    result, ckpt = legacy_run
    files = sorted(os.listdir(ckpt.parent))
    assert "checkpoint" in files and f"{ckpt.name}.index" in files
    assert not [f for f in files if f.startswith(".")], files  # no temporary left behind
    restored = legacy.restore_session_weights(ckpt, CONFIG)
    for name, value in result.weights.items():
        np.testing.assert_array_equal(restored[name], value)


@pytest.mark.legacy
def test_bad_checkpoint_is_one_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot restore checkpoint"):
        legacy.restore_session_weights(tmp_path / "missing.ckpt", CONFIG)


# ============================================================================ transplant
@pytest.mark.legacy
@pytest.mark.port
def test_legacy_to_port_same_outputs_forecast_metric(legacy_run, port, test_windows, data):
    weights = legacy_run[0].weights
    ported = pairs.legacy_to_port(weights, CONFIG)
    expected = legacy.predict(weights, test_windows, CONFIG)
    got = port.predict(ported, test_windows, CONFIG)
    assert expected.shape == (CONFIG.test_months, 1)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    forecast = port.forecast(ported, CONFIG)
    np.testing.assert_allclose(forecast, legacy_run[0].extras["forecast"], rtol=0, atol=FORECAST_ATOL)
    assert port.forecast_errors(forecast, data.test)[0] == pytest.approx(legacy_run[0].value, abs=FORECAST_ATOL)


@pytest.mark.legacy
@pytest.mark.port
def test_port_to_legacy_same_outputs_forecast_metric(port_run, port, test_windows, data):
    weights = port_run.weights
    back = pairs.port_to_legacy(weights, CONFIG)
    np.testing.assert_allclose(
        legacy.predict(back, test_windows, CONFIG), port.predict(weights, test_windows, CONFIG),
        rtol=RTOL, atol=ATOL,
    )
    forecast = legacy.forecast(back, CONFIG)
    np.testing.assert_allclose(forecast, port_run.extras["forecast"], rtol=0, atol=FORECAST_ATOL)
    assert legacy.forecast_errors(forecast, data.test)[0] == pytest.approx(port_run.value, abs=FORECAST_ATOL)


def test_round_trip_and_the_forget_bias_fold(legacy_run):
    weights = legacy_run[0].weights
    back = pairs.port_to_legacy(pairs.legacy_to_port(weights, CONFIG), CONFIG)
    for name, value in weights.items():
        np.testing.assert_allclose(back[name], value, rtol=0, atol=1e-6)
    ported = pairs.legacy_to_port(weights, CONFIG)
    h = CONFIG.hidden_size
    f_keras = ported[f"{pairs.PORT_CELL}/bias"][h:2 * h]  # Keras (i, f, c, o)
    f_tf1 = weights[f"{pairs.LEGACY_CELL}/bias"][2 * h:3 * h]  # TF1 (i, j, f, o)
    np.testing.assert_allclose(f_keras, f_tf1 + 1.0, atol=1e-6)


def test_wrong_weights_are_one_clear_error(legacy_run):
    weights = dict(legacy_run[0].weights)
    weights.pop("linear/bias")
    with pytest.raises(ValueError, match="missing: linear/bias"):
        pairs.legacy_to_port(weights, CONFIG)
    with pytest.raises(ValueError, match="wrong shape"):
        pairs.torch_to_port({k: np.zeros((2, 2)) for k in pairs.torch_shapes(CONFIG)}, CONFIG)


@pytest.mark.legacy
@pytest.mark.port
def test_one_adam_step_equal(legacy_run, port, data):
    weights = legacy_run[0].weights
    batch = (data.x[:1], data.y[:1])
    new_legacy = legacy.train_step(weights, batch, CONFIG)
    new_port = port.train_step(pairs.legacy_to_port(weights, CONFIG), batch, CONFIG)
    moved = pairs.legacy_to_port(new_legacy, CONFIG)
    before = pairs.legacy_to_port(weights, CONFIG)
    for name, value in new_port.items():
        assert np.abs(moved[name] - before[name]).max() > 1e-4, f"{name} did not move"
        np.testing.assert_allclose(value, moved[name], rtol=0, atol=STEP_ATOL, err_msg=name)


@pytest.mark.legacy
@pytest.mark.port
def test_inputs_of_wrong_shape_are_one_clear_error(legacy_run, port):
    with pytest.raises(ValueError, match=r"inputs must have shape \[n, 12, 1\]"):
        legacy.predict(legacy_run[0].weights, np.zeros((2, 5, 1)), CONFIG)
    with pytest.raises(ValueError, match=r"inputs must have shape \[n, 12, 1\]"):
        port.predict(pairs.legacy_to_port(legacy_run[0].weights, CONFIG), np.zeros((2, 5)), CONFIG)


# ============================================================================ torch reference
@pytest.mark.torch
@pytest.mark.legacy
@needs_torch
def test_legacy_to_torch_same_outputs_forecast(legacy_run, test_windows):
    weights = legacy_run[0].weights
    ported = pairs.legacy_to_torch(weights, CONFIG)
    np.testing.assert_allclose(
        torch_ref.predict(ported, test_windows, CONFIG), legacy.predict(weights, test_windows, CONFIG),
        rtol=TORCH_RTOL, atol=TORCH_ATOL,
    )
    np.testing.assert_allclose(
        torch_ref.forecast(ported, CONFIG), legacy_run[0].extras["forecast"], rtol=0, atol=FORECAST_ATOL
    )


@pytest.mark.torch
@pytest.mark.port
@needs_torch
def test_torch_to_port_same_outputs_forecast_metric(torch_run, port, test_windows, data):
    weights = torch_run.weights
    assert set(weights) == set(pairs.torch_shapes(CONFIG))  # the article module's own names
    ported = pairs.torch_to_port(weights, CONFIG)
    np.testing.assert_allclose(
        port.predict(ported, test_windows, CONFIG), torch_ref.predict(weights, test_windows, CONFIG),
        rtol=TORCH_RTOL, atol=TORCH_ATOL,
    )
    forecast = port.forecast(ported, CONFIG)
    np.testing.assert_allclose(forecast, torch_run.extras["forecast"], rtol=0, atol=FORECAST_ATOL)
    assert port.forecast_errors(forecast, data.test)[0] == pytest.approx(torch_run.value, abs=FORECAST_ATOL)


@pytest.mark.torch
@pytest.mark.port
@needs_torch
def test_one_adam_step_torch_equals_port(legacy_run, port, data):
    """PyTorch adds eps to the bias-corrected sqrt(v), TF1/Keras to the raw one: with
    eps_torch = 1e-8 / sqrt(1 - beta2) the first steps are the same update."""
    weights = pairs.legacy_to_port(legacy_run[0].weights, CONFIG)
    batch = (data.x[:1], data.y[:1])
    new_port = port.train_step(weights, batch, CONFIG)
    eps = 1e-8 / np.sqrt(1 - 0.999)
    new_torch = pairs.torch_to_port(
        torch_ref.train_step(pairs.port_to_torch(weights, CONFIG), batch, CONFIG, eps=eps), CONFIG
    )
    bias = f"{pairs.PORT_CELL}/bias"
    for name, value in new_port.items():
        if name == bias:
            # PyTorch's two biases (bias_ih, bias_hh) get the same gradient and each takes
            # its own Adam step: the summed bias moves twice as far as Keras's one bias
            np.testing.assert_allclose(
                new_torch[name] - weights[name], 2 * (value - weights[name]), rtol=0,
                atol=2 * TORCH_STEP_ATOL,
            )
        else:
            np.testing.assert_allclose(new_torch[name], value, rtol=0, atol=TORCH_STEP_ATOL, err_msg=name)


def test_torch_missing_is_a_clear_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install '\.\[torch\]'"):
        torch_ref.train(dataclasses.replace(CONFIG, steps=1), verbose=False)


# ============================================================================ initialisation
@pytest.fixture(scope="module")
def shared_init_runs(port):
    """One epoch of legacy and port, both from PyTorch's default init drawn with the seed."""
    config = dataclasses.replace(CONFIG, steps=1, init="torch")
    return config, legacy.train(config, verbose=False), port.train(config, verbose=False)


def test_init_option_gives_every_side_the_same_function(port, test_windows):
    config = dataclasses.replace(CONFIG, init="torch")
    assert pairs.initial_weights(CONFIG, "legacy") is None  # "framework": each its own
    drawn = pairs.torch_init(config)
    bound = 1 / np.sqrt(CONFIG.hidden_size)
    for name, value in drawn.items():  # PyTorch's U(-1/sqrt(h), 1/sqrt(h)), not Glorot/zeros
        assert value.shape == pairs.torch_shapes(CONFIG)[name]
        assert np.abs(value).max() <= bound and (value.size < 10 or np.abs(value).max() > 0.9 * bound)
    np.testing.assert_array_equal(pairs.torch_init(config)["lstm.weight_hh_l0"], drawn["lstm.weight_hh_l0"])
    other = pairs.torch_init(dataclasses.replace(config, seed=SEED + 1))["lstm.weight_hh_l0"]
    assert not np.array_equal(other, drawn["lstm.weight_hh_l0"])
    out_legacy = legacy.predict(pairs.initial_weights(config, "legacy"), test_windows, config)
    out_port = port.predict(pairs.initial_weights(config, "port"), test_windows, config)
    np.testing.assert_allclose(out_port, out_legacy, rtol=RTOL, atol=ATOL)
    if torch_ref.torch_available():
        out_torch = torch_ref.predict(pairs.initial_weights(config, "torch"), test_windows, config)
        np.testing.assert_allclose(out_torch, out_legacy, rtol=TORCH_RTOL, atol=TORCH_ATOL)
    with pytest.raises(ValueError, match="init must be one of"):
        legacy.train(dataclasses.replace(CONFIG, init="glorot"), verbose=False)
    with pytest.raises(ValueError, match="init must be one of"):
        port.train(dataclasses.replace(CONFIG, init="glorot"), verbose=False)


@pytest.mark.legacy
@pytest.mark.port
def test_identical_init_legacy_and_port_train_the_same(shared_init_runs):
    """From the same weights the TF1 and Keras programs take the same training path."""
    config, run_legacy, run_port = shared_init_runs
    assert run_legacy.extras["init"] == run_port.extras["init"] == "torch"
    assert run_legacy.loss_history[0][1] == pytest.approx(run_port.loss_history[0][1], rel=1e-5)
    start = pairs.initial_weights(config, "port")
    moved = pairs.legacy_to_port(run_legacy.weights, config)
    for name, value in run_port.weights.items():
        assert np.abs(value - start[name]).max() > 1e-3, f"{name} did not train"
        np.testing.assert_allclose(value, moved[name], rtol=0, atol=2 * SAME_PATH_ATOL, err_msg=name)


@pytest.mark.torch
@pytest.mark.legacy
@needs_torch
def test_identical_init_torch_differs_by_its_two_biases_and_adam_eps(shared_init_runs, data):
    """From the same weights PyTorch's path leaves TF1's at once; removing its second bias
    and using TF1's epsilon placement puts it back on TF1's path, step for step."""
    config, run_legacy, _ = shared_init_runs
    expected = np.asarray(run_legacy.extras["first_epoch_losses"])
    assert expected.shape == (len(data.x),)
    start = pairs.initial_weights(config, "torch")
    article = torch_ref.train(config, verbose=False)  # the article's loop, init="torch"
    _, diag = torch_ref.train_windows(start, data.x, data.y, config)
    np.testing.assert_allclose(diag, article.extras["first_epoch_losses"], rtol=0, atol=1e-6)
    assert article.extras["first_epoch_losses"][0] == pytest.approx(expected[0], abs=SAME_PATH_ATOL)
    assert np.abs(diag - expected).max() > 1e-2  # two biases: a different path
    _, one_bias = torch_ref.train_windows(start, data.x, data.y, config, one_bias=True)
    assert np.abs(one_bias - expected).max() > 2 * SAME_PATH_ATOL  # eps placement still shows
    _, same = torch_ref.train_windows(start, data.x, data.y, config, one_bias=True, tf_adam=True)
    np.testing.assert_allclose(same, expected, rtol=0, atol=SAME_PATH_ATOL)


# ============================================================================ plots
def test_forecast_plots_written(tmp_path, data, legacy_run):
    from parity.plots_airline import plot_forecast_panels, plot_forecasts

    forecasts = {"legacy": legacy_run[0].extras["forecast"], "flat": np.full(12, data.train[-12:].mean())}
    full, zoom = plot_forecasts(data.series, forecasts, tmp_path / "full.png", tmp_path / "zoom.png")
    panels = plot_forecast_panels(data.series, forecasts, tmp_path / "both.png")
    for path in (full, zoom, panels):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["both.png", "full.png", "zoom.png"]
    with pytest.raises(ValueError, match="forecast 'bad'"):
        plot_forecasts(data.series, {"bad": np.zeros(200)}, tmp_path / "a.png", tmp_path / "b.png")

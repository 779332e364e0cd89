"""binary_addition_numpy_rnn: the article's NumPy RNN, its TF1 graph and Keras twins.

The showcase of exact equivalence: from the NumPy program's initial weights and the same
stream of examples, in float64, the three implementations follow the same trajectory.
"""

import dataclasses

import numpy as np
import pytest
import session_cache

from datasets import binary_addition as data
from hyperparams import BinaryAdditionNumpyRNNConfig
from parity.adapters.legacy import binary_addition_numpy_rnn as legacy
from parity.adapters.reference import binary_addition_numpy_rnn as reference
from parity.pairs import binary_addition_numpy_rnn as pairs

CONFIG = BinaryAdditionNumpyRNNConfig()
TRAJECTORY_ATOL = 1e-9  # float64; measured: 3e-16 after 100 iterations, 4e-14 after 10,000
STEP_ATOL = 1e-12  # one SGD step from the same weights; measured ~1e-16


def max_diff(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b)
    return max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k])))) for k in a)


def port_module():
    """The Keras port; skipped, with the backend's one-line reason, where float64 is unavailable
    (PyTorch; JAX without JAX_ENABLE_X64=1: the backend test runs this module again with it set)."""
    from parity import backends, keras_fit

    if not keras_fit.float64_supported():
        pytest.skip(f"{keras_fit.backend()} backend: {backends.CANNOT[keras_fit.backend()]['float64']}")
    from parity.adapters.port import binary_addition_numpy_rnn as port

    return port


@pytest.fixture(scope="module")
def evaluation():
    x, y, a, b = data.evaluation_set()
    return x, y


@pytest.fixture(scope="module")
def numpy_full(tmp_path_factory):
    return session_cache.once(f"binary_addition_numpy_rnn numpy {CONFIG!r}",  # once per session
                              lambda _folder: reference.train(CONFIG, verbose=False),
                              tmp_path_factory.mktemp("numpy"))


@pytest.fixture(scope="module")
def legacy_full(tmp_path_factory):
    return session_cache.once(f"binary_addition_numpy_rnn legacy {CONFIG!r}",  # once per session
                              lambda _folder: legacy.train(CONFIG, verbose=False),
                              tmp_path_factory.mktemp("legacy"))


@pytest.fixture(scope="module")
def port_full():
    return port_module().train(CONFIG, verbose=False)


@pytest.fixture(scope="module")
def short_runs():
    config = dataclasses.replace(CONFIG, steps=100)
    return {
        "numpy": reference.train(config, verbose=False),
        "legacy": legacy.train(config, verbose=False),
        "port": port_module().train(config, verbose=False),
        "start": reference.initial_weights(np.random.RandomState(config.seed), config),
    }


# --- the NumPy reference ----------------------------------------------------------------
@pytest.mark.legacy
def test_numpy_reference_learns_every_sum_within_10000_iterations(numpy_full):
    history = dict(numpy_full.extras["accuracy_history"])
    assert numpy_full.value == 1.0
    assert history[1000] < 0.01  # the article's 1,000 iterations: no sum right yet
    assert history[10000] == 1.0
    assert numpy_full.metric == "exact_sum_accuracy" and numpy_full.impl == "numpy"


@pytest.mark.legacy
def test_hand_written_backpropagation_is_the_gradient_of_half_squared_error():
    rng = np.random.RandomState(3)
    weights = reference.initial_weights(rng)
    x, y = (a.astype(np.float64) for a in data.generate_batch(4, rng))
    new = reference.train_step(weights, (x, y), CONFIG)

    def loss(w):
        return 0.5 * np.sum((y - reference.forward(w, x)[0]) ** 2)

    eps = 1e-6
    for name in reference.WEIGHT_NAMES:
        numeric = np.zeros_like(weights[name])
        for idx in np.ndindex(*weights[name].shape):
            plus = {k: v.copy() for k, v in weights.items()}
            minus = {k: v.copy() for k, v in weights.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            numeric[idx] = (loss(plus) - loss(minus)) / (2 * eps)
        np.testing.assert_allclose(new[name], weights[name] - CONFIG.alpha * numeric, atol=1e-8)
        assert np.max(np.abs(new[name] - weights[name])) > 1e-4  # the step did move


@pytest.mark.legacy
def test_numpy_reference_is_seeded():
    config = dataclasses.replace(CONFIG, steps=50, log_every=10)
    a, b = reference.train(config, verbose=False), reference.train(config, verbose=False)
    assert a.loss_history == b.loss_history and max_diff(a.weights, b.weights) == 0.0
    c = reference.train(dataclasses.replace(config, seed=1), verbose=False)
    assert max_diff(a.weights, c.weights) > 1e-3


@pytest.mark.legacy
def test_numpy_reference_rejects_bad_input():
    weights = reference.initial_weights(np.random.RandomState(0))
    with pytest.raises(ValueError, match="shape"):
        reference.predict(weights, np.zeros((3, 8, 3)))
    with pytest.raises(ValueError, match="missing: synapse_h"):
        reference.predict({k: v for k, v in weights.items() if k != "synapse_h"}, np.zeros((3, 8, 2)))


# --- trajectory equivalence: NumPy, TF1 and Keras ---------------------------------------
@pytest.mark.legacy
@pytest.mark.port
def test_three_implementations_equal_after_100_iterations(short_runs):
    numpy_w = short_runs["numpy"].weights
    assert max_diff(numpy_w, short_runs["start"]) > 1e-2  # training moved the weights
    assert max_diff(numpy_w, short_runs["legacy"].weights) < TRAJECTORY_ATOL
    assert max_diff(numpy_w, pairs.port_to_legacy(short_runs["port"].weights, CONFIG)) < TRAJECTORY_ATOL


@pytest.mark.legacy
def test_tf1_follows_numpy_over_the_full_run(numpy_full, legacy_full):
    assert legacy_full.value == numpy_full.value == 1.0
    assert legacy_full.extras["accuracy_history"] == numpy_full.extras["accuracy_history"]
    assert max_diff(numpy_full.weights, legacy_full.weights) < TRAJECTORY_ATOL


@pytest.mark.port
def test_keras_follows_numpy_over_the_full_run(numpy_full, port_full):
    assert port_full.value == numpy_full.value == 1.0
    assert port_full.extras["accuracy_history"] == numpy_full.extras["accuracy_history"]
    assert max_diff(numpy_full.weights, pairs.port_to_legacy(port_full.weights, CONFIG)) < TRAJECTORY_ATOL


@pytest.mark.legacy
@pytest.mark.port
def test_one_step_equal_in_all_three():
    rng = np.random.RandomState(7)
    start = reference.initial_weights(rng)
    batch = data.generate_batch(16, rng)
    numpy_w = reference.train_step(start, batch, CONFIG)
    legacy_w = legacy.train_step(start, batch, CONFIG)
    port_w = pairs.port_to_legacy(
        port_module().train_step(pairs.legacy_to_port(start, CONFIG), batch, CONFIG), CONFIG)
    assert max_diff(numpy_w, start) > 1e-3
    assert max_diff(numpy_w, legacy_w) < STEP_ATOL
    assert max_diff(numpy_w, port_w) < STEP_ATOL


# --- weight transplant (issue 6) --------------------------------------------------------
@pytest.mark.legacy
@pytest.mark.port
def test_transplant_legacy_to_port(legacy_full, evaluation):
    x, y = evaluation
    port = port_module()
    out_legacy = legacy.predict(legacy_full.weights, x, CONFIG)
    out_port = port.predict(pairs.legacy_to_port(legacy_full.weights, CONFIG), x, CONFIG)
    np.testing.assert_allclose(out_port, out_legacy, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(np.round(out_port), np.round(out_legacy))
    assert port.exact_sum_accuracy(out_port, y) == legacy.exact_sum_accuracy(out_legacy, y) == 1.0


@pytest.mark.legacy
@pytest.mark.port
def test_transplant_port_to_legacy(port_full, evaluation):
    x, y = evaluation
    port = port_module()
    out_port = port.predict(port_full.weights, x, CONFIG)
    out_legacy = legacy.predict(pairs.port_to_legacy(port_full.weights, CONFIG), x, CONFIG)
    np.testing.assert_allclose(out_legacy, out_port, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(np.round(out_port), np.round(out_legacy))
    assert legacy.exact_sum_accuracy(out_legacy, y) == port.exact_sum_accuracy(out_port, y) == 1.0


def test_transplant_names_and_shapes_are_checked():
    weights = reference.initial_weights(np.random.RandomState(0))
    with pytest.raises(ValueError, match="missing: synapse_1"):
        pairs.legacy_to_port({k: v for k, v in weights.items() if k != "synapse_1"}, CONFIG)
    with pytest.raises(ValueError, match="wrong shape: synapse_h"):
        pairs.legacy_to_port({**weights, "synapse_h": np.zeros((16, 17))}, CONFIG)
    with pytest.raises(ValueError, match="unexpected: synapse_0"):
        pairs.port_to_legacy({**pairs.legacy_to_port(weights, CONFIG), "synapse_0": weights["synapse_0"]}, CONFIG)
    assert max_diff(pairs.port_to_legacy(pairs.legacy_to_port(weights, CONFIG), CONFIG), weights) == 0.0


@pytest.mark.port
def test_port_layer_paths_match_the_transplant():
    model = port_module().build_model(CONFIG)
    assert {v.path: tuple(v.shape) for v in model.weights} == pairs.port_shapes(CONFIG)
    assert all(v.dtype == "float64" for v in model.weights)


@pytest.mark.port
def test_port_refuses_a_backend_that_would_compute_in_float32():
    from parity import backends, keras_fit

    if keras_fit.float64_supported():
        pytest.skip(f"the {keras_fit.backend()} backend computes in float64 here; the refusal "
                    "is tested on PyTorch, and on JAX without JAX_ENABLE_X64=1")
    from parity.adapters.port import binary_addition_numpy_rnn as port

    with pytest.raises(backends.Unsupported, match="needs float64") as excinfo:
        port.build_model(CONFIG)
    assert backends.CANNOT[keras_fit.backend()]["float64"] in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


@pytest.mark.legacy
def test_legacy_writes_a_saver_checkpoint(tmp_path):
    import tensorflow as tf

    config = dataclasses.replace(CONFIG, steps=10, log_every=5)
    result = legacy.train(config, verbose=False, checkpoint_path=str(tmp_path / "model.ckpt"))
    assert (tmp_path / "model.ckpt.index").exists() and (tmp_path / "checkpoint").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ckpt-")]  # temp dir gone
    reader = tf.train.load_checkpoint(str(tmp_path / "model.ckpt"))
    for name, value in result.weights.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)

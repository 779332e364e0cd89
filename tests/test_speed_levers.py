"""The speed levers of ``eager_port/backend_choices.py`` change no number.

Each lever the MNIST-sized ports and the airline port use on the running Keras backend
(``jit_compile``, ``unroll``, ``steps_per_execution``, the LSTM loop of ``use_fast_lstm``) is
switched off and on around the port's own ``build_model``/``compile_model`` at small sizes:
the outputs and the weights after optimizer steps from the same weights and batches must
agree to float32 rounding. Each test also checks that the lever is really on in the port
where the backend has it (else "on" and "off" would be the same run), and that it is off
where the backend cannot take it. Runs on every backend (tests/test_keras_backends*.py run
the port tests on JAX and PyTorch too).
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

from datasets import mnist as mnist_data
from eager_port import backend_choices
from hyperparams import (
    AirlinePassengersConfig,
    MnistDynamicRNNConfig,
    MnistStaticRNNConfig,
    StackedLSTMConfig,
)
from tf1_migrate.testing import step_mismatch

pytestmark = pytest.mark.port

# small sizes of the ports (a few hundred weights per gate): the levers' arithmetic is the same
SMALL = {
    "mnist_static_rnn": dataclasses.replace(MnistStaticRNNConfig(), num_hidden=12, batch_size=16),
    "mnist_dynamic_rnn": dataclasses.replace(MnistDynamicRNNConfig(), num_units=12, batch_size=16),
    "stacked_lstm": dataclasses.replace(StackedLSTMConfig(), units=(8, 12), batch_size=16),
}
OUT_ATOL = 1e-5  # float32 outputs of order 1 (the migration guide's tolerance)
STEPS = 2  # optimizer steps compared (two batches: also covers steps_per_execution=2)


def _backend():
    return backend_choices.backend()


@pytest.fixture(scope="module")
def batches():
    (x, y), _ = mnist_data.load_data(None)
    x = (x[:32].astype(np.float32) / np.float32(255)).reshape(-1, 28, 28)
    return x, y[:32].astype("int32")


def _run_mnist(example, batches, weights=None):
    """The port at SMALL size: (initial weights, outputs on the first batch, weights after
    STEPS optimizer steps of batch 16), with backend_choices as it is at the call."""
    import keras

    module = importlib.import_module(f"eager_port.{example}")
    config = SMALL[example]
    keras.utils.set_random_seed(config.seed)
    model = module.compile_model(module.build_model(config), config,
                                 steps_per_execution=backend_choices.steps_per_execution(STEPS))
    if weights is not None:
        model.set_weights(weights)
    start = [np.array(w) for w in model.get_weights()]
    x, y = batches
    outputs = np.array(model.predict(x[:config.batch_size], verbose=0))
    model.fit(x[:STEPS * config.batch_size], y[:STEPS * config.batch_size],
              batch_size=config.batch_size, epochs=1, shuffle=False, verbose=0)
    return model, start, outputs, [np.array(w) for w in model.get_weights()]


def _assert_same(on, off, learning_rate):
    (_, start_on, out_on, after_on), (_, start_off, out_off, after_off) = on, off
    for a, b in zip(start_on, start_off):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(out_on, out_off, rtol=0, atol=OUT_ATOL)
    for a, b in zip(after_on, after_off):
        why = step_mismatch(a, b, atol=0.01 * learning_rate, step=learning_rate)
        assert why is None, why
    # the steps did move the weights (else equal weights would prove nothing)
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(after_on, start_on)) > 0.5 * learning_rate


@pytest.mark.parametrize("example", ["mnist_dynamic_rnn"])  # XLA was slower for the others
def test_jit_compile_changes_no_number(example, batches, monkeypatch):
    on = _run_mnist(example, batches)
    assert on[0].jit_compile is (_backend() in ("tensorflow", "jax"))  # XLA where the backend has it
    monkeypatch.setattr(backend_choices, "jit_compile", lambda **kw: False)
    off = _run_mnist(example, batches, weights=on[1])
    if _backend() == "tensorflow":
        assert off[0].jit_compile is False
    _assert_same(on, off, SMALL[example].learning_rate)


@pytest.mark.parametrize("example", ["mnist_static_rnn"])  # the others stay rolled (measured)
def test_unroll_changes_no_number(example, batches, monkeypatch):
    monkeypatch.setattr(backend_choices, "unroll", lambda on_cpu=True, **kw: True)
    on = _run_mnist(example, batches)
    assert any(getattr(layer, "unroll", False) for layer in on[0].layers)
    monkeypatch.setattr(backend_choices, "unroll", lambda on_cpu=True, **kw: False)
    off = _run_mnist(example, batches, weights=on[1])
    assert not any(getattr(layer, "unroll", False) for layer in off[0].layers)
    _assert_same(on, off, SMALL[example].learning_rate)


@pytest.mark.parametrize("example", list(SMALL))
def test_steps_per_execution_changes_no_number(example, batches, monkeypatch):
    on = _run_mnist(example, batches)
    assert on[0].steps_per_execution == (1 if _backend() == "torch" else STEPS)
    monkeypatch.setattr(backend_choices, "steps_per_execution", lambda steps: 1)
    off = _run_mnist(example, batches, weights=on[1])
    assert off[0].steps_per_execution == 1
    _assert_same(on, off, SMALL[example].learning_rate)


@pytest.mark.parametrize("example", ["mnist_static_rnn", "mnist_dynamic_rnn"])
def test_fast_lstm_loop_changes_no_number(example, batches, monkeypatch):
    """``use_fast_lstm``: PyTorch's fused kernel (on in the ports), JAX's hoisted input
    projection (measured slower: asked for here only); TensorFlow has none (its LSTM layer
    keeps Keras's own loop)."""
    calls = []
    for name in ("_jax_hoisted_lstm", "_torch_fused_lstm"):
        real = getattr(backend_choices, name)
        monkeypatch.setattr(backend_choices, name,
                            lambda *a, _real=real, **k: calls.append(1) or _real(*a, **k))
    has_loop = _backend() in ("jax", "torch")
    try:
        # as the ports ask: on for PyTorch only
        assert backend_choices.use_fast_lstm() is (_backend() == "torch")
        _run_mnist(example, batches)
        assert bool(calls) is (_backend() == "torch")
        monkeypatch.setattr(backend_choices, "unroll", lambda on_cpu=True, **kw: False)
        calls.clear()
        assert backend_choices.use_fast_lstm(backends=("jax", "torch")) is has_loop
        on = _run_mnist(example, batches)
        assert bool(calls) is has_loop
        backend_choices.use_fast_lstm(False)
        monkeypatch.setattr(backend_choices, "use_fast_lstm", lambda *a, **k: False)
        calls.clear()
        off = _run_mnist(example, batches, weights=on[1])
        assert not calls
    finally:
        backend_choices._FAST["on"] = False
    _assert_same(on, off, SMALL[example].learning_rate)


def test_airline_levers_change_no_number(monkeypatch):
    """The airline port's XLA (TensorFlow), unroll (JAX, PyTorch) and one execution per
    epoch against none of them: 12 windows, LSTM(6), one epoch at batch 1."""
    import keras

    from eager_port import airline_passengers as port

    config = dataclasses.replace(AirlinePassengersConfig(), hidden_size=6)
    data = port.load_data(config)
    x, y = data.x[:12], data.y[:12]

    def run(weights=None):
        keras.utils.set_random_seed(config.seed)
        model = port.build_model(config, steps_per_execution=len(x))
        if weights is not None:
            model.set_weights(weights)
        start = [np.array(w) for w in model.get_weights()]
        out = np.array(model.predict(x, verbose=0))
        model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
        return model, start, out, [np.array(w) for w in model.get_weights()]

    on = run()
    levers = (on[0].jit_compile, any(getattr(layer, "unroll", False) for layer in on[0].layers),
              on[0].steps_per_execution > 1)
    assert levers == {"tensorflow": (True, False, True), "jax": (True, True, True),
                      "torch": (False, True, False)}[_backend()]
    monkeypatch.setattr(backend_choices, "jit_compile", lambda **kw: False)
    monkeypatch.setattr(backend_choices, "unroll", lambda on_cpu=True, **kw: False)
    monkeypatch.setattr(backend_choices, "steps_per_execution", lambda steps: 1)
    off = run(weights=on[1])
    # twelve Adam steps of lr 1e-3 at batch 1: weights agree to rounding (measured 2e-7)
    _assert_same(on, off, config.learning_rate)

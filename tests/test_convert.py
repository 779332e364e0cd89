"""`parity convert`: a legacy example's TF1 Saver checkpoint becomes Keras weights the port loads.

For every example whose legacy side saves a checkpoint: train briefly, save, convert,
load the file into a freshly built port model, and compare predictions with the legacy
model's own (float32: rtol 1e-6, atol 1e-5). Also: wrong example, missing variables and
corrupt checkpoints fail with a clear message, and a failed conversion writes nothing.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import session_cache

from parity import convert, registry
from parity.keras_weights import get_weights
from parity.samples import sample_inputs

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]
BRIEF = {  # a short but real training run per example
    "binary_addition_lstm": 30,
    "binary_addition_numpy_rnn": 50,
    "mnist_static_rnn": 5,
    "mnist_dynamic_rnn": 5,
    "stacked_lstm": 3,
    "series_predictor": 30,
    "airline_passengers": 1,
}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """One trained legacy checkpoint per example: {id: (prefix, weights)}, trained once per
    test session (tests/session_cache.py: the legacy side runs on TensorFlow alone)."""
    def train(folder):
        out = {}
        for eid, steps in BRIEF.items():
            example = registry.get(eid)
            if not example.saves_checkpoint:
                continue
            (folder / eid).mkdir()
            prefix = folder / eid / "model.ckpt"
            result = example.module("legacy").train(example.config(steps=steps), verbose=False,
                                                    checkpoint_path=str(prefix))
            out[eid] = (prefix, result.weights)
        return out

    return session_cache.once(f"convert checkpoints {BRIEF}", train, tmp_path_factory.mktemp("legacy"))


@pytest.mark.parametrize("eid", [e for e in BRIEF if registry.get(e).saves_checkpoint])
def test_converted_checkpoint_reproduces_the_legacy_predictions(eid, checkpoints, tmp_path):
    example = registry.get(eid)
    if example.float64:
        from parity import backends, keras_fit

        if not keras_fit.float64_supported():
            pytest.skip(f"{keras_fit.backend()} backend: {backends.CANNOT[keras_fit.backend()]['float64']}")
    prefix, legacy_weights = checkpoints[eid]
    out = convert.convert(prefix, example, tmp_path / f"{eid}.weights.h5")
    model = example.module("port").build_model(example.config())
    model.load_weights(str(out))
    x = sample_inputs(eid)
    expected = example.module("legacy").predict(legacy_weights, x, example.config())
    got = example.module("port").predict(get_weights(model), x, example.config())
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
    assert not list(tmp_path.glob(".tmp-*")), "no temporary file left behind"


@pytest.mark.torch
def test_airline_checkpoint_converts_to_a_pytorch_state_dict(checkpoints, tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install '.[torch]'")
    example = registry.get("airline_passengers")
    prefix, legacy_weights = checkpoints["airline_passengers"]
    out = convert.convert(prefix, example, tmp_path / "airline.pt")
    state = torch.load(out)
    ref = example.module("torch")
    x = sample_inputs("airline_passengers")
    got = ref.predict({k: v.numpy() for k, v in state.items()}, x, example.config())
    expected = example.module("legacy").predict(legacy_weights, x, example.config())
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_checkpoint_of_another_example_lists_what_does_not_match(checkpoints, tmp_path):
    prefix, _ = checkpoints["series_predictor"]
    target = tmp_path / "x.weights.h5"
    with pytest.raises(convert.ConversionError) as err:
        convert.convert(prefix, registry.get("binary_addition_lstm"), target)
    msg = str(err.value)
    assert "does not match example 'binary_addition_lstm'" in msg
    assert "missing" in msg and "multi_rnn_cell" in msg
    assert "\n" not in msg
    assert not target.exists()


def test_checkpoint_with_missing_variables_is_refused(checkpoints, tmp_path):
    import tensorflow as tf

    prefix, weights = checkpoints["series_predictor"]
    dropped = sorted(weights)[0]
    partial = tmp_path / "partial.ckpt"
    ckpt = tf.train.Checkpoint(**{n.replace("/", "__"): tf.Variable(v) for n, v in weights.items()
                                  if n != dropped})
    ckpt.write(str(partial))
    with pytest.raises(convert.ConversionError, match="does not match"):
        convert.convert(partial, registry.get("series_predictor"), tmp_path / "p.weights.h5")


def test_corrupt_checkpoint_fails_cleanly_and_keeps_the_old_output(checkpoints, tmp_path):
    prefix, _ = checkpoints["series_predictor"]
    bad = tmp_path / "bad.ckpt"
    for f in Path(prefix).parent.glob(Path(prefix).name + ".*"):
        data = f.read_bytes()
        (tmp_path / f.name.replace(Path(prefix).name, "bad.ckpt")).write_bytes(
            data[: len(data) // 3] if f.name.endswith(".index") else data)
    target = tmp_path / "keep.weights.h5"
    target.write_bytes(b"previous good file")
    proc = subprocess.run(
        [sys.executable, "-m", "parity", "convert", str(bad), "--example", "series_predictor",
         "--out", str(target)], capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=300)
    assert proc.returncode == 2
    last = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert last and "cannot read checkpoint" in last[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == b"previous good file"


def test_missing_checkpoint_and_bad_output_name(tmp_path):
    with pytest.raises(convert.ConversionError, match="not found"):
        convert.convert(tmp_path / "nope.ckpt", registry.get("series_predictor"),
                        tmp_path / "x.weights.h5")
    with pytest.raises(convert.ConversionError, match="must end in .weights.h5"):
        convert.convert(tmp_path / "nope.ckpt", registry.get("series_predictor"), tmp_path / "x.h5")

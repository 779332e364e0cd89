"""`parity bench --port MODULE:FUNCTION`: the user's own Keras model timed per backend and
setting, with PyTorch's fused LSTM of the same shape as the yardstick (tiny budgets: this
checks that the command measures and reports, not how fast anything is)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_readme_example import MODEL_PY as README_MODEL_PY

from parity import bench_port

# no port/legacy marker: the command starts a process per backend itself, so the backend runs
# (tests/test_keras_backends*.py) would only repeat it
ROOT = Path(__file__).resolve().parents[1]

# the README's user-project port (model.py), plus a builder that returns no model
MODEL_PY = README_MODEL_PY + '''


def not_a_model():
    return 42
'''


def bench(tmp_path, *args):
    (tmp_path / "model.py").write_text(MODEL_PY)
    return subprocess.run([sys.executable, "-m", "parity", "bench", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_bench_times_the_users_model_and_names_the_fastest(tmp_path):
    proc = bench(tmp_path, "--port", "model:build_model", "--backends", "tensorflow",
                 "--steps", "4", "--warmup", "2", "--batch", "16", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "o" / "bench-port.json").read_text())
    configs = [r["config"] for r in result["rows"]]
    assert configs == [c["name"] for c in bench_port.configurations("tensorflow", 4, result["cores"])]
    assert all(r["ms_per_step"] > 0 and r["steps"] == 4 for r in result["rows"]), result["rows"]
    assert result["input_shape"] == [28, 28]  # read from the model
    assert result["lstm_stack"] == {"units": [32], "dense": [10], "return_sequences": False}
    best = min(result["rows"], key=lambda r: r["ms_per_step"])
    assert f"fastest: tensorflow with {best['config']}" in proc.stdout
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    assert result["yardstick"]["ms_per_step"] > 0
    assert "fused nn.LSTM of the same shape" in proc.stdout and "x PyTorch's fused LSTM" in proc.stdout


def test_a_model_that_is_no_lstm_stack_gets_no_yardstick():
    import keras

    inputs = keras.Input((12, 3))
    gru = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(8)(inputs)))
    assert bench_port.lstm_stack(gru) is None
    inputs = keras.Input((5, 4))
    x = keras.layers.LSTM(6, return_sequences=True)(inputs)
    stack = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.LSTM(3)(x)))
    assert bench_port.lstm_stack(stack) == {"units": [6, 3], "dense": [2], "return_sequences": False}


@pytest.mark.parametrize("args, message", [
    (["--port", "nomodule:build"], "cannot import 'nomodule'"),
    (["--port", "model:missing"], "has no function 'missing'"),
    (["--port", "model:not_a_model"], "not a Keras 3 model"),
    (["--port", "model"], "MODULE:FUNCTION"),
    (["--port", "model:build_model", "--steps", "0"], "--steps must be at least 1"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    proc = bench(tmp_path, *args, "--backends", "tensorflow", "--steps" if "--steps" not in args
                 else "--batch", "2")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bench:") and message in lines[0], lines

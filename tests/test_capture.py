"""`parity legacy-run --capture DIR`: each Session's checkpoint and RNN structure, then
`parity convert SESSION --emit-model` gives a Keras model with the captured session's outputs.

The scripts of tests/tf1_scripts/ run unmodified; the structure comes from the cell objects
and the graph (the custom script below uses a forget bias, an activation, time-major inputs
and a summed bidirectional merge that no default would guess). The probe outputs are the
TF1 session's own, computed in the script's graph with its trained variables just before the
session closed; the converted model must give them on the same inputs (rtol 1e-6, atol 1e-5).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from parity.legacy_run import run_script

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "tf1_scripts"

CUSTOM = '''
import numpy as np
import tensorflow as tf

tf.set_random_seed(0)
x = tf.placeholder(tf.float32, [6, None, 3])  # time-major: [time, batch, features]
fw = tf.nn.rnn_cell.LSTMCell(5, forget_bias=0.3, activation=tf.nn.relu)
bw = tf.nn.rnn_cell.LSTMCell(5, forget_bias=0.3, activation=tf.nn.relu)
(out_fw, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(fw, bw, x, dtype=tf.float32, time_major=True)
merged = tf.add(out_fw, out_bw)
y = tf.layers.dense(merged[-1], 2)
loss = tf.reduce_mean(tf.square(y - 1.0))
train = tf.train.AdamOptimizer(0.05).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(5):
        sess.run(train, {x: np.random.RandomState(0).rand(6, 4, 3)})
    print("trained")
'''


def capture(script, folder, *args, cwd):
    done = run_script(script, list(args), capture_dir=str(folder), cwd=str(cwd), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def convert_in_process(session, out, rnn=None):
    from parity import convert

    convert.convert_any(session, emit_model=out, rnn=rnn)


def convert_emit(session, out, *extra):
    """`parity convert SESSION --emit-model OUT` on the command line."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-m", "parity", "convert", str(session),
                           "--emit-model", str(out), *extra], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def assert_probe_matches(session, k, model_file):
    import keras

    probe = np.load(session / f"probe_{k}.npz")
    model = keras.saving.load_model(model_file)
    got = keras.ops.convert_to_numpy(model(probe["inputs"]))
    np.testing.assert_allclose(got, probe["outputs"], rtol=1e-6, atol=1e-5)
    return probe


def structure(session):
    return json.loads((session / "structure.json").read_text())


def test_static_rnn_script(tmp_path):
    done = capture(SCRIPTS / "static_rnn_mnist.py", tmp_path / "cap", "20", cwd=tmp_path)
    assert "Testing Accuracy" in done.stdout  # the script ran as usual
    session = tmp_path / "cap" / "session_001"
    d = structure(session)
    [m] = d["models"]
    [cell] = m["blocks"][0]["fw"]
    assert (cell["tf1_class"], cell["units"], cell["input_size"], cell["forget_bias"]) == \
        ("BasicLSTMCell", 32, 28, 1.0)
    assert (m["call"], m["timesteps"], m["head"]["kernel"], m["head"]["input"]) == \
        ("static_rnn", 28, "Variable", "last")
    convert_emit(session, tmp_path / "m.keras")
    probe = assert_probe_matches(session, 0, tmp_path / "m.keras")
    assert probe["outputs"].shape == (3, 10)


def test_bidirectional_script_two_sessions(tmp_path):
    capture(SCRIPTS / "bidirectional_rnn_mnist.py", tmp_path / "cap", cwd=tmp_path)
    first, second = tmp_path / "cap" / "session_001", tmp_path / "cap" / "session_002"
    [m] = structure(first)["models"]
    block = m["blocks"][0]
    assert m["call"] == "static_bidirectional_rnn" and block["merge"] == "concat"
    assert [c["units"] for c in block["fw"] + block["bw"]] == [16, 16]
    assert m["head"]["input"] == "last"  # outputs[-1]: not the backward cell's final state
    convert_emit(first, tmp_path / "a.keras")
    assert_probe_matches(first, 0, tmp_path / "a.keras")

    models = structure(second)["models"]  # the second model shares the default graph
    stacked = [m for m in models if m["call"] == "stack_bidirectional_dynamic_rnn"][0]
    assert [(b["fw"][0]["tf1_class"], b["bw"][0]["units"], b["merge"]) for b in stacked["blocks"]] \
        == [("GRUCell", 16, "concat")] * 2
    assert stacked["head"]["kernel"] == "stacked/dense/kernel"
    for k, m in enumerate(models):
        out = tmp_path / f"s{k}.keras"
        convert_in_process(second, out, rnn=m["name"])
        assert_probe_matches(second, k, out)


def test_multi_rnn_with_output_projection_and_restore(tmp_path):
    capture(SCRIPTS / "multi_rnn_regression.py", tmp_path / "cap", str(tmp_path), cwd=tmp_path)
    for name in ("session_001", "session_002"):  # training, then the restored graph
        session = tmp_path / "cap" / name
        [m] = structure(session)["models"]
        assert [c["units"] for c in m["blocks"][0]["fw"]] == [16, 16]
        assert m["head"]["input"] == "sequence"  # OutputProjectionWrapper: on every step
        convert_in_process(session, tmp_path / f"{name}.keras")
        probe = assert_probe_matches(session, 0, tmp_path / f"{name}.keras")
        assert probe["outputs"].shape == (3, 20, 1)


def test_what_no_default_would_guess(tmp_path):
    script = tmp_path / "custom.py"
    script.write_text(CUSTOM)
    capture(script, tmp_path / "cap", cwd=tmp_path)
    session = tmp_path / "cap" / "session_001"
    [m] = structure(session)["models"]
    block = m["blocks"][0]
    assert m["time_major"] is True and block["merge"] == "sum"
    assert {(c["forget_bias"], c["activation"]) for c in block["fw"] + block["bw"]} == {(0.3, "relu")}
    assert m["head"]["input"] == "last" and m["head"]["in_features"] == 5
    proc = convert_emit(session, tmp_path / "m.keras")
    assert "time-major" in proc.stdout  # the Keras model is batch-major: said, not hidden
    assert_probe_matches(session, 0, tmp_path / "m.keras")


def test_capture_usage_errors(tmp_path):
    from parity import legacy_run

    blocker = tmp_path / "file"
    blocker.write_text("x")
    for argv in (["--capture"], ["--capture", str(blocker), str(SCRIPTS / "raises_error.py")]):
        proc = subprocess.run([sys.executable, "-m", "parity", "legacy-run", *argv],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr and "--capture" in proc.stderr
    options, script, args = legacy_run.parse_args(["--capture=out", "s.py", "--capture", "x"])
    assert options["capture_dir"] == "out" and script == "s.py" and args == ["--capture", "x"]

"""Migration you can trust: a captured TF1 script converts completely, or says what it left out.

Each script of tests/tf1_scripts/ used here is a shape of the TF1 tutorials that the
converter used to get silently wrong (exit 0, all rows "ok", a model that differs from the
TF1 graph). Each is captured with `parity legacy-run --capture`, converted with
`parity convert --emit-model`, and the emitted model is compared with the TF1 graph on the
script's own inputs (written by the script itself, from its own session: padded batches
with their lengths, consecutive batches with the state carried). Budgets: a few training
steps per script.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import session_cache

from parity.legacy_run import run_script

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "tf1_scripts"
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def capture(script, folder, out=None):
    """Capture ``script`` into ``folder`` (its own outputs into ``out``): the capture runs
    once per test session (tests/session_cache.py) and is copied here."""
    return session_cache.capture(SCRIPTS / script, folder, out, cwd=str(ROOT), timeout=600)


def convert(session, out, *extra):
    return subprocess.run([sys.executable, "-m", "parity", "convert", str(session),
                           "--emit-model", str(out), *extra], capture_output=True, text=True,
                          cwd=ROOT, env=ENV, timeout=300)


def convert_here(session, out, **options):
    """``parity convert SESSION --emit-model OUT`` in this process (the CLI is tested above)."""
    from tf1_migrate import convert as engine

    return engine.convert_any(session, emit_model=out, **options)


def load(path):
    import keras

    import tf1_migrate.keras_layers  # noqa: F401  (registers LengthMask)

    return keras.saving.load_model(path)


def numpy(value):
    import keras

    return keras.ops.convert_to_numpy(value)


# ----------------------------------------------------------------------------- sequence_length
@pytest.fixture(scope="module")
def variable_length(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variable_length")
    capture("variable_length_lstm.py", folder / "cap", folder)
    return folder


def test_sequence_length_converts_to_a_lengths_input_and_matches_tf1_on_padded_batches(variable_length):
    out = variable_length / "m.keras"
    proc = convert(variable_length / "cap" / "session_001", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lengths" in proc.stdout
    own = np.load(variable_length / "own.npz")
    assert len(set(own["lengths"].tolist())) > 1 and own["lengths"].min() < own["inputs"].shape[1]
    model = load(out)
    got = numpy(model([own["inputs"], own["lengths"]]))
    np.testing.assert_allclose(got, own["outputs"], rtol=1e-5, atol=1e-5)
    # the padding past each length does not matter (TF1 never reads it): so not to Keras either
    noisy = own["inputs"].copy()
    for i, n in enumerate(own["lengths"]):
        noisy[i, n:] = 7.0
    np.testing.assert_allclose(numpy(model([noisy, own["lengths"]])), own["outputs"], rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- carried state
def test_a_carried_state_converts_to_state_inputs_and_outputs_and_matches_tf1_batch_after_batch(tmp_path):
    capture("carried_state_lstm.py", tmp_path / "cap", tmp_path)
    out = tmp_path / "m.keras"
    done = convert_here(tmp_path / "cap" / "session_001", out)
    assert "final state" in done.description
    own = np.load(tmp_path / "own.npz")
    model = load(out)
    batch = own["inputs"].shape[1]
    h = c = np.zeros((batch, model.inputs[1].shape[-1]), np.float32)
    for x, want in zip(own["inputs"], own["outputs"]):
        y, h, c = (numpy(t) for t in model([x, h, c]))
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- notes and probe
def test_a_note_the_model_does_not_express_stops_convert_naming_the_flag(tmp_path):
    capture("dropout_head_lstm.py", tmp_path / "cap")
    session = tmp_path / "cap" / "session_001"
    out = tmp_path / "m.keras"
    proc = convert(session, out)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "head not identified" in proc.stderr and "--head" in proc.stderr.splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    done = convert_here(session, out, allow_incomplete=True)
    assert "not in the model" in done.table and out.exists()


def test_convert_checks_the_model_against_the_captured_probe_before_writing(variable_length, tmp_path):
    import shutil

    session = tmp_path / "session_001"
    shutil.copytree(variable_length / "cap" / "session_001", session)
    probe = dict(np.load(session / "probe_0.npz"))
    assert "lengths" in probe  # the probe feeds the lengths too
    probe["outputs"] = probe["outputs"] + 0.01  # a graph that computed something else
    np.savez(session / "probe_0.npz", **probe)
    from tf1_migrate import convert as engine

    out = tmp_path / "m.keras"
    with pytest.raises(engine.Incomplete) as caught:
        convert_here(session, out)
    assert "differs from the captured graph" in caught.value.table
    assert not out.exists() and not list(tmp_path.glob(".tmp-*"))


# ----------------------------------------------------------------------------- every session
def test_every_session_is_captured_and_an_earlier_capture_is_never_overwritten(tmp_path):
    """Sessions opened in a function (Python reuses a freed session's id()) are each
    captured, numbered after an earlier capture in the folder, which stays as it was; the
    command line refuses such a folder."""
    import tensorflow as tf

    folder = tmp_path / "cap"
    (folder / "session_001").mkdir(parents=True)
    (folder / "session_001" / "structure.json").write_text("an earlier capture")
    done = run_script(str(SCRIPTS / "sessions_in_functions.py"), [], capture_dir=str(folder),
                      cwd=str(ROOT), timeout=600)  # into a folder with a capture: not shared
    assert done.returncode == 0, done.stderr[-3000:]
    sessions = sorted(p.name for p in folder.iterdir())
    assert sessions == [f"session_00{k}" for k in range(1, 6)], sessions
    assert (folder / "session_001" / "structure.json").read_text() == "an earlier capture"
    kernels = [tf.train.load_checkpoint(str(folder / s / "model.ckpt"))
               .get_tensor("rnn/gru_cell/gates/kernel") for s in sessions[1:]]
    assert all(not np.allclose(kernels[0], k) for k in kernels[1:])  # each its own start
    proc = subprocess.run([sys.executable, "-m", "parity", "legacy-run", "--capture", str(folder),
                           str(SCRIPTS / "sessions_in_functions.py")], capture_output=True,
                          text=True, cwd=ROOT, env=ENV, timeout=300)
    assert proc.returncode == 2 and "earlier run" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == sessions


# ----------------------------------------------------------------------------- dropout
def test_dropout_wrappers_are_never_dropped_without_a_row(tmp_path):
    """Keep probabilities fed through a placeholder: the probe feeds them 1.0 (inference),
    the model matches it, and each wrapper has its row saying what Keras does not keep."""
    capture("dropout_wrapper_lstm.py", tmp_path / "cap")
    done = convert_here(tmp_path / "cap" / "session_001", tmp_path / "m.keras")
    rows = [line for line in done.table.splitlines() if "DropoutWrapper" in line]
    assert len(rows) == 2, done.table
    assert "input_keep_prob" in rows[0] and "output_keep_prob" in rows[0] and "fed at run time" in rows[0]
    assert "output_keep_prob" in rows[1]
    probe_row = [line for line in done.table.splitlines() if "probe inputs" in line]
    assert probe_row and probe_row[0].rstrip().endswith("ok"), done.table
    assert "dense/kernel" in done.description  # the head behind the wrappers is found


# ----------------------------------------------------------------------------- heads
def test_the_heads_of_the_tutorials_are_read_from_the_graph(tmp_path):
    """fully_connected on reshape(outputs, [-1, H]), dense on static outputs[-1], matmul on
    gather(transpose(outputs)) and on outputs[:, -1]: each converted model gives the
    script's own outputs on the script's own inputs."""
    capture("head_shapes.py", tmp_path / "cap", tmp_path)
    expected_input = {1: "sequence", 2: "last", 3: "last", 4: "last"}
    for k, head_input in expected_input.items():
        out = tmp_path / f"m{k}.keras"
        done = convert_here(tmp_path / "cap" / f"session_00{k}", out)
        assert f"on {head_input}" in done.description, (k, done.description)
        own = np.load(tmp_path / f"own_{k}.npz")
        got = numpy(load(out)(own["inputs"]))
        np.testing.assert_allclose(got, own["outputs"], rtol=1e-5, atol=1e-5, err_msg=f"graph {k}")

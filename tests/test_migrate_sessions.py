"""`parity migrate SCRIPT.py --write port.py` on a program that trains and saves in one TF1
Session and restores and evaluates in a second one on the same graph
(tests/tf1_scripts/train_then_restore.py: ``saver.save`` with a global step, then
``saver.restore(sess, tf.train.latest_checkpoint(dir))``): one Keras model, the save and the
restore translated (port_save / port_restore / port_latest_checkpoint), no TODO(migrate); the
port, from the script's start weights, evaluates to the script's accuracy on the TensorFlow
and JAX backends; a port whose restore is dropped does not. A restore of a checkpoint the
program did not write (a pre-trained model) stays a TODO(migrate) pointing to --init-from.

The script is captured once per test session (session_cache), at 60 steps.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import session_cache

from parity import check, cli, legacy_run
from tf1_migrate import write_port

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "tf1_scripts" / "train_then_restore.py"
STEPS = "60"
SAME_START = 1e-2  # relative: the port from the script's start weights, step for step


def _env(**more):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", **more)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="module")
def ported(tmp_path_factory):
    """(the script's stdout, its checkpoint folder, write_port.Written)."""
    folder = tmp_path_factory.mktemp("train_then_restore")

    def capture(shared):  # TensorFlow only: once per test session
        legacy = legacy_run.run_script(str(SCRIPT), [str(shared / "checkpoints"), STEPS], env=_env(),
                                       capture_dir=str(shared / "capture"))
        assert legacy.returncode == 0, legacy.stderr[-2000:]
        return legacy.stdout, shared / "checkpoints", shared / "capture"

    stdout, checkpoints, captured = session_cache.once(
        f"migrate_sessions capture train_then_restore {STEPS}", capture, folder / "legacy")
    shutil.copytree(captured, folder / "capture")  # beside the port, as a user's would be
    done = write_port.write_port(SCRIPT, folder / "port.py", capture=folder / "capture")
    return stdout, checkpoints, done


def _accuracy(port: Path, start: Path, folder: Path, **env) -> float:
    ran = subprocess.run([sys.executable, str(port), "--init-from", str(start), str(folder), STEPS],
                         cwd=port.parent, env=_env(**env), capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr[-2000:]
    found = check.read_metric(ran.stdout)
    assert found is not None and found[0] == "accuracy", ran.stdout[-2000:]
    return found[1]


def _legacy_accuracy(stdout: str) -> float:
    return float(re.findall(r"test accuracy ([\d.]+)", stdout)[-1])


def test_the_capture_sees_one_graph_two_sessions_and_the_saver(ported):
    _, _, done = ported
    captured = Path(done.capture).parent
    import json

    sessions = [json.loads((s / "structure.json").read_text()) for s in sorted(captured.glob("session_*"))]
    assert len(sessions) == 2 and {s["graph_number"] for s in sessions} == {1}
    assert [s["training"]["steps_here"] for s in sessions] == [int(STEPS), 0]
    ops = [(c["op"], c.get("written_here")) for c in sessions[1]["training"]["checkpoints"]]
    assert ops == [("save", None), ("restore", True)]


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_train_then_restore_ports_and_evaluates_as_the_script(ported, backend, tmp_path):
    stdout, _, done = ported
    text = done.port.read_text()
    assert done.todos == [] and "TODO(migrate)" not in text, done.todos
    assert not re.search(r"^\s*(import|from)\s+tensorflow", text, re.M)
    assert "port_save(os.path.join(checkpoint_dir, 'model.ckpt'), global_step=steps)" in text
    assert "port_restore(port_latest_checkpoint(checkpoint_dir))" in text
    legacy = _legacy_accuracy(stdout)
    assert legacy > 0.8  # trained: an untrained model guesses (about 0.5)
    got = _accuracy(done.port, done.start, tmp_path / "checkpoints", KERAS_BACKEND=backend)
    assert abs(got - legacy) <= SAME_START * legacy, (backend, legacy, got)
    assert (tmp_path / "checkpoints" / f"model.ckpt-{STEPS}.weights.h5").is_file()


def test_a_port_that_drops_the_restore_does_not_evaluate_as_the_script(ported, tmp_path):
    stdout, _, done = ported
    broken = tmp_path / "broken"
    shutil.copytree(done.port.parent, broken)
    port = broken / "port.py"
    text = port.read_text()
    assert text.count("    port_restore(port_latest_checkpoint(checkpoint_dir))\n") == 1
    port.write_text(text.replace("    port_restore(port_latest_checkpoint(checkpoint_dir))\n", ""))
    legacy = _legacy_accuracy(stdout)
    got = _accuracy(port, broken / done.start.name, tmp_path / "checkpoints")
    assert abs(got - legacy) > SAME_START * legacy, (legacy, got)  # the check above would fail


def test_restoring_a_checkpoint_the_program_did_not_write_is_a_todo(ported, tmp_path, capsys):
    _, earlier, _ = ported  # the script's checkpoint of an earlier run (read, not written)
    code = cli.main(["migrate", str(SCRIPT), "--write", str(tmp_path / "port.py"), "--",
                     str(earlier), STEPS, "--evaluate-only"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err, err
    todo = [line for line in err.splitlines() if "restores a checkpoint this program did not write" in line]
    assert len(todo) == 1 and f"--init-from {earlier}/model.ckpt-{STEPS}" in todo[0], err
    text = (tmp_path / "port.py").read_text()
    evaluate = text[text.index("def evaluate("):]
    assert evaluate.index("raise NotImplementedError") < evaluate.index("port_run(")

"""`parity migrate legacy_graph/ID.py --write port.py` on the built-in examples: the port is
complete (no TODO(migrate)) and, trained at the example's quick budget from the TF1
program's initial weights, ends within the example's tolerance (parity.registry) of the
hand-written port (eager_port/ID.py, as the main job `parity all --quick` runs it: once per
test session, shared with tests/test_main_job.py).

Cost: each example's TF1 program is captured at a 3-step budget (the capture needs the
graph and a few sess.run calls, not a trained model); the generated port then trains once,
at the quick budget (the one the tolerances are set for), in a process of its own, and the
hand-written port's metric is the main job's.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import session_cache

from benchmarks import migrate_write
from parity import legacy_run, registry
from tf1_migrate import write_port

pytestmark = [pytest.mark.legacy, pytest.mark.port, pytest.mark.comparison]

ROOT = Path(__file__).resolve().parent.parent
CAPTURE_STEPS = "3"

# the seven built-ins migrate --write ports: what the generated port prints its metric on.
# series_predictor trains and saves in one Session and restores and predicts in a second one,
# in a class's methods; binary_addition_numpy_rnn has no RNN cell (its recurrence is written
# out in TF ops): its port is the forward graph op for op, in float64, and follows the TF1
# trajectory (tolerance 1e-9)
BUILTINS = ["binary_addition_lstm", "binary_addition_numpy_rnn", "mnist_static_rnn",
            "mnist_dynamic_rnn", "stacked_lstm", "airline_passengers", "series_predictor"]


def _env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _printed(example_id, text):
    found = re.findall(migrate_write.PRINTED[example_id], text)
    assert found, f"{example_id}: no metric line in:\n{text[-2000:]}"
    return float(found[-1])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """example -> write_port.Written: captured once (3 steps), written once."""
    cache = {}

    def get(example_id):
        if example_id not in cache:
            folder = tmp_path_factory.mktemp(example_id)
            script = ROOT / "legacy_graph" / f"{example_id}.py"
            legacy = legacy_run.run_script(str(script), [CAPTURE_STEPS], env=_env(),
                                           capture_dir=str(folder / "capture"))
            assert legacy.returncode == 0, legacy.stderr[-2000:]
            cache[example_id] = write_port.write_port(script, folder / "port.py",
                                                      capture=folder / "capture")
        return cache[example_id]

    return get


def _hand_written(example_id) -> float:
    """The hand-written port's metric at the quick budget, as the main job (`parity all
    --quick`, run once per test session: tests/session_cache.py) reports it."""
    returncode, output, folder = session_cache.main_job()
    assert returncode in (0, 1), output[-2000:]
    runs = json.loads((folder / f"{example_id}.json").read_text())["runs"]
    run = next(r for r in runs if r["impl"] == "port" and r.get("label", "port") == "port")
    assert run["steps"] == registry.get(example_id).steps_for("quick")
    return float(run["value"])


@pytest.mark.parametrize("example_id", BUILTINS)
def test_generated_port_of_a_builtin_matches_the_hand_written_port(written, example_id):
    example = registry.get(example_id)
    done = written(example_id)
    text = done.port.read_text()
    assert done.todos == [] and "TODO(migrate)" not in text
    assert not re.search(r"^\s*(import|from)\s+(tensorflow|tf1_compat)\b", text, re.M)
    if example_id == "series_predictor":  # the test() Session restores what train() saved
        assert "save_path = port_save(checkpoint_path)" in text
        assert "port_restore(checkpoint_path)\n        return port_run('output_squeezed', " in text
    quick = str(example.steps_for("quick"))
    # from the TF1 program's own initial weights (its seed's): one draw of Keras's initialisers
    # can be a poor one at this budget (mnist_dynamic_rnn's seed: 0.90), which would measure the
    # draw, not the port; benchmarks/migrate_write.py runs the ports from their own start
    assert done.start is not None
    ran = subprocess.run([sys.executable, str(done.port), "--init-from", str(done.start), quick],
                         cwd=done.port.parent, env=_env(), capture_output=True, text=True,
                         timeout=900)
    assert ran.returncode == 0, ran.stderr[-2000:]
    generated = _printed(example_id, ran.stdout)
    hand_written = _hand_written(example_id)
    assert abs(generated - hand_written) <= example.tolerance, (
        f"{example_id} at {quick} {example.unit}: generated port {generated}, hand-written "
        f"port {hand_written}, tolerance {example.tolerance}")


def test_docs_show_the_port_migrate_write_writes_today(written):
    """docs/generated-port.md (and the README's lines of it) show what migrate --write writes
    for the example today: `python -m benchmarks.migrate_write --docs docs/generated-port.md`
    rewrites the page when this fails."""
    assert migrate_write.DOCS_CAPTURE_STEPS == CAPTURE_STEPS  # the same capture as above
    port = written(migrate_write.DOCS_EXAMPLE).port.read_text()
    shown = migrate_write.shown_port((ROOT / "docs" / "generated-port.md").read_text())
    assert shown == port
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- generated-port lines -->\n```python\n(.*?)\n```", readme, re.S)
    assert block, "README.md: no generated-port lines block"
    generated, hand_written = block.group(1).split(f"# hand-written: eager_port/{migrate_write.DOCS_EXAMPLE}.py\n")
    assert generated.strip() and all(line in port.splitlines() for line in generated.splitlines())
    eager = (ROOT / "eager_port" / f"{migrate_write.DOCS_EXAMPLE}.py").read_text().splitlines()
    assert hand_written.strip() and all(line in eager for line in hand_written.splitlines())


@pytest.mark.parametrize("backend,why", [
    ("jax", "JAX needs JAX_ENABLE_X64=1 set before it is imported"),
    ("torch", "Keras's torch backend computes a float64 matmul in float32")])
def test_a_float64_port_stops_with_one_line_where_float64_is_not_computed(written, backend, why):
    """binary_addition_numpy_rnn computes in float64: on JAX without JAX_ENABLE_X64 and on
    PyTorch (whose Keras matmul returns float32) its port stops with one line, rather than
    compute in float32."""
    done = written("binary_addition_numpy_rnn")
    text = done.port.read_text()
    assert 'keras.config.set_floatx("float64")' in text and "dtype='float64'" in text
    ran = subprocess.run([sys.executable, str(done.port), "1"], cwd=done.port.parent,
                         env={**_env(), "KERAS_BACKEND": backend, "JAX_ENABLE_X64": "0"},
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode != 0
    assert "Traceback" not in ran.stderr and "PARITY_METRIC" not in ran.stdout
    assert ran.stderr.strip().splitlines()[-1] == \
        f"this port computes in float64 as the TF1 graph did: {why}"

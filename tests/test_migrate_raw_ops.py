"""`parity migrate SCRIPT.py --write port.py` on TF1 scripts with no RNN cell, whose model is
written out in raw TF ops (tests/tf1_scripts/raw_ops_*.py): the forward graph becomes a Keras
layer op for op (tf1_migrate.keras_graph).

- raw_ops_rnn.py (a float32 tanh RNN with biases unrolled by a Python loop, a softmax head,
  Adam on the mean cross-entropy): the port has no TODO(migrate), and from the script's start
  weights it trains to the script's loss on TensorFlow and on JAX; its generated parity test
  passes on both, and fails on a copy of the port with one activation changed; the script's
  fetch of tf.nn.softmax(logits) is the port's softmax of its output;
- raw_ops_layers.py (plain ops, one of each kind of the op table, SGD on a mean square): its
  layer's call is the ops written out one per line in the script's order, and its port trains
  as the script on both backends, its parity test passing;
- raw_ops_unknown_op.py (tf.cumsum before a dense layer): the op has no translation: one
  TODO(migrate) line on stderr naming it, exit 1, and a port that raises there.

Each script is captured once per test session (tests/session_cache.py), at 40 steps.
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
SCRIPTS = ROOT / "tests" / "tf1_scripts"
STEPS = "40"
SAME_START = 1e-2  # relative: the port from the script's start weights, step for step


def _env(**more):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", **more)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _captured(name, folder: Path):
    """(the script's stdout, its capture copied into ``folder``)."""
    script = SCRIPTS / f"{name}.py"

    def capture(shared):  # TensorFlow only: once per test session
        legacy = legacy_run.run_script(str(script), [STEPS], env=_env(),
                                       capture_dir=str(shared / "capture"))
        assert legacy.returncode == 0, legacy.stderr[-2000:]
        return legacy.stdout, shared / "capture"

    stdout, captured = session_cache.once(f"migrate_raw_ops capture {name} {STEPS}", capture,
                                          folder / "legacy")
    shutil.copytree(captured, folder / "capture")
    return stdout, folder / "capture"


@pytest.fixture(scope="module")
def ported(tmp_path_factory):
    """script name -> (its stdout at 40 steps, write_port.Written), written once."""
    cache = {}

    def get(name):
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            legacy_out, capture = _captured(name, folder)
            cache[name] = (legacy_out, write_port.write_port(SCRIPTS / f"{name}.py",
                                                             folder / "port.py", capture=capture))
        return cache[name]

    return get


@pytest.fixture(scope="module")
def rnn_port(ported):
    return ported("raw_ops_rnn")


def test_raw_ops_rnn_port_is_complete_and_written_op_for_op(rnn_port):
    _, done = rnn_port
    text = done.port.read_text()
    assert done.todos == [] and "TODO(migrate)" not in text, done.todos
    assert not re.search(r"^\s*(import|from)\s+(tensorflow|tf1_compat)\b", text, re.M)
    call = text[text.index("    def call(self, x):"):text.index("\ndef build_model():")]
    # the five unrolled steps, each its own tanh of the two matmuls and the bias
    assert len(re.findall(r"= keras\.ops\.tanh\(add_\d+\)", call)) == 5
    assert "keras.ops.unstack(x, num=5, axis=1)" in call
    assert "logits = matmul_10 + self.b_out" in call
    assert "TF1_VARIABLES = {'w_x': 'W_x', 'w_h': 'W_h', 'b_h': 'b_h', 'w_out': 'W_out', " \
           "'b_out': 'b_out'}" in text
    assert "keras.initializers.TruncatedNormal(mean=0, stddev=0.5), name='W_x'" in text
    assert "keras.losses.CategoricalCrossentropy(from_logits=True)" in text
    assert "keras.optimizers.Adam(learning_rate=0.02, beta_1=0.9, beta_2=0.999, epsilon=1e-08)" in text
    assert "p = port_run('output_softmax', {'x': bx})" in text
    assert done.start is not None and done.test is not None


# raw_ops_layers.py: one line per op of the table, in the script's order
LAYERS_CALL = """\
        transpose = keras.ops.transpose(x, (0, 2, 1))
        reshape = keras.ops.reshape(transpose, (-1, 12))
        mean = keras.ops.mean(reshape, axis=1, keepdims=True)
        sub = reshape - mean
        truediv = sub / 2.0
        matmul = keras.ops.matmul(truediv, self.w1)
        add = matmul + self.b1
        relu = keras.ops.relu(add)
        expanddims = keras.ops.expand_dims(relu, 1)
        squeeze = keras.ops.squeeze(expanddims, axis=(1,))
        sigmoid = keras.ops.sigmoid(squeeze)
        strided_slice = x[:, -1]
        cast = keras.ops.cast(strided_slice, 'float64')
        cast_1 = keras.ops.cast(cast, 'float32')
        mul = relu * sigmoid
        concat = keras.ops.concatenate([mul, cast_1], axis=1)
        softmax = keras.ops.softmax(concat)
        matmul_1 = keras.ops.matmul(softmax, self.w2)
        mean_1 = keras.ops.mean(x, axis=1)
        add_1 = matmul_1 + mean_1
        return add_1
"""


def test_raw_ops_layers_port_is_the_op_table_written_out(ported):
    _, done = ported("raw_ops_layers")
    text = done.port.read_text()
    assert done.todos == [] and "TODO(migrate)" not in text, done.todos
    assert "    def call(self, x):\n" + LAYERS_CALL in text
    assert "keras.losses.MeanSquaredError()" in text and "keras.optimizers.SGD(learning_rate=0.5)" in text


@pytest.mark.parametrize("name,backend", [("raw_ops_rnn", "tensorflow"), ("raw_ops_rnn", "jax"),
                                          ("raw_ops_layers", "tensorflow"), ("raw_ops_layers", "jax")])
def test_port_trains_as_the_script(ported, name, backend):
    legacy_out, done = ported(name)
    ran = subprocess.run([sys.executable, str(done.port), "--init-from", str(done.start), STEPS],
                         cwd=done.port.parent, env=_env(KERAS_BACKEND=backend),
                         capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr[-2000:]
    port, legacy = check.read_metric(ran.stdout), check.read_metric(legacy_out, "loss")
    assert port[0] == "loss"
    assert abs(port[1] - legacy[1]) <= SAME_START * abs(legacy[1]), (backend, legacy, port)
    first = float(re.search(r"step 0 loss ([\d.]+)", legacy_out).group(1))
    assert legacy[1] < 0.8 * first  # the budget trains: the metric is not the untrained one
    if name == "raw_ops_rnn":  # sess.run(tf.nn.softmax(logits)): port_run's "output_softmax"
        top = [float(re.search(r"mean top probability ([\d.]+)", text).group(1))
               for text in (legacy_out, ran.stdout)]
        assert abs(top[0] - top[1]) <= SAME_START * top[0] and 1 / 3 < top[0] < 1, top


def _outcomes(files, cwd, backend) -> dict:
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                          *map(str, files)], cwd=cwd, env=_env(KERAS_BACKEND=backend),
                         capture_output=True, text=True, timeout=600)
    found = {(Path(m.group(2)).name, m.group(3)): m.group(1) for m in
             re.finditer(r"^(PASSED|FAILED|ERROR) (\S+?)\.py::(\w+)", ran.stdout, re.M)}
    assert found, ran.stdout[-3000:] + ran.stderr[-2000:]
    return found


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_generated_parity_tests_pass_and_catch_a_changed_activation(ported, backend, tmp_path):
    files = []
    for name in ("raw_ops_rnn", "raw_ops_layers"):
        done = ported(name)[1]
        renamed = done.test.with_name(f"test_port_parity_{name}.py")  # one process, unique names
        shutil.copy(done.test, renamed)
        files.append(renamed)
    broken = tmp_path / "broken"
    shutil.copytree(ported("raw_ops_rnn")[1].port.parent, broken,
                    ignore=shutil.ignore_patterns("test_port_parity_*"))
    port = broken / "port.py"
    text = port.read_text()
    line = re.search(r"^ +tanh_2 = keras\.ops\.tanh\(add_5\)$", text, re.M).group(0)
    port.write_text(text.replace(line, line.replace("keras.ops.tanh", "keras.ops.sigmoid")))
    shutil.move(broken / "test_port_parity.py", broken / "test_port_parity_broken.py")
    found = _outcomes(files + [broken / "test_port_parity_broken.py"], tmp_path, backend)
    expected = {(f"test_port_parity_{name}", test): "PASSED"
                for name in ("raw_ops_rnn", "raw_ops_layers")
                for test in ("test_outputs_as_tf1", "test_one_step_as_tf1")}
    expected.update({("test_port_parity_broken", "test_outputs_as_tf1"): "FAILED",
                     ("test_port_parity_broken", "test_one_step_as_tf1"): "FAILED"})
    assert found == expected, found


def test_an_op_outside_the_table_is_a_todo_exit_1(tmp_path, capsys):
    _, capture = _captured("raw_ops_unknown_op", tmp_path)
    port = tmp_path / "port.py"
    code = cli.main(["migrate", str(SCRIPTS / "raw_ops_unknown_op.py"), "--capture", str(capture),
                     "--write", str(port)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["TODO(migrate): op Cumsum (running) has no Keras translation",
                     f"migrate: 1 TODO(migrate) left in {port}: it raises NotImplementedError there"]
    text = port.read_text()
    assert "        # TODO(migrate): op Cumsum (running) has no Keras translation\n" \
           "        raise NotImplementedError(" in text
    assert not (tmp_path / "test_port_parity.py").exists()  # no weights, no parity test

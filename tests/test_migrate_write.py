"""`parity migrate SCRIPT.py --write port.py` and `parity check`: TF1 scripts of tests/tf1_scripts
captured under legacy-run, their training read from the graph, a Keras 3 port written with
no TODO(migrate), run on its own (TensorFlow backend; JAX for one), its metric within the
check's tolerance of the script's own at a short budget, and its generated parity test run.
"""

import json
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

# script -> its arguments for a short budget (the scripts' own budgets otherwise)
PORTED = {
    "static_rnn_mnist": ["30"],  # MNIST rows, input_data, static_rnn: accuracy
    "variable_length_lstm": ["{out}"],  # sequence_length, GradientDescent: loss (3 steps)
    "char_lm_onehot": ["60"],  # tf.one_hot inputs, a per-step head, sparse xent: loss
    "bigru_classifier": ["40"],  # 2-layer bidirectional GRU: accuracy
    "carried_state_regression": ["100"],  # initial_state fed back each batch, MSE: loss
}


def _env(**more):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", **more)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _args(name, folder):
    return [a.format(out=folder) for a in PORTED[name]]


def _run_port(port: Path, args, **env):
    return subprocess.run([sys.executable, str(port), *args], cwd=port.parent, env=_env(**env),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def ported(tmp_path_factory):
    """name -> (legacy stdout, write_port.Written, port stdout): captured, written, run once."""
    cache = {}

    def get(name):
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            args = _args(name, folder)

            def capture(shared):  # TensorFlow only: once per test session (session_cache.py)
                legacy = legacy_run.run_script(str(SCRIPTS / f"{name}.py"), _args(name, shared),
                                               env=_env(), capture_dir=str(shared / "capture"))
                assert legacy.returncode == 0, legacy.stderr[-2000:]
                return legacy.stdout, shared / "capture"

            legacy_stdout, captured = session_cache.once(
                f"migrate_write capture {name} {PORTED[name]}", capture, folder / "legacy")
            # beside the port, as a user's would be (a copied port folder takes it along)
            shutil.copytree(captured, folder / "capture")
            # written and run here: on this process's Keras backend
            done = write_port.write_port(SCRIPTS / f"{name}.py", folder / "port.py",
                                         capture=folder / "capture")
            # from the TF1 script's own initial weights: the same trajectory, step for step
            ran = _run_port(done.port, ["--init-from", str(done.start), *args])
            cache[name] = (legacy_stdout, done, ran)
        return cache[name]

    return get


def _training(done):
    return json.loads((Path(done.capture) / "structure.json").read_text())["training"]


# ----------------------------------------------------------------------------- step 1
def test_training_read_from_the_graph_adam_mnist(ported):
    _, done, _ = ported("static_rnn_mnist")
    t = _training(done)
    assert t["optimizer"] == {"class": "AdamOptimizer", "name": "adam", "notes": [],
                              "learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999,
                              "epsilon": 1e-08}
    assert t["loss"]["name"] == "softmax_cross_entropy" and t["loss"]["reduction"] == "mean"
    assert t["steps"] == 30 and t["batch_size"] == 64
    train = [r for r in t["runs"] if r["train"]]
    assert [f["role"] for f in train[0]["feed"]] == ["x", "y"]
    assert train[0]["feed"][0]["shape"] == [64, 28, 28]
    assert t["input"]["ops"] == [{"op": "Unpack"}]  # static_rnn's unstack: nothing to do


def test_training_read_from_the_graph_sgd_lengths_onehot(ported):
    t = _training(ported("variable_length_lstm")[1])
    assert t["optimizer"]["class"] == "GradientDescentOptimizer"
    assert t["optimizer"]["learning_rate"] == pytest.approx(0.1)
    assert t["steps"] == 3 and t["batch_size"] == 5
    train = [r for r in t["runs"] if r["train"]][0]
    assert [f["role"] for f in train["feed"]] == ["x", "y", "lengths"]
    t = _training(ported("char_lm_onehot")[1])
    assert t["loss"]["name"] == "sparse_softmax_cross_entropy"
    assert t["input"]["ops"] == [{"op": "OneHot", "depth": 28}]
    t = _training(ported("carried_state_regression")[1])
    assert t["loss"]["name"] == "mean_square"
    train = [r for r in t["runs"] if r["train"]][0]
    assert [f["role"] for f in train["feed"]] == ["x", "y", "state"]


# ----------------------------------------------------------------------------- step 2 + 4
@pytest.mark.parametrize("name", list(PORTED))
def test_port_is_complete_runs_and_matches_the_script(ported, name):
    legacy_out, done, ran = ported(name)
    text = done.port.read_text()
    assert done.todos == [] and "TODO(migrate)" not in text
    assert not re.search(r"^\s*(import|from)\s+tensorflow", text, re.M)
    assert "train_on_batch" in text and "keras.layers." in text
    assert ran.returncode == 0, ran.stderr[-2000:]
    port = check.read_metric(ran.stdout)
    legacy = check.read_metric(legacy_out, port[0])
    assert port[0] == legacy[0]
    assert abs(port[1] - legacy[1]) <= check.DEFAULT_TOLERANCE * abs(legacy[1]), (legacy, port)


def test_port_keeps_the_script_s_printouts_and_budget(ported):
    legacy_out, done, ran = ported("static_rnn_mnist")
    # the same display steps (1, 25) and the same closing lines as the script
    steps = [line.split(",")[0] for line in ran.stdout.splitlines() if line.startswith("Step ")]
    assert steps == [line.split(",")[0] for line in legacy_out.splitlines() if line.startswith("Step ")]
    assert steps == ["Step 1", "Step 25"]
    assert "Optimization Finished!" in ran.stdout and ran.stdout.rstrip().splitlines()[-1].startswith("PARITY_METRIC accuracy=")
    assert "keras.optimizers.Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-08)" in done.port.read_text()


def test_port_on_jax_from_keras_initializers(ported):
    legacy_out, done, _ = ported("bigru_classifier")
    ran = _run_port(done.port, _args("bigru_classifier", done.port.parent), KERAS_BACKEND="jax")
    assert ran.returncode == 0, ran.stderr[-2000:]
    port, legacy = check.read_metric(ran.stdout), check.read_metric(legacy_out, "accuracy")
    assert port[0] == "accuracy" and abs(port[1] - legacy[1]) <= check.DEFAULT_TOLERANCE * legacy[1]


# the one-step test of a model with sequence lengths / initial states runs with the probe's
# lengths (not all full) and states (not zeros): ports broken there must fail it
BROKEN = {
    "variable_length_lstm": {"lengths dropped": ("(x, mask=mask)", "(x)"),
                             "learning rate": ("SGD(learning_rate=0.1)", "SGD(learning_rate=0.12)")},
    "carried_state_regression": {"states swapped": ("initial_state=[state_h_0, state_c_0]",
                                                    "initial_state=[state_c_0, state_h_0]")},
}


def test_generated_parity_tests_pass_and_fail_on_broken_ports(ported, tmp_path):
    files, expected = [], {}
    for name in ["static_rnn_mnist", *BROKEN]:
        done = ported(name)[1]
        assert done.test is not None and done.weights is not None
        assert "def test_one_step_as_tf1" in done.test.read_text()
        files.append(done.test.with_name(f"test_port_parity_{name}.py"))  # unique in one process
        shutil.copy(done.test, files[-1])
        expected[files[-1].stem] = ("PASSED", "PASSED")
        for k, (what, (old, new)) in enumerate(BROKEN.get(name, {}).items()):
            broken = tmp_path / f"{name}_broken_{k}"
            shutil.copytree(done.port.parent, broken, ignore=shutil.ignore_patterns("test_*"))
            text = (broken / "port.py").read_text()
            assert old in text, (name, what)
            (broken / "port.py").write_text(text.replace(old, new))
            files.append(broken / f"test_port_parity_{name}_broken_{k}.py")
            shutil.copy(done.test, files[-1])
            # dropped lengths / swapped states change the outputs too; a learning rate only the step
            expected[files[-1].stem] = ("PASSED" if what == "learning rate" else "FAILED", "FAILED")
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                          *map(str, files)], cwd=tmp_path, env=_env(), capture_output=True,
                         text=True, timeout=600)
    found = {(Path(m.group(1)).name, m.group(2)): m.group(0).split()[0] for m in
             re.finditer(r"^(?:PASSED|FAILED|ERROR) (\S+?)\.py::(\w+)", ran.stdout, re.M)}
    for stem, (outputs, step) in expected.items():
        got = (found.get((stem, "test_outputs_as_tf1")), found.get((stem, "test_one_step_as_tf1")))
        assert got == (outputs, step), (stem, got, ran.stdout[-3000:])


# ----------------------------------------------------------------------------- unknown constructs
UNKNOWN = '''
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 4, 2])
y = tf.placeholder(tf.float32, [None, 1])
outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, dtype=tf.float32)
pred = tf.layers.dense(outputs[:, -1, :], 1)
loss = tf.reduce_mean(tf.square(pred - y))
train = tf.train.AdadeltaOptimizer(1.0).minimize(loss)
summary = tf.summary.scalar("loss", loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(2):
        _, l, s = sess.run([train, loss, summary], {x: np.ones((2, 4, 2)), y: np.ones((2, 1))})
        print("step", step, "loss", l)
'''


def test_unknown_constructs_give_todo_markers_exit_1_and_a_program_that_raises(tmp_path, capsys):
    script = tmp_path / "unknown_bits.py"
    script.write_text(UNKNOWN)
    code = cli.main(["migrate", str(script), "--write", str(tmp_path / "port.py")])
    err = capsys.readouterr().err
    assert code == 1
    todos = [line for line in err.splitlines() if line.startswith("TODO(migrate): ")]
    assert any("AdadeltaOptimizer" in line for line in todos)
    run_line = UNKNOWN.splitlines().index(
        '        _, l, s = sess.run([train, loss, summary], {x: np.ones((2, 4, 2)), y: np.ones((2, 1))})') + 1
    assert any(line.startswith(f"TODO(migrate): line {run_line}: sess.run fetches") for line in todos), todos
    text = (tmp_path / "port.py").read_text()
    assert text.count("# TODO(migrate):") >= 2 and "raise NotImplementedError" in text
    ran = _run_port(tmp_path / "port.py", [])
    assert ran.returncode != 0 and "NotImplementedError: TODO(migrate)" in ran.stderr
    assert "PARITY_METRIC" not in ran.stdout and "step 0" not in ran.stdout


@pytest.mark.backend_neutral
def test_migrate_write_bad_input_exit_2(tmp_path, capsys):
    script = SCRIPTS / "variable_length_lstm.py"
    assert cli.main(["migrate", str(script), "--write", str(tmp_path / "no" / "port.py")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["migrate", str(script), "--write", str(tmp_path / "port.txt")]) == 2
    assert cli.main(["migrate", str(script), "--capture", str(tmp_path)]) == 2
    assert "goes with --write" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- step 3
def _program(path, text):
    path.write_text(text)
    return str(path)


@pytest.mark.backend_neutral
def test_check_reads_both_metrics_and_gives_the_verdict(tmp_path, capsys):
    legacy = _program(tmp_path / "legacy.py", "print('step 1 cost 0.9')\nprint('step 2 cost 0.50')\n")
    close = _program(tmp_path / "close.py", "print('loss 0.3')\nprint('PARITY_METRIC loss=0.52')\n")
    far = _program(tmp_path / "far.py", "print('PARITY_METRIC loss=0.61')\n")
    assert cli.main(["check", legacy, close]) == 0
    out = capsys.readouterr().out
    assert "0.5000" in out and "0.5200" in out and "ok" in out and "|delta|" in out
    assert cli.main(["check", legacy, far]) == 1
    captured = capsys.readouterr()
    assert "FAIL" in captured.out and "differs" in captured.err
    assert cli.main(["check", legacy, str(tmp_path / "missing.py")]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.backend_neutral
def test_check_reads_the_value_not_a_size_printed_before_it():
    """'accuracy over all 128 x 128 pairs: 1.0000' (the binary-addition programs) is 1.0, not
    128; the generated ports' PARITY_METRIC line reads their output the same way."""
    line = "exact-sum accuracy over all 128 x 128 pairs: 1.0000\n"
    assert check.read_metric(line) == ("accuracy", 1.0)
    assert check.read_metric("Step 10, Minibatch Loss= 2.1, Training Accuracy= 0.5") == ("accuracy", 0.5)
    assert check.read_metric("accuracy 0.97 (time: 3)") == ("accuracy", 0.97)
    ns = {}
    runtime = write_port._RUNTIME
    start = runtime.index("_NUMBER = ")
    exec(runtime[start:runtime.index("\n\n\ndef report_metric")].replace("{{", "{").replace("}}", "}"), ns)
    import re

    word = re.search(ns["_WORDS"]["accuracy"] + r"\b", line, re.I)
    assert re.match(ns["_NEXT"], line[word.end():]) is None  # 128 is a size
    assert float(re.match(ns["_AFTER_SIGN"], line[word.end():]).group(1)) == 1.0


@pytest.mark.backend_neutral
def test_check_passes_steps_and_arguments(tmp_path, capsys):
    echo = "import sys\nprint('accuracy', 0.1 * int(sys.argv[1]), sys.argv[2:])\n"
    legacy = _program(tmp_path / "legacy.py", echo)
    port = _program(tmp_path / "port.py", echo)
    assert cli.main(["check", legacy, port, "--steps", "7", "--", "x"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "0.7000" in out and "7 steps" in out


def test_check_a_written_port_from_the_same_start(ported, capsys):
    _, done, _ = ported("variable_length_lstm")
    script = str(SCRIPTS / "variable_length_lstm.py")
    assert cli.main(["check", script, str(done.port), "--same-start", "--",
                     str(done.port.parent)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines()[1:]]
    assert [r[1] for r in rows] == ["legacy", "port"] and rows[0][2] == "loss"
    assert abs(float(rows[0][3]) - float(rows[1][3])) <= 1e-3  # step for step: rounding only


RMSPROP = '''
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)
x = tf.placeholder(tf.float32, [None, 5, 3])
y = tf.placeholder(tf.float32, [None, 1])
outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(4), x, dtype=tf.float32)
logits = tf.layers.dense(state, 1)
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.RMSPropOptimizer(0.01, momentum=0.5).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(4):
        bx = rng.normal(size=(8, 5, 3))
        _, l = sess.run([train, loss], {x: bx, y: (bx[:, :, 0].sum(1, keepdims=True) > 0)})
    print("loss", l)
'''


def test_rmsprop_and_sigmoid_loss_written_with_tf1_semantics(tmp_path):
    script = tmp_path / "rmsprop_gru.py"
    script.write_text(RMSPROP)
    done = write_port.write_port(script, tmp_path / "port.py")
    t = _training(done)
    assert t["optimizer"]["class"] == "RMSPropOptimizer"
    assert (t["optimizer"]["learning_rate"], t["optimizer"]["momentum"]) == pytest.approx((0.01, 0.5))
    assert (t["optimizer"]["decay"], t["optimizer"]["epsilon"]) == pytest.approx((0.9, 1e-10))
    assert t["loss"]["name"] == "sigmoid_cross_entropy" and t["steps"] == 4 and t["batch_size"] == 8
    text = done.port.read_text()
    assert done.todos == []
    assert re.search(r"keras\.optimizers\.RMSprop\(learning_rate=0\.01, rho=0\.9, momentum=0\.5, "
                     r"epsilon=1e-10, centered=False\)", text)
    assert "DIFFERS: TF1 starts the mean square at 1.0" in text
    assert "keras.losses.BinaryCrossentropy(from_logits=True)" in text
    assert "GRU(4, reset_after=False" in text and "head on the last output" in text
    # assert_same_step checks Adam, SGD and momentum only: no step test for RMSProp
    assert "test_one_step_as_tf1" not in done.test.read_text()

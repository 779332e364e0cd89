"""`parity legacy-run`: unmodified TF1 scripts (tests/tf1_scripts/) on TensorFlow 2.

The scripts run in subprocesses through :func:`parity.legacy_run.run_script`; the checks read
what they print (falling losses, accuracies well above chance). The shims themselves are
also tested in this process through ``tf1_compat()``, which must leave no trace.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import tf1_compat
from parity import legacy_run

pytestmark = pytest.mark.legacy

SCRIPTS = Path(__file__).resolve().parent / "tf1_scripts"
SHIMMED = ("tensorflow.contrib", "tensorflow.examples")


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run a script from tests/tf1_scripts in tmp_path, on the shipped MNIST sample."""
    monkeypatch.delenv("PARITY_MNIST_DIR", raising=False)

    def _run(name, *args, **kwargs):
        done = legacy_run.run_script(SCRIPTS / name, args, cwd=tmp_path, timeout=300, **kwargs)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        return done

    return _run


def floats(pattern, text):
    return [float(v) for v in re.findall(pattern, text)]


def assert_clean_process():
    """No shim left behind: the real TensorFlow, eager, nothing of ours in sys.modules."""
    import tensorflow as tf

    assert not tf1_compat.installed()
    assert sys.modules["tensorflow"].__name__ == "tensorflow"
    assert not isinstance(sys.modules["tensorflow"], tf1_compat.Namespace)
    assert tf.executing_eagerly()
    assert [n for n in sys.modules if n.startswith(SHIMMED)] == []
    assert not any(isinstance(f, tf1_compat._Finder) for f in sys.meta_path)
    assert not hasattr(tf.compat.v1, "contrib")
    assert float(tf.constant(2.0) * 3.0) == 6.0


def sample_source():
    from datasets import mnist

    return mnist.describe_source("/tmp/data/")


# ---------------------------------------------------------------- the tutorial scripts
def test_static_rnn_mnist_with_contrib_rnn(run):
    done = run("static_rnn_mnist.py", "150")
    assert done.returncode == 0, done.stderr
    losses = floats(r"Minibatch Loss= ([\d.]+)", done.stdout)
    assert len(losses) == 7  # step 1 and every 25 steps up to 150
    assert losses[-1] < 0.5 * losses[0]
    (accuracy,) = floats(r"Testing Accuracy: ([\d.]+)", done.stdout)
    assert accuracy > 0.6  # chance is 0.1; measured 0.86 at 150 steps
    assert sample_source() in done.stderr  # the runner says which MNIST it read


def test_dynamic_rnn_mnist_with_layers_metrics_and_plot(run, tmp_path):
    done = run("dynamic_rnn_mnist.py", figures_dir="figs")
    assert done.returncode == 0, done.stderr
    losses = floats(r"train loss: ([\d.]+)", done.stdout)
    accuracies = floats(r"test accuracy: ([\d.]+)", done.stdout)
    assert losses[-1] < 0.5 * losses[0]
    # tf.metrics.accuracy streams over every evaluation, so it trails the model: measured 0.60
    assert accuracies[-1] > 0.4 and accuracies[-1] > accuracies[0]
    predicted, real = (
        np.array(re.search(rf"\[([\d ]+)\] {w} number", done.stdout).group(1).split(), int)
        for w in ("prediction", "real")
    )
    assert (predicted == real).sum() >= 3  # 10 test digits; chance is 1
    figure = tmp_path / "figs" / "figure_001.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"saved to {figure}" in done.stderr


def test_multi_rnn_regression_with_saver(run, tmp_path):
    done = run("multi_rnn_regression.py", str(tmp_path / "ckpt"))
    assert done.returncode == 0, done.stderr
    costs = floats(r"step \d+ cost: ([\d.]+)", done.stdout)
    assert len(costs) == 6
    assert costs[-1] < 0.5 * costs[0]  # measured 9.95 -> 2.40
    (restored,) = floats(r"restored cost: ([\d.]+)", done.stdout)
    assert restored < 0.5 * costs[0]  # the restored model is the trained one
    assert (tmp_path / "ckpt" / "model.ckpt.index").is_file()


def test_bidirectional_and_stacked_bidirectional_rnn(run):
    done = run("bidirectional_rnn_mnist.py")
    assert done.returncode == 0, done.stderr
    assert "stacked outputs [28, 32] layers 2" in done.stdout
    for name in ("bidirectional", "stacked"):
        losses = floats(rf"{name} Step \d+, Minibatch Loss= ([\d.]+)", done.stdout)
        assert losses[-1] < 0.5 * losses[0]
        (accuracy,) = floats(rf"{name} Testing Accuracy: ([\d.]+)", done.stdout)
        assert accuracy > 0.5  # measured 0.76 and 0.79 at 120 steps


def test_ptb_style_lm_with_flags_gfile_rnn_decoder_and_seq2seq_loss(run, tmp_path):
    done = run("ptb_style_lm.py", f"--data_path={tmp_path / 'data'}", "--num_steps_train=40")
    assert done.returncode == 0, done.stderr
    assert "variables 5" in done.stdout  # the greedy rollout reused the decoder's variables
    assert "rollout outputs 6" in done.stdout
    perplexities = floats(r"perplexity: ([\d.]+)", done.stdout)
    assert len(perplexities) == 5
    # 12 words: chance is 12; measured 12.6 -> 1.8 at 40 steps
    assert perplexities[0] > 8 and perplexities[-1] < 0.3 * perplexities[0]
    assert (tmp_path / "data" / "corpus.txt").is_file()  # written through tf.gfile


# ------------------------------------------------------------------- how scripts run
def test_script_runs_as_main_with_its_argv_dir_and_exit_code(run, tmp_path):
    done = run("report_environment.py", "a", "--b", "3")
    assert done.returncode == 3, done.stderr
    out = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert out["name"] == "__main__"
    assert out["argv"] == "['a', '--b', '3']"
    assert out["path0"] == str(SCRIPTS)
    assert out["cwd"] == str(tmp_path)
    assert out["eager"] == out["v1_eager"] == "False"
    for key in ("placeholder", "contrib_cell", "v1_contrib", "python_rnn"):
        assert out[key] == "True", key
    assert_clean_process()  # run_script left this process alone


@pytest.mark.parametrize(
    "which, name, replacement, strict",
    [
        (
            "layer_norm_cell",
            "tf.contrib.rnn.LayerNormBasicLSTMCell",
            "keras.layers.LayerNormalization",
            False,
        ),
        ("slim", "tf.contrib.slim", "tf_slim", False),
        ("models_rnn", "tf.models.rnn", "tf.nn.static_rnn", False),
        # TF 0.x names run as their TF1 name unless --strict (tests/test_legacy_tf0.py)
        ("ops_rnn", "tf.nn.bidirectional_rnn", "tf.nn.static_bidirectional_rnn", True),
        ("mul", "tf.mul", "tf.multiply", True),
        # the import forms: Python turns the missing name into "cannot import name"
        (
            "layer_norm_import",
            "tf.contrib.rnn.LayerNormBasicLSTMCell",
            "keras.layers.LayerNormalization",
            False,
        ),
        ("nas_import", "tf.contrib.rnn.NASCell", "tensorflow_addons.rnn.NASCell", False),
        ("ops_rnn_import", "tf.nn.bidirectional_rnn", "tf.nn.static_bidirectional_rnn", True),
        ("mul_import", "tf.mul", "tf.multiply", True),
    ],
)
def test_removed_api_fails_with_one_line(run, which, name, replacement, strict):
    done = run("uses_removed_api.py", which, strict=strict)
    assert done.returncode == 2
    assert done.stdout == "graph started\n"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "uses_removed_api.py:" in lines[0] and name in lines[0] and replacement in lines[0]
    assert "Traceback" not in done.stderr


def test_script_error_keeps_its_traceback(run):
    done = run("raises_error.py")
    assert done.returncode == 1
    assert done.stdout == "before the error\n"
    assert done.stderr.startswith("Traceback (most recent call last):")
    line = (SCRIPTS / "raises_error.py").read_text().splitlines().index("check_batch(64, 128)") + 1
    assert f'raises_error.py", line {line}, in <module>' in done.stderr
    assert done.stderr.rstrip().endswith("ValueError: batch of 64 rows, expected 128")
    assert "runpy" not in done.stderr and "tf1_compat" not in done.stderr


def test_usage_errors(capsys):
    assert legacy_run.main(["no_such_script.py"]) == 2
    assert legacy_run.main(["--figures"]) == 2
    assert legacy_run.main(["--bogus", "x.py"]) == 2
    errors = capsys.readouterr().err
    assert "no such script: no_such_script.py" in errors
    assert "--figures needs a folder" in errors and "unknown option --bogus" in errors


def test_every_replacement_is_one_line():
    for name in legacy_run.REPLACEMENTS:
        line = legacy_run.explain(name + ".Something")
        assert "\n" not in line and line.startswith(name + ".Something")


# ---------------------------------------------------------- the shims in this process
def test_tf1_compat_in_process_then_clean(tmp_path):
    import tensorflow as real_tf

    from datasets import mnist

    with legacy_run.tf1_compat() as tf:
        import tensorflow as imported

        assert imported is tf and not tf.executing_eagerly()
        from tensorflow.contrib import rnn
        from tensorflow.examples.tutorials.mnist import input_data

        data = input_data.read_data_sets(str(tmp_path), one_hot=True)
        expected = mnist.read_data_sets(str(tmp_path), one_hot=True)
        np.testing.assert_array_equal(data.test.images, expected.test.images)
        np.testing.assert_array_equal(data.train.labels, expected.train.labels)
        raw = input_data.read_data_sets(str(tmp_path), dtype=tf.uint8)
        np.testing.assert_array_equal(raw.test.images, np.round(expected.test.images * 255))

        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 4, 3])
        outputs, _ = rnn.static_rnn(rnn.BasicLSTMCell(5), tf.unstack(x, 4, 1), dtype=tf.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            out = sess.run(outputs[-1], {x: np.ones((2, 4, 3), np.float32)})
        assert out.shape == (2, 5) and np.all(np.abs(out) < 1) and np.any(out != 0)

        assert not hasattr(tf.contrib, "slim")
        with pytest.raises(ImportError, match="tf_slim"):
            from tensorflow.contrib import slim  # noqa: F401
        assert tf.mul is tf.multiply  # TF 0.x's name runs as TF1's
        with pytest.raises(AttributeError, match="no direct TF2/Keras replacement"):
            tf.contrib.rnn.GridLSTMCell  # noqa: B018  (no TF1 replacement)
    assert sys.modules["tensorflow"] is real_tf
    assert_clean_process()


def test_contrib_helpers_compute_what_contrib_did():
    rng = np.random.RandomState(0)
    logits_np = rng.randn(3, 4, 5).astype(np.float32)  # 3 time steps of [batch 4, 5 classes]
    targets_np = rng.randint(0, 5, size=(3, 4))
    weights_np = rng.rand(3, 4).astype(np.float32)
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            tf.set_random_seed(0)
            loss = tf.contrib.legacy_seq2seq.sequence_loss_by_example(
                tf.unstack(tf.constant(logits_np)),
                tf.unstack(tf.constant(targets_np)),
                tf.unstack(tf.constant(weights_np)),
            )
            w = tf.constant([[1.0, -2.0], [3.0, 0.5]])
            l2 = tf.contrib.layers.l2_regularizer(0.1)(w)
            x = tf.constant(rng.randn(4, 6, 3).astype(np.float32))
            stacked, states_fw, _ = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
                [tf.contrib.rnn.GRUCell(7), tf.contrib.rnn.GRUCell(7)],
                [tf.contrib.rnn.GRUCell(7), tf.contrib.rnn.GRUCell(7)],
                x,
                dtype=tf.float32,
            )
            projected, _ = tf.nn.dynamic_rnn(
                tf.contrib.rnn.OutputProjectionWrapper(tf.contrib.rnn.BasicRNNCell(8), 2),
                x,
                dtype=tf.float32,
            )
            dense = tf.contrib.layers.fully_connected(tf.contrib.layers.flatten(x), 3)
            sess.run(tf.global_variables_initializer())
            loss_v, l2_v, stacked_v, projected_v, dense_v = sess.run(
                [loss, l2, stacked, projected, dense]
            )
            names = sorted(v.name for v in tf.trainable_variables())
    # sequence_loss_by_example: sum over steps of weighted cross-entropy, / sum of weights
    log_softmax = logits_np - np.log(np.exp(logits_np).sum(-1, keepdims=True))
    crossent = -np.take_along_axis(log_softmax, targets_np[..., None], -1)[..., 0]
    expected = (crossent * weights_np).sum(0) / (weights_np.sum(0) + 1e-12)
    np.testing.assert_allclose(loss_v, expected, rtol=1e-5)
    np.testing.assert_allclose(l2_v, 0.1 * (1 + 4 + 9 + 0.25) / 2, rtol=1e-6)
    assert stacked_v.shape == (4, 6, 14) and len(states_fw) == 2
    assert projected_v.shape == (4, 6, 2)
    assert dense_v.shape == (4, 3) and np.all(dense_v >= 0)  # relu by default, as contrib
    assert "rnn/output_projection_wrapper/kernel:0" in names
    assert any(n.startswith("stack_bidirectional_rnn/cell_1/") for n in names)
    assert_clean_process()


def test_seq2seq_sequence_loss_and_rnn_decoder_compute_what_contrib_did():
    rng = np.random.RandomState(1)
    logits_np = rng.randn(3, 4, 5).astype(np.float32)  # [batch 3, 4 steps, 5 classes]
    targets_np = rng.randint(0, 5, size=(3, 4))
    weights_np = (rng.rand(3, 4) > 0.3).astype(np.float32)
    inputs_np = rng.randn(3, 2).astype(np.float32)  # 3 decoder steps of [batch 3, 2]
    with legacy_run.tf1_compat() as tf:
        with tf.Graph().as_default(), tf.Session() as sess:
            tf.set_random_seed(0)
            args = (tf.constant(logits_np), tf.constant(targets_np), tf.constant(weights_np))
            losses = [
                tf.contrib.seq2seq.sequence_loss(*args),
                tf.contrib.seq2seq.sequence_loss(*args, average_across_timesteps=False),
                tf.contrib.seq2seq.sequence_loss(*args, average_across_batch=False),
                tf.contrib.seq2seq.sequence_loss(
                    *args,
                    average_across_timesteps=False,
                    average_across_batch=False,
                    sum_over_timesteps=True,
                    sum_over_batch=True,
                ),
            ]
            cell = tf.contrib.rnn.BasicRNNCell(2)
            steps = [tf.constant(inputs_np)] * 3
            outputs, state = tf.contrib.legacy_seq2seq.rnn_decoder(
                steps, tf.zeros([3, 2]), cell, loop_function=lambda prev, i: prev * 0.5
            )
            sess.run(tf.global_variables_initializer())
            (kernel, bias) = sess.run(cell.weights)
            values, outs = sess.run([losses, outputs])
            n_variables = len(tf.trainable_variables())
    log_softmax = logits_np - np.log(np.exp(logits_np).sum(-1, keepdims=True))
    crossent = -np.take_along_axis(log_softmax, targets_np[..., None], -1)[..., 0] * weights_np
    np.testing.assert_allclose(values[0], crossent.sum() / weights_np.sum(), rtol=1e-5)
    np.testing.assert_allclose(values[1], crossent.sum(0) / weights_np.sum(0), rtol=1e-5)
    np.testing.assert_allclose(values[2], crossent.sum(1) / weights_np.sum(1), rtol=1e-5)
    np.testing.assert_allclose(values[3], crossent.sum() / np.count_nonzero(weights_np), rtol=1e-5)
    # rnn_decoder: step 0 reads the input, later steps loop_function(previous output)
    h, feed, expected = np.zeros((3, 2), np.float32), inputs_np, []
    for _ in range(3):
        h = np.tanh(np.concatenate([feed, h], 1) @ kernel + bias)
        expected.append(h)
        feed = h * 0.5
    np.testing.assert_allclose(np.stack(outs), np.stack(expected), rtol=1e-5, atol=1e-6)
    assert n_variables == 2  # one cell, shared by the three steps
    assert_clean_process()


def test_start_up_log_lines_of_both_tensorflow_formats_are_dropped():
    from parity.legacy_run import filter_noise

    noise = (
        b"2026-11-23 11:38:59.375664: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:479]"
        b" Unable to register cuFFT factory: Attempting to register factory for plugin cuFFT\n"
        b"2026-11-23 11:38:59.375664: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.\n"
        b"To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow"
        b" with the appropriate compiler flags.\n"
        b"I0000 00:00:1795430339.350501    2778 port.cc:153] oneDNN custom operations are on.\n"
    )
    real = b"Traceback (most recent call last):\nE0000 real error kept\nValueError: boom\n"
    assert filter_noise(noise + real) == real


# ------------------------------------------------------------------- PARITY_SEED
def _seeded(run, seed):
    import os

    env = {k: v for k, v in os.environ.items() if k != "PARITY_SEED"}
    if seed is not None:
        env["PARITY_SEED"] = seed
    done = run("seeded_weights.py", env=env)
    assert done.returncode == 0, done.stderr
    return dict((k, float(v)) for k, v in (line.split() for line in done.stdout.splitlines()))


def test_parity_seed_replaces_every_graph_seed_the_script_sets(run):
    own = _seeded(run, None)  # tf.set_random_seed(5), graph_session(seed=0)
    five, zero = _seeded(run, "5"), _seeded(run, "0")
    assert five["default_graph"] == own["default_graph"] != zero["default_graph"]
    assert zero["graph_session"] == own["graph_session"] != five["graph_session"]
    # NumPy's generator stays as the program seeds it (graph_session seeds it with 0)
    assert own["numpy"] == five["numpy"] == zero["numpy"]


def test_a_bad_parity_seed_is_one_line(run):
    import os

    done = run("seeded_weights.py", env={**os.environ, "PARITY_SEED": "-3"})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "parity legacy-run: error: PARITY_SEED must be a whole number in [0, 2**31 - 1], got '-3'"]

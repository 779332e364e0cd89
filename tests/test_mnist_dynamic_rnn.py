"""mnist_dynamic_rnn: accuracy on the sample's test split, the article's streaming
``tf.metrics.accuracy`` next to the plain accuracy, the printed lines, the digit figure,
the Saver checkpoint, and weight-transplant parity in both directions."""

import contextlib
import dataclasses
import io
import os
import re

import numpy as np
import pytest
import session_cache

from datasets import mnist as mnist_data
from hyperparams import MnistDynamicRNNConfig
from tf1_migrate.testing import step_mismatch

# 300 steps of batch 64 (a quarter of the article's 1,200), evaluation every 50 steps.
# Measured on the shipped sample at 300 steps: seed 1 legacy 94.4%, port 93.85%;
# seeds 2/3/4 legacy 92.5/93.8/93.6%, port 93.8/93.65/93.3%. An untrained model scores
# ~10%, the first evaluation (after one step) 21.7%. The article's full budget
# (1,200 x 64, seed 1) gives legacy 96.20% (streaming value printed: 0.90), port 96.65%.
STEPS = 300
THRESHOLD = 0.90
CONFIG = dataclasses.replace(MnistDynamicRNNConfig(), steps=STEPS)

# Comparable accuracy, one seed per side. After 300 steps the accuracy is a chaotic function
# of every rounding on the way: another CPU's vector unit (AVX2 or AVX-512), another thread
# count or another seed each give another training path. Measured with
# `python -m benchmarks.isa_spread` (seeds 1-6, and seed 1 with XLA and oneDNN limited to
# SSE4.2, to AVX2, and without oneDNN): legacy 0.925-0.946, port 0.9195-0.948 (TensorFlow and
# JAX backends); |legacy - port| at one seed up to 0.011 on one AMD EPYC and 0.0305 on
# another (JAX): a standard deviation of about 1.1 points for the difference. The margin is
# 5 points (4.5 sd), so it holds on any x86-64 CPU, and the threshold stays 4.5 sd below the
# sides' mean. Together they still fail a gross migration bug (tested below: the port at
# Keras's default Adam learning rate, 1e-3 instead of the article's 1e-2, scored 0.862 here);
# subtler bugs are the exact levels' job (transplanted weights, one Adam step), not a
# one-seed accuracy's.
PAIR_MARGIN = 0.05


def accuracy_gate(legacy_value: float, port_value: float) -> list[str]:
    """What fails in the accuracy-level check of one pair (empty: it passes)."""
    failures = [f"{side} {value:.4f} < {THRESHOLD}" for side, value in
                (("legacy", legacy_value), ("port", port_value)) if value < THRESHOLD]
    if abs(legacy_value - port_value) > PAIR_MARGIN:
        failures.append(f"|{legacy_value:.4f} - {port_value:.4f}| > {PAIR_MARGIN}")
    return failures


@pytest.fixture(scope="module")
def sample():
    (_, _), (x_test, y_test) = mnist_data.load_data(CONFIG.data_dir)
    return (x_test.astype(np.float32) / np.float32(255)), y_test


@pytest.fixture(scope="module")
def legacy_run(tmp_path_factory):
    from parity.adapters.legacy import mnist_dynamic_rnn

    def train(folder):  # once per test session (tests/session_cache.py)
        cwd, out = folder / "legacy_cwd", folder / "legacy_out"
        cwd.mkdir()
        out.mkdir()
        printed = io.StringIO()
        old = os.getcwd()
        os.chdir(cwd)  # nothing may land in the current directory
        try:
            with contextlib.redirect_stdout(printed):
                result = mnist_dynamic_rnn.train(
                    CONFIG, verbose=True, checkpoint_path=out / "model.ckpt",
                    figure_path=out / "digit.png")
        finally:
            os.chdir(old)
        return result, printed.getvalue(), cwd, out

    return session_cache.once(f"mnist_dynamic_rnn legacy {CONFIG!r}", train,
                              tmp_path_factory.mktemp("legacy"))


@pytest.fixture(scope="module")
def port_run():
    from parity.adapters.port import mnist_dynamic_rnn

    return mnist_dynamic_rnn.train(CONFIG, verbose=False)


# ---------------------------------------------------------------- outcome

@pytest.mark.legacy
def test_legacy_learns_the_digits(legacy_run):
    result = legacy_run[0]
    assert result.metric == "test_accuracy" and result.higher_is_better
    assert result.value >= THRESHOLD, result.value
    assert result.steps == STEPS


@pytest.mark.port
def test_port_learns_the_digits(port_run):
    assert port_run.metric == "test_accuracy" and port_run.higher_is_better
    assert port_run.value >= THRESHOLD, port_run.value
    assert port_run.steps == STEPS  # as many gradient steps as the legacy loop


@pytest.mark.legacy
@pytest.mark.port
def test_both_sides_within_the_pair_margin(legacy_run, port_run):
    assert accuracy_gate(legacy_run[0].value, port_run.value) == []


def test_the_accuracy_gate_fails_a_port_at_kerass_default_learning_rate(legacy_run):
    """The margin is wide enough for any CPU, and still no test an ordinary bug passes."""
    from parity.adapters.port import mnist_dynamic_rnn as port

    wrong = port.train(dataclasses.replace(CONFIG, learning_rate=1e-3), verbose=False)
    assert accuracy_gate(legacy_run[0].value, wrong.value) != [], wrong.value


# ---------------------------------------------------------------- the streaming metric

@pytest.mark.legacy
def test_streaming_accuracy_is_the_running_mean_of_the_plain_accuracies(legacy_run):
    result = legacy_run[0]
    streaming = result.extras["streaming_history"]
    plain = result.extras["plain_history"]
    evaluations = -(-STEPS // CONFIG.eval_every)  # steps 0, 50, ..., 250
    assert len(streaming) == len(plain) == evaluations
    assert [s for s, _ in streaming] == [s for s, _ in plain]
    # tf.metrics.accuracy keeps (total, count) across evaluations; every evaluation adds
    # the same 2,000 images, so the k-th value is the mean of the first k plain accuracies.
    assert result.extras["eval_size"] == CONFIG.eval_size
    plain_values = np.array([a for _, a in plain])
    running_mean = np.cumsum(plain_values) / np.arange(1, evaluations + 1)
    np.testing.assert_allclose([a for _, a in streaming], running_mean, rtol=1e-6, atol=0)
    assert result.extras["streaming_accuracy"] == streaming[-1][1]
    # The model improves, so the running mean lags below the final model's plain accuracy.
    # (Not every evaluation is above the one before: seeds 2, 5 and 6 each have one dip of
    # up to 2 points at this budget, measured; the first evaluation, after one step, is
    # 0.11-0.22 and the last 0.91-0.94.)
    assert plain_values[-1] > plain_values[0] + 0.5, plain_values
    assert result.extras["streaming_accuracy"] < plain_values[-1] <= result.value + 0.02
    assert result.value - result.extras["streaming_accuracy"] > 0.05


@pytest.mark.legacy
def test_printed_lines_are_the_articles_streaming_values(legacy_run):
    result, printed = legacy_run[0], legacy_run[1]
    shown = [float(v) for v in re.findall(r"train loss: [\d.]+ \| test accuracy: ([\d.]+)", printed)]
    assert shown == [round(a, 2) for _, a in result.extras["streaming_history"]]
    predictions = re.search(r"\[([\d ]+)\] prediction number", printed).group(1).split()
    real = re.search(r"\[([\d ]+)\] real number", printed).group(1).split()
    assert [int(p) for p in predictions] == result.extras["predictions_10"].tolist()
    assert [int(r) for r in real] == result.extras["labels_10"].tolist()


@pytest.mark.legacy
@pytest.mark.port
def test_ten_predictions_against_the_real_labels(legacy_run, port_run, sample):
    from parity.adapters.legacy import mnist_dynamic_rnn as legacy
    from parity.adapters.port import mnist_dynamic_rnn as port

    images, labels = sample[0][:10], sample[1][:10]
    for result, side in ((legacy_run[0], legacy), (port_run, port)):
        np.testing.assert_array_equal(result.extras["labels_10"], labels)
        # the printed predictions are the trained model's own
        np.testing.assert_array_equal(result.extras["predictions_10"],
                                      side.predict(result.weights, images, CONFIG).argmax(1))
        # ~93% accurate models: 7 to 10 of these ten right (measured over CPUs and seeds);
        # an untrained model gets about one
        assert (result.extras["predictions_10"] == labels).sum() >= 5


# ---------------------------------------------------------------- files

@pytest.mark.legacy
def test_figure_and_checkpoint_go_where_asked(legacy_run):
    from tf1_compat.runtime import tf1

    result, _, cwd, out = legacy_run
    assert os.listdir(cwd) == []
    with open(out / "digit.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not [f for f in os.listdir(out) if "tmp" in f]
    reader = tf1().train.load_checkpoint(str(out / "model.ckpt"))
    for name, value in result.weights.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)


# ---------------------------------------------------------------- numerical equivalence

@pytest.mark.legacy
@pytest.mark.port
def test_legacy_weights_in_the_port_give_the_same_outputs(legacy_run, sample):
    from parity.adapters.legacy import mnist_dynamic_rnn as legacy
    from parity.adapters.port import mnist_dynamic_rnn as port
    from parity.pairs import mnist_dynamic_rnn as pairs

    images, labels = sample
    weights = legacy_run[0].weights
    legacy_logits = legacy.predict(weights, images, CONFIG)
    port_logits = port.predict(pairs.legacy_to_port(weights, CONFIG), images, CONFIG)
    np.testing.assert_allclose(port_logits, legacy_logits, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(port_logits.argmax(1), legacy_logits.argmax(1))
    accuracy = float(np.mean(port_logits.argmax(1) == labels))
    assert accuracy == pytest.approx(legacy_run[0].value, abs=1e-6)
    # each part of the mapping matters: without the forget-bias fold the outputs move
    unfolded = port.predict(pairs.legacy_to_port(weights, CONFIG, fold_forget_bias=False),
                            images[:100], CONFIG)
    assert np.max(np.abs(unfolded - legacy_logits[:100])) > 1e-2


@pytest.mark.legacy
@pytest.mark.port
def test_port_weights_in_the_legacy_graph_give_the_same_outputs(port_run, sample):
    from parity.adapters.legacy import mnist_dynamic_rnn as legacy
    from parity.adapters.port import mnist_dynamic_rnn as port
    from parity.pairs import mnist_dynamic_rnn as pairs

    images, labels = sample
    port_logits = port.predict(port_run.weights, images, CONFIG)
    legacy_logits = legacy.predict(pairs.port_to_legacy(port_run.weights, CONFIG), images, CONFIG)
    np.testing.assert_allclose(legacy_logits, port_logits, rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(legacy_logits.argmax(1), port_logits.argmax(1))
    assert float(np.mean(legacy_logits.argmax(1) == labels)) == pytest.approx(port_run.value,
                                                                              abs=1e-6)


@pytest.mark.legacy
@pytest.mark.port
def test_one_adam_step_gives_the_same_weights(legacy_run):
    from parity.adapters.legacy import mnist_dynamic_rnn as legacy
    from parity.adapters.port import mnist_dynamic_rnn as port
    from parity.pairs import mnist_dynamic_rnn as pairs

    (x_train, y_train), _ = mnist_data.load_data(CONFIG.data_dir)
    batch = (x_train[:CONFIG.batch_size].astype(np.float32) / np.float32(255),
             y_train[:CONFIG.batch_size])
    start = legacy_run[0].weights
    after_legacy = pairs.legacy_to_port(legacy.train_step(start, batch, CONFIG), CONFIG)
    after_port = port.train_step(pairs.legacy_to_port(start, CONFIG), batch, CONFIG)
    before = pairs.legacy_to_port(start, CONFIG)
    # Tolerance: 2% of the step (lr = 0.01). Adam's first step is about lr * sign(gradient),
    # so float32 rounding in a near-zero gradient can move a weight by a sizeable part of
    # lr (1.2e-5 measured on TF 2.16); a mapping error moves it by the whole step or more.
    for name, value in after_legacy.items():
        # ... and a stray few (1 in 10,000) further, each below half a step (step_mismatch)
        why = step_mismatch(after_port[name], value, rtol=1e-5, atol=0.02 * CONFIG.learning_rate,
                            step=CONFIG.learning_rate)
        assert why is None, f"{name}: {why}"
        # Adam's first step moves every weight with a gradient by about lr = 0.01
        assert np.max(np.abs(value - before[name])) > 0.5 * CONFIG.learning_rate, name


@pytest.mark.legacy
@pytest.mark.port
def test_transplant_rejects_mismatched_names_and_shapes(legacy_run):
    from parity.pairs import mnist_dynamic_rnn as pairs

    weights = dict(legacy_run[0].weights)
    weights["dense/kernel"] = weights["dense/kernel"][:, :5]
    with pytest.raises(ValueError, match="dense/kernel"):
        pairs.legacy_to_port(weights, CONFIG)
    renamed = {k.replace("lstm_cell", "basic_lstm_cell"): v for k, v in legacy_run[0].weights.items()}
    with pytest.raises(ValueError, match="missing: .*rnn/lstm_cell/kernel"):
        pairs.legacy_to_port(renamed, CONFIG)
    with pytest.raises(ValueError, match="missing"):
        pairs.port_to_legacy({"dense/kernel": np.zeros((64, 10))}, CONFIG)

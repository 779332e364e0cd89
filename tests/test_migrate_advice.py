"""`parity migrate` gives no wrong advice: linear `fully_connected`, multi-line calls shown
whole, the traps that change outputs on the line where they apply, the notes column in
every format, notebooks cell by cell, and no module of this project named as the user's
data source. Static analysis only: nothing runs.
"""

import json
import subprocess
import sys
from pathlib import Path

from tf1_migrate import migrate

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = '''import tensorflow as tf
from tensorflow.contrib import rnn
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
x = tf.placeholder(tf.float32, [None, 5, 3])
seqlen = tf.placeholder(tf.int32, [None])
keep_prob = tf.placeholder(tf.float32)
cell = rnn.DropoutWrapper(rnn.GRUCell(4), output_keep_prob=keep_prob)
init = cell.zero_state(8, tf.float32)
outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=seqlen,
                                   initial_state=init)
b = tf.Variable(tf.random_normal([2]))
logits = tf.contrib.layers.fully_connected(outputs[:, -1], 2,
                                           activation_fn=None)
hidden = tf.contrib.layers.fully_connected(outputs[:, -1], 2)
loss = tf.reduce_sum(tf.square(logits - 1.0))
xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([8], tf.int32), logits=logits)
'''


def _report(tmp_path, text=SCRIPT, name="train.py"):
    path = tmp_path / name
    path.write_text(text)
    return migrate.analyse(path)


def _on(report, line, api_end):
    found = [f for f in report.findings if f.line == line and f.api.endswith(api_end)]
    assert found, [(f.line, f.api) for f in report.findings]
    return found[0]


def test_fully_connected_without_activation_is_a_linear_dense_and_the_call_is_shown_whole(tmp_path):
    report = _report(tmp_path)
    linear = _on(report, 14, "fully_connected")
    assert "relu" not in linear.keras and "Dense(units)" in linear.keras
    assert "activation_fn=None" in linear.code and linear.code.startswith("logits =")
    relu = _on(report, 16, "fully_connected")  # fully_connected's default: relu
    assert "relu" in relu.keras


def test_traps_that_change_outputs_are_on_their_lines(tmp_path):
    report = _report(tmp_path)
    rnn_traps = " ".join(_on(report, 11, "dynamic_rnn").traps)
    assert "sequence_length=seqlen" in rnn_traps and "mask" in rnn_traps
    assert "initial_state=init" in rnn_traps
    assert any("reduce_sum" in t for t in _on(report, 17, "reduce_sum").traps)
    bias = " ".join(_on(report, 13, "random_normal").traps)
    assert "bias" in bias and "zeros" in bias
    assert any("keep_prob" in t and "1.0 at inference" in t for t in _on(report, 9, "DropoutWrapper").traps)


def test_contrib_rnn_import_and_sparse_softmax_have_their_keras_forms(tmp_path):
    report = _report(tmp_path)
    assert "keras.layers" in _on(report, 2, "contrib.rnn").keras
    assert "SparseCategoricalCrossentropy(from_logits=True)" in \
        _on(report, 18, "sparse_softmax_cross_entropy_with_logits").keras


def test_every_format_carries_the_notes_and_no_project_module_is_the_data_source(tmp_path):
    report = _report(tmp_path)
    notes = [f.note for f in report.findings if f.note]
    assert notes
    text, markdown, page = (migrate.format_text(report), migrate.format_markdown(report),
                            migrate.format_html(report))
    for note in notes:
        assert note in text and note.replace("|", "\\|") in markdown
    for out in (text, markdown, page):
        assert "datasets.mnist" not in out.replace("keras.datasets.mnist", "")


def test_a_notebook_is_analysed_cell_by_cell(tmp_path):
    cells = [{"cell_type": "markdown", "source": ["# a TF1 notebook\n"]},
             {"cell_type": "code", "source": ["%matplotlib inline\n", "import tensorflow as tf\n"]},
             {"cell_type": "code", "source": ["x = tf.placeholder(tf.float32, [None, 4, 1])\n",
                                              "out, _ = tf.nn.dynamic_rnn(\n",
                                              "    tf.nn.rnn_cell.BasicLSTMCell(3), x, dtype=tf.float32)\n"]}]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 2, "metadata": {}}))
    proc = subprocess.run([sys.executable, "-m", "parity", "migrate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "0 TF1 API uses" not in proc.stdout
    assert "cell 3, line 1: tf.placeholder" in proc.stdout
    assert "cell 3, line 3: tf.nn.rnn_cell.BasicLSTMCell" in proc.stdout
    assert "forget bias" in proc.stdout
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["def f(:\n"]}]}))
    proc = subprocess.run([sys.executable, "-m", "parity", "migrate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "cell 1, line 1" in proc.stderr and "Traceback" not in proc.stderr

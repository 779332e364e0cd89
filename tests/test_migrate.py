"""`parity migrate SCRIPT`: every TF1 API of MIGRATION.md a script uses, with its line.

Two independent readings of each file are compared: parity migrate's (the syntax tree, with
TensorFlow's aliases resolved) and a plain one, the table's own regular expression on each
code line (comments and strings blanked out). Every (API row, line) the plain reading finds
must be in migrate's report; for the legacy_graph modules, every row whose MIGRATION.md
"example" column names the module must be there too.
"""

import fnmatch
import io
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from parity import migrate, migration_map

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "tests" / "tf1_scripts").glob("*.py")) + sorted((ROOT / "legacy_graph").glob("*.py"))


def code_only(source: str) -> list:
    """The source's lines with comments and string literals blanked out."""
    lines = [list(line) for line in source.splitlines()]
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.STRING):
            continue
        (r0, c0), (r1, c1) = tok.start, tok.end
        for r in range(r0, r1 + 1):
            row = lines[r - 1]
            start = c0 if r == r0 else 0
            end = c1 if r == r1 else len(row)
            row[start:end] = " " * (end - start)
    return ["".join(line) for line in lines]


def plain_reading(path) -> set:
    lines = code_only(Path(path).read_text())
    return {(m.tf1, n) for m in migration_map.MAPPINGS
            for n, line in enumerate(lines, 1) if re.search(m.pattern, line)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_table_api_is_listed_on_its_line(path):
    report = migrate.analyse(path)
    listed = {(f.entry, f.line) for f in report.findings}
    missing = sorted(plain_reading(path) - listed, key=lambda x: x[1])
    assert not missing, f"not listed: {missing}"
    for f in report.findings:  # and every finding points at a line that shows it (a call
        # over several lines is shown whole)
        assert path.read_text().splitlines()[f.line - 1].strip() in f.code


def examples_named(mapping) -> tuple:
    """(ids named, ids excluded) by the MIGRATION.md "example" column."""
    text = mapping.example
    if text.startswith("all but"):
        return ["*"], re.findall(r"[a-z_]+_[a-z_]+", text.split("(")[0])
    if text.startswith("all"):
        return ["*"], []
    return [t.strip() for t in text.split("(")[0].split(",") if t.strip()], []


@pytest.mark.parametrize("example", ["binary_addition_lstm", "binary_addition_numpy_rnn",
                                     "mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm",
                                     "series_predictor", "airline_passengers"])
def test_migration_md_rows_of_each_example_are_listed(example):
    entries = {f.entry for f in migrate.analyse(ROOT / "legacy_graph" / f"{example}.py").findings}
    named = []
    for m in migration_map.MAPPINGS:
        patterns, excluded = examples_named(m)
        if example not in excluded and any(fnmatch.fnmatch(example, p) for p in patterns):
            named.append(m.tf1)
    assert named, "MIGRATION.md names no API for this example"
    assert sorted(set(named) - entries) == []


def test_traps_and_what_legacy_run_cannot_run(tmp_path):
    script = tmp_path / "user.py"
    script.write_text(
        "import tensorflow as tf\n"                                                      # 1
        "from tensorflow.contrib import rnn\n"                                           # 2
        "BATCH = 32\n"                                                                   # 3
        "x = tf.placeholder(tf.float32, [BATCH, 10, 3])\n"                               # 4
        "cell = rnn.LSTMCell(64, forget_bias=0.5, use_peepholes=True,\n"                 # 5
        "                    state_is_tuple=False)\n"                                    # 6
        "cell = tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5)\n"             # 7
        "state = cell.zero_state(BATCH, tf.float32)\n"                                   # 8
        "out, _ = tf.nn.dynamic_rnn(cell, x, initial_state=state,\n"                     # 9
        "                           time_major=True)\n"                                  # 10
        "w = tf.Variable(tf.random_normal([64, 2]))\n"                                   # 11
        "acc = tf.metrics.accuracy(labels=x, predictions=x)\n"                           # 12
        "opt = tf.train.RMSPropOptimizer(0.01)\n"                                        # 13
        "ln = tf.contrib.rnn.LayerNormBasicLSTMCell(8)\n"                                # 14
        "y = tf.mul(x, 2)  # TF 0.x\n"                                                   # 15
        "z = tf.layers.dropout(x, 0.5)\n"                                                # 16
        "from tensorflow.contrib import slim\n")                                         # 17
    by_line = {}
    for f in migrate.analyse(script).findings:
        by_line.setdefault(f.line, []).append(f)

    def traps(line):
        return " ".join(t for f in by_line.get(line, []) for t in f.traps)

    assert "forget_bias=0.5" in traps(5) and "gates (i, j, f, o)" in traps(5)
    assert "peepholes" in traps(5) and "state_is_tuple=False" in traps(5)
    assert "output_keep_prob=0.5 is a constant" in traps(7)
    assert "zero_state(BATCH) fixes the batch size" in traps(8)
    assert "time_major=True" in traps(9)  # the call's line, not the keyword's
    assert "stddev 1.0 (its default)" in traps(11)
    assert "streaming metric" in traps(12)
    assert "1e-10" in traps(13) and "mean square at 1.0" in traps(13)
    assert "training is False (the default)" in traps(16)
    stops = {f.line: f.cannot_run for f in migrate.analyse(script).findings if f.cannot_run}
    assert set(stops) == {14, 17}
    assert "LayerNormalization" in stops[14] and "tf_slim" in stops[17]
    assert "TensorFlow 1.0 calls it tf.multiply" in traps(15)  # TF 0.x: legacy-run runs it
    assert "keras.ops.multiply" in by_line[15][0].keras
    assert all(f.keras for fs in by_line.values() for f in fs)


def parity_cmd(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "parity", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                              p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)))


def test_cli_writes_reports_atomically_and_refuses_what_it_cannot_parse(tmp_path):
    script = ROOT / "tests" / "tf1_scripts" / "bidirectional_rnn_mnist.py"
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    proc = parity_cmd("migrate", str(script), "--markdown", str(md), "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert "static_bidirectional_rnn" in proc.stdout and "outputs[-1]" in proc.stdout
    assert "| line | TF1 | Keras 3 | traps |" in md.read_text()
    assert "<table>" in page.read_text() and "Bidirectional" in page.read_text()
    assert not list(tmp_path.glob(".tmp-*"))

    py2 = tmp_path / "old.py"
    py2.write_text("import tensorflow as tf\nprint 'loss', 1\n")
    page.write_text("previous")
    proc = parity_cmd("migrate", str(py2), "--html", str(page))
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "old.py:2: cannot parse" in lines[0]
    assert page.read_text() == "previous"
    proc = parity_cmd("migrate", str(tmp_path / "missing.py"))
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_migrate_does_not_import_tensorflow():
    code = ("import sys; from parity import migrate; "
            "migrate.analyse('tests/tf1_scripts/ptb_style_lm.py'); "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_migration_md_tables_are_generated_from_the_map():
    blocks = migration_map.generated_blocks((ROOT / "MIGRATION.md").read_text())
    assert blocks == {name: make() for name, make in migration_map.GENERATED.items()}, \
        "MIGRATION.md is out of date: python -m parity.migration_map --write"

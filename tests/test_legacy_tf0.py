"""`parity legacy-run` on TensorFlow 0.12 / 1.0-era code: renamed names and reordered calls.

tests/tf0_scripts/ holds two TF 0.12-style programs and their twins written with TF1 names
(the same models): run unmodified, each TF 0.x script must print exactly what its twin
prints, say once per name on stderr what it ran as, and stop with one line under --strict.
The decisions on argument order are also tested in this process, call by call.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from parity import legacy_run, tf1_shim
from parity.tf1_shim import aliases

pytestmark = pytest.mark.legacy

SCRIPTS = Path(__file__).resolve().parent / "tf0_scripts"
NOTE = re.compile(r"^parity legacy-run: (\S+) \(TF 0\.x\) runs as (\S+)$")
ORDER_NOTE = re.compile(r"^parity legacy-run: (\S+?)\(.*\(TF 0\.x argument order\) runs as ")

# what each TF 0.x script is expected to say it ran as (read off the scripts' docstrings)
RENAMED = {
    "char_rnn": {
        "tf.nn.rnn", "tf.unpack", "tf.pack", "tf.mul", "tf.sub", "tf.neg", "tf.select",
        "tf.batch_matmul", "tf.inv", "tf.scalar_summary", "tf.histogram_summary",
        "tf.merge_all_summaries", "tf.train.SummaryWriter",
    },
    "seq_classifier": {
        "tf.nn.bidirectional_rnn", "tf.unpack", "tf.image.per_image_whitening",
        "tf.listdiff", "tf.complex_abs", "tf.batch_matmul",
    },
}
REORDERED = {
    "char_rnn": {"tf.split", "tf.concat", "tf.nn.softmax_cross_entropy_with_logits"},
    "seq_classifier": {
        "tf.split", "tf.concat", "tf.nn.sparse_softmax_cross_entropy_with_logits",
        "tf.nn.sigmoid_cross_entropy_with_logits",
    },
}


@pytest.fixture
def run(tmp_path):
    def _run(name, *args, **kwargs):
        done = legacy_run.run_script(SCRIPTS / name, args, cwd=tmp_path, timeout=300, **kwargs)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        return done

    return _run


def test_the_scripts_use_enough_tf0_names():
    names = set().union(*RENAMED.values())
    orders = set().union(*REORDERED.values())
    assert len(names) >= 10 and len(orders) >= 3
    assert names <= set(aliases.ALIASES) and orders <= set(aliases.REORDERS)


@pytest.mark.parametrize("program", ["char_rnn", "seq_classifier"])
def test_tf0_script_prints_what_its_tf1_twin_prints(run, tmp_path, program):
    old = run(f"{program}_tf0.py", *([str(tmp_path / "logs0")] if program == "char_rnn" else []))
    new = run(f"{program}_tf1.py", *([str(tmp_path / "logs1")] if program == "char_rnn" else []))
    assert old.returncode == 0, old.stderr
    assert new.returncode == 0, new.stderr
    assert old.stdout == new.stdout  # the same model, the same numbers, to the last digit
    # ... and a model that learnt (so that equal output is not two equal failures)
    if program == "char_rnn":
        costs = [float(v) for v in re.findall(r"cost ([\d.]+)", old.stdout)]
        assert costs[-1] < 0.2 * costs[0]  # measured 3.33 -> 0.09
        assert "event files 1" in old.stdout  # tf.train.SummaryWriter wrote its events
    else:
        (accuracy,) = re.findall(r"first-vs-last ([\d.]+)", old.stdout)
        (backwards,) = re.findall(r"reversed sequences ([\d.]+)", old.stdout)
        assert float(accuracy) > 0.7 and float(backwards) > 0.7  # chance ~0.45; measured 0.88
    # one line per TF 0.x name and per reordered function, the first time only
    lines = old.stderr.splitlines()
    notes = [NOTE.match(line).groups() for line in lines if NOTE.match(line)]
    assert {old_name for old_name, _ in notes} == RENAMED[program]
    assert len(notes) == len(RENAMED[program])
    for old_name, new_name in notes:
        assert aliases.ALIASES[old_name] == new_name
    orders = [ORDER_NOTE.match(line).group(1) for line in lines if ORDER_NOTE.match(line)]
    assert sorted(orders) == sorted(REORDERED[program])
    assert "runs as" not in new.stderr


@pytest.mark.parametrize(
    "script, first",
    [
        ("char_rnn_tf0.py", "tf.split(split_dim, num_split, value)"),
        ("seq_classifier_tf0.py", "tf.unpack"),
    ],
)
def test_strict_stops_each_tf0_script_with_one_line(run, tmp_path, script, first):
    done = run(script, str(tmp_path / "logs"), strict=True)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    source = (SCRIPTS / script).read_text().splitlines()
    number = int(re.search(rf"{script}:(\d+): ", line).group(1))
    assert first.split("(")[0] in source[number - 1]  # the line of the first TF 0.x form
    assert first in line and "(--strict)" in line and "use instead: tf." in line


# ------------------------------------------------------------------ in this process
def _resolve(tf, name):
    value = tf
    for part in name.split(".")[1:]:
        value = getattr(value, part)
    return value


def test_every_alias_runs_as_its_tf1_name_and_strict_refuses_it(capsys):
    with legacy_run.tf1_compat() as tf:
        for old, new in aliases.ALIASES.items():
            value, target = _resolve(tf, old), _resolve(tf, new)
            assert value is target or getattr(value, "__wrapped__", None) is target, old
        again = [_resolve(tf, old) for old in aliases.ALIASES]  # noqa: F841  (no second note)
    notes = capsys.readouterr().err.splitlines()
    assert sorted(notes) == sorted(
        f"parity legacy-run: {old} (TF 0.x) runs as {new}" for old, new in aliases.ALIASES.items()
    )
    with legacy_run.tf1_compat(strict=True) as tf:
        for old, new in aliases.ALIASES.items():
            with pytest.raises(AttributeError) as info:
                _resolve(tf, old)
            assert isinstance(info.value, tf1_shim.LegacyAPIUnavailable)
            assert info.value.one_line().endswith(f"(--strict); use instead: {new}"), old
        assert not hasattr(tf, "mul")
    assert capsys.readouterr().err == ""
    assert not tf1_shim.installed()


def test_names_tensorflow_still_has_run_as_they_are(capsys):
    with legacy_run.tf1_compat(strict=True) as tf:
        for name in aliases.STILL_IN_V1:
            assert callable(_resolve(tf, name)), name
    assert capsys.readouterr().err == ""


def test_argument_order_is_decided_by_the_arguments_types(capsys):
    with legacy_run.tf1_compat() as tf, tf.Graph().as_default(), tf.Session() as sess:
        a, b = tf.constant([[1.0, 2.0]]), tf.constant([[3.0, 4.0]])
        wide = tf.constant(np.arange(12.0, dtype=np.float32).reshape(2, 6))
        logits = tf.constant([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
        labels = tf.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        matrix = tf.constant([[2.0, 1.0], [1.0, 3.0]])
        pairs = [
            (tf.concat(1, [a, b]), tf.concat([a, b], 1)),
            (tf.concat(np.int32(0), [a, b]), tf.concat([a, b], axis=0)),
            (tf.concat(concat_dim=1, values=[a, b]), tf.concat([a, b], 1)),
            (tf.split(1, 3, wide), tf.split(wide, 3, 1)),
            (tf.split(split_dim=1, num_split=2, value=wide), tf.split(wide, 2, axis=1)),
            (
                tf.nn.softmax_cross_entropy_with_logits(logits, labels),
                tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            ),
            (
                tf.nn.sparse_softmax_cross_entropy_with_logits(logits, tf.constant([1, 0])),
                tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=tf.constant([1, 0]), logits=logits
                ),
            ),
            (
                tf.nn.sigmoid_cross_entropy_with_logits(logits, targets=labels),
                tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits),
            ),
            (tf.reverse(wide, [False, True]), tf.reverse(wide, [1])),
            (tf.reverse(wide, np.array([True, False])), tf.reverse(wide, axis=[0])),
            (tf.batch_matmul(matrix, matrix, adj_x=True), tf.matmul(matrix, matrix,
                                                                   adjoint_a=True)),
            (tf.svd(matrix, compute_uv=False), tf.svd(matrix, full_matrices=False,
                                                     compute_uv=False)),
        ]
        old, new = sess.run([p[0] for p in pairs]), sess.run([p[1] for p in pairs])
        for got, want in zip(old, new):
            for g, w in zip(np.atleast_1d(got) if isinstance(got, list) else [got],
                            np.atleast_1d(want) if isinstance(want, list) else [want]):
                np.testing.assert_allclose(g, w, rtol=1e-6)
        sparse = tf.SparseTensor([[0, 0], [1, 3]], [1.0, 2.0], [2, 4])
        halves = [tf.sparse_tensor_to_dense(t) for t in tf.sparse_split(1, 2, sparse)]
        assert [h.tolist() for h in sess.run(halves)] == [[[1, 0], [0, 0]], [[0, 0], [0, 2]]]
        # the cross-entropy really swapped its arguments back (not symmetric in them)
        swapped = sess.run(tf.nn.softmax_cross_entropy_with_logits(labels=logits, logits=labels))
        assert not np.allclose(old[5], swapped)

        # the types cannot tell: stop with one line naming TF1's order
        unknown = tf.placeholder(tf.int32)  # unknown rank: an axis, or values?
        with pytest.raises(tf1_shim.LegacyCallError) as info:
            tf.concat(unknown, tf.placeholder(tf.int32))
        assert "tf.concat(values, axis)" in info.value.one_line()
        with pytest.raises(tf1_shim.LegacyCallError, match="compute_uv"):
            tf.svd(matrix, False)  # (tensor, compute_uv) or (tensor, full_matrices)?
        with pytest.raises(tf1_shim.LegacyCallError, match="tensor of tags"):
            tf.scalar_summary(tf.constant(["a", "b"]), tf.constant([1.0, 2.0]))
    notes = capsys.readouterr().err.splitlines()
    assert len(notes) == len(set(notes))  # once per name / function
    assert (
        "parity legacy-run: tf.concat(concat_dim, values) (TF 0.x argument order) runs as "
        "tf.concat(values, axis)" in notes
    )


def test_strict_refuses_old_orders_and_passes_tf1_calls():
    with legacy_run.tf1_compat(strict=True) as tf, tf.Graph().as_default(), tf.Session() as sess:
        a, b = tf.constant([[1.0]]), tf.constant([[2.0]])
        for call in (
            lambda: tf.concat(1, [a, b]),
            lambda: tf.concat(concat_dim=1, values=[a, b]),
            lambda: tf.split(1, 2, tf.concat([a, b], 1)),
            lambda: tf.nn.softmax_cross_entropy_with_logits(a, b),
            lambda: tf.reverse(a, [True, False]),
        ):
            with pytest.raises(tf1_shim.LegacyCallError, match=r"\(--strict\); use instead: tf\."):
                call()
        assert sess.run(tf.concat([a, b], 1)).tolist() == [[1.0, 2.0]]


def test_tensorflow_own_rnn_module_gets_the_aliases_only_while_installed():
    from tensorflow.python.ops import rnn

    with legacy_run.tf1_compat() as tf:
        assert rnn.rnn is tf.nn.static_rnn
        assert rnn.bidirectional_rnn is tf.nn.static_bidirectional_rnn
        assert tf.contrib.deprecated.scalar_summary.__wrapped__ is tf.summary.scalar
        with pytest.raises(AttributeError):
            rnn.no_such_function  # noqa: B018
    assert not hasattr(rnn, "rnn") and "__getattr__" not in vars(rnn)
    assert not tf1_shim.installed()


def test_migration_md_lists_the_tf0_names_with_keras_forms_that_exist():
    import keras

    from parity import migration_map

    text = (Path(__file__).resolve().parent.parent / "MIGRATION.md").read_text()
    assert migration_map.tf0_table() in text  # MIGRATION.md is generated from the table
    listed = {
        name.split("(")[0].strip()
        for row in migration_map.TF0_NAMES
        for name in row.tf0.split(" / ")
    }
    expected = set(aliases.ALIASES) | set(aliases.REORDERS) | set(aliases.STILL_IN_V1)
    assert expected | {aliases.REVERSE} <= listed
    for row in migration_map.TF0_NAMES:
        for dotted in re.findall(r"\bkeras(?:\.\w+)+", row.keras):
            value = keras
            for part in dotted.split(".")[1:]:
                assert hasattr(value, part), f"{dotted} is not in Keras {keras.__version__}"
                value = getattr(value, part)
    # the removed names without a same-meaning TF1 name stay in the other table
    assert not set(aliases.ALIASES) & set(migration_map.REMOVED)

"""`parity legacy-run` on whole 2016-2018 programs: their NumPy, their flags, tf.contrib.learn.

tests/tf1_scripts/ holds programs written the way those tutorials were (not copies): a
char-rnn trainer + sampler pair (argparse, cPickle vocabulary, Saver restore, a NumPy 1-era
weighted pick), a tf.app.flags program whose flags are absl.logging's names too, and a text
classifier with tf.flags idioms and VocabularyProcessor. Each runs unmodified (exit 0, its
printed metric checked) and stops with its expected one line under --strict.

The NumPy-dependent checks take the branch of the NumPy they run on: under NumPy 2 the
sampler's ``int()`` of a 1-element array dies with the added hint line; under NumPy 1.26
(tox env ``numpy1``, or ``tf216``) it runs. The shims are also tested in this process.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import tf1_compat
from parity import legacy_run

pytestmark = pytest.mark.legacy

SCRIPTS = Path(__file__).resolve().parent / "tf1_scripts"
NUMPY2 = int(np.__version__.split(".")[0]) >= 2
NOTE = re.compile(r"^parity legacy-run: (np\.\w+) \(removed in NumPy [\d.]+\) runs as ")
FLAG_NOTE = re.compile(r"^parity legacy-run: --(\w+) is the script's flag ")
HINT = "parity legacy-run: NumPy "


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("PARITY_MNIST_DIR", raising=False)

    def _run(name, *args, **kwargs):
        done = legacy_run.run_script(SCRIPTS / name, args, cwd=tmp_path, timeout=300, **kwargs)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        return done

    return _run


def floats(pattern, text):
    return [float(v) for v in re.findall(pattern, text)]


def one_error_line(done, script):
    """The --strict run's single stderr line, and the script line it points at."""
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    number = int(re.search(rf"{re.escape(script)}:(\d+): ", line).group(1))
    return line, (SCRIPTS / script).read_text().splitlines()[number - 1]


# ----------------------------------------------------------------------- char-rnn
SUBJECTS = ["the cat", "a dog", "the old man", "my sister", "the bird"]
VERBS = ["sees", "likes", "finds", "follows"]
OBJECTS = ["the red ball", "a green hat", "the small boat", "her blue kite"]


def write_corpus(folder: Path) -> set[str]:
    """A small corpus of grammatical sentences; returns its words."""
    rng = np.random.RandomState(0)
    sentences = [
        f"{SUBJECTS[rng.randint(5)]} {VERBS[rng.randint(4)]} {OBJECTS[rng.randint(4)]}."
        for _ in range(120)
    ]
    folder.mkdir(parents=True)
    text = " ".join(sentences) + "\n"
    (folder / "input.txt").write_text(text)
    return set(re.findall(r"[a-z]+", text))


def known_word_share(sample: str, words: set[str]) -> float:
    found = re.findall(r"[a-z]+", sample)
    return sum(w in words for w in found) / max(len(found), 1)


@pytest.fixture(scope="module")
def char_rnn(tmp_path_factory):
    """The trainer, run once: (its CompletedProcess, data dir, save dir, corpus words)."""
    root = tmp_path_factory.mktemp("char_rnn")
    words = write_corpus(root / "data")
    done = legacy_run.run_script(
        SCRIPTS / "char_rnn_train.py",
        ["--data_dir", "data", "--save_dir", "save", "--log_dir", "logs", "--rnn_size", "64",
         "--num_layers", "1", "--batch_size", "10", "--seq_length", "25", "--num_epochs", "6",
         "--learning_rate", "0.01"],
        cwd=root, timeout=300,
    )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done, root, words


def test_char_rnn_trainer_learns_and_saves_vocabulary_and_checkpoint(char_rnn):
    done, root, words = char_rnn
    assert done.returncode == 0, done.stderr
    losses = floats(r"train_loss = ([\d.]+)", done.stdout)
    assert len(losses) == 6 * 14  # 3540 characters / (10 * 25) = 14 batches per epoch
    vocab_size = len(set((root / "data" / "input.txt").read_text()))
    assert abs(losses[0] - np.log(vocab_size)) < 0.5  # an untrained model: ln(V)
    assert losses[-1] < 0.25 * losses[0]  # measured 3.19 -> 0.25 at 6 epochs
    # the NumPy 1.x names it used, each said once
    notes = [NOTE.match(line).group(1) for line in done.stderr.splitlines() if NOTE.match(line)]
    assert notes == ["np.int", "np.asscalar"]
    with open(root / "save" / "chars_vocab.pkl", "rb") as f:
        chars, vocab = pickle.load(f)
    assert sorted(chars) == sorted(set((root / "data" / "input.txt").read_text()))
    assert all(chars[vocab[c]] == c for c in chars)
    assert (root / "save" / "checkpoint").is_file()
    assert list((root / "logs").glob("*/events.out.tfevents.*"))


def test_char_rnn_sampler_restores_and_writes_the_corpus_words(char_rnn):
    done, root, words = char_rnn
    assert done.returncode == 0, done.stderr
    sample = legacy_run.run_script(
        SCRIPTS / "char_rnn_sample.py", ["--save_dir", "save", "-n", "300", "--prime", "the ",
                                         "--sample", "0"], cwd=root, timeout=300)
    sys.stderr.write(sample.stderr)
    assert sample.returncode == 0, sample.stderr
    assert sample.stdout.startswith("the ")
    # an untrained model writes no word of the corpus; measured 1.0 after training
    assert known_word_share(sample.stdout, words) > 0.9
    assert [NOTE.match(line).group(1) for line in sample.stderr.splitlines()
            if NOTE.match(line)] == ["np.float"]


def test_char_rnn_weighted_pick_needs_numpy_1(char_rnn):
    """``int(np.searchsorted(t, np.random.rand(1) * s))``: NumPy 2 refuses it in the array
    type; the runner adds one line saying so. Under NumPy 1.26 it runs."""
    done, root, words = char_rnn
    assert done.returncode == 0, done.stderr
    sample = legacy_run.run_script(
        SCRIPTS / "char_rnn_sample.py", ["--save_dir", "save", "-n", "300", "--prime", "the ",
                                         "--sample", "1"], cwd=root, timeout=300)
    sys.stdout.write(sample.stdout)
    sys.stderr.write(sample.stderr)
    if NUMPY2:
        assert sample.returncode == 1
        lines = sample.stderr.splitlines()
        assert "TypeError: only 0-dimensional arrays can be converted to Python scalars" in lines
        assert lines[-1].startswith(HINT)
        assert "int()/float() of an array with ndim > 0" in lines[-1] and "numpy<2" in lines[-1]
        assert 'char_rnn_model.py", line' in sample.stderr  # the script's traceback, kept
        assert sum(line.startswith(HINT) for line in lines) == 1
    else:
        assert sample.returncode == 0, sample.stderr
        assert known_word_share(sample.stdout, words) > 0.6  # weighted picks; measured 0.85
        assert "Conversion of an array" not in sample.stderr  # NumPy 1.25+'s warning, hidden


@pytest.mark.parametrize(
    "script, args, name, instead",
    [
        ("char_rnn_train.py", ["--data_dir", "fresh", "--save_dir", "save2"], "np.int", "int"),
        ("char_rnn_sample.py", ["--save_dir", "save", "-n", "5"], "np.float", "float"),
    ],
)
def test_char_rnn_strict_names_the_numpy_1_name(char_rnn, script, args, name, instead):
    done, root, words = char_rnn
    assert done.returncode == 0, done.stderr
    if not (root / "fresh").exists():  # a data folder not yet preprocessed (vocab.pkl)
        write_corpus(root / "fresh")
    strict = legacy_run.run_script(SCRIPTS / script, args, cwd=root, timeout=300, strict=True)
    sys.stderr.write(strict.stderr)
    line, _ = one_error_line(strict, script)
    assert f"{name} was removed in NumPy " in line
    assert line.endswith(f"(--strict); use instead: {instead}")


# -------------------------------------------------------------------- tf.app.flags
def test_flags_program_runs_with_its_absl_named_flags(run, tmp_path):
    logs = tmp_path / "my_logs"
    done = run("flags_mnist_rnn.py", f"--log_dir={logs}", "--v", "2", "--verbosity=20",
               "--max_steps=150", "--unknown_flag=3", "extra")
    assert done.returncode == 0, done.stderr
    # unknown flags reach main(argv), as TF 1.x's tf.app.run passed them
    assert "unparsed arguments: ['--unknown_flag=3', 'extra']" in done.stdout
    losses = floats(r"step \d+, loss ([\d.]+)", done.stdout)
    assert len(losses) == 150  # --v 2: every step (the default, 1, prints every 50th)
    assert "INFO:tensorflow:done" in done.stderr  # --verbosity=20 reached tf.logging
    assert list(logs.glob("events.out.tfevents.*"))  # --log_dir is where it wrote
    (accuracy,) = floats(r"test accuracy ([\d.]+)", done.stdout)
    assert accuracy > 0.6  # chance is 0.1; measured 0.86
    notes = [FLAG_NOTE.match(line).group(1) for line in done.stderr.splitlines()
             if FLAG_NOTE.match(line)]
    assert notes == ["log_dir", "v", "verbosity", "logtostderr"]
    assert "deprecated" not in done.stderr  # quiet, although the script asked for INFO


def test_flags_program_help_lists_the_script_flags(run):
    done = run("flags_mnist_rnn.py", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: flags_mnist_rnn.py")
    source = (SCRIPTS / "flags_config.py").read_text()
    defined = re.findall(r'DEFINE_\w+\("(\w+)", [^,]+, "([^"]+)"\)', source)
    assert len(defined) == 9
    for name, help_text in defined:
        assert f"--{name}" in done.stdout and help_text in done.stdout
    assert "--logger_levels" not in done.stdout  # absl's own flags are not the script's


def test_flags_program_strict_names_the_absl_collision(run):
    done = run("flags_mnist_rnn.py", strict=True)
    line, source = one_error_line(done, "flags_mnist_rnn.py")
    assert "from flags_config import FLAGS" in source
    assert "DEFINE_string('log_dir')" in line and "DuplicateFlagError" in line
    assert line.endswith("(--strict); use instead: another flag name")


# ---------------------------------------------------- VocabularyProcessor program
def test_text_classifier_with_tf_flags_idioms_and_vocabulary_processor(run, tmp_path):
    done = run("text_rnn_classifier.py", "--out_dir=runs", "--num_epochs=4")
    assert done.returncode == 0, done.stderr
    assert "NUM_EPOCHS=4" in done.stdout and "OUT_DIR=runs" in done.stdout  # FLAGS.__flags
    assert len(floats(r"epoch \d+, loss ([\d.e-]+)", done.stdout)) == 4
    (accuracy,) = floats(r"dev accuracy ([\d.]+)", done.stdout)
    assert accuracy >= 0.9  # chance is 0.5; measured 1.0
    (size,) = floats(r"Vocabulary Size: (\d+)", done.stdout)
    # the vocabulary it saved (a pickle of TF 1.x's classes) restores in this process too
    with tf1_compat.tf1_compat():
        from tensorflow.contrib import learn

        restored = learn.preprocessing.VocabularyProcessor.restore(str(tmp_path / "runs" / "vocab"))
        assert type(restored) is learn.preprocessing.VocabularyProcessor
    assert len(restored.vocabulary_) == size
    assert restored.vocabulary_.reverse(0) == "<UNK>"
    assert {"good", "awful", "film"} <= set(restored.vocabulary_._mapping)


def test_text_classifier_strict_names_parse_flags(run):
    done = run("text_rnn_classifier.py", strict=True)
    line, source = one_error_line(done, "text_rnn_classifier.py")
    assert source == "FLAGS._parse_flags()"
    assert "TF 1.0-1.4" in line and line.endswith(
        "use instead: FLAGS(sys.argv), or read FLAGS.x after tf.app.run()")


# ------------------------------------------------------------------ in this process
def test_numpy_1_names_in_process_and_restored_after(capsys):
    threshold = np.get_printoptions()["threshold"]
    library_file = os.path.join(sysconfig.get_paths()["purelib"], "some_library.py")
    with tf1_compat.tf1_compat():
        import numpy

        assert numpy.float is float and numpy.int is int and numpy.unicode is str
        assert numpy.asscalar(numpy.array([7])) == 7 and numpy.rank(numpy.ones((2, 3))) == 2
        assert numpy.alen([[1, 2], [3, 4], [5, 6]]) == 3
        assert numpy.float(2) == 2.0  # said once only
        if NUMPY2:
            assert numpy.float_ is numpy.float64 and np.isnan(numpy.NaN)
            assert numpy.product([2, 3, 4]) == 24
        numpy.set_printoptions(threshold=numpy.nan)
        assert numpy.get_printoptions()["threshold"] == sys.maxsize
        # a library asking the same (a feature check) sees NumPy as it is
        with pytest.raises(AttributeError):
            eval(compile("numpy.float", library_file, "eval"), {"numpy": numpy})
    err = capsys.readouterr().err.splitlines()
    said = [NOTE.match(line).group(1) for line in err if NOTE.match(line)]
    assert said.count("np.float") == 1 and {"np.int", "np.unicode", "np.asscalar"} <= set(said)
    assert any("threshold=np.nan" in line for line in err)
    np.set_printoptions(threshold=threshold)
    assert not hasattr(np, "float") and not hasattr(np, "asscalar")
    assert not getattr(np.set_printoptions, "__wrapped_by_parity__", False)
    with pytest.raises(ValueError):
        np.set_printoptions(threshold=np.nan)


def test_numpy_1_names_under_strict_are_one_line_errors():
    threshold = np.get_printoptions()["threshold"]
    with tf1_compat.tf1_compat(strict=True):
        import numpy

        with pytest.raises(AttributeError) as error:
            numpy.float  # noqa: B018
        assert isinstance(error.value, tf1_compat.LegacyAPIUnavailable)
        assert str(error.value) == ("np.float was removed in NumPy 1.24 (--strict); "
                                    "use instead: float")
        with pytest.raises(TypeError, match=r"threshold=sys\.maxsize"):
            numpy.set_printoptions(threshold=numpy.nan)
    assert np.get_printoptions()["threshold"] == threshold
    assert not hasattr(np, "float")


def test_scalar_conversion_hint_only_for_that_error():
    from tf1_compat.numpy1 import scalar_conversion_hint

    if NUMPY2:
        with pytest.raises(TypeError) as error:
            int(np.searchsorted(np.cumsum([0.5, 0.5]), np.random.rand(1)))
        hint = scalar_conversion_hint(error.value)
        assert hint.startswith(f"NumPy {np.__version__} refuses int()/float() of an array")
        try:  # the same error, as the cause of another
            raise ValueError("sampling failed") from error.value
        except ValueError as wrapped:
            assert scalar_conversion_hint(wrapped) == hint
    else:
        assert int(np.searchsorted(np.cumsum([0.5, 0.5]), np.array([0.7]))) == 1
    with pytest.raises(TypeError) as other:
        int(np.ones(2))  # two elements: refused by NumPy 1 as well (NumPy 2 says the same)
    assert (scalar_conversion_hint(other.value) is not None) == NUMPY2
    with pytest.raises(TypeError) as unrelated:
        int(None)
    assert scalar_conversion_hint(unrelated.value) is None


def test_tf1_flags_in_process(capsys):
    with tf1_compat.tf1_compat() as tf:
        flags = tf.app.flags
        assert tf.flags is flags
        flags.DEFINE_string("log_dir", "/tmp/default", "logs")
        flags.DEFINE_integer("v", 0, "verbosity")
        flags.DEFINE_boolean("fp16", True, "half precision")
        flags.DEFINE_float("lr", 0.5, "learning rate")
        flags.mark_flag_as_required("name")
        flags.DEFINE_string("name", None, "a required flag")
        FLAGS = flags.FLAGS
        rest = FLAGS(["prog", "--log_dir=/x", "--v", "3", "--nofp16", "--other", "--name=n"])
        assert rest == ["prog", "--other"]
        assert (FLAGS.log_dir, FLAGS.v, FLAGS.fp16, FLAGS.lr, FLAGS.name) == ("/x", 3, False,
                                                                               0.5, "n")
        assert FLAGS.__flags["v"] == 3 and FLAGS.flag_values_dict()["log_dir"] == "/x"
        seen = []
        with pytest.raises(SystemExit) as exit_:
            tf.app.run(main=lambda argv: seen.append(argv) or 0,
                       argv=["prog", "--fp16=false", "--name=m", "--rest", "1"])
        assert exit_.value.code == 0
        assert seen == [[sys.argv[0], "--rest", "1"]]
        assert (FLAGS.fp16, FLAGS.name, FLAGS.log_dir) == (False, "m", "/tmp/default")
        FLAGS.lr = 0.25
        assert FLAGS.lr == 0.25
        with pytest.raises(SystemExit) as missing:
            FLAGS._parse_flags(["--v=1"])
        assert missing.value.code == 2
        assert "flag --name must be specified" in capsys.readouterr().err
        with pytest.raises(AttributeError) as unknown:
            flags.DEFINE_multi_string("tags", [], "tags")
        assert "argparse" in str(unknown.value)
    from absl import flags as absl_flags

    assert absl_flags.FLAGS["log_dir"].default != "/tmp/default"  # absl's flag untouched


def test_contrib_learn_provides_data_and_vocabulary_only(capsys, monkeypatch):
    monkeypatch.delenv("PARITY_MNIST_DIR", raising=False)
    with tf1_compat.tf1_compat() as tf:
        from tensorflow.contrib.learn.python.learn.datasets.mnist import read_data_sets

        learn = tf.contrib.learn
        data = learn.datasets.load_dataset("mnist")
        assert data.train.images.shape[1] == 784 and data.test.num_examples > 0
        same = read_data_sets("MNIST_data", one_hot=True)
        np.testing.assert_array_equal(same.test.images, data.test.images)
        assert same.test.labels.shape[1] == 10
        with pytest.raises(TypeError) as iris:
            learn.datasets.load_dataset("iris")
        assert isinstance(iris.value, tf1_compat.LegacyAPIUnavailable)
        assert "sklearn.datasets.load_iris" in str(iris.value)
        with pytest.raises(ValueError, match="not recognized"):
            learn.datasets.load_dataset("nope")
        with pytest.raises(tf1_compat.UnsupportedAttribute, match="keras"):
            learn.DNNClassifier  # noqa: B018
        with pytest.raises(tf1_compat.UnsupportedImport):
            import tensorflow.contrib.learn.python.learn.estimators  # noqa: F401
        with pytest.raises(tf1_compat.UnsupportedAttribute):
            tf.estimator  # noqa: B018

        # VocabularyProcessor: TF 1.x's word rule, ids by first appearance, 0 = unknown/padding
        vp = learn.preprocessing.VocabularyProcessor(6)
        ids = np.array(list(vp.fit_transform(["NASA likes CamelCase", "it's a well-known cat"])))
        assert ids.dtype == np.int64 and ids.shape == (2, 6)
        assert ids.tolist() == [[1, 2, 3, 4, 0, 0], [5, 6, 7, 8, 0, 0]]
        assert list(vp.reverse(ids[:1])) == ["NASA likes Camel Case <UNK> <UNK>"]
        assert list(vp.transform(["a dog likes NASA"]))[0].tolist() == [6, 0, 2, 1, 0, 0]
        # min_frequency: only words seen more often, renumbered by count, then alphabetically
        vp = learn.preprocessing.VocabularyProcessor(4, min_frequency=1)
        vp.fit(["b a b", "c a b", "d"])
        assert vp.vocabulary_._mapping == {"<UNK>": 0, "b": 1, "a": 2}
        blob = pickle.dumps(vp)
        assert b"tensorflow.contrib.learn.python.learn.preprocessing.text" in blob
        assert b"categorical_vocabulary" in blob
    assert "reads the" in capsys.readouterr().err  # which MNIST it read, said on stderr

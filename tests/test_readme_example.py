"""The README's user-project example, for real: a small project in a temporary folder.

train.py is a TF1 tutorial script (tests/tf1_scripts/dynamic_rnn_mnist.py: LSTMCell(32),
dynamic_rnn, tf.layers.dense, AdamOptimizer(0.01)), model.py its Keras 3 port. The steps are
the README's: legacy-run --capture, convert --model, then the README's tests/test_parity.py
and the migrating page's tox.ini, taken from the docs as they are, run with the tox env's command and
environment. With the converted weights the user's tests pass; with a fresh, unconverted
port they fail.
"""

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]

MODEL_PY = '''import keras


def build_model():
    inputs = keras.Input((28, 28))
    x = keras.layers.LSTM(32)(inputs)
    return keras.Model(inputs, keras.layers.Dense(10)(x))
'''


PAGES = ("README.md", "docs/migrating.md")  # the quick start and the migrating page


def page_files(page) -> dict:
    """``{path: text}`` of one page's ``<!-- user-example: PATH -->`` code blocks."""
    text = (ROOT / page).read_text()
    return dict(re.findall(r"<!-- user-example: (\S+) -->\n```\w*\n(.*?)```", text, re.S))


def readme_files() -> dict:
    """``{path: text}`` of the user-example blocks of the README and the migrating page."""
    files = {}
    for page in PAGES:
        files.update(page_files(page))
    return files


def test_readme_example_is_about_twenty_lines():
    files = readme_files()
    assert set(files) == {"tests/test_parity.py", "tox.ini"}
    assert "tests/test_parity.py" in page_files("README.md")
    for page in PAGES:  # a file shown on both pages is the same file
        for path, text in page_files(page).items():
            assert text == files[path], (page, path)
    assert len(files["tests/test_parity.py"].splitlines()) <= 25


def _env():
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))


def _run(args, cwd, env=None):
    return subprocess.run(args, cwd=cwd, env=env or _env(), capture_output=True, text=True,
                          timeout=600)


def test_readme_user_project(tmp_path):
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "tf1_scripts" / "dynamic_rnn_mnist.py", project / "train.py")
    (project / "model.py").write_text(MODEL_PY)
    for path, text in readme_files().items():
        (project / path).write_text(text)

    parity = [sys.executable, "-m", "parity"]
    done = _run([*parity, "legacy-run", "--capture", "captured", "train.py"], project)
    assert done.returncode == 0, done.stderr[-2000:]
    done = _run([*parity, "convert", "captured/session_001", "--model", "model:build_model",
                 "--out", "port.weights.h5"], project)
    assert done.returncode == 0, done.stderr[-2000:]

    tox = configparser.ConfigParser()
    tox.read(project / "tox.ini")
    env = tox["testenv:parity"]
    name, _, value = env["set_env"].partition("=")
    run_env = dict(_env(), **{name.strip(): value.strip()})
    command = [sys.executable if a == "python" else a for a in shlex.split(env["commands"])]

    done = _run(command, project, run_env)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "2 passed" in done.stdout

    # an unconverted port (its own fresh weights) fails the user's tests
    fresh = _run([sys.executable, "-c", "from model import build_model; "
                  "build_model().save_weights('port.weights.h5')"], project)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    done = _run(command, project, run_env)
    assert done.returncode == 1
    assert "2 failed" in done.stdout

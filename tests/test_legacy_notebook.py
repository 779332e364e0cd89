"""`parity legacy-run NOTEBOOK.ipynb` and the IPython extension ``tf1_compat``.

tests/notebooks/ holds a TF1 notebook of our own (markdown, code, a ``!`` shell line,
``%matplotlib inline``, a figure, a TF 0.x name) and a variant with a failing cell. They run
in a real Jupyter kernel (nbclient + ipykernel); the checks read the executed copies.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat  # nbformat, nbclient and ipykernel are in the test extra (pyproject.toml)
import pytest

import tf1_compat
from parity import legacy_run
from tf1_compat import notebook as legacy_notebook

pytestmark = pytest.mark.legacy

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
GOOD = NOTEBOOKS / "tf1_sine_lstm.ipynb"
FAILING = NOTEBOOKS / "tf1_sine_lstm_failing.ipynb"
ROOT = Path(__file__).resolve().parent.parent


def text_of(cell, stream=None):
    return "".join(
        o.get("text", "")
        for o in cell.outputs
        if o.output_type == "stream" and (stream is None or o.name == stream)
    )


def run(path, output, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    job = legacy_notebook.run_notebook(path, output, out=out, err=err, **kwargs)
    sys.stdout.write(out.getvalue())
    sys.stderr.write(err.getvalue())
    return job, out.getvalue(), err.getvalue()


def test_notebook_runs_in_a_kernel_and_keeps_outputs_and_figure(tmp_path):
    before = GOOD.read_bytes()
    job, out, err = run(GOOD, tmp_path / "executed.ipynb")
    assert job.exit_code == 0, err
    assert GOOD.read_bytes() == before  # the input is never written
    assert not legacy_notebook._alive(job.kernel_pid)  # nothing left running

    nb = nbformat.read(str(tmp_path / "executed.ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert [c.cell_type for c in nb.cells].count("markdown") == 4  # kept as they were
    assert "graph mode: True" in text_of(code[0])  # import tensorflow as tf: the TF1 API
    # a ! line, through the shell (a pseudo-terminal, hence \r\n, as in Jupyter)
    assert text_of(code[1]).splitlines() == ["a shell line runs too"]
    training = text_of(code[4], "stdout")
    losses = [float(v) for v in re.findall(r"train loss: ([\d.]+)", training)]
    assert len(losses) == 6 and losses[-1] < 0.2 * losses[0]  # measured 0.52 -> 0.0026
    assert "parity legacy-run: tf.sub (TF 0.x) runs as tf.subtract" in text_of(code[3], "stderr")
    figures = [o for o in code[5].outputs if o.output_type == "display_data"]
    assert len(figures) == 1 and "image/png" in figures[0].data  # %matplotlib inline
    assert base64.b64decode(figures[0].data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    (result,) = [o for o in code[6].outputs if o.output_type == "execute_result"]
    (test_loss,) = re.findall(r"test loss: ([\d.]+)", training)
    assert float(result.data["text/plain"]) == pytest.approx(float(test_loss), abs=1e-4)
    # the terminal sees what the cells printed, as for a script, and where the copy went
    assert "train loss" in out and "a shell line runs too" in out
    assert f"executed notebook: {tmp_path / 'executed.ipynb'}" in err
    assert "7 code cells run, 1 figure(s)" in err


def test_failing_cell_stops_the_run_naming_it(tmp_path):
    job, out, err = run(FAILING, tmp_path / "failed.ipynb")
    assert job.exit_code == 1
    assert not legacy_notebook._alive(job.kernel_pid)
    nb = nbformat.read(str(tmp_path / "failed.ipynb"), as_version=4)
    position = next(i for i, c in enumerate(nb.cells, 1) if "short_windows" in c.source)
    assert job.failed_cell == position
    (line,) = [x for x in err.splitlines() if x.startswith("parity legacy-run: error:")]
    assert f"cell {position} (code cell 6) failed: ValueError: Cannot feed value of shape" in line
    failed = nb.cells[position - 1]
    assert [o.output_type for o in failed.outputs] == ["error"]
    assert failed.outputs[0].ename == "ValueError"
    after = [c for c in nb.cells[position:] if c.cell_type == "code"]
    assert after and all(c.execution_count is None and not c.outputs for c in after)
    assert "test loss" in text_of(nb.cells[position - 2])  # the cells before it ran


def test_cli_strict_notebook_one_line_exit_2_and_default_output_beside_it(tmp_path):
    copy = tmp_path / "sine.ipynb"
    shutil.copy(GOOD, copy)
    done = subprocess.run(
        [sys.executable, "-m", "parity", "legacy-run", "--strict", str(copy)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    errors = [x for x in done.stderr.splitlines() if x.startswith("parity legacy-run: error:")]
    assert errors == [
        f"parity legacy-run: error: {copy}: cell 7 (code cell 4): tf.sub is TF 0.x's name, "
        "renamed in TF 1.0 (--strict); use instead: tf.subtract"
    ]
    executed = tmp_path / "sine.legacy-run.ipynb"
    assert executed.is_file() and copy.read_bytes() == GOOD.read_bytes()
    nb = nbformat.read(str(executed), as_version=4)
    assert nb.cells[6].outputs[0].ename == "UnsupportedAttribute"


def test_timeout_stops_the_cell_and_the_kernel(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import sys, parity\nprint(sys.executable)\nprint(parity.__file__)"),
            nbformat.v4.new_code_cell("import time\ntime.sleep(120)"),
            nbformat.v4.new_code_cell("print('not reached')"),
        ]
    )
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, str(path))
    start = time.monotonic()
    job, out, err = run(path, None, timeout=3)
    assert time.monotonic() - start < 90  # not the 120 s of the cell
    assert job.exit_code == 1 and job.failed_cell == 2
    assert "cell 2 (code cell 2) did not finish within 3 s" in err
    assert not legacy_notebook._alive(job.kernel_pid)
    executed = nbformat.read(str(tmp_path / "slow.legacy-run.ipynb"), as_version=4)
    # the kernel is this Python, and imports this checkout of the project (PYTHONPATH)
    assert text_of(executed.cells[0]).splitlines() == [
        sys.executable, str(ROOT / "parity" / "__init__.py")
    ]
    assert executed.cells[2].execution_count is None


def test_notebook_usage_errors(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    good = tmp_path / "good.ipynb"
    shutil.copy(GOOD, good)
    script = ROOT / "tests" / "tf1_scripts" / "raises_error.py"
    cases = [
        ([str(broken)], "is not a readable notebook"),
        (["--output", str(good), str(good)], "never writes over it"),
        ([str(good), "extra"], "a notebook takes no arguments"),
        (["--figures", "figs", str(good)], "--figures is for scripts"),
        (["--timeout", "soon", str(good)], "--timeout needs a number"),
        (["--output", str(tmp_path / "no" / "x.ipynb"), str(good)], "no such folder"),
        (["--output", "x.ipynb", str(script)], "--output and --timeout are for notebooks"),
    ]
    for argv, message in cases:
        assert legacy_run.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err.splitlines()[0], (argv, err)
    assert good.read_bytes() == GOOD.read_bytes()


def test_ipython_extension_installs_and_removes_the_shims():
    import tensorflow as real_tf
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "tf1_compat")
        assert tf1_compat.installed()
        result = shell.run_cell(
            "import tensorflow as tf\n"
            "with tf.Graph().as_default(), tf.Session() as s:\n"
            "    value = s.run(tf.mul(tf.placeholder_with_default(2.0, []), 3.0))\n"
            "cell = tf.contrib.rnn.BasicLSTMCell"
        )
        assert result.success, result.error_in_exec
        assert shell.user_ns["value"] == 6.0
        assert shell.user_ns["cell"] is shell.user_ns["tf"].nn.rnn_cell.BasicLSTMCell
        shell.run_line_magic("unload_ext", "tf1_compat")
        assert not tf1_compat.installed()
        assert sys.modules["tensorflow"] is real_tf and real_tf.executing_eagerly()
    finally:
        if tf1_compat.installed():
            tf1_compat.uninstall()
        InteractiveShell.clear_instance()


def test_the_old_extension_name_still_works_and_says_what_replaced_it(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "parity.tf1_shim")
        assert tf1_compat.installed()
        assert "%load_ext tf1_compat" in capsys.readouterr().err
        shell.run_line_magic("unload_ext", "parity.tf1_shim")
        assert not tf1_compat.installed()
    finally:
        if tf1_compat.installed():
            tf1_compat.uninstall()
        InteractiveShell.clear_instance()


def test_a_dying_kernel_is_reported_with_its_cell(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("a cell that ends the kernel's process"),
            nbformat.v4.new_code_cell("import os\nos._exit(3)"),
            nbformat.v4.new_code_cell("print('not reached')"),
        ]
    )
    path = tmp_path / "dies.ipynb"
    nbformat.write(nb, str(path))
    job, out, err = run(path, tmp_path / "out.ipynb")
    assert job.exit_code == 1 and job.failed_cell == 2
    assert f"error: {path}: the kernel died during cell 2" in err
    assert not legacy_notebook._alive(job.kernel_pid)
    assert (tmp_path / "out.ipynb").is_file()


COLAB_STYLE = [
    "%tensorflow_version 1.x",
    "!pip install -q tensorflow-gpu==1.14 'keras==2.2.4' numpy==1.16.4 tqdm-stub-package",
    "%pip install tensorflow==1.15.5",
    "import tensorflow as tf\nx = tf.placeholder(tf.float32, [None, 2])\n"
    "print('TF1 API on', tf.__version__, x.shape.as_list())",
]


def test_a_colab_notebooks_version_switch_and_old_installs_leave_the_environment_alone(tmp_path):
    """The first cells of many 2019-2020 TF1 notebooks: Colab's `%tensorflow_version 1.x`
    (a no-op: the TF1 API is there) and `!pip install tensorflow==1.x ...`, which would
    replace this environment's TensorFlow, Keras and NumPy. Those packages are left out, each
    named in a note; the rest installs as written (a stub `pip` first on PATH records it)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in COLAB_STYLE])
    path = tmp_path / "colab.ipynb"
    nbformat.write(nb, str(path))
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "pip").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'pip-calls'}\n")
    (stubs / "pip").chmod(0o755)
    env = dict(os.environ, PATH=f"{stubs}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "parity", "legacy-run", str(path)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    import tensorflow as tf

    assert f"TF1 API on {tf.__version__} [None, 2]" in done.stdout
    # `!pip` ran with the one package left; `%pip` (python -m pip) had none left and did not run
    assert (tmp_path / "pip-calls").read_text().split() == ["install", "-q", "tqdm-stub-package"]
    notes = [line for line in (done.stdout + done.stderr).splitlines()
             if line.startswith("tf1_compat: not installed:")]
    assert len(notes) == 2, done.stdout + done.stderr
    assert "tensorflow-gpu==1.14 'keras==2.2.4' numpy==1.16.4" in notes[0]
    assert "tensorflow==1.15.5" in notes[1]
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%tensorflow_version 2.x")])
    nbformat.write(bad, str(path))
    done = subprocess.run([sys.executable, "-m", "parity", "legacy-run", str(path)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 1 and "asks for TensorFlow 2's API" in done.stderr, done.stderr

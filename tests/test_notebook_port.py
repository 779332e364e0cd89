"""A TF1 notebook, ported and checked: `parity migrate NB.ipynb --write port.py` and
`parity check NB.ipynb port.py` (with ``--seeds``: ``PARITY_SEED`` in the notebook's kernel).

The notebook is tests/notebooks/tf1_sine_lstm.ipynb (markdown, a ``!`` shell line,
``%matplotlib inline``, a figure, a TF 0.x name; run in a real Jupyter kernel).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat  # the test extra (pyproject.toml)
import pytest

from parity import cli

pytestmark = pytest.mark.legacy

GOOD = Path(__file__).resolve().parent / "notebooks" / "tf1_sine_lstm.ipynb"


def test_a_notebook_is_ported_from_its_code_cells_and_checked_against_its_run(tmp_path, capsys):
    notebook = tmp_path / "sine.ipynb"
    shutil.copy(GOOD, notebook)
    port = tmp_path / "port.py"
    assert cli.main(["migrate", str(notebook), "--write", str(port)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    # its `%matplotlib inline` (cell 2) and `!echo` (cell 3) ran in the capture, not in the port
    assert ("left out the notebook's magics and shell lines" in out
            and "sine.ipynb cell 2, line 1; sine.ipynb cell 3, line 1" in out), out
    text = port.read_text()
    assert "TODO(migrate)" not in text and not re.search(r"^\s*(import|from)\s+tensorflow", text, re.M)
    # it names the notebook and its cells, not the script the cells were run as
    assert text.startswith('"""Keras 3 port of sine.ipynb')
    assert "sine.py" not in text and not list(tmp_path.glob(".notebook-*"))
    cells = json.loads(notebook.read_text())["cells"]
    for cell, line in re.findall(r"# from sine\.ipynb cell (\d+), line (\d+)\n\s*(?:\S)", text)[:3]:
        source = "".join(cells[int(cell) - 1]["source"]).splitlines()
        assert cells[int(cell) - 1]["cell_type"] == "code" and source[int(line) - 1].strip()
    # the carried-over data code is the notebook's own, line for line
    first = re.search(r"# from sine\.ipynb cell (\d+), line (\d+)\n(\s*)(.+)\n", text)
    cell, line, _, code = first.groups()
    assert "".join(cells[int(cell) - 1]["source"]).splitlines()[int(line) - 1].strip() == code.strip()

    # the same start: the port follows the notebook's own run step for step
    assert cli.main(["check", str(notebook), str(port), "--same-start"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [r[1] for r in rows] == ["legacy", "port"] and rows[0][2] == "loss"
    assert abs(float(rows[0][3]) - float(rows[1][3])) <= 1e-3
    assert cli.main(["check", str(notebook), str(port), "--steps", "3"]) == 2
    assert "a notebook takes no arguments" in capsys.readouterr().err


SEEDED = """import tensorflow as tf
tf.set_random_seed(3)
w = tf.Variable(tf.random_normal([]))
sess = tf.Session()
sess.run(tf.global_variables_initializer())
print("accuracy", repr(0.9 + 0.01 * float(sess.run(w))))
"""


def test_check_seeds_hands_each_seed_to_the_notebooks_graph(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("a seeded draw"),
                nbformat.v4.new_code_cell(SEEDED)]
    notebook = tmp_path / "seeded.ipynb"
    nbformat.write(nb, str(notebook))
    port = tmp_path / "port.py"
    port.write_text("import os\nprint('PARITY_METRIC accuracy=0.9' + os.environ['PARITY_SEED'])\n")
    result = tmp_path / "seeds.json"
    code = cli.main(["check", str(notebook), str(port), "--seeds", "2", "--jobs", "2",
                     "--json", str(result)])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    legacy = [s["legacy"] for s in json.loads(result.read_text())["per_seed"]]
    assert len(set(legacy)) == 2, legacy  # the seed reached the graph the notebook seeds
    assert "seed ignored" not in captured.out
    assert not list(tmp_path.glob("*.legacy-run.ipynb"))  # the executed copies are temporary


def test_migrate_write_of_a_file_that_is_no_script_is_one_line(tmp_path, capsys):
    """It used to end in legacy-run's ScriptError traceback (and a notebook did too)."""
    (tmp_path / "notes.txt").write_text("print(1)\n")
    assert cli.main(["migrate", str(tmp_path / "notes.txt"), "--write", str(tmp_path / "port.py")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a Python script" in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def _exported(notebook: Path) -> str:
    """The notebook as `jupyter nbconvert --to script` writes it: each code cell through
    IPython's input transformer (magics and shell lines become get_ipython() calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    cells = nbformat.read(str(notebook), as_version=4).cells
    return "".join(f"\n# In[{k}]:\n\n\n" + TransformerManager().transform_cell(c.source)
                   for k, c in enumerate(cells) if c.cell_type == "code")


def test_a_notebook_exported_as_a_script_runs_and_ports(tmp_path, capsys, monkeypatch):
    """Its `%matplotlib inline` and `!echo` lines are get_ipython() calls: legacy-run answers
    them; the port leaves them out (they are named in a note) and runs as plain Python."""
    monkeypatch.chdir(tmp_path)  # where a script's run saves its figures (legacy_run_figures/)
    script = tmp_path / "sine.py"
    script.write_text(_exported(GOOD))
    assert "get_ipython().run_line_magic('matplotlib', 'inline')" in script.read_text()
    port = tmp_path / "port.py"
    assert cli.main(["migrate", str(script), "--write", str(port)]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "note: left out the notebook's magics and shell lines" in out
    assert "get_ipython" not in port.read_text()
    assert cli.main(["check", str(script), str(port), "--same-start"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [r[1] for r in rows] == ["legacy", "port"]
    assert abs(float(rows[0][3]) - float(rows[1][3])) <= 1e-3

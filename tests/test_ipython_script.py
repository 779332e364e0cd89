"""A notebook exported as a script (`jupyter nbconvert --to script`, Colab's "Download .py")
under `parity legacy-run`: its get_ipython() calls (magics, shell lines) are answered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tf1_compat import ipython_script

pytestmark = pytest.mark.legacy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "pip").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'pip-calls'}\n")
    (stubs / "pip").chmod(0o755)
    monkeypatch.setenv("PATH", f"{stubs}{os.pathsep}{os.environ['PATH']}")
    return ipython_script.ScriptIPython()


def test_magics_and_shell_lines_do_in_a_script_what_they_did_in_the_notebook(shell, tmp_path, capfd):
    assert shell.run_line_magic("matplotlib", "inline") is None  # how figures show: nothing to do
    shell.run_cell_magic("writefile", "config.txt", "units=4\n")
    shell.run_cell_magic("writefile", "-a config.txt", "layers=2\n")
    assert (tmp_path / "config.txt").read_text() == "units=4\nlayers=2\n"
    shell.run_line_magic("env", "PARITY_TEST_ENV=on")
    assert os.environ.pop("PARITY_TEST_ENV") == "on"
    assert "config.txt" in shell.getoutput("ls")
    # a %%time cell holds IPython source: its `!` line runs in the shell, its names are set
    space = {}
    exec("get_ipython().run_cell_magic('time', '', \"!echo from-the-cell\\nz = 3\\n\")",  # noqa: S102
         {"get_ipython": lambda: shell, "__builtins__": __builtins__}, space)
    assert "from-the-cell" in capfd.readouterr().out and space["z"] == 3
    # pip: TensorFlow and its Keras are not installed over this environment's; gym is
    assert shell.system("pip install -q tensorflow==1.15 keras==2.2.4 gym") == 0
    assert shell.system("pip install tensorflow-gpu==1.14") == 0  # nothing left: not run
    assert (tmp_path / "pip-calls").read_text().split() == ["install", "-q", "gym"]
    err = capfd.readouterr().err
    assert "not installed: tensorflow==1.15 keras==2.2.4" in err and "tensorflow-gpu==1.14" in err
    (tmp_path / "sub").mkdir()
    shell.run_line_magic("cd", "sub")
    assert Path.cwd() == tmp_path / "sub"


def test_a_magic_a_script_cannot_run_is_one_line_naming_it(tmp_path):
    script = tmp_path / "exported.py"
    script.write_text("get_ipython().run_line_magic('matplotlib', 'inline')\n"
                      "print('before')\n"
                      "get_ipython().run_line_magic('whos', '')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "parity", "legacy-run", str(script)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 2 and done.stdout.strip() == "before", done
    (line,) = [x for x in done.stderr.splitlines() if x.strip()]
    assert line.startswith(f"parity legacy-run: error: {script}:3: %whos (an IPython magic"), line
    assert "Traceback" not in done.stderr

"""`parity legacy-run` around the script: what it refuses to run (exit 2, one line, before
anything starts; notebooks have their own runner, tests/test_legacy_notebook*.py), where figures go (a fresh folder per run), and signals (SIGTERM/SIGHUP
to legacy-run alone stop the script too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from terminal import as_from_a_terminal

from parity import legacy_run

pytestmark = pytest.mark.legacy

ROOT = Path(__file__).resolve().parents[1]


def legacy_cmd(*args, cwd, tmp_path=None, popen=False):
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    if tmp_path is not None:
        (tmp_path / "tmpdir").mkdir(exist_ok=True)
        env["TMPDIR"] = str(tmp_path / "tmpdir")
    command = [sys.executable, "-m", "parity", "legacy-run", *map(str, args)]
    if popen:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True,
                                preexec_fn=as_from_a_terminal)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def one_error_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# ------------------------------------------------------------------ what it refuses
NOTEBOOK = '{"cells": [{"cell_type": "code", "source": ["print(1)"]}], "nbformat": 4}'


@pytest.mark.parametrize("name, content, fragment", [
    ("notes.txt", "import tensorflow as tf\n", "is not a Python script (expected a .py file)"),
    ("data.json", '{"a": 1}', "is not a Python script"),
    ("model", b"\x89HDF\r\n\x1a\n\x00\x00binary", "is not a Python script"),
    ("README", "This folder holds the training scripts.\n", "is not a Python script"),
])
def test_a_file_that_is_not_a_python_script_is_refused_in_one_line(name, content, fragment,
                                                                  tmp_path):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    proc = legacy_cmd(name, cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert line.startswith("parity legacy-run: error: ") and fragment in line and name in line
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing made, no figures folder


def test_script_kind_decides_in_one_place(tmp_path):
    cases = {
        "train.py": "print(1)\n",
        "train": "#!/usr/bin/env python3\nprint(1)\n",
        "run_me": "import sys\nprint(sys.argv)\n",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        assert legacy_run.script_kind(tmp_path / name) == "python", name
    (tmp_path / "broken.py").write_text("print 'python 2'\n")  # its SyntaxError is its own
    assert legacy_run.script_kind(tmp_path / "broken.py") == "python"
    (tmp_path / "nb.ipynb").write_text(NOTEBOOK)
    assert legacy_run.script_kind(tmp_path / "nb.ipynb") == "notebook"  # its own branch
    for name in ("notes.txt", "data.json"):
        (tmp_path / name).write_text("print(1)\n")
        with pytest.raises(legacy_run.ScriptError, match="not a Python script"):
            legacy_run.script_kind(tmp_path / name)


def test_a_folder_as_script_is_refused(tmp_path):
    (tmp_path / "scripts").mkdir()
    proc = legacy_cmd("scripts", cwd=tmp_path)
    assert proc.returncode == 2
    assert "is a folder" in one_error_line(proc.stderr)


@pytest.mark.parametrize("setup, fragment", [
    ("file", "exists and is not a folder"),
    ("under_file", "is not a folder"),
    ("stale", "already holds figures of an earlier run"),
])
def test_a_figures_folder_that_cannot_be_used_is_refused_before_the_script_runs(
        setup, fragment, tmp_path):
    script = tmp_path / "plot.py"
    script.write_text("open('ran', 'w').close()\n")
    blocker = tmp_path / "figs.png"
    blocker.write_text("x")
    target = {"file": blocker, "under_file": blocker / "figs", "stale": tmp_path / "old"}[setup]
    if setup == "stale":
        target.mkdir()
        (target / "figure_001.png").write_bytes(b"\x89PNG earlier run")
    proc = legacy_cmd("--figures", target, "plot.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert fragment in one_error_line(proc.stderr)
    assert not (tmp_path / "ran").exists()  # refused before the script started


# ------------------------------------------------------------- a fresh folder per run
PLOT = """import matplotlib.pyplot as plt
plt.figure(figsize=({size}, 2))
plt.plot([1, 2, 3])
plt.show()
"""


def test_each_run_writes_its_figures_into_a_fresh_folder_and_says_where(tmp_path):
    """Two scripts with the same file name (in two folders), run from one directory: each
    run's figures in a folder of its own, never mixed with the other's."""
    for folder, size in (("a", 3), ("b", 5)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "plot.py").write_text(PLOT.format(size=size))
    saved = []
    for folder in ("a", "b"):
        proc = legacy_cmd(f"{folder}/plot.py", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        (line,) = [ln for ln in proc.stderr.splitlines() if "saved to" in ln]
        path = Path(line.split("saved to ", 1)[1])
        assert path.name == "figure_001.png" and path.is_file()
        saved.append(path)
    first, second = saved
    assert first.parent != second.parent
    assert first.parent.parent == second.parent.parent == tmp_path / "legacy_run_figures" / "plot"
    assert [p.name for p in first.parent.iterdir()] == ["figure_001.png"]
    assert [p.name for p in second.parent.iterdir()] == ["figure_001.png"]
    from PIL import Image  # matplotlib's own dependency

    widths = [Image.open(p).size[0] for p in saved]
    assert widths[0] < widths[1]  # each folder holds its own script's figure


def test_a_run_without_figures_leaves_no_folder(tmp_path):
    (tmp_path / "quiet.py").write_text("print('no plots')\n")
    proc = legacy_cmd("quiet.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "no plots\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiet.py"]


# ------------------------------------------------------------------------------ signals
LOOP = """import time
import tensorflow as tf
open("ready", "w").close()
while True:
    time.sleep(0.05)
"""


def _alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] not in "ZX"


def _live(field: int, value: int) -> list[int]:
    """Live processes whose stat field (1: parent, 2: process group) is ``value``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            fields = text[text.rindex(")") + 2:].split()
            if int(fields[field]) == value and fields[0] not in ("Z", "X"):
                out.append(int(entry.name))
    return out


def _group(pgid: int) -> list[int]:
    return _live(2, pgid)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_legacy_run_alone_stops_the_script(signum, tmp_path):
    (tmp_path / "loop.py").write_text(LOOP)
    proc = legacy_cmd("loop.py", cwd=tmp_path, tmp_path=tmp_path, popen=True)
    try:
        end = time.monotonic() + 180
        while not (tmp_path / "ready").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < end, "the script did not start"
            time.sleep(0.2)
        (child,) = _live(1, proc.pid)  # the script, in a process group of its own
        os.kill(proc.pid, signum)  # the parent alone
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    end = time.monotonic() + 30
    while _alive(child) and time.monotonic() < end:
        time.sleep(0.1)
    assert not _alive(child)
    assert _group(proc.pid) == [] and _group(child) == []
    assert list((tmp_path / "tmpdir").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop.py", "ready", "tmpdir"]

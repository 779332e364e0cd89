"""tests/session_cache.py: work shared by the processes of one test session is done once,
by whichever process comes first; the others wait for it and read the same value back."""

import subprocess
import sys
from pathlib import Path

import pytest
import session_cache

HERE = Path(__file__).resolve().parent

WORKER = """
import sys, time
sys.path.insert(0, {here!r})
import session_cache

def compute(folder):
    with open({count!r}, "a") as f:
        f.write("x")
    time.sleep(1.0)  # long enough for the other process to arrive while this one computes
    (folder / "file.txt").write_text("made once")
    return {{"value": 42, "file": folder / "file.txt"}}

got = session_cache.once("the key", compute, None)
print(got["value"], got["file"].read_text())
"""


def test_two_processes_compute_once_and_read_the_same_value(tmp_path):
    shared, count = tmp_path / "shared", tmp_path / "count"
    shared.mkdir()
    code = WORKER.format(here=str(HERE), count=str(count))
    env = {"PARITY_TEST_SHARED": str(shared), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert [o for o, _ in outs] == ["42 made once\n"] * 2
    assert count.read_text() == "x"  # one computation for the two processes


def test_a_failed_computation_leaves_nothing_and_the_next_caller_computes(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("PARITY_TEST_SHARED", str(shared))
    calls = []

    def failing(folder):
        calls.append("fail")
        (folder / "half.txt").write_text("half")
        raise RuntimeError("training failed")

    with pytest.raises(RuntimeError, match="training failed"):
        session_cache.once("k", failing, tmp_path / "unused")
    assert not list(shared.glob("*/half.txt")) and not list(shared.glob("*.pkl"))

    def working(folder):
        calls.append("work")
        return 7

    assert session_cache.once("k", working, tmp_path / "unused") == 7
    assert session_cache.once("k", working, tmp_path / "unused") == 7  # read back, not computed
    assert calls == ["fail", "work"]


def test_outside_a_session_it_computes_in_the_fallback_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PARITY_TEST_SHARED", raising=False)
    got = session_cache.once("k", lambda folder: folder, tmp_path / "here")
    assert got == tmp_path / "here" and got.is_dir()


def test_a_fresh_shell_has_none_of_the_workers_thread_limits(monkeypatch):
    """conftest.py holds each pytest-xdist worker to its share of the cores and names the
    variables it set; a user's fresh shell (the main job's environment) has none of them, and
    keeps a thread variable the test set-up did not set."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own: not in the list
    monkeypatch.setenv(session_cache.THREAD_VARS, "OMP_NUM_THREADS,XLA_FLAGS")
    env = session_cache.fresh_shell_env()
    assert "OMP_NUM_THREADS" not in env and "XLA_FLAGS" not in env
    assert session_cache.THREAD_VARS not in env
    assert env["MKL_NUM_THREADS"] == "3"
    assert "TF_USE_LEGACY_KERAS" not in env and "TF_CPP_MIN_LOG_LEVEL" not in env


def test_the_reversed_run_walks_the_files_last_to_first_and_each_file_in_order():
    """The PyTorch backend run sets conftest.REVERSE_FILES so that it does not wait at every
    shared result for the JAX run walking the same files (tests/conftest.py): its files come
    last to first, and the tests of each file in their own order (a module's fixtures and
    the order its tests were written in stay as they are)."""
    import os

    import conftest

    root = Path(__file__).resolve().parents[1]
    files = ["tests/test_session_cache.py", "tests/test_layout.py"]

    def collected(**more):
        env = {k: v for k, v in os.environ.items() if k not in (conftest.REVERSE_FILES, "PYTEST_ADDOPTS")}
        env.update(more)
        proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider",
                               "--collect-only", "-q", *files], cwd=root, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        return [line for line in proc.stdout.splitlines() if "::" in line]

    forward, backward = collected(), collected(**{conftest.REVERSE_FILES: "1"})
    assert sorted(forward) == sorted(backward) and len(forward) > 4

    def by_file(ids):
        out = {}
        for test_id in ids:
            out.setdefault(test_id.split("::")[0], []).append(test_id)
        return out

    assert list(by_file(backward)) == list(reversed(by_file(forward)))
    assert by_file(backward) == by_file(forward)  # each file's tests in the same order

"""Nothing left running, nothing hung: `parity legacy-run` and `parity run` with scripts that
fork, signals to the parent alone, SIGKILL of the parent (what the OOM killer does), and a
low address-space limit.

Every process these tests start carries a marker in its environment (inherited by whatever
it starts); leftovers are found by that marker in /proc, whatever their process group or
parent. The scripts are tiny (they sleep); the worker cases train `series_predictor` for
as long as it takes to send the signal.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from terminal import as_from_a_terminal

from parity import runner

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")

ROOT = Path(__file__).resolve().parents[1]
MARKER = "PARITY_SUPERVISION_TEST"


# ------------------------------------------------------------------ processes, by marker
def marked(marker: str) -> list[int]:
    """Live processes (not zombies) whose environment holds ``MARKER=marker``."""
    needle = f"{MARKER}={marker}".encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if needle in environ + b"\0" and stat[stat.rindex(")") + 2] not in "ZX":
            found.append(int(entry.name))
    return found


def wait_for(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def nothing_left(marker: str, timeout: float = 10.0) -> None:
    try:
        wait_for(lambda: not marked(marker), timeout, "no marked process left")
    except AssertionError:
        left = marked(marker)
        for pid in left:  # do not leave them to the next test
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        raise AssertionError(f"processes left running: {left}") from None


@pytest.fixture
def marker():
    """This test's marker; whatever carries it is killed at the end, pass or fail."""
    value = uuid.uuid4().hex
    yield value
    for pid in marked(value):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def env_for(tmp_path: Path, marker: str) -> dict:
    temp = tmp_path / "tmpdir"
    temp.mkdir(exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg", TMPDIR=str(temp), **{MARKER: marker})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def start(args, tmp_path: Path, marker: str, cwd=None, limit_as=None) -> subprocess.Popen:
    """``parity ARGS`` in a session of its own (as a shell's job would be), marked."""
    def limit():
        as_from_a_terminal()
        if limit_as is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))

    return subprocess.Popen([sys.executable, "-m", "parity", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd or tmp_path, env=env_for(tmp_path, marker),
                            start_new_session=True, preexec_fn=limit)


def finish(proc: subprocess.Popen, timeout: float) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"parity did not end within {timeout} s: {err[-2000:]}") from None


# ------------------------------------------------------------------ a script that forks
FORKS = """import os, sys, time
child = os.fork()
open(f"ready-{'child' if child == 0 else 'parent'}", "w").close()
if child == 0 or sys.argv[1] == "both-sleep":
    time.sleep(300)
"""


def _run_forking_script(tmp_path, mode, marker):
    (tmp_path / "forks.py").write_text(FORKS)
    proc = start(["legacy-run", "forks.py", mode], tmp_path, marker)
    wait_for(lambda: proc.poll() is not None or (
        (tmp_path / "ready-child").exists() and (tmp_path / "ready-parent").exists()),
        120, "the script and its fork to start")
    return proc


def test_a_signal_stops_a_script_and_what_it_forked(tmp_path, marker):
    """SIGHUP to legacy-run alone (a closed terminal): the script and its forked child end,
    legacy-run exits 129 without waiting for the orphan's pipe (SIGTERM takes the same path:
    tests/test_legacy_run_faults.py)."""
    signum = signal.SIGHUP
    proc = _run_forking_script(tmp_path, "both-sleep", marker)
    assert proc.poll() is None, proc.communicate()
    os.kill(proc.pid, signum)
    _, err = finish(proc, timeout=30)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    nothing_left(marker)


def test_what_a_finished_script_forked_is_stopped_and_not_waited_for(tmp_path, marker):
    """The script ends (exit 0) and leaves a forked child sleeping: legacy-run ends with
    the script's status, and the child does not outlive it."""
    proc = _run_forking_script(tmp_path, "parent-exits", marker)
    _, err = finish(proc, timeout=30)
    assert proc.returncode == 0, err
    nothing_left(marker)


def test_sigkill_of_legacy_run_ends_the_script_and_its_fork(tmp_path, marker):
    proc = _run_forking_script(tmp_path, "both-sleep", marker)
    assert len(marked(marker)) >= 3  # legacy-run, the script, its fork
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    nothing_left(marker)


# ------------------------------------------------------------------ the workers
LONG_RUN = ["run", "series_predictor", "--impl", "legacy", "--steps", "10000000", "--out", "out"]


def _training(proc, tmp_path) -> int:
    """The worker's PID, once it trains (its checkpoint folder exists)."""
    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"parity ended early: {proc.communicate()}")
        started = list((tmp_path / "tmpdir").rglob("series_predictor_legacy_*"))
        workers = [p for p in marked_children(proc.pid)]
        return workers[0] if started and workers else None

    return wait_for(ready, 180, "the worker to train")


def marked_children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _caught_signals(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    raise AssertionError("no SigCgt line")


@pytest.mark.legacy
def test_sigterm_to_the_worker_ends_it_and_parity_reports_it(tmp_path, marker):
    """The worker does not catch SIGTERM, SIGHUP or SIGINT (a Python handler can fire inside
    a library's callback, where its exception is dropped and training goes on): the signal
    ends it at once, and parity reports it as the cause, keeps no temporary folder."""
    proc = start(LONG_RUN, tmp_path, marker)
    worker = _training(proc, tmp_path)
    caught = _caught_signals(worker)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        assert not caught & (1 << (signum - 1)), f"the worker catches {signum!r}"
    os.kill(worker, signal.SIGTERM)
    out, err = finish(proc, timeout=60)
    assert proc.returncode == 1, err
    assert "worker killed by signal 15 (SIGTERM)" in out + err
    failed = json.loads((tmp_path / "out" / "series_predictor.failed.json").read_text())
    assert "killed by signal 15" in failed["errors"]["legacy"]
    nothing_left(marker)
    assert list((tmp_path / "tmpdir").iterdir()) == []


@pytest.mark.legacy
@pytest.mark.parametrize("signum, last_line", [(signal.SIGINT, "interrupted"),
                                               (signal.SIGTERM, "parity: stopped by SIGTERM")])
def test_a_signal_stops_parallel_workers_at_once_and_starts_no_more(tmp_path, marker, signum,
                                                                     last_line):
    """--jobs: a Ctrl-C reaches `parity` (its main thread) and not the workers, which run in
    sessions of their own; it is passed on to each, no further batch starts, nothing is
    written and nothing left (the pool's threads used to run every batch to its end first:
    here, 10 million steps). SIGTERM alike; neither prints a "failed" line per stopped run."""
    proc = start(["run", "series_predictor", "--steps", "10000000", "--seeds", "3", "--jobs", "2",
                  "--out", "out"], tmp_path, marker)
    _training(proc, tmp_path)
    os.kill(proc.pid, signum)  # to parity alone: a Ctrl-C reaches the terminal's foreground group
    out, err = finish(proc, timeout=60)
    assert proc.returncode == 128 + signum and err.strip().splitlines()[-1] == last_line, err
    assert "failed:" not in out, out
    nothing_left(marker)
    assert list((tmp_path / "tmpdir").iterdir()) == []
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


SLEEPING_PORT = """import os, time
open(f"started-{os.environ['PARITY_SEED']}", "w").close()
time.sleep(300)
print("PARITY_METRIC loss=1.0")
"""


def test_a_ctrl_c_stops_check_over_seeds_at_once_and_starts_no_more(tmp_path, marker):
    """`parity check --seeds 4 --jobs 2`: a Ctrl-C while the first two seeds run stops both
    programs at once; seeds 2 and 3 never start, and nothing is left."""
    (tmp_path / "legacy.py").write_text("print('loss 1.0')\n")
    (tmp_path / "port.py").write_text(SLEEPING_PORT)
    proc = start(["check", "legacy.py", "port.py", "--seeds", "4", "--jobs", "2"], tmp_path, marker)
    started = lambda: sorted(p.name for p in tmp_path.glob("started-*"))  # noqa: E731
    wait_for(lambda: proc.poll() is not None or len(started()) == 2, 60, "two ports to start")
    os.kill(proc.pid, signal.SIGINT)
    out, err = finish(proc, timeout=30)
    assert proc.returncode == 128 + signal.SIGINT, (out, err)
    assert err.strip().splitlines()[-1] == "interrupted", err
    nothing_left(marker)
    assert started() == ["started-0", "started-1"]


@pytest.mark.legacy
def test_sigkill_of_parity_run_ends_the_worker_and_the_next_run_sweeps_its_folder(tmp_path, marker):
    """SIGKILL of `parity run` (the OOM killer): the worker dies with it; its temporary
    folder, left behind, is removed by the next run's sweep, and a live run's is kept."""
    proc = start(LONG_RUN, tmp_path, marker)
    _training(proc, tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    nothing_left(marker)
    (left,) = (tmp_path / "tmpdir").iterdir()  # nobody removed it
    assert left.name.startswith("parity-")
    live = tmp_path / "tmpdir" / "parity-live"
    live.mkdir()
    with runner._owned(live):  # a run in progress (this process) keeps its folder
        assert runner.sweep_dead_temp_folders(tmp_path / "tmpdir") == [left]
    assert sorted(p.name for p in (tmp_path / "tmpdir").iterdir()) == ["parity-live"]


def test_run_isolated_sweeps_before_it_starts(tmp_path, monkeypatch):
    """The sweep runs at each start of the workers (here: a run with no jobs)."""
    dead = tmp_path / "parity-dead"
    dead.mkdir()
    (dead / runner.OWNER_LOCK).write_text("123\n")  # its owner is gone: nobody holds the lock
    (dead / "checkpoint").write_text("left behind")
    foreign = tmp_path / "parity-someone-else"  # no lock file: not ours to judge
    foreign.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert runner.run_isolated([], verbose=False) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parity-someone-else"]


# ------------------------------------------------------------------ low memory
LOW = 1_500_000 * 1024  # ulimit -v 1500000


@pytest.mark.parametrize("args", [
    ["run", "series_predictor", "--steps", "5", "--out", "out"],
    ["legacy-run", "script.py"],
])
def test_a_low_address_space_limit_is_one_line_before_anything_starts(args, tmp_path, marker):
    (tmp_path / "script.py").write_text("open('ran', 'w').close()\n")
    proc = start(args, tmp_path, marker, limit_as=LOW)
    out, err = finish(proc, timeout=60)
    assert proc.returncode == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "ulimit -v 1500000" in lines[0] and "GiB" in lines[0]
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.py", "tmpdir"]
    nothing_left(marker)


# ------------------------------------------------------------------ started from a thread
PARENT = """import subprocess, sys, threading, time
from tf1_compat import processes as procs

CHILD = "from tf1_compat.processes import die_with_parent; die_with_parent(); " \\
        "import time; open('child-ready', 'w').close(); time.sleep(300)"

def start():
    with procs.supervised([sys.executable, "-c", CHILD]) as proc:
        open("child-pid", "w").write(str(proc.pid))
        proc.wait()

thread = threading.Thread(target=start, daemon=True)
thread.start()
time.sleep(300)
"""


def test_a_child_started_from_a_thread_dies_with_its_parent_not_with_the_thread(
        tmp_path, marker):
    """Linux's parent-death signal follows the thread that started a child: a child started
    from a thread must not die when that thread ends, and must die when the process ends
    (the pipe it watches closes)."""
    (tmp_path / "parent.py").write_text(PARENT)
    parent = subprocess.Popen([sys.executable, "parent.py"], cwd=tmp_path,
                              env=env_for(tmp_path, marker), start_new_session=True)
    try:
        wait_for(lambda: (tmp_path / "child-ready").exists(), 60, "the child to start")
        child = int((tmp_path / "child-pid").read_text())
        assert child in marked(marker)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        nothing_left(marker)
    finally:
        if parent.poll() is None:
            parent.kill()


THREAD_ENDS = """import subprocess, sys, threading, time
from tf1_compat import processes as procs

CHILD = "from tf1_compat.processes import die_with_parent; die_with_parent(); " \\
        "import time; open('child-ready', 'w').close(); time.sleep(300)"
box = {}

def start():
    box["proc"] = subprocess.Popen([sys.executable, "-c", CHILD], start_new_session=True,
                                   env=procs.child_env(), pass_fds=())

threading.Thread(target=start).start()
while not __import__("os").path.exists("child-ready"):
    time.sleep(0.05)
time.sleep(1.0)  # the thread that started the child has ended by now
print("alive" if box["proc"].poll() is None else f"died {box['proc'].returncode}", flush=True)
box["proc"].kill()
"""


def test_parent_death_signal_is_not_armed_for_a_child_started_from_a_thread(tmp_path, marker):
    (tmp_path / "parent.py").write_text(THREAD_ENDS)
    done = subprocess.run([sys.executable, "parent.py"], cwd=tmp_path, capture_output=True,
                          text=True, env=env_for(tmp_path, marker), timeout=60)
    assert done.stdout.strip() == "alive", done.stderr


def test_run_is_subprocess_run_under_supervision(tmp_path):
    """`processes.run` (bench --port's and check's children): the output comes back, and at
    its timeout the child and what it started are gone before TimeoutExpired is raised."""
    from tf1_compat import processes as procs

    done = procs.run([sys.executable, "-c", "print('hi')"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "hi\n"
    pids = tmp_path / "pids"
    code = ("import os, subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{c.pid}}'); time.sleep(60)")
    with pytest.raises(subprocess.TimeoutExpired):
        procs.run([sys.executable, "-c", code], timeout=3, capture_output=True, text=True)
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), pid


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_run_script_at_its_timeout_leaves_neither_the_script_nor_its_fork(tmp_path, marker):
    """`tf1_compat.run.run_script` (the Python API of legacy-run): at ``timeout`` the script
    and the child it forked are stopped before TimeoutExpired is raised, not left running."""
    from tf1_compat.run import run_script

    (tmp_path / "forks.py").write_text(FORKS)
    with pytest.raises(subprocess.TimeoutExpired):
        run_script(tmp_path / "forks.py", ["both-sleep"], cwd=tmp_path, timeout=20,
                   env=env_for(tmp_path, marker))
    assert (tmp_path / "ready-child").exists()  # it had forked before the timeout
    nothing_left(marker, timeout=5)

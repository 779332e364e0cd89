"""Work done once per test session and shared by every process of it.

The suite runs in several processes: two pytest-xdist workers, and inside them the port
tests again on the JAX and PyTorch backends (tests/test_keras_backends.py), each a pytest
process of its own. The legacy side of those tests (a TF1 graph trained at a test budget, a
TF1 script captured by ``legacy-run --capture``) does not depend on the Keras backend (it
runs on TensorFlow alone, seeded: each example's ``test_same_seed_same_numbers`` checks
that a config gives the same numbers again). So such work is done by the first process
that needs it and read back by the others, instead of three times.

``once(key, compute, fallback)``: ``compute(folder)`` writes whatever files it makes under
``folder`` and returns a picklable value (paths in it may point into ``folder``). Within a
session (``PARITY_TEST_SHARED`` names its folder; conftest.py creates it in the first pytest
process and removes it at that process's end, and every worker and backend run inherits it)
the first caller computes under a file lock and the others wait for it and load its value;
a computation that raised leaves nothing behind and the next caller tries again. Outside a
session (the variable unset) ``compute(fallback)`` runs as before.

The cached values are the legacy side's results only: what the test under way checks (the
port on its backend, an equivalence, a conversion) is still computed in the test's own
process. Tests must not write into a shared folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import re
import shutil
from pathlib import Path

ENV = "PARITY_TEST_SHARED"
THREAD_VARS = "PARITY_TEST_THREAD_VARS"  # the thread limits conftest.py set, by name


def root() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def once(key: str, compute, fallback: Path):
    """``compute(folder)``'s value for ``key``, computed once per test session (see above)."""
    base = root()
    if base is None or not base.is_dir():
        fallback.mkdir(parents=True, exist_ok=True)
        return compute(fallback)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:60] + "-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    folder, value_file = base / name, base / f"{name}.pkl"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (also if we die)
        try:
            if value_file.exists():
                return pickle.loads(value_file.read_bytes())
            shutil.rmtree(folder, ignore_errors=True)  # a half-done earlier try
            folder.mkdir()
            try:
                value = compute(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            tmp = value_file.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(value))
            tmp.replace(value_file)
            return value
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)



def capture(script, cap_dir, out_dir=None, **run_options):
    """``legacy-run --capture cap_dir script [out_dir]`` (``parity.legacy_run.run_script``)
    once per test session, copied into ``cap_dir`` (and the script's own outputs into
    ``out_dir``, its one argument when given): the ``CompletedProcess``. A capture into a
    folder that already holds one is not for this (the numbering after an earlier capture is
    what such a test checks): run that one directly."""
    import tempfile

    from parity.legacy_run import run_script

    def run(folder):
        (folder / "out").mkdir()
        args = [str(folder / "out")] if out_dir is not None else []
        done = run_script(str(script), args, capture_dir=str(folder / "cap"), **run_options)
        assert done.returncode == 0, done.stderr[-3000:]
        return done, folder

    key = f"capture {script} {out_dir is not None} {sorted(run_options.items())}"
    fallback = Path(tempfile.mkdtemp(prefix="parity-capture-"))
    done, folder = once(key, run, fallback)
    shutil.copytree(folder / "cap", cap_dir, dirs_exist_ok=True)
    if out_dir is not None:
        shutil.copytree(folder / "out", out_dir, dirs_exist_ok=True)
    shutil.rmtree(fallback, ignore_errors=True)  # used only outside a session
    return done


def fresh_shell_env() -> dict:
    """This environment as a user's fresh shell has it: without the variables the test set-up
    sets (TF_CPP_MIN_LOG_LEVEL, MPLBACKEND, TF_USE_LEGACY_KERAS, and the thread limits of a
    pytest-xdist worker: conftest.py), the repository importable."""
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    threads = env.pop(THREAD_VARS, "")
    for name in ("TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND", "TF_USE_LEGACY_KERAS", *filter(None, threads.split(","))):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo), os.environ.get("PYTHONPATH")) if p)
    return env


def main_job():
    """The main job, ``parity all --quick --out FOLDER``, run once per test session as a user
    runs it (a fresh shell's environment: no TF_CPP_MIN_LOG_LEVEL, MPLBACKEND or
    TF_USE_LEGACY_KERAS): ``(returncode, output, folder)``, stdout and stderr together in
    ``output``. tests/test_main_job.py checks its terminal and its results against two
    concurrent runs; tests/test_migrate_builtin.py reads the hand-written ports' quick-budget
    metrics from its JSON (what ``parity run ID --impl port --quick`` gives: the runs of one
    job do not depend on the other jobs of their process, which test_main_job checks)."""
    import subprocess
    import sys
    import tempfile

    repo, env = Path(__file__).resolve().parents[1], fresh_shell_env()

    def run(folder):
        proc = subprocess.run([sys.executable, "-m", "parity", "all", "--quick", "--out",
                               str(folder / "out")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, cwd=repo, env=env,
                              timeout=2400)
        return proc.returncode, proc.stdout, folder / "out"

    # the fallback folder is made only outside a session (a mkdtemp here left an empty folder
    # in /tmp on every call)
    return once("parity all --quick", run,
                Path(tempfile.gettempdir()) / f"parity-main-job-{os.getpid()}")

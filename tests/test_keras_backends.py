"""The port tests on Keras's JAX and PyTorch backends, each run in a Python process of its own.

Keras chooses its backend once, from ``KERAS_BACKEND``, when it is first imported, and this
process runs on TensorFlow; so each backend's port tests (``pytest -m port``: the examples'
equivalence, one-step and quick-budget tests, the Keras weights files and ``convert``; the
legacy side still on TensorFlow) run in a subprocess with ``KERAS_BACKEND`` set, and the test
here fails with that run's failures. What a backend cannot do is skipped there with a
one-line reason, which is repeated here as a warning (so it shows in this run's summary).
Tests marked ``backend_neutral`` (usage errors, programs without Keras, a subprocess that
sets its own backend) run in the TensorFlow run only: no backend can change their outcome.

``tox -e port-jax`` / ``tox -e port-torch`` run the same port tests directly on one backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import conftest
import pytest

from parity import backends

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_FILES = ["test_binary_addition_lstm.py", "test_binary_addition_numpy_rnn.py",
                 "test_mnist_static_rnn.py", "test_mnist_dynamic_rnn.py", "test_stacked_lstm.py",
                 "test_series_predictor.py", "test_airline_passengers.py"]
# The CLI tests start `parity`, whose runner sets each port process's backend itself (the
# backend choice there is tested in test_cli.py); running them again here would repeat the
# TensorFlow runs. The same holds for the main job, the fault cases and the capture and
# README walk-throughs (each starts `parity` or `legacy-run` processes of its own).
# The generated ports of the built-in examples are compared with the hand-written ports at the
# quick budget on TensorFlow (test_migrate_builtin.py: minutes of training per backend); the
# generated ports run on the other backends in test_migrate_write.py and
# test_migrate_constructs.py, which these runs include. test_migrate_raw_ops.py and
# test_migrate_sessions.py run their generated ports on TensorFlow and on JAX themselves (the
# backend is their parameter): here they would run the same ports again.
IGNORED = ["test_keras_backends.py", "test_keras_backends_torch.py", "test_cli.py", "test_main_job.py", "test_robustness.py",
           "test_inputs_more.py", "test_capture.py", "test_readme_example.py", "test_migrate_builtin.py",
           "test_migrate_raw_ops.py", "test_migrate_sessions.py"]

# (backend, extra environment, test files): JAX runs the float64 example a second time
# with JAX_ENABLE_X64=1, the one setting under which JAX computes in float64.
# PyTorch on one thread: the legacy side's TensorFlow shares each test process, and with
# both thread pools busy on a 2-core machine PyTorch's spinning OpenMP threads made small
# ops 10-40x slower (measured: a 1x100 @ 100x400 matmul 7 us alone, 180-750 us beside
# TensorFlow at 2 threads, 9-13 us at 1 thread).
# The PyTorch run is in tests/test_keras_backends_torch.py: a file of its own, so that
# pytest-xdist (which hands out whole files) runs it beside the JAX runs, not after them.
RUNS = [
    ("jax", {}, None),
    ("jax", {"JAX_ENABLE_X64": "1"}, ["test_binary_addition_numpy_rnn.py"]),
]
# The PyTorch run walks the test files last to first (tests/conftest.py, REVERSE_FILES): the
# JAX run walks them first to last, and each computes the legacy-side results the other reads.
TORCH_RUN = ("torch", {"OMP_NUM_THREADS": "1", conftest.REVERSE_FILES: "1"}, None)


def _run_port_tests(backend: str, extra_env: dict, files, tmp_path: Path):
    junit = tmp_path / "junit.xml"
    # JAX: a compilation cache for the run (each test builds its models anew; with the cache
    # XLA compiles each distinct step once, not once per model: the same numbers, less time)
    env = backends.env(backend, dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg",
                                      **extra_env), jax_cache=tmp_path / "jax-cache")
    env.pop("PYTEST_ADDOPTS", None)
    targets = [str(ROOT / "tests" / f) for f in files] if files else [str(ROOT / "tests")]
    # PARITY_BACKEND_MARK narrows the run (tox -e isa: the comparison tests only)
    mark = "port and not backend and not backend_neutral"  # backend_neutral: pyproject.toml
    if os.environ.get("PARITY_BACKEND_MARK"):
        mark += f" and ({os.environ['PARITY_BACKEND_MARK']})"
    # -n 0: one process (the suite's own pytest-xdist workers are outside this run)
    cmd = [sys.executable, "-m", "pytest", "-n", "0", "-m", mark, "-rs", "-p", "no:cacheprovider",
           f"--junitxml={junit}", f"--basetemp={tmp_path / 'basetemp'}",
           *[f"--ignore={ROOT / 'tests' / f}" for f in IGNORED], *targets]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    return proc, (ET.parse(junit).getroot() if junit.exists() else None)


def _cases(root):
    for case in root.iter("testcase"):
        outcome = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        yield (f"{case.get('classname')}::{case.get('name')}",
               outcome.tag if outcome is not None else "passed",
               "" if outcome is None else (outcome.get("message") or "").strip().splitlines()[:1])


@pytest.mark.port
@pytest.mark.backend
@pytest.mark.parametrize("backend, extra_env, files", RUNS,
                         ids=["jax", "jax-x64-float64-example"])
def test_port_tests_pass_on_backend(backend, extra_env, files, tmp_path):
    check_backend(backend, extra_env, files, tmp_path)


def check_backend(backend, extra_env, files, tmp_path):
    """Run the port tests on ``backend`` in a pytest process of its own and fail with that
    run's failures (each skip's reason is repeated here as a warning)."""
    ok, why = backends.available(backend)
    if not ok:
        pytest.skip(why)
    proc, root = _run_port_tests(backend, extra_env, files, tmp_path)
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
    assert root is not None, f"the {backend} run wrote no report (exit {proc.returncode}):\n{tail}"
    # it ran on the backend asked for (conftest prints the backend Keras picked)
    assert f"keras backend: {backend}" in proc.stdout, tail
    cases = list(_cases(root))
    bad = [f"{name}: {outcome}: {' '.join(msg)[:300]}" for name, outcome, msg in cases
           if outcome in ("failure", "error")]
    assert not bad and proc.returncode == 0, (
        f"port tests on the {backend} backend failed (exit {proc.returncode}):\n"
        + "\n".join(bad) + f"\n{tail}")
    for name, outcome, msg in cases:  # never silently: each skip's one-line reason, here too
        if outcome == "skipped":
            warnings.warn(f"{backend} backend: {name} skipped: {' '.join(msg)}", stacklevel=1)
    passed = {name.split("::")[0].rsplit(".", 1)[-1] for name, outcome, _ in cases
              if outcome == "passed"}
    expected = [f[:-3] for f in (files or EXAMPLE_FILES) if f in EXAMPLE_FILES]
    if os.environ.get("PARITY_BACKEND_MARK"):  # a narrowed run: only the files it selected
        expected = [f for f in expected if any(f in name for name, _, _ in cases)]
    missing = [f for f in expected if f not in passed]
    assert not missing, f"no port test of {missing} passed on {backend}:\n{tail}"

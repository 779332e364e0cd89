"""Shared test set-up: the legacy Keras routing must be in place before TensorFlow loads."""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


def _share_the_cores() -> None:
    """Each pytest-xdist worker (and every process it starts: the backend runs, the scripts,
    the ports) to its share of the cores, as ``parity all --jobs`` limits its workers
    (parity/jobs.py): TensorFlow's thread pools, OpenMP/BLAS and XLA's CPU threads. Two
    workers on two cores with two threads each spin against each other: measured on the
    2-core CI machine, two concurrent test runs took 10% less CPU and 8% less time at one
    thread each, with the same results. A variable already set is left as it is."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))  # set before conftest loads
    if workers < 2:
        return
    import session_cache

    from parity import jobs

    limits = jobs.thread_env(max(1, jobs.cores() // workers), "jax")
    added = [name for name in limits if name not in os.environ]
    os.environ.update({name: limits[name] for name in added})
    # named for session_cache.fresh_shell_env: a user's fresh shell has none of them
    os.environ.setdefault(session_cache.THREAD_VARS, ",".join(added))


_share_the_cores()

import legacy_graph  # noqa: E402,F401  (sets TF_USE_LEGACY_KERAS before any TF import)


def pytest_report_header(config):
    """Which Keras backend the port tests run on (only when KERAS_BACKEND chooses one)."""
    if os.environ.get("KERAS_BACKEND"):
        import keras

        return f"keras backend: {keras.backend.backend()}"
    return None


# The example test files: each trains both sides at a short budget and compares trained
# metrics, outputs from transplanted weights and optimizer steps. Their tests carry the
# ``comparison`` marker, which `tox -e isa` runs under an instruction-set matrix (another
# vector unit rounds differently, and a training run amplifies that): every margin in them
# must hold on any x86-64 CPU, not only on the one it was measured on.
EXAMPLE_TEST_FILES = {"test_binary_addition_lstm.py", "test_binary_addition_numpy_rnn.py",
                      "test_mnist_static_rnn.py", "test_mnist_dynamic_rnn.py",
                      "test_stacked_lstm.py", "test_series_predictor.py",
                      "test_airline_passengers.py"}


# The longest files first (measured: `--durations=0` on the 2-core CI machine): pytest-xdist (`--dist loadfile
# --no-loadscope-reorder`, pyproject.toml) hands out whole files in collection order, so these
# start at once on the workers instead of ending the run alone on one of them.
# test_migrate_builtin.py waits for the main job's first run (tests/session_cache.py): it
# starts a few files after test_main_job.py, so that its worker has other work meanwhile.
SLOW_FIRST = ["test_keras_backends_torch.py", "test_keras_backends.py", "test_main_job.py",
              "test_many_seeds.py", "test_speed_levers.py", "test_stacked_lstm.py", "test_migrate_builtin.py",
              "test_migrate_write.py", "test_convert_any.py", "test_migrate_constructs.py", "test_robustness.py", "test_legacy_run.py", "test_cli.py",
              "test_legacy_run_programs.py", "test_docs.py", "test_capture.py",
              "test_migration_trust.py", "test_mnist_static_rnn.py", "test_seq2seq.py",
              "test_readme_example.py", "test_bench_port.py", "test_parity_testing_graph.py",
              "test_binary_addition_lstm.py", "test_mnist_dynamic_rnn.py"]


# The backend runs (tests/test_keras_backends.py) start together and need the same legacy-side
# results (tests/session_cache.py): walking the same files in the same order, one of them
# waited for the other's computation at almost every shared result (measured on the 2-core
# CI machine: the JAX run 111 s in 76 waits, a core idle meanwhile). The PyTorch run sets
# this variable and walks the files last to first, so the two meet once, in the middle.
REVERSE_FILES = "PARITY_TEST_REVERSE_FILES"


def pytest_configure(config):
    """The session's shared folder (tests/session_cache.py): made by the first pytest process,
    inherited by the xdist workers and the backend runs, removed when that process ends."""
    import tempfile

    import session_cache

    if not os.environ.get(session_cache.ENV):
        os.environ[session_cache.ENV] = tempfile.mkdtemp(prefix="parity-tests-shared-")
        config._parity_shared = os.environ[session_cache.ENV]


def pytest_unconfigure(config):
    import shutil

    folder = getattr(config, "_parity_shared", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("PARITY_TEST_SHARED", None)


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if item.path.name in EXAMPLE_TEST_FILES:
            item.add_marker(pytest.mark.comparison)
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker collects alike: the same order
        rank = {name: i for i, name in enumerate(SLOW_FIRST)}
        items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable
    if os.environ.get(REVERSE_FILES):
        # the files last to first, each file's tests in their order (see REVERSE_FILES)
        files = list(dict.fromkeys(item.path for item in items))
        position = {path: -i for i, path in enumerate(files)}
        items.sort(key=lambda item: position[item.path])  # stable within a file

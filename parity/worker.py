"""Runs training jobs in a clean process and writes their results as JSON.

``python -m parity.worker JOBS.json OUT.json``: JOBS is a list of
``{"example", "impl", "steps", "seed", "verbose"}`` (port jobs may add ``"backend"``, which
must be the ``KERAS_BACKEND`` the process was started with); OUT receives one result per job,
rewritten (temporary file, then rename) after each job, so that a worker that dies keeps
the jobs it finished. The harness starts one worker per implementation (and Keras backend)
so that timings and seeds are not disturbed by the other side.

Environment: ``PARITY_PROGRESS=1`` prints one line per job; ``PARITY_VERBOSE=1`` keeps
TensorFlow's deprecation warnings and prints a failed job's traceback. SIGTERM, SIGHUP and
SIGINT end the worker by their default action, wherever it is (a Python handler could fire
inside a library's callback, where Python drops its exception, and training would go on);
the parent reports it and removes the worker's temporary files, which are kept inside its
own temporary folder. The worker dies with the parent, also when the parent is killed by
SIGKILL (:func:`tf1_compat.processes.die_with_parent`).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


def run_job(job: dict) -> dict:
    from parity import registry

    example = registry.get(job["example"])
    if job["impl"] == "port":
        _check_backend(job.get("backend"))
    module = example.module(job["impl"])
    config = example.config(steps=job.get("steps"), seed=job.get("seed"))
    started = time.perf_counter()
    result = module.train(config, verbose=job.get("verbose", True))
    if job["impl"] in ("legacy", "port", "numpy") and result.weights:
        from parity.samples import sample_extras

        result.extras.update(sample_extras(example.id, module, result.weights, config))
    out = result.to_json()
    out["wall_seconds"] = time.perf_counter() - started
    if job["impl"] == "port":
        from parity import backends

        out.update(backends.describe())  # the Keras backend the port ran on, and its version
    return out


def _check_backend(wanted: str | None) -> None:
    import keras

    from parity import backends

    running = keras.backend.backend()
    if running != (wanted or backends.DEFAULT):
        raise RuntimeError(f"this worker's Keras runs on '{running}', the job asks for '{wanted}' "
                           f"(start the worker with KERAS_BACKEND={wanted})")


def _write(results: list, out_path: str) -> None:
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f)
    os.replace(tmp, out_path)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _label(job: dict) -> str:
    from parity.runner import run_label

    return run_label(job)


def _announce(job: dict) -> None:
    from parity import registry

    example = registry.get(job["example"])
    steps = job.get("steps") if job.get("steps") is not None else example.config().steps
    line = f"{job['example']} {_label(job)}: {steps} {example.unit}"
    if job.get("verbose"):
        print(f"== {line} ==", flush=True)
    else:
        print(f"{line} ...", end="", flush=True)


def _report(job: dict, outcome: dict) -> None:
    if job.get("verbose"):
        print(f"== {job['example']} {_label(job)}: ", end="")
    if outcome["ok"]:
        result = outcome["result"]
        print(f" {result['metric']} {result['value']:.4f} ({result['seconds']:.1f} s)", flush=True)
    else:
        print(f" failed: {outcome['error']}", flush=True)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m parity.worker JOBS.json OUT.json", file=sys.stderr)
        return 2
    jobs_path, out_path = argv
    from tf1_compat import processes as procs

    procs.die_with_parent()
    procs.default_signals()
    with open(jobs_path) as f:
        jobs = json.load(f)
    verbose = os.environ.get("PARITY_VERBOSE", "") == "1"
    progress = os.environ.get("PARITY_PROGRESS", "") == "1"
    from tf1_compat import quiet

    quiet.quiet_python_warnings(show=verbose)
    quiet.colour_free_stdout()
    import legacy_graph  # noqa: F401  (legacy Keras routing before any TensorFlow import)

    results = []
    for job in jobs:
        if progress:
            _announce(job)
        try:
            outcome = {"ok": True, "job": job, "result": run_job(job)}
        except Exception as exc:  # reported by the parent, which decides the exit code
            if verbose:
                traceback.print_exc()
            outcome = {"ok": False, "job": job, "error": _one_line(exc)}
        results.append(outcome)
        _write(results, out_path)
        if progress:
            _report(job, outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())

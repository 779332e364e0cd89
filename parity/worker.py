"""Runs training jobs in a clean process and writes their results as JSON.

``python -m parity.worker JOBS.json OUT.json``: JOBS is a list of
``{"example", "impl", "steps", "seed", "verbose"}`` (port jobs may add ``"backend"``, which
must be the ``KERAS_BACKEND`` the process was started with); OUT receives one result per job,
written to a temporary file and renamed. The harness starts one worker per
implementation so that timings and seeds are not disturbed by the other side.
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


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m parity.worker JOBS.json OUT.json", file=sys.stderr)
        return 2
    jobs_path, out_path = argv
    with open(jobs_path) as f:
        jobs = json.load(f)
    import legacy_graph  # noqa: F401  (legacy Keras routing before any TensorFlow import)

    results = []
    for job in jobs:
        try:
            results.append({"ok": True, "job": job, "result": run_job(job)})
        except Exception as exc:  # reported by the parent, which decides the exit code
            traceback.print_exc()
            results.append({"ok": False, "job": job, "error": f"{type(exc).__name__}: {exc}"})
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f)
    os.replace(tmp, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

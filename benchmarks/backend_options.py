"""Which Keras options make a port fast on each backend: the port's own ``train()``, one option
overridden at a time, timed per step and checked for equal numbers.

    python -m benchmarks.backend_options airline_passengers --backends tensorflow jax torch
    python -m benchmarks.backend_options mnist_static_rnn --backends jax --variants port unroll=0 jit=0
    python -m benchmarks.backend_options series_predictor --reps 3 --scale 0.5

A variant overrides, for every RNN layer and ``compile`` call of the unmodified port,
``unroll`` (``unroll=0|1``), ``jit_compile`` (``jit=0|1``) and/or ``steps_per_execution``
(``spe=N``; ``spe=port`` keeps the port's own). ``port`` is the port as written for the backend.
Each (backend, variant) is measured in a fresh process (``KERAS_BACKEND`` set before Keras
is imported), interleaved over ``--reps``: ``train`` at ``n1`` (warm-up), ``n1`` and ``n2``
budget units, per-step time = ``(t(n2) - t(n1)) / optimizer steps between`` (the same
two-budget method as ``benchmarks.bench``; tracing and compilation cancel). Equal numbers:
the largest |weight difference| after ``n1`` units against the ``port`` variant on the same
backend (each backend draws its own initial weights from the seed).

Writes ``benchmarks/out/backend_options_<example>.json`` (a git-ignored working folder; ``--out
benchmarks/results`` to update the checked-in numbers; temporary name, then rename).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK_DIR = os.path.join(ROOT, "benchmarks", "out")  # default output: git-ignored (--out to change)
MARK = "OPTIONS_JSON "


def parse_variant(text: str) -> dict:
    """``"unroll=0,jit=1"`` -> ``{"unroll": False, "jit_compile": True}``; ``"port"`` -> ``{}``."""
    out: dict = {}
    if text == "port":
        return out
    for part in text.split(","):
        key, _, value = part.partition("=")
        if key == "unroll":
            out["unroll"] = value == "1"
        elif key == "jit":
            out["jit_compile"] = value == "1"
        elif key == "spe":
            if value != "port":
                out["steps_per_execution"] = int(value)
        else:
            raise ValueError(f"unknown option '{key}' in variant '{text}' (unroll, jit, spe)")
    return out


@contextlib.contextmanager
def overridden(options: dict):
    """Patch Keras so the port's RNN layers and compile calls take ``options``."""
    import keras

    patched = []

    def patch(cls, name, wrapper):
        original = getattr(cls, name)
        setattr(cls, name, wrapper(original))
        patched.append((cls, name, original))

    if "unroll" in options:
        for cls in (keras.layers.LSTM, keras.layers.SimpleRNN, keras.layers.GRU, keras.layers.RNN):
            def init_wrapper(original):
                def __init__(self, *args, **kwargs):
                    kwargs["unroll"] = options["unroll"]
                    original(self, *args, **kwargs)
                return __init__
            if "__init__" in cls.__dict__:
                patch(cls, "__init__", init_wrapper)
    compile_keys = {k: v for k, v in options.items() if k in ("jit_compile", "steps_per_execution")}
    if compile_keys:
        def compile_wrapper(original):
            def compile(self, *args, **kwargs):
                kwargs.update(compile_keys)
                return original(self, *args, **kwargs)
            return compile
        patch(keras.Model, "compile", compile_wrapper)
    try:
        yield
    finally:
        for cls, name, original in reversed(patched):
            setattr(cls, name, original)


def worker(example_id: str, variant: str, n1: int, n2: int, weights_out: str) -> dict:
    import keras
    import numpy as np

    import tf1_compat.runtime  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
    from benchmarks.bench import PLANS
    from parity import registry

    example = registry.get(example_id)
    module = example.module("port")
    options = parse_variant(variant)

    def run(steps):
        with overridden(options):
            started, cpu = time.perf_counter(), time.process_time()
            result = module.train(example.config(steps=steps), verbose=False)
            return time.perf_counter() - started, time.process_time() - cpu, result

    run(n1)  # warm-up: imports, first traces and compilations
    w1, c1, r1 = run(n1)
    w2, c2, r2 = run(n2)
    steps = (n2 - n1) * PLANS[example_id].steps_per_unit
    np.savez(weights_out, **{k.replace("/", "|"): v for k, v in r1.weights.items()})
    return {"example": example_id, "backend": keras.backend.backend(), "variant": variant,
            "n1": n1, "n2": n2, "ms_per_step": 1e3 * (w2 - w1) / steps,
            "cpu_ms_per_step": 1e3 * (c2 - c1) / steps, "values": [r1.value, r2.value],
            "unreliable": not (w2 > w1 and c2 > c1)}


def run_worker(example_id, backend, variant, n1, n2, weights_out, timeout) -> dict:
    from parity import backends, registry

    cmd = [sys.executable, "-m", "benchmarks.backend_options", "--worker", example_id,
           "--variant", variant, "--n1", str(n1), "--n2", str(n2), "--weights-out", weights_out]
    try:
        with tempfile.TemporaryDirectory(prefix="options-jax-cache-") as cache:
            env = backends.env(backend, dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0"),
                               float64=registry.get(example_id).float64, jax_cache=cache)
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"backend": backend, "variant": variant, "error": f"timed out after {timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"backend": backend, "variant": variant, "error": f"exit {proc.returncode}: " + " | ".join(tail)}


def max_weight_diff(a: str, b: str) -> float | None:
    import numpy as np

    if not (os.path.exists(a) and os.path.exists(b)):
        return None
    x, y = np.load(a), np.load(b)
    return max(float(np.max(np.abs(x[k] - y[k]))) for k in x.files)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.backend_options",
                                description=__doc__.splitlines()[0])
    p.add_argument("example", nargs="?")
    p.add_argument("--backends", nargs="+", default=None, help="default: every installed one")
    p.add_argument("--variants", nargs="+", default=None,
                   help="default: port unroll=0 unroll=1 jit=0 jit=1 spe=1")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--scale", type=float, default=1.0, help="multiply the benchmark's n1/n2")
    p.add_argument("--timeout", type=int, default=1800)
    p.add_argument("--out", default=WORK_DIR, help="output folder (default: benchmarks/out/)")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    p.add_argument("--variant", default="port", help=argparse.SUPPRESS)
    p.add_argument("--n1", type=int, help=argparse.SUPPRESS)
    p.add_argument("--n2", type=int, help=argparse.SUPPRESS)
    p.add_argument("--weights-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        out = worker(args.worker, args.variant, args.n1, args.n2, args.weights_out)
        print(MARK + json.dumps(out), flush=True)
        return 0
    if not args.example:
        p.error("an example id is required")

    from benchmarks.bench import PLANS
    from parity import backends, registry

    registry.get(args.example)
    names = args.backends or backends.installed()
    for b in names:
        backends.check(b)
    variants = args.variants or ["port", "unroll=0", "unroll=1", "jit=0", "jit=1", "spe=1"]
    for v in variants:
        parse_variant(v)
    plan = PLANS[args.example]
    n1 = max(1, round(plan.n1 * args.scale))
    n2 = max(n1 + 1, round(plan.n2 * args.scale))
    report = {"example": args.example, "n1": n1, "n2": n2, "reps": args.reps,
              "load_average_at_start": os.getloadavg(), "runs": []}
    with tempfile.TemporaryDirectory(prefix="backend-options-") as tmp:
        for rep in range(args.reps):
            for b in names:
                for v in variants:
                    weights = os.path.join(tmp, f"{b}-{v.replace('=', '_').replace(',', '+')}-{rep}.npz")
                    run = run_worker(args.example, b, v, n1, n2, weights, args.timeout)
                    run.update(rep=rep, backend=b, variant=v)
                    base = os.path.join(tmp, f"{b}-port-{rep}.npz")
                    if "error" not in run:
                        run["max_weight_diff_vs_port"] = max_weight_diff(weights, base)
                    report["runs"].append(run)
                    msg = run.get("error") or (f"{run['ms_per_step']:.3f} ms/step, weights vs port "
                                               f"{run['max_weight_diff_vs_port']}")
                    print(f"[rep {rep}] {args.example} {b} {v}: {msg}", flush=True)
    summary = {}
    for run in report["runs"]:
        if "error" in run:
            continue
        entry = summary.setdefault(run["backend"], {}).setdefault(run["variant"], {"ms": [], "cpu_ms": [], "diff": []})
        entry["ms"].append(run["ms_per_step"])
        entry["cpu_ms"].append(run["cpu_ms_per_step"])
        if run.get("max_weight_diff_vs_port") is not None:
            entry["diff"].append(run["max_weight_diff_vs_port"])
    report["summary"] = {
        b: {v: {"ms_per_step_median": statistics.median(e["ms"]), "min": min(e["ms"]), "max": max(e["ms"]),
                "cpu_ms_per_step_median": statistics.median(e["cpu_ms"]),
                "max_weight_diff_vs_port": max(e["diff"]) if e["diff"] else None}
            for v, e in vs.items()}
        for b, vs in summary.items()}
    print("\nbackend     variant              ms/step (min-max)          CPU ms/step  max |w - port|")
    for b, vs in report["summary"].items():
        for v, s in vs.items():
            print(f"{b:11s} {v:20s} {s['ms_per_step_median']:8.3f} ({s['min']:.3f}-{s['max']:.3f})"
                  f"  {s['cpu_ms_per_step_median']:10.3f}  {s['max_weight_diff_vs_port']}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"backend_options_{args.example}.json")
    from parity import store

    store.write_text(path, json.dumps(report, indent=1))
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much the tests' trained metrics move across CPUs, thread counts and seeds.

A trained metric after hundreds of steps is a chaotic function of every rounding on the
way: a CPU with other vector instructions (AVX-512 instead of AVX2), another thread count
(another reduction order) or another seed each give another trajectory. The comparison
tests (``pytest -m comparison``) must hold on any x86-64 machine, so their margins are set
from what this script measures: every example's test budget, legacy and port (on each Keras
backend asked for), under each setting of the instruction-set matrix and for several seeds.

    python -m benchmarks.isa_spread --backends tensorflow jax torch --seeds 0 1 2 3 4 \\
        --settings default sse avx2 noonednn onethread --out benchmarks/out/isa_spread.json

Each (setting, side) trains in a fresh process with the setting's environment (the knobs
only act at start-up). Prints one table per example: for each side the values over
settings x seeds, and the largest |legacy - port| at equal seed and setting.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The instruction-set / threading matrix (the same as tox's isa-* environments).
SETTINGS = {
    "default": {},
    # XLA (JAX, and TensorFlow's jit_compile) generates code for the host's vector unit;
    # oneDNN (TensorFlow's matmuls and LSTM kernels on x86) and PyTorch dispatch at run time.
    "sse": {"XLA_FLAGS": "--xla_cpu_max_isa=SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41",
            "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "avx2": {"XLA_FLAGS": "--xla_cpu_max_isa=AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2",
             "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "noonednn": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    # one core: every thread pool sizes itself from the affinity mask
    "onethread": {"_TASKSET": "0"},
}

# example id -> (test file, how the test calls train: extra kwargs builder)
EXAMPLES = ["binary_addition_lstm", "mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm",
            "series_predictor", "airline_passengers"]


def _test_config(example: str):
    """The CONFIG of tests/test_<example>.py (the budget the comparison test trains)."""
    path = ROOT / "tests" / f"test_{example}.py"
    spec = importlib.util.spec_from_file_location(f"_spread_{example}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CONFIG


def _train_one(example: str, side: str, seed: int) -> dict:
    """Train one side of one example at its test budget and ``seed`` (in this process)."""
    import dataclasses
    import importlib
    import tempfile

    config = _test_config(example)
    if seed >= 0:  # -1: the test's own seed
        config = dataclasses.replace(config, seed=seed)
    module = importlib.import_module(f"parity.adapters.{side}.{example}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if example == "series_predictor":
            config = dataclasses.replace(config, checkpoint_dir=tmp)
        result = module.train(config, verbose=False)
    out = {"value": float(result.value), "seconds": time.perf_counter() - start}
    # what the tests' other trained-value checks read
    if result.loss_history:
        out["first_loss"] = float(result.loss_history[0][1])
        out["last_loss"] = float(result.loss_history[-1][1])
    extras = result.extras or {}
    if "plain_history" in extras:
        out["plain_history"] = [float(a) for _, a in extras["plain_history"]]
        out["streaming_accuracy"] = float(extras["streaming_accuracy"])
    if "predictions_10" in extras:
        out["right_of_10"] = int((extras["predictions_10"] == extras["labels_10"]).sum())
    if "predictions" in extras and example == "series_predictor":
        out["predictions"] = [float(v) for v in extras["predictions"].ravel()]
    return out


def _child(args) -> None:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import legacy_graph  # noqa: F401  (routes tf.keras before TensorFlow loads)

    out = {}
    for example in args.examples:
        for seed in args.seeds:
            out[f"{example}/{seed}"] = _train_one(example, args.side, seed)
            print(json.dumps({"example": example, "seed": seed, **out[f"{example}/{seed}"]}),
                  file=sys.stderr, flush=True)
    print(json.dumps(out))


def _run(setting: str, side: str, backend: str, examples, seeds) -> dict:
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg",
               PYTHONPATH=str(ROOT))
    extra = dict(SETTINGS[setting])
    taskset = extra.pop("_TASKSET", None)
    env.update(extra)
    from parity import backends

    env = backends.env(backend, env)
    cmd = [sys.executable, "-m", "benchmarks.isa_spread", "--child", "--side", side,
           "--examples", *examples, "--seeds", *map(str, seeds)]
    if taskset is not None:
        cmd = ["taskset", "-c", taskset, *cmd]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"isa_spread: {setting}/{side}/{backend} failed:\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", nargs="+", default=EXAMPLES, choices=EXAMPLES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[-1],
                        help="seeds to train with (-1, the default: each test's own seed)")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--backends", nargs="+", default=["tensorflow"])
    parser.add_argument("--no-legacy", action="store_true", help="port runs only")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "isa_spread.json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--side", default="legacy", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return 0
    runs = []  # (setting, side label)
    for setting in args.settings:
        if not args.no_legacy:
            runs.append((setting, "legacy", "tensorflow"))
        runs += [(setting, "port", b) for b in args.backends]
    results = {}
    if args.out.exists():
        results = json.loads(args.out.read_text()).get("runs", {})
    for setting, side, backend in runs:
        key = f"{setting}|{side}|{backend}"
        print(f"[isa_spread] {key} ...", file=sys.stderr, flush=True)
        got = _run(setting, side, backend, args.examples, args.seeds)
        results.setdefault(key, {}).update(got)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps({"machine": {"cpu": _cpu(), "python": platform.python_version()},
                                   "runs": results}, indent=1))
        tmp.replace(args.out)
    summarize(results)
    return 0


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def summarize(results: dict) -> None:
    """One block per example: each side's values, and the largest legacy - port gap."""
    by_example: dict = {}
    for key, values in results.items():
        setting, side, backend = key.split("|")
        for ex_seed, rec in values.items():
            example, seed = ex_seed.split("/")
            label = "legacy" if side == "legacy" else f"port[{backend}]"
            by_example.setdefault(example, {}).setdefault(label, {})[(setting, seed)] = rec["value"]
    for example, sides in sorted(by_example.items()):
        print(f"\n{example}")
        legacy = sides.get("legacy", {})
        for label, vals in sorted(sides.items()):
            v = list(vals.values())
            line = f"  {label:18s} n={len(v):2d} min={min(v):.4f} max={max(v):.4f} spread={max(v) - min(v):.4f}"
            if label != "legacy" and legacy:
                gaps = [abs(vals[k] - legacy[k]) for k in vals if k in legacy]
                if gaps:
                    line += f"  max|legacy-port| at equal seed+setting={max(gaps):.4f}"
            print(line)


if __name__ == "__main__":
    raise SystemExit(main())

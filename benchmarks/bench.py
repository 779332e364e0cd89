"""Benchmark harness: time per training step and time to target, every implementation.

Usage (from the repository root)::

    python -m benchmarks.bench                      # quick mode: a few minutes
    python -m benchmarks.bench --examples mnist_static_rnn airline_passengers --reps 5
    python -m benchmarks.bench --full               # the article budgets, metrics reached (long)

Method
------
- Every measurement runs in a fresh subprocess (``python -m benchmarks.bench worker ...``),
  one implementation per process, so TensorFlow/PyTorch thread pools and Keras 3/tf_keras
  never share a process.
- Per-step time without set-up: the worker calls the implementation's own
  ``train(config)`` three times, at ``n1`` (a warm-up, discarded), ``n1`` and ``n2`` units
  (steps, iterations or epochs), and takes ``(t(n2) - t(n1)) / (optimizer steps between
  them)``. Graph building, ``fit`` tracing, data loading and the final evaluation are
  the same in both calls and cancel. Wall time and process CPU time are both recorded
  (CPU time is the sturdier figure on a shared machine).
- Implementations are interleaved across repetitions (A B C A B C ...); the table shows the
  median with min and max.
- The port runs on every installed Keras backend (``port`` = TensorFlow, ``port_jax``,
  ``port_torch``), each process started with ``KERAS_BACKEND`` set; every example also
  has a plain PyTorch program (``torch``: default threads, ``torch_1t``: one thread; the
  airline article's own program pins one thread, ``torch_mt`` lifts that). JAX workers
  share a compilation cache between the calls of one process, so the two budgets' calls
  compile alike and the difference is the training.
- Time to target: one seeded run per implementation on a doubling ladder of budgets
  (b, 2b, 4b, ... up to a cap); the first budget that meets the example's target, times the
  median per-step time, is the time to target (resolution: a factor of 2).
- ``--full`` trains every implementation once at the article's budget (the config default)
  and records the metric reached next to the article's claim.

Outputs go to ``benchmarks/out/<name>.json`` and ``<name>.md``, a git-ignored working folder
(``--out benchmarks/results`` updates the checked-in numbers; written to a temporary name,
then renamed).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results")  # the checked-in numbers (only with --out)
WORK_DIR = os.path.join(ROOT, "benchmarks", "out")  # the default output: git-ignored
MARK = "BENCH_JSON "


# ----------------------------------------------------------------------------- what to run
@dataclasses.dataclass(frozen=True)
class Plan:
    n1: int  # units (the example's unit) of the short run
    n2: int  # units of the long run
    steps_per_unit: int  # optimizer steps in one unit (airline: 120 windows per epoch)
    ladder: tuple  # time-to-target budgets, in units (quick mode)
    target: str  # what "reached the target" means, in words
    article_claim: str


PLANS = {
    # port fit loops run whole epochs: MNIST n1/n2 are multiples of the port's epoch so
    # both runs have the same number of fit calls (55 steps of 128 on the 7,000 train digits).
    # The budgets' difference must be long enough for the fastest port (JAX: 0.1-0.5 ms a
    # step on the small examples) to stand out from the per-call noise (tracing, ~0.3 s).
    "binary_addition_lstm": Plan(100, 1600, 1, (500, 1000, 2000, 4000), "exact-sum accuracy >= 97%",
                                 "about 3,000 steps give 99%"),
    "binary_addition_numpy_rnn": Plan(500, 5500, 1, (2500, 5000, 10000), "exact-sum accuracy = 100%",
                                      "all sums right after ~10,000 iterations"),
    "mnist_static_rnn": Plan(55, 165, 1, (110, 220, 440, 880), "test accuracy >= 85% (sample test split)",
                             "about 97% on full MNIST after 10,000 steps"),
    "mnist_dynamic_rnn": Plan(110, 330, 1, (150, 300, 600, 1200), "test accuracy >= 85% (sample test split)",
                              "about 0.95-0.97 test accuracy after 1,200 steps"),
    "stacked_lstm": Plan(110, 220, 1, (150, 300, 600, 1200), "test accuracy >= 85% (sample test split)",
                         "about 0.95-0.97 test accuracy after 1,200 steps"),
    "series_predictor": Plan(200, 2200, 1, (250, 500, 1000, 2000), "every test prediction within 1.0",
                             "predictions close to the targets after 1,000 iterations"),
    "airline_passengers": Plan(2, 20, 120, (10, 20, 40, 80, 160, 300), "forecast RMSE below the flat forecast",
                               "a forecast that follows the seasonal shape after 150-300 epochs"),
}

# Extra implementations beyond the registry's: impl name -> (module, how to call it).
TWINS = "benchmarks.torch_twins"
EXTRA_IMPLS = {
    "mnist_static_rnn": {"torch": "benchmarks.torch_mnist", "torch_1t": "benchmarks.torch_mnist"},
    "airline_passengers": {"torch_mt": None},  # the registry's torch module, default threads
    **{e: {"torch": TWINS, "torch_1t": TWINS} for e in (
        "binary_addition_lstm", "binary_addition_numpy_rnn", "mnist_dynamic_rnn", "stacked_lstm",
        "series_predictor")},
}
# The port on Keras's other backends: impl name -> backend (``port`` itself is TensorFlow).
PORT_BACKENDS = {"port": "tensorflow", "port_jax": "jax", "port_torch": "torch"}
TORCH_IMPLS = ("torch", "torch_1t", "torch_mt")


def impls_for(example_id: str) -> dict:
    """impl -> module name, for the implementations that can run here."""
    import importlib.util

    from parity import backends, registry

    example = registry.get(example_id)
    modules = dict(example.modules)
    for impl, backend in PORT_BACKENDS.items():
        if impl != "port" and backends.available(backend)[0] and not backends.limitation(
                backend, float64=example.float64):
            modules[impl] = modules["port"]
    for impl, module in EXTRA_IMPLS.get(example_id, {}).items():
        modules[impl] = module or modules["torch"]
    if importlib.util.find_spec("torch") is None:
        modules = {i: m for i, m in modules.items() if i not in TORCH_IMPLS}
    return {impl: m for impl, m in modules.items() if importlib.util.find_spec(m) is not None}


def missing_impls(example_id: str) -> dict:
    """impl -> why it does not run here (not installed, or the backend cannot)."""
    import importlib.util

    from parity import backends, registry

    example = registry.get(example_id)
    out = {i: "module not present" for i, m in example.modules.items()
           if importlib.util.find_spec(m) is None}
    for impl, backend in PORT_BACKENDS.items():
        ok, why = backends.available(backend)
        why = why or backends.limitation(backend, float64=example.float64)
        if why:
            out[impl] = why
    return out


def impl_env(example_id: str, impl: str, cache_dir: str | None = None) -> dict:
    """The environment of one measurement's process: its Keras backend (ports), threads."""
    from parity import backends, registry

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0")
    backend = PORT_BACKENDS.get(impl)
    if backend:
        if backend == "torch":  # one thread, as the parity runner (see parity.backends.env)
            env.setdefault("OMP_NUM_THREADS", "1")
        env = backends.env(backend, env, float64=registry.get(example_id).float64,
                           jax_cache=cache_dir)
    return env


# Sessions that set their own thread counts (ConfigProto), which tf.config does not show.
THREAD_NOTE_TF = {("airline_passengers", "legacy"): "Session intra/inter 1 (set by the module)"}

THREADS_NOTE = {
    "legacy": "TF1 Session: intra/inter-op threads = TensorFlow default (number of cores) unless the module sets them",
    "port": "Keras 3 on the TensorFlow backend: TensorFlow's default thread pools",
    "port_jax": "Keras 3 on the JAX backend: XLA's default CPU threads",
    "port_torch": "Keras 3 on the PyTorch backend: torch threads = OMP_NUM_THREADS=1 unless set",
    "numpy": "NumPy (single-threaded at these sizes)",
    "torch": "PyTorch: torch.get_num_threads() as the module leaves it",
    "torch_1t": "PyTorch with torch.set_num_threads(1)",
    "torch_mt": "PyTorch with its default threads (the module's set_num_threads(1) disabled)",
}


# ----------------------------------------------------------------------------- targets
def flat_forecast_rmse() -> float:
    """RMSE of repeating the last training month for the 12 test months (the airline bar)."""
    import numpy as np

    from datasets import airline

    data = airline.prepare()
    return float(np.sqrt(np.mean((data.test - data.train[-1]) ** 2)))


def met_target(example_id: str, result) -> bool:
    import numpy as np

    if example_id == "binary_addition_lstm":
        return result.value >= 0.97
    if example_id == "binary_addition_numpy_rnn":
        return result.value >= 1.0
    if example_id in ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm"):
        return result.value >= 0.85
    if example_id == "series_predictor":
        from datasets.series_toy import TEST_Y

        preds = np.asarray(result.extras["predictions"], float).reshape(np.shape(TEST_Y))
        return bool(np.max(np.abs(preds - TEST_Y)) <= 1.0)
    if example_id == "airline_passengers":
        return result.value < flat_forecast_rmse()
    raise KeyError(example_id)


# ----------------------------------------------------------------------------- worker
def _load_train(example_id: str, impl: str):
    """Import the implementation (legacy routing first) and return its train callable."""
    import importlib

    import tf1_compat.runtime  # noqa: F401  TF_USE_LEGACY_KERAS=1 before TensorFlow loads

    module_name = impls_for(example_id)[impl]
    if impl == "torch_mt":  # the airline torch module pins 1 thread; measure the default too
        import torch

        torch.set_num_threads = lambda n: None
    module = importlib.import_module(module_name)
    if module_name == TWINS:
        threads = 1 if impl == "torch_1t" else None
        return lambda cfg: module.train(example_id, cfg, verbose=False, threads=threads)
    if impl == "torch_1t":
        return lambda cfg: module.train(cfg, verbose=False, threads=1)
    return lambda cfg: module.train(cfg, verbose=False)


def _timed(train, cfg):
    w0, c0 = time.perf_counter(), time.process_time()
    result = train(cfg)
    return time.perf_counter() - w0, time.process_time() - c0, result


def _threads_info() -> dict:
    out = {}
    if "keras" in sys.modules and hasattr(sys.modules["keras"], "backend"):
        out["keras_backend"] = sys.modules["keras"].backend.backend()
    if "jax" in sys.modules:
        out["jax_devices"] = [str(d) for d in sys.modules["jax"].devices()]
    if "torch" in sys.modules:
        out["torch_num_threads"] = sys.modules["torch"].get_num_threads()
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        out["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        out["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    return out


def worker(args) -> dict:
    from parity import registry

    example = registry.get(args.example)
    plan = PLANS[args.example]
    train = _load_train(args.example, args.impl)
    out = {"example": args.example, "impl": args.impl, "mode": args.what}
    if args.what == "step":
        n1, n2 = args.n1 or plan.n1, args.n2 or plan.n2
        _timed(train, example.config(steps=n1))  # warm-up: imports, lazy inits, first traces
        # each budget timed --min-of times, the fastest kept (the noise of a shared machine
        # only ever adds time)
        runs1 = [_timed(train, example.config(steps=n1)) for _ in range(args.min_of)]
        runs2 = [_timed(train, example.config(steps=n2)) for _ in range(args.min_of)]
        (w1, c1, r1), (w2, c2, r2) = min(runs1, key=lambda t: t[0]), min(runs2, key=lambda t: t[0])
        steps = (n2 - n1) * plan.steps_per_unit
        out.update(n1=n1, n2=n2, optimizer_steps=steps, min_of=args.min_of,
                   ms_per_step=1e3 * (w2 - w1) / steps, cpu_ms_per_step=1e3 * (c2 - c1) / steps,
                   loop_ms_per_step=1e3 * (r2.seconds - r1.seconds) / steps,
                   wall=[w1, w2], cpu=[c1, c2], values=[r1.value, r2.value])
        # a difference at or below zero: the budgets are too small for this machine's noise
        out["unreliable"] = not (w2 > w1 and c2 > c1)
    elif args.what == "ladder":
        rungs = []
        for budget in [int(b) for b in args.budgets.split(",")]:
            wall, cpu, r = _timed(train, example.config(steps=budget))
            ok = met_target(args.example, r)
            rungs.append({"budget": budget, "value": r.value, "met": ok, "wall": wall,
                          "loop_seconds": r.seconds})
            if ok:
                break
        out["rungs"] = rungs
    elif args.what == "full":
        cfg = example.config()
        wall, cpu, r = _timed(train, cfg)
        out.update(budget=cfg.steps, value=r.value, met=met_target(args.example, r), wall=wall,
                   loop_seconds=r.seconds, metric=r.metric)
    out["threads"] = _threads_info()
    return out


# ----------------------------------------------------------------------------- driver
def run_worker(example_id, impl, what, timeout, **kw) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench", "worker", "--example", example_id,
           "--impl", impl, "--what", what]
    for k, v in kw.items():
        if v is not None:
            cmd += [f"--{k}", str(v)]
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-jax-cache-") as cache:
            proc = subprocess.run(cmd, cwd=ROOT, env=impl_env(example_id, impl, cache),
                                  capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"example": example_id, "impl": impl, "mode": what,
                "error": f"timed out after {timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            out = json.loads(line[len(MARK):])
            out["process_seconds"] = time.perf_counter() - started
            return out
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"example": example_id, "impl": impl, "mode": what,
            "error": f"exit {proc.returncode}: " + " | ".join(tail)}


def detect_devices() -> dict:
    """GPUs as TensorFlow and PyTorch see them (in a subprocess)."""
    code = (
        "import json, tf1_compat.runtime\n"
        "import tensorflow as tf\n"
        "d = {'tf_gpus': [g.name for g in tf.config.list_physical_devices('GPU')]}\n"
        "try:\n"
        "    import torch; d['torch_cuda'] = torch.cuda.is_available()\n"
        "    d['torch_cuda_name'] = torch.cuda.get_device_name(0) if d['torch_cuda'] else None\n"
        "except ImportError: d['torch_cuda'] = None\n"
        "try:\n"
        "    import jax; d['jax_gpus'] = [str(x) for x in jax.devices() if x.platform != 'cpu']\n"
        "except ImportError: d['jax_gpus'] = None\n"
        "print(json.dumps(d))\n"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": proc.stderr.strip()[-300:]}


def machine_info(devices: dict) -> dict:
    from parity.result import library_versions

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = bool(devices.get("tf_gpus")) or bool(devices.get("torch_cuda")) or bool(devices.get("jax_gpus"))
    accelerator = ("GPU present: every side runs on it (TensorFlow and Keras place ops on it by "
                   "default, the ports' LSTMs take the cuDNN kernel, the PyTorch programs move "
                   "to CUDA; the airline article's PyTorch program stays on the CPU)" if gpu
                   else "no GPU found (CPU-only machine): everything below ran on the CPU")
    if devices.get("skipped"):
        accelerator = "not checked (--no-device-check)"
    from parity import backends

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "devices": devices,
        "gpu_present": None if devices.get("skipped") else gpu,
        "accelerator": accelerator,
        "versions": library_versions("torch", "jax", "jaxlib"),
        "keras_backends": {b: backends.version(b) for b in backends.installed()},
    }


def _summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def summarize(step_runs: list) -> dict:
    """{example: {impl: {ms_per_step: {...}, cpu_ms_per_step: {...}}}} from the worker outputs."""
    table = {}
    for run in step_runs:
        if "error" in run:
            table.setdefault(run["example"], {}).setdefault(run["impl"], {"errors": []})
            table[run["example"]][run["impl"]].setdefault("errors", []).append(run["error"])
            continue
        entry = table.setdefault(run["example"], {}).setdefault(run["impl"], {})
        if run.get("unreliable"):
            entry["unreliable_reps"] = entry.get("unreliable_reps", 0) + 1
        for key in ("ms_per_step", "cpu_ms_per_step", "loop_ms_per_step"):
            entry.setdefault(f"_{key}", []).append(run[key])
        entry["threads"] = run.get("threads")
    for impls in table.values():
        for entry in impls.values():
            for key in ("ms_per_step", "cpu_ms_per_step", "loop_ms_per_step"):
                if f"_{key}" in entry:
                    entry[key] = _summary(entry.pop(f"_{key}"))
    return table


def invalid_reason(s) -> str | None:
    """Why a timing summary is not a measurement (None when it is one). The per-step time is
    a difference of two budgets' times: when the difference is below the noise of a busy
    machine it comes out zero or negative, and a summary with such a repetition is noise."""
    if not s or s.get("median") is None:
        return "not measured"
    values = [s["median"], s.get("min", s["median"]), s.get("max", s["median"])]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        return "invalid: not a finite time"
    if min(values) <= 0:
        return (f"invalid: a repetition measured {min(values):.3g} ms/step, the budgets' "
                "difference is below the timing noise (raise --scale)")
    return None


def step_text(ms) -> str:
    """One repetition's ms/step for the terminal, or "—" with why it is not a measurement."""
    why = invalid_reason({"median": ms})
    return f"— ms/step ({why})" if why else f"{ms:.3f} ms/step"


def valid_median(s):
    """The median of a valid timing summary, else None (never used in a ratio then)."""
    return None if invalid_reason(s) else s["median"]


def _ratio(table, example, a, b, key="ms_per_step"):
    try:
        num, den = (valid_median(table[example][i][key]) for i in (a, b))
    except (KeyError, TypeError):
        return None
    return None if num is None or den is None else num / den


def _fmt(s, digits=2):
    if not s:
        return "—"
    why = invalid_reason(s)
    if why:
        return f"— ({why})"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark results ({report['mode']} mode)",
        "",
        f"- date: {m['date']}; CPU: {m['cpu']}, {m['cores']} cores; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])} (shared machine: "
        "compare ratios from the same run, not absolute times across runs)",
        f"- accelerator: {m['accelerator']}",
        f"- versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}",
        f"- repetitions: {report['reps']}, implementations interleaved; each figure is "
        "median (min–max) over repetitions, one fresh process per measurement (each budget "
        f"timed {report.get('min_of', 1)}x in it, the fastest kept)",
        "- per step = one optimizer step (airline: one window of batch 1; numpy RNN: one "
        "example); set-up, tracing and evaluation excluded by the two-budget difference",
        "",
        "## Time per training step (ms)",
        "",
        "| example | impl | wall ms/step | CPU ms/step | threads | port/legacy | port/PyTorch |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    table = report["step_table"]
    for example, impls in table.items():
        torch_ref = [i for i in TORCH_IMPLS if i in impls]
        for impl, entry in impls.items():
            if "errors" in entry and not entry.get("ms_per_step"):
                lines.append(f"| {example} | {impl} | error: {entry['errors'][0][:80]} | | | | |")
                continue
            threads = entry.get("threads") or {}
            th = (f"torch {threads['torch_num_threads']}" if "torch_num_threads" in threads
                  and threads.get("keras_backend") in (None, "torch")
                  else "XLA (JAX)" if threads.get("keras_backend") == "jax"
                  else "TF " + THREAD_NOTE_TF.get((example, impl), "default (intra/inter 0 = cores)")
                  if "tf_intra_op" in threads else "numpy")
            pl = _ratio(table, example, impl, "legacy")
            ratio_l = f"{pl:.2f}" if (impl in PORT_BACKENDS and pl) else ""
            ratio_t = ""
            if impl in PORT_BACKENDS and torch_ref:
                ratio_t = ", ".join(f"{_ratio(table, example, impl, t):.2f} vs {t}"
                                    for t in torch_ref if _ratio(table, example, impl, t))
            lines.append(f"| {example} | {impl} | {_fmt(entry.get('ms_per_step'), 3)} | "
                         f"{_fmt(entry.get('cpu_ms_per_step'), 3)} | {th} | {ratio_l} | {ratio_t} |")
        missing = report.get("missing", {}).get(example, {})
        for impl, why in (missing.items() if isinstance(missing, dict) else ((m, "") for m in missing)):
            lines.append(f"| {example} | {impl} | not run: {why or 'module not present'} | | | | |")
    lines += ["", "Ratios are of the wall-time medians; < 1 means the port is faster.", ""]
    lines += fastest_port_table(table)
    if report.get("ladder"):
        lines += ["## Time to target (one seeded run per rung, budgets doubling)", "",
                  "| example | target | impl | first budget meeting it | metric there | est. training time (s) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for run in report["ladder"]:
            ex = run["example"]
            target = PLANS[ex].target
            if "error" in run:
                lines.append(f"| {ex} | {target} | {run['impl']} | error: {run['error'][:80]} | | |")
                continue
            last = run["rungs"][-1]
            ms = valid_median(table.get(ex, {}).get(run["impl"], {}).get("ms_per_step"))
            if last["met"]:
                steps = last["budget"] * PLANS[ex].steps_per_unit
                est = f"{steps * ms / 1e3:.1f}" if ms else "—"
                lines.append(f"| {ex} | {target} | {run['impl']} | {last['budget']} | "
                             f"{last['value']:.4g} | {est} |")
            else:
                lines.append(f"| {ex} | {target} | {run['impl']} | not met by {last['budget']} | "
                             f"{last['value']:.4g} | — |")
        lines.append("")
    if report.get("full"):
        lines += ["## Article budgets (--full)", "",
                  "| example | impl | budget | metric | value | target met | article claim | wall (s) |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for run in report["full"]:
            ex = run["example"]
            if "error" in run:
                lines.append(f"| {ex} | {run['impl']} | | | error: {run['error'][:80]} | | | |")
                continue
            lines.append(f"| {ex} | {run['impl']} | {run['budget']} | {run['metric']} | "
                         f"{run['value']:.4g} | {run['met']} | {PLANS[ex].article_claim} | "
                         f"{run['wall']:.0f} |")
        lines.append("")
    return "\n".join(lines)


def torch_refs(example_id: str) -> tuple[str, str]:
    """(PyTorch on one thread, PyTorch on its default threads) implementation names."""
    if example_id == "airline_passengers":  # the article's program pins one thread itself
        return "torch", "torch_mt"
    return "torch_1t", "torch"


def fastest_port(table: dict, example_id: str):
    """The port implementation with the lowest median wall ms/step, and that median."""
    best = None
    for impl in PORT_BACKENDS:
        ms = valid_median((table.get(example_id, {}).get(impl) or {}).get("ms_per_step"))
        if ms is not None and (best is None or ms < best[1]):
            best = (impl, ms)
    return best


def fastest_port_table(table: dict) -> list:
    """Per example: each side's median ms/step and the fastest port against the others."""
    def ms(example, impl):
        s = (table.get(example, {}).get(impl) or {}).get("ms_per_step")
        if not s:
            return "—"
        why = invalid_reason(s)
        return f"— ({why})" if why else f"{s['median']:.3f}"

    lines = ["## Fastest port backend per example (median wall ms/step)", "",
             "| example | legacy (TF1) | port: TF | port: JAX | port: PyTorch | PyTorch 1 thread | "
             "PyTorch default threads | fastest port | /legacy | /PyTorch 1t | /PyTorch default |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for example in table:
        one, default = torch_refs(example)
        best = fastest_port(table, example)
        if best is None:
            continue
        ratios = [_ratio(table, example, best[0], other) for other in ("legacy", one, default)]
        lines.append(
            f"| {example} | {ms(example, 'legacy')} | {ms(example, 'port')} | "
            f"{ms(example, 'port_jax')} | {ms(example, 'port_torch')} | {ms(example, one)} | "
            f"{ms(example, default)} | {best[0]} | "
            + " | ".join("—" if r is None else f"{r:.2f}" for r in ratios) + " |")
    lines += ["", "< 1: the fastest port takes less time per step than the other side.", ""]
    return lines


def _write_atomic(path: str, text: str) -> None:
    """Temporary file, then rename, with the usual permissions (0644 under umask 022)."""
    from parity import store

    os.makedirs(os.path.dirname(path), exist_ok=True)
    store.write_text(path, text)


def save(report: dict, out_dir: str, name: str) -> tuple:
    json_path = os.path.join(out_dir, f"{name}.json")
    md_path = os.path.join(out_dir, f"{name}.md")
    _write_atomic(json_path, json.dumps(report, indent=1, default=float) + "\n")
    _write_atomic(md_path, markdown(report))
    return json_path, md_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    w = sub.add_parser("worker", help="(internal) one measurement in this process")
    w.add_argument("--example", required=True)
    w.add_argument("--impl", required=True)
    w.add_argument("--what", choices=("step", "ladder", "full"), default="step")
    w.add_argument("--n1", type=int)
    w.add_argument("--n2", type=int)
    w.add_argument("--budgets", default="")
    w.add_argument("--min-of", type=int, default=1)
    parser.add_argument("--examples", nargs="*", default=None, help="example ids (default: all)")
    parser.add_argument("--impls", nargs="*", default=None, help="only these implementations")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the per-step timing")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the per-step budgets n1/n2 (e.g. 0.1 for a smoke run)")
    parser.add_argument("--no-ladder", action="store_true", help="skip the time-to-target ladder")
    parser.add_argument("--ladder-max", type=int, default=None,
                        help="cap on the ladder: rungs up to this multiple of its first budget")
    parser.add_argument("--no-device-check", action="store_true",
                        help="skip the GPU detection (it imports TensorFlow and PyTorch)")
    parser.add_argument("--full", action="store_true", help="also train at the article budgets")
    parser.add_argument("--out", default=WORK_DIR,
                        help="output folder (default: benchmarks/out/, git-ignored; "
                             "benchmarks/results/ holds the checked-in numbers)")
    parser.add_argument("--name", default=None, help="output file stem (default: quick or full)")
    parser.add_argument("--timeout", type=int, default=1800, help="per-process limit, seconds")
    parser.add_argument("--min-of", type=int, default=2,
                        help="time each budget this many times in the worker and keep the fastest")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    if args.command == "worker":
        out = worker(args)
        print(MARK + json.dumps(out, default=float), flush=True)
        return 0

    from parity import registry

    examples = args.examples or list(registry.EXAMPLES)
    for e in examples:
        registry.get(e)  # one clear error for an unknown id
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    plan_impls = {}
    for e in examples:
        impls = impls_for(e)
        if args.impls:
            impls = {i: m for i, m in impls.items() if i in args.impls}
        plan_impls[e] = list(impls)
    devices = {"skipped": True} if args.no_device_check else detect_devices()
    report = {"mode": "full" if args.full else "quick", "reps": args.reps, "min_of": args.min_of,
              "machine": machine_info(devices), "threads_note": THREADS_NOTE,
              "plans": {e: dataclasses.asdict(PLANS[e]) for e in examples},
              "missing": {e: missing_impls(e) for e in examples}, "step_runs": [],
              "ladder": [], "full": []}
    name = args.name or report["mode"]
    print(f"devices: {devices}; {report['machine']['accelerator']}", flush=True)

    for rep in range(args.reps):
        for e in examples:
            plan = PLANS[e]
            n1 = max(1, round(plan.n1 * args.scale))
            n2 = max(n1 + 1, round(plan.n2 * args.scale))
            for impl in plan_impls[e]:
                run = run_worker(e, impl, "step", args.timeout, n1=n1, n2=n2, **{"min-of": args.min_of})
                run["rep"] = rep
                report["step_runs"].append(run)
                msg = run.get("error") or step_text(run["ms_per_step"])
                print(f"[rep {rep}] {e} {impl}: {msg}", flush=True)
                report["step_table"] = summarize(report["step_runs"])
                save(report, args.out, name)  # after every measurement: a cut-short run keeps its data

    if not args.no_ladder:
        for e in examples:
            ladder = PLANS[e].ladder
            budgets = [b for b in ladder if args.ladder_max is None or b <= args.ladder_max * ladder[0]]
            for impl in plan_impls[e]:
                if impl in ("torch_1t", "torch_mt"):
                    continue  # same numbers as "torch", only the threads differ
                run = run_worker(e, impl, "ladder", args.timeout,
                                 budgets=",".join(map(str, budgets)))
                report["ladder"].append(run)
                print(f"[ladder] {e} {impl}: {run.get('error') or run['rungs'][-1]}", flush=True)
            save(report, args.out, name)

    if args.full:
        for e in examples:
            for impl in plan_impls[e]:
                if impl in ("torch_1t", "torch_mt"):
                    continue
                run = run_worker(e, impl, "full", args.timeout * 10)
                report["full"].append(run)
                print(f"[full] {e} {impl}: {run.get('error') or run['value']}", flush=True)
                save(report, args.out, name)

    report["machine"]["load_average_at_end"] = os.getloadavg()
    paths = save(report, args.out, name)
    print("wrote", *paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())

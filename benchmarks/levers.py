"""Speed levers of the Keras 3 ports, one at a time, as paired on/off comparisons.

Usage (from the repository root)::

    python -m benchmarks.levers pair mnist_dynamic_rnn --backend tensorflow --lever jit
    python -m benchmarks.levers pair mnist_static_rnn --backend jax --lever unroll --reps 5
    python -m benchmarks.levers threads mnist_dynamic_rnn --backend jax --reps 4

``pair`` builds the port's model twice in one process, with the lever off and on and the
same initial weights, compiles both as the port does (``steps_per_execution`` = one epoch),
traces both, then times one epoch of each alternately ``--reps`` times (A B A B ...) and
keeps the fastest of each (the noise of a shared machine only adds time). It prints wall
ms per optimizer step of both, the on/off ratio, and the largest differences of the
outputs and of the weights after one step from the same weights. Levers (what "on" means;
"off" is the port without it):

- ``jit``: ``jit_compile=True`` (TensorFlow: XLA; JAX always compiles);
- ``rolled_jit``: ``unroll=False`` and ``jit_compile=True`` against the port as written;
- ``unroll``: ``LSTM(unroll=True)`` against ``unroll=False`` (whatever the port chose is
  reported, the ratio is always unrolled / rolled);
- ``spe``: ``steps_per_execution`` = one epoch against 1;
- ``fast``: ``eager_port.backend_choices.use_fast_lstm``, against Keras's own loop: on JAX
  the LSTM layer's loop with the input projection of every time step computed before it
  (``--scan-unroll K`` sets ``lax.scan``'s unroll factor for "on"); on PyTorch the same
  weights through PyTorch's fused LSTM kernel.

``threads`` times the port as it is, in fresh processes started with different thread
settings (environment variables, read when the backend starts), alternated the same way.

One JSON line per comparison goes to stdout after ``LEVERS_JSON``; results/levers.md
collects the numbers measured with it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = "LEVERS_JSON "
EXAMPLES = ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm", "airline_passengers")
AIRLINE_EPOCHS = 5  # epochs per timed call of the airline port (120 steps each)

# Thread settings tried per backend (environment of a fresh process).
THREAD_SETTINGS = {
    "tensorflow": {
        "default (intra/inter = cores)": {},
        "intra 2, inter 1": {"TF_NUM_INTRAOP_THREADS": "2", "TF_NUM_INTEROP_THREADS": "1"},
        "intra 1, inter 1": {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"},
    },
    "jax": {
        "default (Eigen pool = cores)": {},
        "one thread (no multi-threaded Eigen)": {
            "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"},
    },
    "torch": {
        "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
        "OMP_NUM_THREADS=2": {"OMP_NUM_THREADS": "2"},
    },
}


# ----------------------------------------------------------------------------- in the process
def _setup(example_id: str):
    """(module, config, x, y, batch, steps per epoch, epochs per timed call) of one port."""
    module = importlib.import_module(f"eager_port.{example_id}")
    import keras

    if example_id == "airline_passengers":
        config = module.Config()
        data = module.load_data(config)
        keras.utils.set_random_seed(config.seed)
        return module, config, data.x, data.y, 1, len(data.x), AIRLINE_EPOCHS
    config = module.build_model.__defaults__[0]
    keras.utils.set_random_seed(config.seed)
    (x, y), _ = module.load_mnist(config)
    return module, config, x, y, config.batch_size, math.ceil(len(x) / config.batch_size), 1


def _compile_like_port(module, model, config, *, spe: int, jit):
    import keras

    if module.EXAMPLE == "airline_passengers":
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=1e-8),
                      loss="mse", steps_per_execution=spe, jit_compile=jit)
        return model
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate, epsilon=1e-8),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=spe, jit_compile=jit)
    return model


def _port_jit(module, config):
    """What the port passes as jit_compile (read from a model the port compiles itself)."""
    if module.EXAMPLE == "airline_passengers":
        return module.build_model(config).jit_compile
    return module.compile_model(module.build_model(config), config).jit_compile


def _with_unroll(model, unroll: bool):
    """The same model with every recurrent layer's ``unroll`` set."""
    import keras

    cfg = model.get_config()
    for layer in cfg["layers"]:
        if "unroll" in layer.get("config", {}):
            layer["config"]["unroll"] = unroll
    out = model.__class__.from_config(cfg)
    out.set_weights(model.get_weights())
    return out if isinstance(out, keras.Model) else None


def pair(args) -> dict:
    import keras
    import numpy as np

    from eager_port import backend_choices

    module, config, x, y, batch, per_epoch, epochs = _setup(args.example)
    base = module.build_model(config)
    jit = _port_jit(module, config)
    spe = backend_choices.steps_per_execution(per_epoch)
    lever = args.lever
    if lever == "jit":
        off = _compile_like_port(module, _with_unroll(base, _unroll_of(base)), config, spe=spe, jit=False)
        on = _compile_like_port(module, _with_unroll(base, _unroll_of(base)), config, spe=spe, jit=True)
    elif lever == "rolled_jit":
        off = _compile_like_port(module, _with_unroll(base, _unroll_of(base)), config, spe=spe, jit=jit)
        on = _compile_like_port(module, _with_unroll(base, False), config, spe=spe, jit=True)
    elif lever == "unroll":
        off = _compile_like_port(module, _with_unroll(base, False), config, spe=spe, jit=jit)
        on = _compile_like_port(module, _with_unroll(base, True), config, spe=spe, jit=jit)
    elif lever == "spe":
        off = _compile_like_port(module, _with_unroll(base, _unroll_of(base)), config, spe=1, jit=jit)
        on = _compile_like_port(module, _with_unroll(base, _unroll_of(base)), config, spe=per_epoch, jit=jit)
    elif lever == "fast":
        off = _compile_like_port(module, _with_unroll(base, False), config, spe=spe, jit=jit)
        on = _compile_like_port(module, _with_unroll(base, False), config, spe=spe, jit=jit)
    else:
        raise SystemExit(f"error: unknown lever '{lever}'")
    start = [np.array(w) for w in base.get_weights()]

    def fit(model):
        model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)

    # trace (for "fast" the loop is chosen at trace time) and check the numbers: the outputs
    # and one optimizer step of each from the same weights (a whole epoch at Adam's learning
    # rate turns last-bit differences into visible ones, so it says nothing about the lever)
    results, outputs = {}, {}
    for name, model in (("off", off), ("on", on)):
        if lever == "fast":
            backend_choices.use_fast_lstm(name == "on", scan_unroll=args.scan_unroll,
                                              backends=("jax", "torch"))
        model.set_weights(start)
        outputs[name] = np.array(model.predict(x[:batch], verbose=0))
        model.fit(x[:batch], y[:batch], batch_size=batch, epochs=1, shuffle=False, verbose=0)
        results[name] = [np.array(w) for w in model.get_weights()]
        fit(model)
    max_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(results["off"], results["on"]))
    out_diff = float(np.max(np.abs(outputs["off"] - outputs["on"])))
    times, cpu = {"off": [], "on": []}, {"off": [], "on": []}
    for _ in range(args.reps):
        for name, model in (("off", off), ("on", on)):
            if lever == "fast":  # PyTorch reads the switch at every call (JAX: traced above)
                backend_choices.use_fast_lstm(name == "on", scan_unroll=args.scan_unroll,
                                              backends=("jax", "torch"))
            t0, c0 = time.perf_counter(), time.process_time()
            fit(model)
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    backend_choices.use_fast_lstm(False)
    steps = per_epoch * epochs
    ms = {k: 1e3 * min(v) / steps for k, v in times.items()}
    cpu_ms = {k: 1e3 * min(v) / steps for k, v in cpu.items()}
    return {"example": args.example, "backend": keras.backend.backend(), "lever": lever,
            "scan_unroll": args.scan_unroll if lever == "fast" else None,
            "port_unroll": _unroll_of(base), "port_jit": jit, "spe": spe,
            "ms_off": ms["off"], "ms_on": ms["on"], "ratio_on_off": ms["on"] / ms["off"],
            "cpu_ms_off": cpu_ms["off"], "cpu_ms_on": cpu_ms["on"],
            "cpu_ratio_on_off": cpu_ms["on"] / cpu_ms["off"],
            "raw_s": times, "raw_cpu_s": cpu, "steps_per_call": steps, "reps": args.reps,
            "max_output_diff": out_diff, "max_weight_diff_after_one_step": max_diff, "load_average": os.getloadavg()}


def _unroll_of(model) -> bool:
    return any(getattr(layer, "unroll", False) for layer in model.layers)


def port_as_is(args) -> dict:
    """ms/step of the port as written (fresh process per thread setting)."""
    import keras

    from eager_port import backend_choices

    module, config, x, y, batch, per_epoch, epochs = _setup(args.example)
    model = module.build_model(config)
    if args.example != "airline_passengers":
        model = module.compile_model(model, config,
                                     steps_per_execution=backend_choices.steps_per_execution(per_epoch))
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
    times, cpu = [], []
    for _ in range(args.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    steps = per_epoch * epochs
    return {"backend": keras.backend.backend(), "ms": 1e3 * min(times) / steps,
            "cpu_ms": 1e3 * min(cpu) / steps, "raw_s": times, "raw_cpu_s": cpu}


# ----------------------------------------------------------------------------- driver
def _child(cmd_args, env_extra, backend):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND=backend, PYTHONPATH=ROOT,
               **env_extra)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.levers", *cmd_args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=3600)
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise SystemExit("error: worker failed: " + " | ".join(proc.stderr.strip().splitlines()[-4:]))


def threads(args) -> dict:
    settings = THREAD_SETTINGS[args.backend]
    raw = {name: [] for name in settings}
    raw_cpu = {name: [] for name in settings}
    for _ in range(args.rounds):
        for name, env in settings.items():
            out = _child(["port", args.example, "--reps", str(args.reps)], env, args.backend)
            raw[name].append(out["ms"])
            raw_cpu[name].append(out["cpu_ms"])
            print(f"{name}: {out['ms']:.3f} ms/step (CPU {out['cpu_ms']:.3f})", file=sys.stderr,
                  flush=True)  # progress: a run cut short keeps what it measured
    best = {name: min(v) for name, v in raw.items()}
    first = next(iter(settings))
    return {"example": args.example, "backend": args.backend, "lever": "threads",
            "env": settings, "ms": best,
            "ratio_to_first": {k: v / best[first] for k, v in best.items()},
            "cpu_ms": {name: min(v) for name, v in raw_cpu.items()}, "raw_ms": raw, "rounds": args.rounds, "reps": args.reps,
            "load_average": os.getloadavg()}


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.levers",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pair", help="one lever off/on in one process")
    p.add_argument("example", choices=EXAMPLES)
    p.add_argument("--backend", default=None, help="KERAS_BACKEND for the process")
    p.add_argument("--lever", required=True, choices=("jit", "rolled_jit", "unroll", "spe", "fast"))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--scan-unroll", type=int, default=1)
    t = sub.add_parser("threads", help="the port as it is under each thread setting")
    t.add_argument("example", choices=EXAMPLES)
    t.add_argument("--backend", required=True, choices=tuple(THREAD_SETTINGS))
    t.add_argument("--rounds", type=int, default=3, help="alternations of the settings")
    t.add_argument("--reps", type=int, default=3, help="timed epochs per process")
    w = sub.add_parser("port", help="(internal) the port as it is, in this process")
    w.add_argument("example", choices=EXAMPLES)
    w.add_argument("--reps", type=int, default=3)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "pair" and args.backend and os.environ.get("KERAS_BACKEND") != args.backend:
        out = _child(sys.argv[1:] if argv is None else argv, {}, args.backend)
    elif args.command == "pair":
        out = pair(args)
    elif args.command == "threads":
        out = threads(args)
    else:
        out = port_as_is(args)
    print(MARK + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

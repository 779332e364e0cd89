"""What limits a training step of the MNIST-sized LSTMs on each side: a small profile.

    python -m benchmarks.profile_lstm mnist_static_rnn
    python -m benchmarks.profile_lstm stacked_lstm --backends jax tensorflow --steps 110

For the port on each Keras backend (a fresh process each, ``KERAS_BACKEND`` set) and for the
plain PyTorch twin on one thread, in one interleaved run:

- ``step``: steady-state time of one training step (the port's own model and compile
  options; ``fit`` over whole epochs of the example's batches, the first epoch (tracing,
  compilation) left out, median epoch time / steps per epoch);
- ``gemm``: the time of the step's matrix products alone (per layer and time step: the
  forward ``x @ W`` and ``h @ U``, the backward products for the input, state and both
  weight gradients, with the same shapes), compiled the backend's way (XLA for JAX,
  ``tf.function`` for TensorFlow, eager for PyTorch) as one function;
- PyTorch: the share of the step inside PyTorch's fused LSTM kernel (``torch.profiler``).

``step - gemm`` is what the step spends beyond its products: the per-step gate arithmetic,
the loop, the optimizer, dispatch. Writes ``benchmarks/out/profile_<example>.json`` (a git-ignored working
folder; ``--out benchmarks/results`` updates the checked-in numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK_DIR = os.path.join(ROOT, "benchmarks", "out")  # default output: git-ignored (--out to change)
MARK = "PROFILE_JSON "


def shapes(example_id: str, config) -> tuple[int, int, list]:
    """(batch, time steps, [(input size, units) per LSTM layer])."""
    if example_id == "mnist_static_rnn":
        return config.batch_size, config.timesteps, [(config.num_input, config.num_hidden)]
    if example_id == "mnist_dynamic_rnn":
        return config.batch_size, config.time_step, [(config.input_size, config.num_units)]
    if example_id == "stacked_lstm":
        layers, last = [], config.input_size
        for units in config.units:
            layers.append((last, units))
            last = units
        return config.batch_size, config.time_step, layers
    raise KeyError(f"no profile for '{example_id}' (MNIST examples only)")


def gemm_flops(batch: int, steps: int, layers: list) -> float:
    """Multiply-adds x 2 of the step's products: 2 forward and 4 backward per layer and step."""
    return sum(2.0 * batch * (i + h) * 4 * h * 3 for i, h in layers) * steps


def _median_time(fn, reps: int) -> float:
    fn()  # warm-up: compiles
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def gemm_seconds(backend: str, batch: int, steps: int, layers: list, reps: int = 20) -> float:
    """One training step's products alone, compiled the backend's way."""
    import numpy as np

    rng = np.random.RandomState(0)
    arrays = []
    for i, h in layers:
        # every time step its own input, state and gradient (no repeated product to fold away)
        arrays.append([rng.standard_normal(s).astype(np.float32) * 0.1 for s in
                       ((steps, batch, i), (i, 4 * h), (steps, batch, h), (h, 4 * h),
                        (steps, batch, 4 * h))])

    def products(ops, xs):
        out = []
        for xt, w, hst, u, dzt in xs:
            acc = None
            for t in range(steps):  # the layer's products, step by step, as the RNN runs them
                x, hs, dz = xt[t], hst[t], dzt[t]
                z = ops.matmul(x, w) + ops.matmul(hs, u)  # forward
                dx, dh = ops.matmul(dz, ops.transpose(w)), ops.matmul(dz, ops.transpose(u))
                dw, du = ops.matmul(ops.transpose(x), dz), ops.matmul(ops.transpose(hs), dz)
                s = ops.sum(z) + ops.sum(dx) + ops.sum(dh) + ops.sum(dw) + ops.sum(du)
                acc = s if acc is None else acc + s
            out.append(acc)
        return out

    if backend == "jax":
        import jax
        import jax.numpy as jnp

        xs = [[jnp.asarray(a) for a in layer] for layer in arrays]
        f = jax.jit(lambda xs: products(jnp, xs))
        return _median_time(lambda: jax.block_until_ready(f(xs)), reps)
    if backend == "tensorflow":
        import tensorflow as tf

        xs = [[tf.constant(a) for a in layer] for layer in arrays]

        class _Ops:
            matmul, transpose, sum = staticmethod(tf.matmul), staticmethod(tf.transpose), staticmethod(tf.reduce_sum)
        f = tf.function(lambda xs: products(_Ops, xs))
        return _median_time(lambda: [t.numpy() for t in f(xs)], reps)
    import torch

    xs = [[torch.from_numpy(a) for a in layer] for layer in arrays]

    class _TOps:
        matmul, transpose, sum = staticmethod(torch.matmul), staticmethod(torch.t), staticmethod(torch.sum)
    with torch.no_grad():
        return _median_time(lambda: [t.item() for t in products(_TOps, xs)], reps)


def port_step_seconds(example_id: str, epochs: int) -> float:
    """Steady-state seconds per step of the port's own model and compile options."""
    import keras

    from parity import keras_fit, registry

    example = registry.get(example_id)
    port = example.module("port")
    config = example.config()
    (x, y), _ = port.load_mnist(config)
    per_epoch = keras_fit.steps_per_epoch(len(x), config.batch_size)
    keras.utils.set_random_seed(config.seed)
    model = port.compile_model(port.build_model(config), config,
                               steps_per_execution=keras_fit.steps_per_execution(per_epoch))
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t)

    model.fit(x, y, batch_size=config.batch_size, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    if len(times) < 2:
        raise ValueError(f"--epochs must be at least {MIN_EPOCHS}: the first epoch (tracing, "
                         "compilation) is left out of the timing")
    return statistics.median(times[1:]) / per_epoch


MIN_EPOCHS = 2  # the first epoch is left out of the timing, so at least one more


def share(part_s, whole_s) -> tuple:
    """``(share, None)`` for a valid share of a step, or ``(None, reason)``: a time that is not
    positive, or a part that took longer than the whole (the two are timed apart, so on a
    busy machine the part can come out larger; that is noise, not a measurement)."""
    if part_s is None or whole_s is None:
        return None, "not measured"
    if part_s < 0 or whole_s <= 0:
        return None, f"invalid: a time of {min(part_s, whole_s) * 1e3:.3g} ms"
    value = part_s / whole_s
    if value > 1:
        return None, (f"invalid: the part ({part_s * 1e3:.2f} ms) took longer than the whole step "
                      f"({whole_s * 1e3:.2f} ms), timed apart on a busy machine")
    return value, None


def share_text(part_s, whole_s) -> str:
    """A share as a percentage, or "—" with the reason it is not valid."""
    value, why = share(part_s, whole_s)
    return f"{value:.0%}" if why is None else f"— ({why})"


def torch_twin_profile(example_id: str, steps: int) -> dict:
    """The PyTorch twin on one thread: seconds per step and the fused LSTM kernel's share."""
    import torch

    from benchmarks import torch_mnist, torch_twins
    from parity import registry

    torch.set_num_threads(1)
    config = registry.get(example_id).config(steps=steps)
    if example_id == "mnist_static_rnn":
        model = torch_mnist.build_model(config)
        b, t, i = config.batch_size, config.timesteps, config.num_input
        loss_fn = torch.nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    else:
        model = torch_twins.build_model(example_id, config)
        b, t, i = config.batch_size, config.time_step, config.input_size
        loss_fn, optimizer = torch_twins._loss_and_optimizer(example_id, model, config)
    x, y = torch.rand(b, t, i), torch.randint(0, 10, (b,))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    seconds = _median_time(step, steps)
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    lstm = sum(e.self_cpu_time_total for e in events if "rnn" in e.key.lower() or "lstm" in e.key.lower())
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:6]
    return {"step_s": seconds, "fused_lstm_share": share(lstm, total)[0] if total else None,
            "top_ops": [(e.key, e.self_cpu_time_total / 10 / 1e3) for e in top]}


def worker(example_id: str, side: str, epochs: int, steps: int) -> dict:
    import legacy_graph  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow loads)
    from parity import registry

    config = registry.get(example_id).config()
    batch, t, layers = shapes(example_id, config)
    out = {"example": example_id, "side": side, "gemm_gflop": gemm_flops(batch, t, layers) / 1e9}
    if side == "torch_1t":
        import torch

        torch.set_num_threads(1)
        out.update(torch_twin_profile(example_id, steps))
        out["gemm_s"] = gemm_seconds("torch", batch, t, layers)
    else:
        import keras

        out["step_s"] = port_step_seconds(example_id, epochs)
        out["gemm_s"] = gemm_seconds(keras.backend.backend(), batch, t, layers)
    out["gemm_share"], why = share(out["gemm_s"], out["step_s"])
    if why:
        out["gemm_share_invalid"] = why
    out["gemm_gflops_per_s"] = out["gemm_gflop"] / out["gemm_s"] if out["gemm_s"] > 0 else None
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_lstm", description=__doc__.splitlines()[0])
    p.add_argument("example")
    p.add_argument("--backends", nargs="+", default=None, help="Keras backends (default: installed)")
    p.add_argument("--epochs", type=int, default=4, help="epochs of fit per port measurement")
    p.add_argument("--steps", type=int, default=30, help="timed steps of the PyTorch twin")
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--out", default=WORK_DIR, help="output folder (default: benchmarks/out/)")
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs < MIN_EPOCHS:
        parser.error(f"--epochs must be at least {MIN_EPOCHS} (the first epoch, tracing and "
                     f"compilation, is left out of the timing), got {args.epochs}")
    if args.steps < 1 or args.reps < 1:
        parser.error("--steps and --reps must be at least 1")
    if args.worker:
        print(MARK + json.dumps(worker(args.example, args.worker, args.epochs, args.steps)), flush=True)
        return 0

    from parity import backends

    sides = [f"port_{b}" for b in (args.backends or backends.installed())] + ["torch_1t"]
    runs = []
    for rep in range(args.reps):
        for side in sides:
            backend = side[5:] if side.startswith("port_") else "torch"
            env = backends.env(backend, dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
            if side == "torch_1t":
                env["KERAS_BACKEND"] = "tensorflow"
            cmd = [sys.executable, "-m", "benchmarks.profile_lstm", args.example, "--worker", side,
                   "--epochs", str(args.epochs), "--steps", str(args.steps)]
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)), None)
            run = json.loads(line[len(MARK):]) if line else {
                "side": side, "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
            run["rep"] = rep
            runs.append(run)
            if "error" in run:
                print(f"{side}: error {run['error']}", flush=True)
            else:
                gflops = run.get("gemm_gflops_per_s")
                print(f"{side:16s} step {1e3 * run['step_s']:8.2f} ms   products alone {1e3 * run['gemm_s']:8.2f} ms "
                      f"({share_text(run['gemm_s'], run['step_s'])} of the step"
                      + (f", {gflops:.0f} GFLOP/s)" if gflops else ")")
                      + (f"   fused LSTM kernel {run['fused_lstm_share']:.0%} of the step"
                         if run.get("fused_lstm_share") is not None else ""), flush=True)
    report = {"example": args.example, "load_average": os.getloadavg(), "cores": os.cpu_count(),
              "runs": runs}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"profile_{args.example}.json")
    from parity import store

    store.write_text(path, json.dumps(report, indent=1))
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

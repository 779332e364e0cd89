"""``parity bench --port MODULE:FUNCTION``: how fast your own Keras 3 model trains here, on
each installed Keras backend and with the settings that change speed but not numbers.

    parity bench --port model:build_model                  # input shape read from the model
    parity bench --port model:build_model --batch 128 --steps 200 --backends tensorflow jax

``FUNCTION()`` returns a Keras 3 model (compiled or not; an uncompiled one gets Adam and a
loss chosen from its output: sparse categorical cross-entropy on logits for a vector of
two or more classes, else mean squared error; the loss barely changes the time of a step).
Every configuration runs in a fresh process (Keras picks its backend once per process):
the model is built, trained on ``--warmup`` batches (tracing, compilation), then timed over
``--steps`` batches of random data shaped like its input (seeded; speed does not depend on
the values). Configurations per backend:

- ``default``: ``fit`` as written, one step per call;
- ``steps_per_execution=K``: K steps per call of the compiled train function (TensorFlow:
  a loop inside one ``tf.function``; JAX: one Python loop over the jitted step; not on
  PyTorch, whose ``fit`` accepts only 1);
- TensorFlow ``jit_compile=True`` (XLA; JAX always compiles, PyTorch would mean
  ``torch.compile``);
- PyTorch: the default ``OMP_NUM_THREADS=1`` this suite sets beside TensorFlow, the same
  with ``keras.layers.LSTM`` run by PyTorch's fused LSTM kernel
  (``eager_port.backend_choices.use_fast_lstm``, what the suite's ports do), and all cores.

Where the model is a plain stack of ``LSTM`` layers (plus ``Dense`` heads), PyTorch's fused
``nn.LSTM`` of the same shape, trained the same way with default threads, is the
yardstick. The table prints milliseconds per step and each configuration against the
yardstick; the fastest configuration is named. Bad input (a module that does not import, a
function that is not there or returns no Keras model) is one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from parity import backends

MARK = "BENCH_PORT_JSON "
BACKENDS = ("tensorflow", "jax", "torch")


class BenchError(ValueError):
    """Bad input for ``parity bench`` (one line)."""


def configurations(backend: str, steps: int, cores: int) -> list[dict]:
    """The configurations tried on one backend (each one process)."""
    spe = max(1, min(steps, 50))
    if backend == "tensorflow":
        return [{"name": "default"}, {"name": f"steps_per_execution={spe}", "spe": spe},
                {"name": "jit_compile=True", "jit": True},
                {"name": f"jit_compile=True + steps_per_execution={spe}", "jit": True,
                 "spe": spe}]
    if backend == "jax":
        return [{"name": "default"}, {"name": f"steps_per_execution={spe}", "spe": spe}]
    if backend == "torch":
        out = [{"name": "OMP_NUM_THREADS=1", "threads": 1},
               {"name": "OMP_NUM_THREADS=1 + fused LSTM kernel", "threads": 1, "fast_lstm": True}]
        if cores > 1:
            out.append({"name": f"OMP_NUM_THREADS={cores}", "threads": cores})
        return out
    raise BenchError(f"unknown backend '{backend}'")


# ----------------------------------------------------------------------------- in the worker

def _load(spec: str):
    from tf1_migrate.convert import ConversionError, load_user_model

    try:
        return load_user_model(spec)
    except ConversionError as exc:
        raise BenchError(str(exc)) from None


def _input_shape(model, given):
    if given:
        return tuple(given)
    shape = tuple(model.inputs[0].shape[1:]) if model.inputs else ()
    if not shape or any(d is None for d in shape):
        raise BenchError(f"the model's input shape {shape or '(unknown)'} is not fixed: "
                         f"pass --input-shape (e.g. --input-shape 28 28)")
    return shape


def _compile(model, cfg):
    import keras

    loss = getattr(model, "loss", None)
    optimizer = getattr(model, "optimizer", None)
    out_shape = tuple(model.outputs[0].shape[1:])
    if loss is None:
        loss = ("sparse_categorical_crossentropy_logits" if len(out_shape) == 1
                and out_shape[0] and out_shape[0] >= 2 else "mse")
    if loss == "sparse_categorical_crossentropy_logits":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if optimizer is None:
        optimizer = keras.optimizers.Adam()
    else:  # a fresh optimizer of the same kind: compiled state does not carry over
        optimizer = optimizer.__class__.from_config(optimizer.get_config())
    # jit_compile: XLA on TensorFlow only when asked; "auto" elsewhere (JAX without jit
    # would run op by op, ~100x slower; PyTorch's would be torch.compile)
    jit = bool(cfg.get("jit")) if keras.backend.backend() == "tensorflow" else "auto"
    model.compile(optimizer=optimizer, loss=loss, jit_compile=jit,
                  steps_per_execution=int(cfg.get("spe", 1)))
    return model


def _targets(model, loss, batch, rng):
    import keras

    out_shape = tuple(model.outputs[0].shape[1:])
    sparse = isinstance(loss, keras.losses.SparseCategoricalCrossentropy) or \
        loss in ("sparse_categorical_crossentropy",)
    if sparse:
        return rng.integers(0, out_shape[-1], (batch, *out_shape[:-1])).astype("int32")
    return rng.standard_normal((batch, *out_shape)).astype("float32")


def worker(spec: str, cfg: dict) -> dict:
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    if cfg.get("fast_lstm"):  # keras.layers.LSTM through PyTorch's fused kernel (same numbers)
        from eager_port import backend_choices

        backend_choices.use_fast_lstm()
    model = _compile(_load(spec), cfg)
    shape = _input_shape(model, cfg.get("input_shape"))
    batch, steps, warmup = cfg["batch"], cfg["steps"], cfg["warmup"]
    rng = np.random.default_rng(0)
    n = max(steps, warmup)
    x = rng.standard_normal((batch * n, *shape)).astype("float32")
    y = _targets(model, model.loss, batch * n, rng)
    spe = int(cfg.get("spe", 1))
    warm = max(spe, warmup - warmup % spe or spe)
    model.fit(x[:batch * warm], y[:batch * warm], batch_size=batch, epochs=1, shuffle=False,
              verbose=0)
    timed = max(spe, steps - steps % spe)
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(x[:batch * timed], y[:batch * timed], batch_size=batch, epochs=1,
              shuffle=False, verbose=0)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"ms_per_step": 1000 * wall / timed, "cpu_ms_per_step": 1000 * cpu / timed,
            "steps": timed, "input_shape": list(shape), "lstm_stack": lstm_stack(model)}


def lstm_stack(model) -> dict | None:
    """``{"units": [...], "dense": [...], "return_sequences": bool}`` when the model is a plain
    stack of LSTM layers with Dense heads (the yardstick's shape), else None."""
    import keras

    units, dense, last_seq = [], [], False
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.LSTM) and not dense:
            units.append(int(layer.units))
            last_seq = bool(layer.return_sequences)
        elif isinstance(layer, keras.layers.Dense) and units:
            dense.append(int(layer.units))
        else:
            return None
    return {"units": units, "dense": dense, "return_sequences": last_seq} if units else None


def torch_yardstick(stack: dict, shape, batch: int, steps: int, warmup: int) -> dict:
    """PyTorch's fused ``nn.LSTM`` of the same shape, Adam, default threads."""
    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    time_steps, features = shape[0], shape[-1]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            layers, last = [], features
            for u in stack["units"]:
                layers.append(nn.LSTM(last, u, batch_first=True))
                last = u
            self.lstms = nn.ModuleList(layers)
            heads = []
            for d in stack["dense"]:
                heads.append(nn.Linear(last, d))
                last = d
            self.heads = nn.ModuleList(heads)

        def forward(self, x):
            for layer in self.lstms:
                x, _ = layer(x)
            if not stack["return_sequences"]:
                x = x[:, -1]
            for h in self.heads:
                x = h(x)
            return x

    net = Net()
    opt = torch.optim.Adam(net.parameters())
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((batch, time_steps, features)).astype("float32"))
    with torch.no_grad():
        y = torch.randn_like(net(x))

    def step():
        opt.zero_grad()
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"ms_per_step": 1000 * wall / steps, "cpu_ms_per_step": 1000 * cpu / steps,
            "steps": steps, "threads": torch.get_num_threads()}


def _worker_main(argv) -> int:
    spec, cfg = argv[0], json.loads(argv[1])
    try:
        if cfg.get("yardstick"):
            out = torch_yardstick(cfg["stack"], cfg["input_shape"], cfg["batch"], cfg["steps"],
                                  cfg["warmup"])
        else:
            out = worker(spec, cfg)
    except BenchError as exc:
        print(f"{MARK}{json.dumps({'error': str(exc), 'usage': True})}", flush=True)
        return 2
    print(f"{MARK}{json.dumps(out)}", flush=True)
    return 0


# ----------------------------------------------------------------------------- the command

def _run(spec: str, cfg: dict, env: dict, timeout: float) -> dict:
    from tf1_compat import processes as procs

    try:  # supervised: the worker never outlives this command (a signal, a timeout)
        proc = procs.run([sys.executable, "-m", "parity.bench_port", "worker", spec,
                          json.dumps(cfg)], env=env, cwd=os.getcwd(), capture_output=True,
                         text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"took longer than {timeout:.0f} s"}
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    tail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    return {"error": tail}


def run(spec: str, *, batch: int, steps: int, warmup: int, input_shape=None,
        backend_names=BACKENDS, timeout: float = 600, progress=print) -> dict:
    from parity import jobs

    cores = jobs.cores()
    base = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=os.pathsep.join(
        p for p in [os.getcwd(), os.environ.get("PYTHONPATH", "")] if p))
    rows, skipped, stack, shape = [], {}, None, input_shape
    for name in backend_names:
        ok, why = backends.available(name)
        if not ok:
            skipped[name] = why
            continue
        for c in configurations(name, steps, cores):
            cfg = dict(c, batch=batch, steps=steps, warmup=warmup, input_shape=shape)
            env = backends.env(name, base)
            if name == "torch":
                env["OMP_NUM_THREADS"] = str(c["threads"])
            r = _run(spec, cfg, env, timeout)
            if r.get("usage"):  # the user's module or model: the same in every configuration
                raise BenchError(r["error"].replace("--model takes", "--port takes"))
            rows.append({"backend": name, "config": c["name"], **r})
            if "error" not in r:
                stack = stack or r.get("lstm_stack")
                shape = shape or r.get("input_shape")
            if progress:
                progress(f"  {name:10s} {c['name']:45s} " + (
                    f"{r['ms_per_step']:8.2f} ms/step" if "error" not in r else f"failed: {r['error']}"))
    yard = None
    if stack and backends.available("torch")[0]:
        env = dict(base)
        env.pop("OMP_NUM_THREADS", None)
        yard = _run(spec, {"yardstick": True, "stack": stack, "input_shape": shape,
                           "batch": batch, "steps": steps, "warmup": warmup}, env, timeout)
        if progress and "error" not in yard:
            progress(f"  {'PyTorch':10s} {'fused nn.LSTM, default threads':45s} "
                     f"{yard['ms_per_step']:8.2f} ms/step")
    good = [r for r in rows if "error" not in r and r["ms_per_step"] > 0]
    best = min(good, key=lambda r: r["ms_per_step"]) if good else None
    return {"port": spec, "batch": batch, "steps": steps, "warmup": warmup,
            "input_shape": shape, "cores": cores, "rows": rows, "skipped": skipped,
            "lstm_stack": stack, "yardstick": yard, "fastest": best}


def format_table(result: dict) -> str:
    yard = result.get("yardstick") or {}
    ref = yard.get("ms_per_step") if "error" not in yard else None
    lines = [f"{result['port']}: batch {result['batch']}, input {tuple(result['input_shape'] or ())}, "
             f"{result['steps']} timed steps after {result['warmup']} warm-up, "
             f"{result['cores']} cores", "",
             f"{'backend':10s}  {'configuration':45s}  {'ms/step':>8s}  {'vs PyTorch':>10s}"]
    for r in result["rows"]:
        if "error" in r:
            lines.append(f"{r['backend']:10s}  {r['config']:45s}  {'—':>8s}  failed: {r['error']}")
            continue
        ratio = f"{r['ms_per_step'] / ref:.2f}x" if ref else "—"
        lines.append(f"{r['backend']:10s}  {r['config']:45s}  {r['ms_per_step']:8.2f}  {ratio:>10s}")
    if ref:
        lines.append(f"{'PyTorch':10s}  {'fused nn.LSTM of the same shape':45s}  {ref:8.2f}  "
                     f"{'1.00x':>10s}")
    elif result.get("lstm_stack") is None:
        lines.append("(no PyTorch yardstick: the model is not a plain LSTM stack with Dense heads)")
    for name, why in result["skipped"].items():
        lines.append(f"{name}: skipped ({why})")
    best = result.get("fastest")
    if best:
        lines += ["", f"fastest: {best['backend']} with {best['config']} "
                      f"({best['ms_per_step']:.2f} ms/step"
                      + (f", {best['ms_per_step'] / ref:.2f}x PyTorch's fused LSTM)" if ref else ")")]
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", required=True, metavar="MODULE:FUNCTION",
                   help="your Keras model builder (looked up from the current folder first)")
    p.add_argument("--input-shape", type=int, nargs="+", metavar="N",
                   help="per-example input shape (default: the model's own)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=200, help="timed optimizer steps per configuration")
    p.add_argument("--warmup", type=int, default=20, help="untimed steps first (tracing, compilation)")
    p.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    p.add_argument("--out", help="also write bench-port.json here")


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"] and len(sys.argv) == 4:
        sys.exit(_worker_main(sys.argv[2:]))
    print("usage: python -m parity.bench_port worker SPEC CONFIG_JSON", file=sys.stderr)
    sys.exit(2)

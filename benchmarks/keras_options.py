"""What makes the Keras 3 ports fast on CPU: measured, one option at a time.

    python -m benchmarks.keras_options mnist_static_rnn [--reps 3] [--epochs 2]
    python -m benchmarks.keras_options airline_passengers
    python -m benchmarks.keras_options legacy_airline        # the TF1 side: feed_dict loop vs bare sess.run

For each variant the model is the port's (same layers, same initial weights, same data
order, ``shuffle=False``); only one compile/layer/input option changes. Each variant:
build, ``fit`` one epoch (tracing and warm-up), then time ``fit`` over ``--epochs`` more
epochs (the compiled train function is reused) -> ms per optimizer step; median of
``--reps`` (variants interleaved). Numerical equivalence: every variant trains one epoch
from the baseline's initial weights and its final weights are compared with the
baseline's (largest absolute difference).

Writes ``benchmarks/out/keras_options_<example>.json`` (a git-ignored working folder; ``--out
benchmarks/results`` to update the checked-in numbers; temporary name, then rename).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK_DIR = os.path.join(ROOT, "benchmarks", "out")  # default output: git-ignored (--out to change)


def _mnist_data():
    from eager_port import mnist_static_rnn as port
    from hyperparams import MnistStaticRNNConfig

    cfg = MnistStaticRNNConfig()
    (x, y), _ = port.load_mnist(cfg)
    return cfg, x, y


def _build_mnist(cfg, unroll=True):
    import keras

    inp = keras.Input((cfg.timesteps, cfg.num_input), name="x")
    h = keras.layers.LSTM(cfg.num_hidden, unroll=unroll, name="lstm")(inp)
    out = keras.layers.Dense(cfg.num_classes, name="output")(h)
    return keras.Model(inp, out, name="mnist_static_rnn")


def _build_airline(cfg, unroll=False):
    import keras

    return keras.Sequential([keras.Input((cfg.window, 1), name="x"),
                             keras.layers.LSTM(cfg.hidden_size, unroll=unroll, name="lstm"),
                             keras.layers.Dense(1, name="linear")], name="airline_passengers")


def _airline_data():
    from datasets import airline
    from hyperparams import AirlinePassengersConfig

    cfg = AirlinePassengersConfig()
    data = airline.prepare(window=cfg.window, test_months=cfg.test_months)
    return cfg, data.x, data.y


# variant name -> dict(unroll=..., jit=..., spe=..., tfdata=...)
VARIANTS = {
    "mnist_static_rnn": {
        "port as written (unroll=True, jit off, spe=1)": dict(unroll=True, jit=False, spe=1),
        "unroll=False": dict(unroll=False, jit=False, spe=1),
        "jit_compile=True": dict(unroll=True, jit=True, spe=1),
        "steps_per_execution=55 (one call per epoch)": dict(unroll=True, jit=False, spe=55),
        "jit_compile=True + steps_per_execution=55": dict(unroll=True, jit=True, spe=55),
        "tf.data input (prebatched, prefetch)": dict(unroll=True, jit=False, spe=1, tfdata=True),
        "unroll=False + jit_compile=True + spe=55": dict(unroll=False, jit=True, spe=55),
    },
    "airline_passengers": {
        "port as written (unroll=False, jit off, spe=120)": dict(unroll=False, jit=False, spe=120),
        "steps_per_execution=1": dict(unroll=False, jit=False, spe=1),
        "unroll=True + spe=120": dict(unroll=True, jit=False, spe=120),
        "jit_compile=True + spe=120": dict(unroll=False, jit=True, spe=120),
        "unroll=True + jit_compile=True + spe=120": dict(unroll=True, jit=True, spe=120),
        "unroll=True + jit_compile=True + spe=1": dict(unroll=True, jit=True, spe=1),
    },
}


def _make(example, options, init_weights=None):
    import keras

    if example == "mnist_static_rnn":
        cfg, x, y = _mnist_data()
        model = _build_mnist(cfg, options["unroll"])
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        batch = cfg.batch_size
    else:
        cfg, x, y = _airline_data()
        model = _build_airline(cfg, options["unroll"])
        loss = "mse"
        batch = 1
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate, epsilon=1e-8), loss=loss,
                  jit_compile=options["jit"], steps_per_execution=options["spe"])
    if init_weights is not None:
        for v in model.weights:
            v.assign(init_weights[v.path])
    if options.get("tfdata"):
        import tensorflow as tf

        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).prefetch(2)
        fit = lambda epochs: model.fit(ds, epochs=epochs, verbose=0)  # noqa: E731
    else:
        fit = lambda epochs: model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False,  # noqa: E731
                                       verbose=0)
    steps_per_epoch = -(-len(x) // batch)
    return model, fit, steps_per_epoch


def measure(example, reps, epochs):
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    variants = VARIANTS[example]
    base_name = next(iter(variants))
    base_model, _, _ = _make(example, variants[base_name])
    init = {v.path: np.array(v.numpy()) for v in base_model.weights}

    results = {name: {"options": opts, "ms_per_step": [], "cpu_ms_per_step": []}
               for name, opts in variants.items()}
    finals = {}
    for name, opts in variants.items():  # equivalence: one epoch from the same weights
        model, fit, _ = _make(example, opts, init)
        fit(1)
        finals[name] = {v.path: np.array(v.numpy()) for v in model.weights}
    for name in variants:
        diff = max(float(np.max(np.abs(finals[name][k] - finals[base_name][k]))) for k in init)
        results[name]["max_abs_weight_diff_after_1_epoch_vs_port"] = diff
    models = {name: _make(example, opts, init) for name, opts in variants.items()}
    for _name, (_, fit, _) in models.items():
        fit(1)  # trace + warm-up
    for _ in range(reps):
        for name, (_, fit, spe) in models.items():
            t, c = time.perf_counter(), time.process_time()
            fit(epochs)
            results[name]["ms_per_step"].append(1e3 * (time.perf_counter() - t) / (epochs * spe))
            results[name]["cpu_ms_per_step"].append(1e3 * (time.process_time() - c) / (epochs * spe))
            print(f"{name}: {results[name]['ms_per_step'][-1]:.3f} ms/step wall, "
                  f"{results[name]['cpu_ms_per_step'][-1]:.3f} CPU", flush=True)
    for r in results.values():
        v = r["ms_per_step"]
        r["median"], r["min"], r["max"] = statistics.median(v), min(v), max(v)
        r["cpu_median"] = statistics.median(r["cpu_ms_per_step"])
    return results


def legacy_airline(reps):
    """TF1 airline: the module's per-window loop vs the same sess.run calls with nothing around them."""
    import tf1_compat.runtime  # noqa: F401
    from legacy_graph import airline_passengers as legacy
    from tf1_compat.runtime import graph_session, tf1

    cfg, x, y = _airline_data()
    out = {}
    for threads in (1, 2):
        with graph_session(seed=0, threads=threads) as (graph, sess):
            model = legacy.build_graph(cfg)
            sess.run(tf1().global_variables_initializer())
            fetch = [model["train_op"], model["loss"]] if "loss" in model else [model["train_op"]]
            xs, ys = list(x), list(y)
            times = []
            for rep in range(reps + 1):
                t = time.perf_counter()
                for seq, label in zip(xs, ys):
                    sess.run(fetch, feed_dict={model["x"]: seq[None], model["y"]: label[None]})
                if rep:
                    times.append(1e3 * (time.perf_counter() - t) / len(xs))
            # the op time alone: one pre-built callable, no feed_dict dict building
            call = sess.make_callable(fetch, feed_list=[model["x"], model["y"]])
            ctimes = []
            for rep in range(reps + 1):
                t = time.perf_counter()
                for seq, label in zip(xs, ys):
                    call(seq[None], label[None])
                if rep:
                    ctimes.append(1e3 * (time.perf_counter() - t) / len(xs))
        out[f"session threads {threads}"] = {
            "sess.run + feed_dict ms/step": statistics.median(times),
            "make_callable ms/step": statistics.median(ctimes)}
        print(threads, out[f"session threads {threads}"], flush=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.keras_options")
    parser.add_argument("example", choices=[*VARIANTS, "legacy_airline"])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default=WORK_DIR, help="output folder (default: benchmarks/out/)")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    import tf1_compat.runtime  # noqa: F401  (the repo's import order)

    if args.example == "legacy_airline":
        results = legacy_airline(args.reps)
    else:
        results = measure(args.example, args.reps, args.epochs)
    import tensorflow as tf

    report = {"example": args.example, "reps": args.reps, "epochs": args.epochs,
              "tf_intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
              "load_average": os.getloadavg(), "results": results}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"keras_options_{args.example}.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f, indent=1)
    os.replace(tmp, path)
    print("wrote", path)


if __name__ == "__main__":
    main()

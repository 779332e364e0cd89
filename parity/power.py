"""``parity power``: how often the gate catches the migration bugs people really make.

Each **mutant** is one such bug, applied to the Keras port (or to the weight conversion) by a
patch made inside a throw-away worker process only: nothing in the package changes. The
gate runs against each mutant at three levels:

1. **same accuracy**: the mutant port trains on N seeds at the quick budget and the
   equivalence test (:mod:`parity.seeds`) compares it with the legacy side's N seeds;
   detected = not shown equivalent;
2. **transplant outputs**: the legacy weights (after a short legacy run) copied into the
   port give the legacy outputs (rtol 1e-6, atol 1e-5); detected = they do not;
3. **one optimizer step**: from the same weights, one step on one batch gives the same new
   weights (rtol 1e-5, atol 2% of the learning rate); detected = it does not.

The correct ports go through the same three levels, level 1 over several disjoint seed
sets: a "detection" there is a false alarm. ``python -m parity.power worker JOBS OUT`` is the
mutating worker (the ordinary :mod:`parity.worker` after the patch);
``python -m parity.power levels ID MUTANT OUT`` runs levels 2 and 3 in a process of its own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hyperparams import MAX_SEED
from parity import jobs as pool
from parity import margins, registry, stats, store

# the examples `parity power` runs by default: the three whose quick budget takes seconds
DEFAULT_EXAMPLES = ("series_predictor", "binary_addition_lstm", "mnist_dynamic_rnn")
LEVELS = (1, 2, 3)


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    bug: str
    levels: tuple  # the levels at which the bug can show at all
    applies: tuple | None = None  # example ids it applies to (None: every example)
    config: dict | None = None  # config switches both sides run with for this mutant


CATALOGUE = [
    Mutant("adam_epsilon", "Adam's epsilon left at Keras's 1e-7 (TF1's AdamOptimizer: 1e-8)",
           (1, 3), ("series_predictor", "binary_addition_lstm", "mnist_static_rnn",
                    "mnist_dynamic_rnn", "stacked_lstm", "airline_passengers")),
    Mutant("lr_10x", "learning rate off by 10x", (1, 3)),
    Mutant("forget_bias_not_folded", "forget_bias (1.0) not folded into the converted LSTM bias",
           (2, 3)),
    Mutant("from_logits_missing", "softmax cross-entropy on logits without from_logits=True",
           (1, 3), ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm")),
    Mutant("sum_loss", "loss summed over the batch instead of averaged", (1, 3)),
    Mutant("output_init", "output layer initialised with Glorot instead of random_normal "
           "(or random_normal(1.0) instead of Glorot)", (1,)),
    Mutant("dropout_dropped", "the DropoutWrapper(output_keep_prob) left out of the port",
           (1,), ("binary_addition_lstm",), {"use_dropout": True}),
    Mutant("wrong_step", "the output taken at the first time step instead of the last "
           "(return_sequences / outputs[:, 0] instead of outputs[:, -1])",
           (1, 2, 3), ("mnist_static_rnn", "mnist_dynamic_rnn", "airline_passengers")),
    Mutant("gate_order", "gate order not converted (TF1 i, j, f, o read as Keras i, f, c, o)",
           (2, 3)),
    Mutant("time_major", "time and feature axes swapped (the image read by columns)",
           (1, 2, 3), ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm")),
    Mutant("head_activation", "a linear head given ReLU (tf.contrib.layers.fully_connected's "
           "default activation_fn kept, or Dense(activation='relu') copied from an example)",
           (1, 2, 3), ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm",
                       "airline_passengers", "series_predictor")),
]
BY_NAME = {m.name: m for m in CATALOGUE}


def applies(mutant: Mutant, example_id: str) -> bool:
    return mutant.applies is None or example_id in mutant.applies


def format_catalogue() -> str:
    return "\n".join(f"{m.name:24s} levels {','.join(map(str, m.levels)):6s} {m.bug}"
                     + ("" if m.applies is None else f" [{', '.join(m.applies)}]")
                     for m in CATALOGUE)


def parse_levels(text: str) -> tuple:
    try:
        levels = tuple(sorted({int(t) for t in str(text).split(",")}))
    except ValueError:
        raise ValueError(f"--levels expects a list from 1,2,3, got '{text}'") from None
    if not levels or any(lv not in LEVELS for lv in levels):
        raise ValueError(f"--levels expects a list from 1,2,3, got '{text}'")
    return levels


def plan(only=None, mutants=None) -> list[tuple[str, list[Mutant]]]:
    ids = list(only or DEFAULT_EXAMPLES)
    for i in ids:
        registry.get(i)
    names = list(mutants or BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown mutant(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return [(i, [BY_NAME[n] for n in names if applies(BY_NAME[n], i)]) for i in ids]


# ---------------------------------------------------------------- the patches (in a worker)

def apply(name: str | None, example_id: str | None = None) -> None:
    """Patch this process so that the port (or the conversion) has bug ``name``."""
    if not name:
        return
    import keras

    if name == "adam_epsilon":
        base = keras.optimizers.Adam

        class Adam(base):
            def __init__(self, *a, **kw):
                kw["epsilon"] = 1e-7
                super().__init__(*a, **kw)

        keras.optimizers.Adam = Adam
    elif name == "lr_10x":
        for attr in ("Adam", "SGD"):
            base = getattr(keras.optimizers, attr)

            def make(base):
                class Opt(base):
                    def __init__(self, learning_rate=0.001 if base.__name__ == "Adam" else 0.01,
                                 *a, **kw):
                        lr = learning_rate
                        scaled = (lambda: 10.0 * lr()) if callable(lr) else 10.0 * lr
                        super().__init__(scaled, *a, **kw)

                Opt.__name__ = base.__name__
                return Opt

            setattr(keras.optimizers, attr, make(base))
    elif name in ("forget_bias_not_folded", "gate_order"):
        from parity import tf1_rnn

        original = tf1_rnn.tf1_lstm_to_keras

        def converted(*a, **kw):
            if name == "gate_order":
                kw["reorder"] = False
            else:
                kw["fold_forget_bias"] = False
            return original(*a, **kw)

        tf1_rnn.tf1_lstm_to_keras = converted
    elif name == "from_logits_missing":
        for attr in ("SparseCategoricalCrossentropy", "CategoricalCrossentropy"):
            base = getattr(keras.losses, attr)

            def make(base):
                class Loss(base):
                    def __init__(self, *a, **kw):
                        kw["from_logits"] = False
                        super().__init__(*a, **kw)

                return Loss

            setattr(keras.losses, attr, make(base))
    elif name == "sum_loss":
        compile_ = keras.Model.compile

        def compile(self, *a, loss=None, **kw):
            loss = keras.losses.get(loss) if isinstance(loss, str) else loss
            if isinstance(loss, keras.losses.Loss):
                loss.reduction = "sum"
            elif callable(loss):
                fn = loss

                class Summed(keras.losses.Loss):
                    def call(self, y_true, y_pred):
                        return fn(y_true, y_pred)

                loss = Summed(reduction="sum")
            return compile_(self, *a, loss=loss, **kw)

        keras.Model.compile = compile
    elif name == "output_init":
        base = keras.layers.Dense

        class Dense(base):
            def __init__(self, *a, kernel_initializer="glorot_uniform", **kw):
                given = keras.initializers.get(kernel_initializer)
                swapped = ("glorot_uniform" if isinstance(given, keras.initializers.RandomNormal)
                           else keras.initializers.RandomNormal(stddev=1.0))
                super().__init__(*a, kernel_initializer=swapped, **kw)

        keras.layers.Dense = Dense
    elif name == "dropout_dropped":
        base = keras.layers.Dropout

        class Dropout(base):
            def __init__(self, rate, *a, **kw):
                super().__init__(0.0, *a, **kw)

        keras.layers.Dropout = Dropout
    elif name == "head_activation":
        base = keras.layers.Dense

        class Dense(base):
            def __init__(self, *a, activation=None, **kw):
                linear = activation is None or activation in ("linear", keras.activations.linear)
                super().__init__(*a, activation="relu" if linear else activation, **kw)

        keras.layers.Dense = Dense
    elif name in ("wrong_step", "time_major"):
        for attr in ("LSTM", "RNN"):
            base = getattr(keras.layers, attr)
            setattr(keras.layers, attr, _rnn_mutant(base, name))
    else:
        raise ValueError(f"unknown mutant '{name}'")


def _rnn_mutant(base, name):
    import keras

    class Mutated(base):
        def __init__(self, *a, **kw):
            self._take_first = (name == "wrong_step" and not kw.get("return_sequences", False)
                                and not kw.get("return_state", False))
            if self._take_first:
                kw["return_sequences"] = True
            super().__init__(*a, **kw)

        def call(self, sequences, initial_state=None, mask=None, training=False):
            if name == "time_major":
                sequences = keras.ops.transpose(sequences, (0, 2, 1))
            out = super().call(sequences, initial_state=initial_state, mask=mask,
                               training=training)
            return out[:, 0] if self._take_first else out

        def compute_output_shape(self, shape):
            if name == "time_major":
                shape = (shape[0], shape[2], shape[1])
            out = super().compute_output_shape(shape)
            if self._take_first:
                return (out[0], *out[2:])
            return out

    Mutated.__name__ = base.__name__
    return Mutated


def _worker_main(argv) -> int:
    """``worker JOBS OUT``: apply the batch's mutant and config switches, then the ordinary worker."""
    from parity import worker

    with open(argv[0]) as f:
        batch = json.load(f)
    first = batch[0] if batch else {}
    import parity  # noqa: F401  (legacy Keras routing first)

    if first.get("mutant"):
        apply(first["mutant"], first.get("example"))
    overrides = first.get("config") or {}
    if overrides:
        config = registry.Example.config

        def with_overrides(self, steps=None, seed=None, **kw):
            return config(self, steps=steps, seed=seed, **{**overrides, **kw})

        registry.Example.config = with_overrides
    return worker.main(argv)


# ---------------------------------------------------------------- levels 2 and 3

def _batch(example_id: str, config):
    import numpy as np

    if example_id == "series_predictor":
        from datasets.series_toy import TRAIN_X, TRAIN_Y

        return TRAIN_X, TRAIN_Y
    if example_id == "binary_addition_lstm":
        from datasets import binary_addition as data

        return data.generate_batch(config.batch_size, np.random.RandomState(123))
    if example_id in ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm"):
        from datasets import mnist

        (x, y), _ = mnist.load_data(config.data_dir)
        return x[:config.batch_size].astype(np.float32) / np.float32(255), y[:config.batch_size]
    return None


LEVEL_STEPS = 20  # the legacy run whose weights levels 2 and 3 start from (not the init)


def levels(example_id: str, mutant: str | None) -> dict:
    """Levels 2 and 3 for one example and one mutant (None: the correct port), in this process."""
    import numpy as np

    example = registry.get(example_id)
    config = example.config(steps=LEVEL_STEPS, seed=0)
    batch = _batch(example_id, config)
    if batch is None:
        return {"2": None, "3": None, "note": "no level-2/3 inputs for this example in parity power"}
    legacy = example.module("legacy")
    start = legacy.train(config, verbose=False).weights
    after_legacy = legacy.train_step(start, batch, config)
    apply(mutant, example_id)
    port = example.module("port")
    pairs = example.pairs()
    out = {}
    x = batch[0]
    try:
        got = port.predict(pairs.legacy_to_port(start, config), x, config)
        want = legacy.predict(start, x, config)
        out["2"] = {"max_abs": float(np.max(np.abs(np.asarray(got) - np.asarray(want)))),
                    "detected": not np.allclose(got, want, rtol=1e-6, atol=1e-5)}
    except Exception as exc:  # a mutant can break the shapes: that is a detection too
        out["2"] = {"detected": True, "error": f"{type(exc).__name__}: {exc}"[:200]}
    try:
        lr = getattr(config, "learning_rate", None) or 0.001  # series_predictor: Adam's 1e-3
        after_port = port.train_step(pairs.legacy_to_port(start, config), batch, config)
        expected = pairs.legacy_to_port(after_legacy, config)
        worst, detected = 0.0, False
        for k, v in expected.items():
            d = np.abs(np.asarray(after_port[k]) - np.asarray(v))
            worst = max(worst, float(d.max()))
            detected |= not np.allclose(after_port[k], v, rtol=1e-5, atol=0.02 * lr)
        out["3"] = {"max_abs": worst, "detected": bool(detected)}
    except Exception as exc:
        out["3"] = {"detected": True, "error": f"{type(exc).__name__}: {exc}"[:200]}
    return out


def _levels_main(argv) -> int:
    import parity  # noqa: F401
    from tf1_compat import quiet

    quiet.quiet_python_warnings(show=False)
    example_id, mutant, out_path = argv
    result = levels(example_id, None if mutant == "-" else mutant)
    store.write_json(out_path, result)
    return 0


def _levels_subprocess(example_id: str, mutant: str | None, threads: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="parity-power-") as tmp:
        out = Path(tmp, "levels.json")
        env = pool.worker_env(("port", "tensorflow", False), threads, tmp=tmp)
        proc = subprocess.run([sys.executable, "-m", "parity.power", "levels", example_id,
                               mutant or "-", str(out)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        if out.exists():
            return json.loads(out.read_text())
        last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        return {"error": f"levels worker exited {proc.returncode}: {last}"}


# ---------------------------------------------------------------- the whole run

def disjoint_sets(seed_list: list[int], k: int) -> list[list[int]]:
    """``k`` disjoint seed sets: ``seed_list`` and k - 1 copies, each shifted past the last by
    the list's span (``0-2`` x 3: 0-2, 3-5, 6-8; ``0,2`` x 2: {0, 2}, {3, 5}). Raises
    ``ValueError`` (one line) when a set would need a seed above the largest accepted."""
    if k < 1:
        raise ValueError(f"--seed-sets {k}: at least one seed set")
    span = max(seed_list) - min(seed_list) + 1
    top = max(seed_list) + (k - 1) * span
    if top > MAX_SEED:
        raise ValueError(f"--seed-sets {k}: the last set would need seed {top}; seeds go up to "
                         f"{MAX_SEED} (2**31 - 1): fewer sets or lower seeds")
    return [[s + i * span for s in seed_list] for i in range(k)]


def run(the_plan, seed_list: list[int], seed_sets: int, levels_: tuple, n_jobs: int,
        progress: bool = True) -> dict:
    """Every level for every (example, mutant) of ``the_plan``, and the correct ports'
    false alarms over ``seed_sets`` disjoint seed sets (level 1)."""
    sets = disjoint_sets(seed_list, seed_sets)
    rows, false_alarms = [], []
    jobs = []
    for example_id, mutants in the_plan:
        steps = registry.get(example_id).steps_for("quick")
        if 1 in levels_:
            for k, sset in enumerate(sets):
                for impl in ("legacy", "port"):
                    jobs += [{"example": example_id, "impl": impl, "steps": steps, "seed": s,
                              "set": k} for s in sset]
            for m in mutants:
                if 1 not in m.levels:
                    continue
                if m.config:
                    jobs += [{"example": example_id, "impl": "legacy", "steps": steps,
                              "seed": s, "config": m.config, "set": 0} for s in sets[0]]
                jobs += [{"example": example_id, "impl": "port", "steps": steps, "seed": s,
                          "mutant": m.name, "config": m.config, "set": 0} for s in sets[0]]
    results = pool.run_parallel(jobs, n_jobs, progress=progress, module="parity.power worker") if jobs else []

    def values(example_id, impl, k, mutant=None, config=None):
        return [r["result"]["value"] for r in results
                if r["ok"] and r["job"]["example"] == example_id and r["job"]["impl"] == impl
                and r["job"]["set"] == k and r["job"].get("mutant") == mutant
                and (r["job"].get("config") or None) == (config or None)]

    errors = [f"{r['job']['example']} {r['job']['impl']} {r['job'].get('mutant') or ''} seed "
              f"{r['job']['seed']}: {r['error']}" for r in results if not r["ok"]]
    threads = max(1, pool.cores() // max(1, n_jobs))
    checks = {}  # levels 2 and 3: one process per (example, mutant), n_jobs at a time
    if {2, 3} & set(levels_):
        from concurrent.futures import ThreadPoolExecutor

        wanted = [(e, None) for e, _ in the_plan] + [(e, m.name) for e, ms in the_plan for m in ms]
        with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as ex:
            futures = {w: ex.submit(_levels_subprocess, w[0], w[1], threads) for w in wanted}
            checks = {w: f.result() for w, f in futures.items()}
    for example_id, mutants in the_plan:
        margin = margins.margin(example_id).value
        legacy_sets = [values(example_id, "legacy", k) for k in range(seed_sets)]
        if 1 in levels_:
            for k in range(seed_sets):
                port_values = values(example_id, "port", k)
                fa = _level1(legacy_sets[k], port_values, margin)
                false_alarms.append({"example": example_id, "level": 1, "seeds": sets[k], **fa})
        if {2, 3} & set(levels_):
            lv = checks[(example_id, None)]
            for level in (2, 3):
                if level in levels_ and lv.get(str(level)) is not None:
                    false_alarms.append({"example": example_id, "level": level,
                                         "alarm": bool(lv[str(level)].get("detected")),
                                         **lv[str(level)]})
        for m in mutants:
            row = {"example": example_id, "mutant": m.name, "bug": m.bug, "levels": {}}
            if 1 in levels_:
                if 1 in m.levels:
                    legacy_values = (values(example_id, "legacy", 0, config=m.config)
                                     if m.config else legacy_sets[0])
                    got = _level1(legacy_values,
                                  values(example_id, "port", 0, m.name, m.config), margin)
                    row["levels"]["1"] = {"detected": got["alarm"], **got}
                else:
                    row["levels"]["1"] = {"detected": None, "why": "training unchanged"}
            if {2, 3} & set(levels_):
                lv = checks[(example_id, m.name)]
                for level in (2, 3):
                    if level in levels_:
                        row["levels"][str(level)] = lv.get(str(level)) or {
                            "detected": None, "why": lv.get("note") or lv.get("error")}
            rows.append(row)
            if progress:
                print(_row_line(row), flush=True)
    return {"seeds": seed_list, "seed_sets": sets, "levels": list(levels_), "jobs": n_jobs,
            "budget": "quick", "rows": rows, "false_alarms": false_alarms, "errors": errors,
            "k_sigma": margins.K_SIGMA}


def _level1(legacy_values, port_values, margin) -> dict:
    if len(legacy_values) < 2 or len(port_values) < 2:
        return {"alarm": None, "why": "fewer than 2 seeds finished on a side"}
    eq = stats.equivalence(port_values, legacy_values, margin)
    return {"alarm": not eq["equivalent"], "diff": eq["diff"], "ci": eq["ci"], "margin": margin,
            "legacy": legacy_values, "port": port_values}


def _mark(level: dict | None, expected: bool = True) -> str:
    """caught / missed; ``-`` where the bug cannot show at that level by construction (and
    did not), ``n/a`` where the level did not run for it."""
    if not level:
        return "-"
    if level.get("detected") is None:
        return "n/a" if expected else "-"
    if level["detected"]:
        return "caught"
    return "missed" if expected else "-"


def _expected(row, level) -> bool:
    m = BY_NAME.get(row["mutant"])
    return m is None or int(level) in m.levels


def _row_line(row) -> str:
    marks = " ".join(f"L{k}:{_mark(v, _expected(row, k))}" for k, v in sorted(row["levels"].items()))
    return f"power: {row['example']} {row['mutant']}: {marks}"


def format_table(result: dict, markdown: bool = False) -> str:
    levels_ = [str(lv) for lv in result["levels"]]
    head = ["example", "mutant", *[f"level {lv}" for lv in levels_]]
    body = [[r["example"], r["mutant"],
             *[_mark(r["levels"].get(lv), _expected(r, lv)) for lv in levels_]]
            for r in result["rows"]]
    fa = {}
    for f in result["false_alarms"]:
        key = (f["example"], str(f["level"]))
        alarms, total = fa.get(key, (0, 0))
        fa[key] = (alarms + bool(f.get("alarm")), total + (f.get("alarm") is not None))
    examples = list(dict.fromkeys(r["example"] for r in result["rows"]))
    for e in examples:
        body.append([e, "(correct port: false alarms)",
                     *[f"{fa.get((e, lv), (0, 0))[0]}/{fa.get((e, lv), (0, 0))[1]}" for lv in levels_]])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    table = [head, *body]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)


def save(out_dir, result: dict) -> list[Path]:
    from parity.calibrate import machine

    result = dict(result, machine=machine())
    return [store.write_json(Path(out_dir, "power.json"), result),
            store.write_text(Path(out_dir, "power.md"), format_table(result, markdown=True) + "\n")]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"] and len(argv) == 3:
        return _worker_main(argv[1:])
    if argv[:1] == ["levels"] and len(argv) == 4:
        return _levels_main(argv[1:])
    print("usage: python -m parity.power worker JOBS OUT | levels ID MUTANT|- OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    sys.exit(main())

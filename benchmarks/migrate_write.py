"""`parity migrate SCRIPT.py --write port.py` at full budget: the generated port against the
TF1 program it was generated from.

    python -m benchmarks.migrate_write                        # everything, full budgets
    python -m benchmarks.migrate_write --only airline_passengers bigru_classifier
    python -m benchmarks.migrate_write --budget quick --out /tmp/x   # the smoke run
    python -m benchmarks.migrate_write --docs docs/generated-port.md  # the docs page's port
    python -m benchmarks.migrate_write --only airline_passengers --seeds 3   # seeds 0-2, each side

Targets: the seven built-in examples (``legacy_graph/ID.py``, at the registry's ``full``
budget, passed as their first argument; ``binary_addition_numpy_rnn``, with no RNN cell, is
ported as its forward graph written out op for op) and the TF1 scripts of ``tests/test_migrate_write.py``
(``tests/tf1_scripts/NAME.py``, at their own default budget). For each: the TF1 program runs
under ``parity legacy-run --capture`` at that budget (its metric read from its output),
``migrate --write`` writes the port from that capture, the port runs at the same budget, and
the two metrics are compared: within the example's tolerance (``parity.registry``) for a
built-in, within ``parity check``'s relative tolerance for a script.

Every program runs on one CPU core (``taskset -c 0`` where there is one, and one
TensorFlow / OpenMP thread), one at a time. Writes ``migrate_write.json`` / ``.md`` to
``--out`` (default: the git-ignored ``benchmarks/out``; ``benchmarks/results`` holds the
checked-in run); targets left out (``--only``, ``--deadline``) are listed as not run.

``--seeds N`` (or ``A-B``, ``A,B,C``: :func:`parity.seeds.parse`) runs the TF1 program and the
generated port once per seed, with ``PARITY_SEED=S`` in their environment: the port seeds Keras
with it, ``parity legacy-run`` makes it the seed of every graph the TF1 program seeds
(:func:`tf1_compat.runtime.override_graph_seed`). The port is written once, from the first
seed's capture. Each side's metric is summarised (mean, std, min-max) and the verdict is
``parity run --seeds``'s: the two one-sided Welch tests (:func:`parity.stats.equivalence`,
90% interval of port - TF1 inside the margin) at the example's margin
(:func:`parity.margins.margin`) or, for a script, ``parity check``'s 10% of the TF1 side's mean;
Welch's two-sided p of a difference is reported beside it, and the port runs once more from the
first seed's TF1 start weights (``--init-from port.start.weights.h5``, ``parity check
--same-start``) against that seed's TF1 run: with the same start, only float rounding is left
between the two (``--no-same-start``: not run). Without ``--seeds`` every program
runs once with its own seed, as before. ``--logs`` keeps every program's output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from parity import check, margins, registry, seeds, stats, store
from parity.calibrate import machine

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "tf1_scripts"

# example -> the line its program prints its metric on (kept by the generated port)
PRINTED = {
    "series_predictor": r"test loss \(MSE\): ([\d.]+)",
    "binary_addition_lstm": r"exact-sum accuracy over all 128 x 128 pairs: ([\d.]+)",
    "binary_addition_numpy_rnn": r"exact-sum accuracy over all 128 x 128 pairs: ([\d.]+)",
    "mnist_static_rnn": r"Testing Accuracy: ([\d.]+)",
    "mnist_dynamic_rnn": r"Testing Accuracy \(plain, final model\): ([\d.]+)",
    "stacked_lstm": r"Testing Accuracy: ([\d.]+)",
    "airline_passengers": r"forecast RMSE ([\d.]+) passengers",
}
# tests/tf1_scripts used by tests/test_migrate_write.py: their own budget (no argument)
SCRIPT_TARGETS = ["static_rnn_mnist", "char_lm_onehot", "bigru_classifier", "carried_state_regression"]
ONE_CORE = {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}


def _env() -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg", **ONE_CORE)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


CORE = "0"  # the CPU core every program is pinned to (--core)


def _pinned(cmd: list) -> list:
    return (["taskset", "-c", CORE] if shutil.which("taskset") else []) + cmd


def _metric(target: str, text: str, name=None):
    """(name, value) a program printed: the example's own line, else parity check's reading."""
    if target in PRINTED:
        found = re.findall(PRINTED[target], text)
        return (registry.get(target).metric, float(found[-1])) if found else None
    return check.read_metric(text, name)


def _program(target: str, budget: str) -> tuple[Path, list, bool]:
    builtin = target in registry.EXAMPLES
    script = ROOT / "legacy_graph" / f"{target}.py" if builtin else SCRIPTS / f"{target}.py"
    args = [str(registry.get(target).steps_for(budget))] if builtin else (
        [] if budget == "full" else ["20"])
    return script, args, builtin


def _seed_env(seed) -> dict:
    env = _env()
    env.pop("PARITY_SEED", None)
    if seed is not None:
        env["PARITY_SEED"] = str(seed)
    return env


def _keep_log(logs, name: str, done) -> None:
    if logs is not None:
        Path(logs).mkdir(parents=True, exist_ok=True)
        store.write_text(Path(logs, f"{name}.log"), (done.stdout or "") + (done.stderr or ""))


def _legacy(script, args, folder, timeout, seed=None, capture=True):
    opts = ["--capture", str(folder / "capture")] if capture else []
    return subprocess.run(_pinned([sys.executable, "-m", "parity", "legacy-run", *opts,
                                   str(script), *args]),
                          cwd=folder, env=_seed_env(seed), capture_output=True, text=True,
                          timeout=timeout)


def _port(folder, args, timeout, seed=None, init_from=None):
    start = ["--init-from", str(init_from)] if init_from else []
    return subprocess.run(_pinned([sys.executable, str(folder / "port.py"), *start, *args]),
                          cwd=folder,
                          env=_seed_env(seed), capture_output=True, text=True, timeout=timeout)


def _write(script, folder, timeout):
    return subprocess.run(_pinned([sys.executable, "-m", "parity", "migrate", str(script),
                                   "--capture", str(folder / "capture"),
                                   "--write", str(folder / "port.py")]),
                          cwd=folder, env=_env(), capture_output=True, text=True, timeout=timeout)


def _write_error(written) -> str:
    todos = [line for line in written.stderr.splitlines() if line.startswith("TODO(migrate)")]
    return ("migrate --write: " + "; ".join(todos) if todos else
            f"migrate --write: exit {written.returncode}: "
            + (written.stderr.strip().splitlines() or ["no message"])[-1])


def run_target(target: str, budget: str, folder: Path, timeout: float, logs=None) -> dict:
    script, args, builtin = _program(target, budget)
    row = {"target": target, "kind": "built-in" if builtin else "tests/tf1_scripts",
           "budget": f"{args[0]} {registry.get(target).unit}" if builtin else
           ("the script's own" if not args else f"{args[0]} steps")}
    start = time.perf_counter()
    legacy = _legacy(script, args, folder, timeout)
    row["legacy_seconds"] = round(time.perf_counter() - start, 1)
    _keep_log(logs, f"{target}-tf1", legacy)
    if legacy.returncode != 0:
        row["error"] = f"legacy run: exit {legacy.returncode}"
        return row
    start = time.perf_counter()
    written = _write(script, folder, timeout)
    row["write_seconds"] = round(time.perf_counter() - start, 1)
    row["todos"] = [line for line in written.stderr.splitlines() if line.startswith("TODO(migrate)")]
    if written.returncode != 0:
        row["error"] = _write_error(written)
        return row
    start = time.perf_counter()
    port = _port(folder, args, timeout)
    row["port_seconds"] = round(time.perf_counter() - start, 1)
    _keep_log(logs, f"{target}-port", port)
    if port.returncode != 0:
        row["error"] = f"generated port: exit {port.returncode}: " + \
            (port.stderr.strip().splitlines() or ["no message"])[-1][:200]
        return row
    got = _metric(target, port.stdout)
    legacy_metric = _metric(target, legacy.stdout, got[0] if got else None)
    if got is None or legacy_metric is None:
        row["error"] = "no metric printed by " + ("the port" if got is None else "the legacy run")
        return row
    row.update(metric=got[0], legacy=legacy_metric[1], port=got[1],
               delta=abs(got[1] - legacy_metric[1]))
    if builtin:
        row["tolerance"] = registry.get(target).tolerance
        row["ok"] = row["delta"] <= row["tolerance"]
        row["tolerance_text"] = f"{row['tolerance']:g} abs"
    else:
        row["tolerance"] = check.DEFAULT_TOLERANCE * abs(legacy_metric[1])
        row["ok"] = row["delta"] <= row["tolerance"]
        row["tolerance_text"] = f"{check.DEFAULT_TOLERANCE:g} rel"
    return row


SEEDS_NEEDED_MOST = 30  # recommended_seeds' search: 2 .. this many seeds per side


def seeded_verdict(target: str, legacy_values: list, port_values: list) -> dict:
    """Each side's summary and the many-seed verdict, as ``parity run --seeds`` decides it:
    the equivalence test (TOST, port - TF1) at the example's margin, or for a script at
    ``parity check``'s relative tolerance of the TF1 side's mean; Welch's p beside it. Not
    shown equivalent: ``seeds_needed``, the seeds per side with which two sides of equal
    means and these spreads would be shown equivalent 95% of the time
    (:func:`parity.margins.recommended_seeds`; None: more than 30)."""
    out = {"legacy_summary": stats.summary(legacy_values),
           "port_summary": stats.summary(port_values)}
    if target in registry.EXAMPLES:
        m = margins.margin(target)
        out.update(margin=m.value, margin_text=f"{m.value:g} abs", margin_source=m.source,
                   seeds_note=margins.seeds_note(target, min(len(legacy_values), len(port_values))))
    else:
        value = check.DEFAULT_TOLERANCE * abs(out["legacy_summary"]["mean"])
        out.update(margin=value, margin_text=f"{check.DEFAULT_TOLERANCE:g} rel = {value:.4g}",
                   margin_source="parity check's relative tolerance of the TF1 side's mean")
    if min(len(legacy_values), len(port_values)) < 2:
        out["diff"] = port_values[0] - legacy_values[0] if port_values and legacy_values else None
        out["ok"] = out["diff"] is not None and abs(out["diff"]) <= out["margin"]
        out["verdict"] = ("ok (1 seed)" if out["ok"] else "FAIL (1 seed)")
        return out
    eq = stats.equivalence(port_values, legacy_values, out["margin"])
    out.update(diff=eq["diff"], ci=eq["ci"], p_tost=eq["p_tost"], welch_p=eq["p"],
               ok=eq["equivalent"], verdict="equivalent" if eq["equivalent"] else "NOT SHOWN")
    if not eq["equivalent"]:  # would more seeds decide? (two equal sides with these spreads)
        out["seeds_needed"] = margins.recommended_seeds(
            0.0, out["legacy_summary"]["std"], out["port_summary"]["std"], out["margin"],
            most=SEEDS_NEEDED_MOST)
    return out


def run_target_seeds(target: str, budget: str, folder: Path, timeout: float, seed_list: list,
                     logs=None, stop_at=None, same_start=True) -> dict:
    """Both programs once per seed (``PARITY_SEED``), the port written from the first seed's
    capture; seeds after ``stop_at`` (a ``time.perf_counter()`` value) are not started.
    ``same_start``: then one more port run from the first seed's TF1 start weights."""
    script, args, builtin = _program(target, budget)
    row = {"target": target, "kind": "built-in" if builtin else "tests/tf1_scripts",
           "budget": f"{args[0]} {registry.get(target).unit}" if builtin else
           ("the script's own" if not args else f"{args[0]} steps"),
           "seeds": [], "legacy_values": [], "port_values": [], "legacy_seconds": [],
           "port_seconds": [], "seeds_not_run": []}
    metric = None
    for k, seed in enumerate(seed_list):
        if k and stop_at is not None and time.perf_counter() > stop_at:
            row["seeds_not_run"] = seed_list[k:]
            break
        start = time.perf_counter()
        legacy = _legacy(script, args, folder, timeout, seed, capture=k == 0)
        legacy_seconds = round(time.perf_counter() - start, 1)
        _keep_log(logs, f"{target}-seed{seed}-tf1", legacy)
        if legacy.returncode != 0:
            row["error"] = f"legacy run (seed {seed}): exit {legacy.returncode}"
            break
        if k == 0:
            start = time.perf_counter()
            written = _write(script, folder, timeout)
            row["write_seconds"] = round(time.perf_counter() - start, 1)
            if written.returncode != 0:
                row["error"] = _write_error(written)
                break
        start = time.perf_counter()
        port = _port(folder, args, timeout, seed)
        port_seconds = round(time.perf_counter() - start, 1)
        _keep_log(logs, f"{target}-seed{seed}-port", port)
        if port.returncode != 0:
            row["error"] = f"generated port (seed {seed}): exit {port.returncode}: " + \
                (port.stderr.strip().splitlines() or ["no message"])[-1][:200]
            break
        got = _metric(target, port.stdout)
        legacy_metric = _metric(target, legacy.stdout, got[0] if got else None)
        if got is None or legacy_metric is None:
            row["error"] = f"no metric printed by {'the port' if got is None else 'the legacy run'}" \
                f" (seed {seed})"
            break
        metric = got[0]
        row["seeds"].append(seed)
        row["legacy_values"].append(legacy_metric[1])
        row["port_values"].append(got[1])
        row["legacy_seconds"].append(legacy_seconds)
        row["port_seconds"].append(port_seconds)
        print(json.dumps({"target": target, "seed": seed, "legacy": legacy_metric[1],
                          "port": got[1]}), flush=True)
    if row["seeds"]:
        row["metric"] = metric
        row.update(seeded_verdict(target, row["legacy_values"], row["port_values"]))
        if same_start and not row.get("error"):
            row["same_start"] = _same_start(target, folder, args, timeout, row, logs)
    return row


def _same_start(target, folder, args, timeout, row, logs) -> dict:
    """The port from the TF1 program's own start weights (``port.start.weights.h5``, the first
    seed's capture) at the same budget, against that seed's TF1 run: what is left of the
    difference when the start weights are the same (``parity check --same-start``)."""
    seed = row["seeds"][0]
    start = time.perf_counter()
    port = _port(folder, args, timeout, seed, init_from=folder / "port.start.weights.h5")
    out = {"seed": seed, "seconds": round(time.perf_counter() - start, 1)}
    _keep_log(logs, f"{target}-seed{seed}-port-same-start", port)
    got = _metric(target, port.stdout) if port.returncode == 0 else None
    if got is None:
        out["error"] = f"exit {port.returncode}" if port.returncode else "no metric printed"
        return out
    legacy = row["legacy_values"][0]
    tolerance = (registry.get(target).tolerance if target in registry.EXAMPLES
                 else check.DEFAULT_TOLERANCE * abs(legacy))
    out.update(legacy=legacy, port=got[1], delta=abs(got[1] - legacy), tolerance=tolerance,
               ok=abs(got[1] - legacy) <= tolerance)
    return out


def markdown(report: dict) -> str:
    lines = [f"# migrate --write at the {report['budget']} budget", "",
             f"Machine: {report['machine'].get('cpu', '?')}; one core (`taskset -c "
             f"{report.get('core', '0')}`, one "
             f"TensorFlow / OpenMP thread), one program at a time. Command: `{report['command']}`."]
    if any("seeds" not in r for r in report["rows"]):
        lines += ["", "| target | budget | metric | TF1 program | generated port | abs(delta) | "
                  "tolerance | parity | seconds (TF1 / write / port) |",
                  "|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        if "seeds" in r:
            continue
        secs = " / ".join(str(r.get(k, "-")) for k in ("legacy_seconds", "write_seconds", "port_seconds"))
        if "error" in r:
            lines.append(f"| {r['target']} | {r['budget']} | - | - | - | - | - | error: "
                         f"{r['error'][:160]} | {secs} |")
        else:
            lines.append(f"| {r['target']} | {r['budget']} | {r['metric']} | {r['legacy']:.4f} | "
                         f"{r['port']:.4f} | {r['delta']:.4f} | {r['tolerance_text']} | "
                         f"{'ok' if r['ok'] else 'FAIL'} | {secs} |")
    seeded = [r for r in report["rows"] if "seeds" in r]
    if seeded:
        lines += ["", "Many seeds (`PARITY_SEED`): each side's metric over the seeds, and "
                  "`parity run --seeds`'s verdict: the 90% interval of port - TF1 inside the "
                  "margin (two one-sided Welch tests); Welch's p: the two-sided test of a "
                  "difference.", "",
                  "| target | budget | metric | seeds | TF1 mean (std) | TF1 min-max | "
                  "port mean (std) | port min-max | port - TF1 (90% CI) | margin | verdict | "
                  "Welch p | mean seconds (TF1 / port) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in seeded:
            if not r.get("seeds"):
                lines.append(f"| {r['target']} | {r['budget']} | - | - | - | - | - | - | - | - | "
                             f"error: {r.get('error', 'no seed ran')[:160]} | - | - |")
                continue
            a, b = r["legacy_summary"], r["port_summary"]
            ci = (f"{r['diff']:+.4g} [{r['ci'][0]:+.4g}, {r['ci'][1]:+.4g}]" if "ci" in r
                  else f"{r['diff']:+.4g}")
            secs = " / ".join(f"{sum(r[k]) / len(r[k]):.1f}" for k in ("legacy_seconds",
                                                                        "port_seconds"))
            seeds_text = ",".join(str(x) for x in r["seeds"])
            verdict = r["verdict"] + (f" (then: {r['error'][:80]})" if r.get("error") else "")
            lines.append(
                f"| {r['target']} | {r['budget']} | {r['metric']} | {seeds_text} | "
                f"{a['mean']:.4g} ({a['std']:.3g}) | {a['min']:.4g}-{a['max']:.4g} | "
                f"{b['mean']:.4g} ({b['std']:.3g}) | {b['min']:.4g}-{b['max']:.4g} | {ci} | "
                f"{r['margin_text']} | {verdict} | "
                f"{r['welch_p']:.2f} | {secs} |" if "welch_p" in r else
                f"| {r['target']} | {r['budget']} | {r['metric']} | {seeds_text} | "
                f"{a['mean']:.4g} | - | {b['mean']:.4g} | - | {ci} | {r['margin_text']} | "
                f"{verdict} | - | {secs} |")
        lines += [""] + [f"- {r['target']}: per seed (TF1 / port): " + "; ".join(
            f"{s_}: {x:.4g} / {y:.4g}" for s_, x, y in zip(r["seeds"], r["legacy_values"],
                                                        r["port_values"]))
            + (f"; seeds not run (--deadline): {r['seeds_not_run']}" if r.get("seeds_not_run")
               else "") + (f"; {r['seeds_note']}" if r.get("seeds_note") else "")
            + (("; two equal sides with these spreads need " + (
                f"{r['seeds_needed']} seeds per side" if r["seeds_needed"] else
                f"more than {SEEDS_NEEDED_MOST} seeds per side") + " to be shown equivalent at "
                "this margin 95% of the time") if "seeds_needed" in r else "")
            + _same_start_text(r.get("same_start"))
            for r in seeded if r.get("seeds")]
    if report["not_run"]:
        lines += ["", "Not run: " + "; ".join(f"{t} ({why})" for t, why in report["not_run"].items())
                  + "."]
    return "\n".join(lines) + "\n"


def _same_start_text(same) -> str:
    if not same:
        return ""
    if "error" in same:
        return f"; the port from the TF1 start weights (seed {same['seed']}): {same['error']}"
    return (f"; the port from seed {same['seed']}'s TF1 start weights (`--init-from "
            f"port.start.weights.h5`): {same['port']:.4g} vs the TF1 program's {same['legacy']:.4g}"
            f" (abs(delta) {same['delta']:.4g}, tolerance {same['tolerance']:.4g}: "
            f"{'ok' if same['ok'] else 'FAIL'}; {same['seconds']} s)")


# docs/generated-port.md shows the port migrate --write writes for this example, captured at
# this budget (what tests/test_migrate_builtin.py checks it against)
DOCS_EXAMPLE, DOCS_CAPTURE_STEPS = "mnist_static_rnn", "3"
DOCS_START, DOCS_END = "<!-- generated-port: start -->", "<!-- generated-port: end -->"


def docs_block(port_text: str) -> str:
    return f"{DOCS_START}\n```python\n{port_text.rstrip()}\n```\n{DOCS_END}"


def shown_port(page_text: str) -> str | None:
    """The generated port a docs page shows (between the markers), or None."""
    m = re.search(re.escape(DOCS_START) + r"\n```python\n(.*?)```\n" + re.escape(DOCS_END),
                  page_text, re.S)
    return m.group(1) if m else None


def update_docs(page: Path) -> None:
    """Write the port migrate --write writes today into ``page`` (between the markers)."""
    from tf1_compat import quiet

    quiet.quiet_python_warnings()
    quiet.import_tensorflow_quietly()  # no TensorFlow start-up log
    from tf1_migrate import write_port

    text = page.read_text()
    if shown_port(text) is None:
        raise SystemExit(f"migrate_write: {page} has no {DOCS_START} ... {DOCS_END} block")
    script = ROOT / "legacy_graph" / f"{DOCS_EXAMPLE}.py"
    with tempfile.TemporaryDirectory() as tmp:
        done = write_port.write_port(script, Path(tmp) / "port.py", args=[DOCS_CAPTURE_STEPS])
        if done.todos:
            raise SystemExit(f"migrate_write: the port of {DOCS_EXAMPLE} has TODO(migrate): {done.todos}")
        port_text = done.port.read_text()
    start, end = text.index(DOCS_START), text.index(DOCS_END) + len(DOCS_END)
    store.write_text(page, text[:start] + docs_block(port_text) + text[end:])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", metavar="TARGET", help="a subset (example ids, script names)")
    p.add_argument("--budget", choices=["full", "quick"], default="full",
                   help="full: the examples' full budget and the scripts' own (default); quick: "
                        "the quick budget and 20 steps (a smoke run)")
    p.add_argument("--deadline", type=float, default=None, metavar="SECONDS",
                   help="start no target after this many seconds (the rest: not run)")
    p.add_argument("--timeout", type=float, default=7200, help="per program, in seconds")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    p.add_argument("--docs", metavar="PAGE", help="only write the port migrate --write writes for "
                   f"{DOCS_EXAMPLE} into PAGE (docs/generated-port.md) and exit")
    p.add_argument("--seeds", metavar="N|A-B|A,B,C",
                   help="run both programs once per seed (PARITY_SEED) and decide by the "
                        "equivalence test over the seeds (default: one run each, own seed)")
    p.add_argument("--no-same-start", action="store_true",
                   help="with --seeds: no port run from the first seed's TF1 start weights")
    p.add_argument("--core", default="0", help="the CPU core to pin every program to (default 0)")
    p.add_argument("--logs", action="store_true", help="keep every program's output in OUT/logs")
    a = p.parse_args(argv)
    if a.docs:
        update_docs(Path(a.docs))
        return 0
    targets = list(registry.EXAMPLES) + SCRIPT_TARGETS
    unknown = [t for t in (a.only or []) if t not in targets]
    if unknown:
        print(f"migrate_write: unknown target(s) {', '.join(unknown)} (one of: {', '.join(targets)})",
              file=sys.stderr)
        return 2
    chosen = a.only or targets
    try:
        seed_list = seeds.parse(a.seeds) if a.seeds is not None else None
    except ValueError as exc:
        print(f"migrate_write: {exc}", file=sys.stderr)
        return 2
    global CORE
    CORE = str(a.core)
    logs = Path(a.out, "logs") if a.logs else None
    report = {"budget": a.budget, "core": CORE, "seeds": seed_list, "machine": machine(), "command": "python -m benchmarks.migrate_write "
              + " ".join(argv if argv is not None else sys.argv[1:]), "rows": [],
              "not_run": {t: "not in --only" for t in targets if t not in chosen}}
    began = time.perf_counter()
    for target in chosen:
        if a.deadline is not None and time.perf_counter() - began > a.deadline:
            report["not_run"][target] = "--deadline reached"
            continue
        with tempfile.TemporaryDirectory(prefix=f"migrate-{target}-") as tmp:
            try:
                if seed_list is None:
                    row = run_target(target, a.budget, Path(tmp), a.timeout, logs)
                else:
                    row = run_target_seeds(target, a.budget, Path(tmp), a.timeout, seed_list, logs,
                                           None if a.deadline is None else began + a.deadline,
                                           same_start=not a.no_same_start)
            except subprocess.TimeoutExpired:
                row = {"target": target, "budget": a.budget, "error": f"over {a.timeout:g} s"}
        report["rows"].append(row)
        print(json.dumps(row), flush=True)
        Path(a.out).mkdir(parents=True, exist_ok=True)  # after each target: a stopped run keeps it
        store.write_json(Path(a.out, "migrate_write.json"), report)
        store.write_text(Path(a.out, "migrate_write.md"), markdown(report))
    Path(a.out).mkdir(parents=True, exist_ok=True)
    store.write_json(Path(a.out, "migrate_write.json"), report)
    store.write_text(Path(a.out, "migrate_write.md"), markdown(report))
    return 0 if all(r.get("ok") for r in report["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())

"""`parity migrate SCRIPT.py --write port.py` at full budget: the generated port against the
TF1 program it was generated from.

    python -m benchmarks.migrate_write                        # everything, full budgets
    python -m benchmarks.migrate_write --only airline_passengers bigru_classifier
    python -m benchmarks.migrate_write --budget quick --out /tmp/x   # the smoke run
    python -m benchmarks.migrate_write --docs docs/generated-port.md  # the docs page's port

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

from parity import check, registry, store
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


def _pinned(cmd: list) -> list:
    return (["taskset", "-c", "0"] if shutil.which("taskset") else []) + cmd


def _metric(target: str, text: str, name=None):
    """(name, value) a program printed: the example's own line, else parity check's reading."""
    if target in PRINTED:
        found = re.findall(PRINTED[target], text)
        return (registry.get(target).metric, float(found[-1])) if found else None
    return check.read_metric(text, name)


def run_target(target: str, budget: str, folder: Path, timeout: float) -> dict:
    builtin = target in registry.EXAMPLES
    script = ROOT / "legacy_graph" / f"{target}.py" if builtin else SCRIPTS / f"{target}.py"
    args = [str(registry.get(target).steps_for(budget))] if builtin else (
        [] if budget == "full" else ["20"])
    row = {"target": target, "kind": "built-in" if builtin else "tests/tf1_scripts",
           "budget": f"{args[0]} {registry.get(target).unit}" if builtin else
           ("the script's own" if not args else f"{args[0]} steps")}
    start = time.perf_counter()
    legacy = subprocess.run(_pinned([sys.executable, "-m", "parity", "legacy-run", "--capture",
                                     str(folder / "capture"), str(script), *args]),
                            cwd=folder, env=_env(), capture_output=True, text=True, timeout=timeout)
    row["legacy_seconds"] = round(time.perf_counter() - start, 1)
    if legacy.returncode != 0:
        row["error"] = f"legacy run: exit {legacy.returncode}"
        return row
    start = time.perf_counter()
    written = subprocess.run(_pinned([sys.executable, "-m", "parity", "migrate", str(script),
                                      "--capture", str(folder / "capture"),
                                      "--write", str(folder / "port.py")]),
                             cwd=folder, env=_env(), capture_output=True, text=True, timeout=timeout)
    row["write_seconds"] = round(time.perf_counter() - start, 1)
    row["todos"] = [line for line in written.stderr.splitlines() if line.startswith("TODO(migrate)")]
    if written.returncode != 0:
        row["error"] = ("migrate --write: " + "; ".join(row["todos"]) if row["todos"] else
                        f"migrate --write: exit {written.returncode}: "
                        + (written.stderr.strip().splitlines() or ["no message"])[-1])
        return row
    start = time.perf_counter()
    port = subprocess.run(_pinned([sys.executable, str(folder / "port.py"), *args]), cwd=folder,
                          env=_env(), capture_output=True, text=True, timeout=timeout)
    row["port_seconds"] = round(time.perf_counter() - start, 1)
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


def markdown(report: dict) -> str:
    lines = [f"# migrate --write at the {report['budget']} budget", "",
             f"Machine: {report['machine'].get('cpu', '?')}; one core (`taskset -c 0`, one "
             f"TensorFlow / OpenMP thread), one program at a time. Command: `{report['command']}`.",
             "", "| target | budget | metric | TF1 program | generated port | abs(delta) | tolerance | "
             "parity | seconds (TF1 / write / port) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        secs = " / ".join(str(r.get(k, "-")) for k in ("legacy_seconds", "write_seconds", "port_seconds"))
        if "error" in r:
            lines.append(f"| {r['target']} | {r['budget']} | - | - | - | - | - | error: "
                         f"{r['error'][:160]} | {secs} |")
        else:
            lines.append(f"| {r['target']} | {r['budget']} | {r['metric']} | {r['legacy']:.4f} | "
                         f"{r['port']:.4f} | {r['delta']:.4f} | {r['tolerance_text']} | "
                         f"{'ok' if r['ok'] else 'FAIL'} | {secs} |")
    if report["not_run"]:
        lines += ["", "Not run: " + "; ".join(f"{t} ({why})" for t, why in report["not_run"].items())
                  + "."]
    return "\n".join(lines) + "\n"


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
    report = {"budget": a.budget, "machine": machine(), "command": "python -m benchmarks.migrate_write "
              + " ".join(argv if argv is not None else sys.argv[1:]), "rows": [],
              "not_run": {t: "not in --only" for t in targets if t not in chosen}}
    began = time.perf_counter()
    for target in chosen:
        if a.deadline is not None and time.perf_counter() - began > a.deadline:
            report["not_run"][target] = "--deadline reached"
            continue
        with tempfile.TemporaryDirectory(prefix=f"migrate-{target}-") as tmp:
            try:
                row = run_target(target, a.budget, Path(tmp), a.timeout)
            except subprocess.TimeoutExpired:
                row = {"target": target, "budget": a.budget, "error": f"over {a.timeout:g} s"}
        report["rows"].append(row)
        print(json.dumps(row), flush=True)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    store.write_json(Path(a.out, "migrate_write.json"), report)
    store.write_text(Path(a.out, "migrate_write.md"), markdown(report))
    return 0 if all(r.get("ok") for r in report["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())

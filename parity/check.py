"""``parity check LEGACY.py PORT.py``: run a TF1 script and its Keras 3 port, compare their metric.

The legacy script runs under ``parity legacy-run`` (the TF1 runtime), the port with this
Python, each in its own process. The final metric of each is read from what it prints:

- the convention: a line ``PARITY_METRIC name=value`` (the last one counts); the ports that
  ``parity migrate --write`` writes print one as their last line;
- failing that, the last number printed after the word of the port's metric: ``accuracy``
  (or ``acc``) for an accuracy, ``loss`` or ``cost`` for a loss, as TF1 tutorials print them
  (``Testing Accuracy: 0.97``, ``step 2 cost 0.61``).

They agree when ``|port - legacy| <= tolerance * |legacy|`` (relative; default
:data:`DEFAULT_TOLERANCE`). ``--steps N`` passes ``N`` as the first argument of both
programs (scripts that read their budget from ``sys.argv[1]``); ``--seed S`` sets
``PARITY_SEED=S`` in both (the generated ports seed Keras with it, ``parity legacy-run`` makes it
the seed of every graph the TF1 script seeds); ``--same-start`` starts the
port from the TF1 script's initial variables (``PORT.start.weights.h5``), so that the two
runs follow the same trajectory and differ only by float rounding.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TOLERANCE = 0.1  # relative: 10% of the legacy script's value
METRIC_LINE = re.compile(r"^PARITY_METRIC\s+([A-Za-z_][\w.-]*)=(\S+)\s*$", re.M)
_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_WORDS = {"accuracy": r"acc(?:uracy)?", "loss": r"(?:loss|cost)"}
# after the word: the first number (not one of a size such as "128 x 128"), else the number
# after a ':' or '=' later on the line ("accuracy over all 128 x 128 pairs: 1.0000")
_NEXT = r"[^0-9\n-]{0,30}?" + _NUMBER + r"(?![\d.]|\s*[x\u00d7]\s*\d)"
_AFTER_SIGN = r"[^\n:=]{0,60}?[:=]\s*" + _NUMBER


class CheckError(ValueError):
    """Bad input: a one-line reason (exit 2)."""


@dataclass
class Run:
    impl: str
    metric: str | None = None
    value: float | None = None
    seconds: float = 0.0
    error: str | None = None


def read_metric(text: str, name: str | None = None) -> tuple[str, float] | None:
    """``(name, value)`` from a program's output: its last ``PARITY_METRIC`` line, else the
    last number after the word of ``name`` (or of accuracy / loss when ``name`` is None)."""
    found = METRIC_LINE.findall(text)
    if found:
        key, value = found[-1]
        try:
            return key, float(value)
        except ValueError:
            return None
    names = [name] if name in _WORDS else ["accuracy", "loss"]
    best = None
    for key in names:
        for word in re.finditer(_WORDS[key] + r"\b", text, re.I):
            m = re.match(_NEXT, text[word.end():]) or re.match(_AFTER_SIGN, text[word.end():])
            if m and (best is None or word.start() > best[2]):
                best = (key, float(m.group(1)), word.start())
    return (best[0], best[1]) if best else None


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "no message"


def _env(seed) -> dict:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("MPLBACKEND", "Agg")
    if seed is not None:
        env["PARITY_SEED"] = str(seed)
    return env


def check(legacy: str, port: str, args=(), *, steps=None, seed=None, tolerance=DEFAULT_TOLERANCE,
          timeout=None, same_start=False) -> tuple[str, bool, list]:
    """``(table, ok, problem lines)``. ``same_start``: the port gets ``--init-from
    PORT.start.weights.h5`` (the TF1 script's initial variables, written by migrate --write)."""
    for what, path in (("legacy script", legacy), ("port", port)):
        p = Path(path)
        if not p.is_file():
            raise CheckError(f"{what} '{path}' not found")
        if p.suffix != ".py":
            raise CheckError(f"{what} '{path}' is not a .py file")
    if tolerance is not None and not tolerance >= 0:
        raise CheckError("--tolerance must be a number >= 0")
    if steps is not None and steps < 1:
        raise CheckError("--steps must be at least 1")
    full = ([str(steps)] if steps is not None else []) + list(args)
    port_extra = []
    if same_start:
        start = Path(port).with_name(f"{Path(port).stem}.start.weights.h5")
        if not start.is_file():
            raise CheckError(f"--same-start: no {start} (parity migrate --write writes it)")
        port_extra = ["--init-from", str(start)]
    legacy_run_, port_run = _run_port_first(legacy, port, full, seed, timeout, port_extra)
    from parity import runner

    problems = []
    delta = ok = None
    if legacy_run_.error or port_run.error:
        for r in (legacy_run_, port_run):
            if r.error:
                problems.append(f"check: the {r.impl} run failed: {r.error}")
        ok = False
    elif legacy_run_.metric != port_run.metric:
        problems.append(f"check: the legacy script's metric is {legacy_run_.metric}, the port's "
                        f"{port_run.metric}: not comparable")
        ok = False
    else:
        delta = abs(port_run.value - legacy_run_.value)
        ok = delta <= tolerance * abs(legacy_run_.value)
        if not ok:
            problems.append(f"parity: {Path(port).name} differs from {Path(legacy).name} by "
                            f"{delta:.4g} in {port_run.metric} (tolerance {tolerance:g} x "
                            f"{abs(legacy_run_.value):.4g})")
    budget = f"{steps} steps" if steps is not None else "script's"
    rows = []
    for r in (legacy_run_, port_run):
        name = Path(legacy).stem  # the example, as parity run's table names it
        if r.error:
            rows.append([name, r.impl, r.metric or "-", "error", budget, f"{r.seconds:.1f}", "", "",
                         r.error[:60]])
            continue
        rows.append([name, r.impl, r.metric, f"{r.value:.4f}", budget, f"{r.seconds:.1f}",
                     "" if delta is None else f"{delta:.4f}", f"{tolerance:g} rel",
                     "" if delta is None else ("ok" if ok else "FAIL")])
    return runner.text_table(runner.HEADER, rows), bool(ok), problems


def _run_port_first(legacy, port, args, seed, timeout, port_extra=()):
    """The port runs first, so that the legacy output is read for the port's metric."""
    from parity import legacy_run
    from tf1_compat import processes as procs

    env = _env(seed)
    out = {}
    for impl in ("port", "legacy"):
        run = Run(impl)
        start = time.perf_counter()
        try:
            if impl == "legacy":
                done = legacy_run.run_script(legacy, list(args), env=env, timeout=timeout)
            else:
                done = procs.run([sys.executable, port, *port_extra, *args], env=env,
                                 timeout=timeout, capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            run.error = f"did not finish in {timeout:g} s"
            out[impl] = run
            continue
        run.seconds = time.perf_counter() - start
        if done.returncode != 0:
            run.error = f"exit {done.returncode}: {_last_line(done.stderr)}"
        else:
            got = read_metric(done.stdout, out["port"].metric if impl == "legacy" else None)
            if got is None:
                run.error = "printed no metric (a PARITY_METRIC name=value line, or an accuracy/loss)"
            else:
                run.metric, run.value = got
        out[impl] = run
    return out["legacy"], out["port"]

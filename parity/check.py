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
    output: str = ""  # what it printed (stdout)


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
    _check_inputs(legacy, port, tolerance, steps, args)
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


def _run_port_first(legacy, port, args, seed, timeout, port_extra=(), extra_env=None):
    """The port runs first, so that the legacy output is read for the port's metric."""
    from parity import legacy_run
    from tf1_compat import processes as procs

    env = dict(_env(seed), **(extra_env or {}))
    out = {}
    for impl in ("port", "legacy"):
        run = Run(impl)
        start = time.perf_counter()
        try:
            if impl == "legacy" and _is_notebook(legacy):
                done = _run_notebook(legacy, env, timeout)
            elif impl == "legacy":
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
                run.output = done.stdout
        out[impl] = run
    return out["legacy"], out["port"]


# ---------------------------------------------------------------- many seeds

SEEDS_NEEDED_MOST = 30  # how far "NOT SHOWN" looks for the seeds that would decide

SAME_EVERY_SEED = ("{who} gave the same {metric} ({value:.6g}) for every seed while {other}'s "
                   "varied: {why}, so its seed-to-seed spread is not measured and the "
                   "equivalence test would compare one run with many")
_WHY = {"port": "it does not seed itself from PARITY_SEED (the ports `parity migrate --write` "
                "writes do: keras.utils.set_random_seed)",
        "legacy": "its randomness does not come from a seeded TF graph (legacy-run makes "
                  "PARITY_SEED the seed of every graph the script seeds; NumPy's generators "
                  "stay as the script seeds them)"}


def seeded_verdict(legacy_values: list, port_values: list, margin: float,
                   alpha: float | None = None, metric: str = "metric",
                   outputs_differ: dict | None = None) -> dict:
    """The many-seed verdict of ``parity check --seeds``: each side's summary and the
    equivalence test (two one-sided Welch tests, :func:`parity.stats.equivalence`) that the
    ``1 - 2 alpha`` interval of ``mean(port) - mean(legacy)`` lies inside ``+/- margin``.

    A side whose value did not move over the seeds while the other's did is refused
    (``ok`` False, ``problem``): its spread is unmeasured, and the test would take one run
    for a sample. Not when ``outputs_differ[side]``: the side's output changed with the
    seed, so the seed reached it and its value is the same at the precision it prints
    (``note``). Both sides constant (deterministic programs) is a plain comparison of the
    two values, as the test then is. Not shown equivalent: ``seeds_needed``, the seeds per
    side with which sides of these spreads and equal means would be shown equivalent 95% of
    the time (None: more than 30)."""
    from parity import margins, stats

    alpha = stats.ALPHA if alpha is None else alpha
    out = {"legacy": stats.summary(legacy_values), "port": stats.summary(port_values),
           "margin": margin, "alpha": alpha, "confidence": 1.0 - 2.0 * alpha}
    if not margin > 0:
        out.update(ok=False, verdict="no margin",
                   problem="the margin is 0 (the legacy mean is 0, and --tolerance is relative "
                           "to it): give an absolute one with --margin")
        return out
    if min(len(legacy_values), len(port_values)) < 2:
        raise ValueError("the equivalence test needs two seeds on each side")
    constant = {side: out[side]["min"] == out[side]["max"] for side in ("legacy", "port")}
    eq = stats.equivalence(port_values, legacy_values, margin, alpha)
    out.update(diff=eq["diff"], ci=eq["ci"], p_tost=eq["p_tost"], welch_p=eq["p"],
               ok=eq["equivalent"], verdict="equivalent" if eq["equivalent"] else "NOT SHOWN")
    differ = outputs_differ or {}
    if constant["legacy"] != constant["port"]:
        side = "port" if constant["port"] else "legacy"
        other = "the legacy script" if side == "port" else "the port"
        who = "the port" if side == "port" else "the legacy script"
        if differ.get(side):
            out["note"] = (f"{who} printed the same {metric} ({out[side]['mean']:.6g}) for every "
                           f"seed, though its output changed with the seed: its spread is below "
                           f"the precision it prints (a PARITY_METRIC {metric}=VALUE line with "
                           f"more digits makes the test finer)")
        else:
            out.update(ok=False, verdict="seed ignored", problem=SAME_EVERY_SEED.format(
                who=who, metric=metric, value=out[side]["mean"], other=other, why=_WHY[side]))
    if not out["ok"] and "problem" not in out:
        out["seeds_needed"] = margins.recommended_seeds(
            0.0, out["legacy"]["std"], out["port"]["std"], margin, most=SEEDS_NEEDED_MOST)
    return out


def _fmt(x: float) -> str:
    return f"{x:.4f}" if abs(x) < 1000 else f"{x:.1f}"


def check_seeds(legacy: str, port: str, args=(), *, seeds: list, steps=None,
                tolerance=DEFAULT_TOLERANCE, margin=None, timeout=None, jobs: int = 1,
                progress: bool = True) -> tuple[str, bool, list, dict]:
    """``parity check --seeds``: both programs once per seed (``PARITY_SEED``), up to ``jobs``
    seeds at once (each process on its share of the cores), then the equivalence test.
    ``margin``: absolute; default ``tolerance * |mean of the legacy side|``.
    Returns ``(table, ok, problem lines, payload)``; the payload keeps every seed's value."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from parity import backends
    from parity import jobs as pool
    from tf1_compat import processes as procs

    _check_inputs(legacy, port, tolerance, steps, args)
    if margin is not None and not margin > 0:
        raise CheckError("--margin must be a number > 0")
    if not seeds:
        raise CheckError("--seeds: no seed")
    full = ([str(steps)] if steps is not None else []) + list(args)
    n_jobs = max(1, min(int(jobs), len(seeds)))
    threads = max(1, pool.cores() // n_jobs)
    extra = {} if n_jobs == 1 else pool.thread_env(
        threads, os.environ.get("KERAS_BACKEND", backends.DEFAULT))
    if progress:
        where = "one at a time" if n_jobs == 1 else f"{n_jobs} at once x {threads} thread(s)"
        print(f"parity check: {Path(legacy).name} vs {Path(port).name}, {len(seeds)} seeds "
              f"({_seed_text(seeds)}), {where}", flush=True)
    lock, stopping = threading.Lock(), threading.Event()

    def one(seed):
        if stopping.is_set():
            return None
        pair = _run_port_first(legacy, port, full, seed, timeout, extra_env=extra)
        if progress:
            with lock:
                print(_progress_line(seed, *pair), flush=True)
        return pair

    with procs.raise_on_signals(), ThreadPoolExecutor(max_workers=n_jobs) as workers:
        futures = [workers.submit(one, seed) for seed in seeds]
        try:
            pairs = [f.result() for f in futures]
        except KeyboardInterrupt:  # reaches this thread only: pass it on, start no more
            stopping.set()
            for f in futures:
                f.cancel()
            procs.interrupt_all()
            raise
    return _seeds_outcome(legacy, port, seeds, pairs, steps, tolerance, margin)


def _is_notebook(path) -> bool:
    return Path(path).suffix.lower() == ".ipynb"


def _run_notebook(notebook, env, timeout):
    """``parity legacy-run NOTEBOOK`` (cell by cell, in a kernel), its executed copy into a
    temporary folder (several seeds run the same notebook at once): the CompletedProcess."""
    import tempfile

    from tf1_compat import processes as procs

    with tempfile.TemporaryDirectory(prefix="parity-check-") as tmp:
        output = Path(tmp, Path(notebook).name)
        return procs.run([sys.executable, "-m", "parity", "legacy-run", "--output", str(output),
                          str(notebook)], env=env, timeout=timeout, capture_output=True, text=True)


def _check_inputs(legacy, port, tolerance, steps, args=()) -> None:
    for what, path in (("legacy script", legacy), ("port", port)):
        p = Path(path)
        if not p.is_file():
            raise CheckError(f"{what} '{path}' not found")
        if p.suffix != ".py" and not (what == "legacy script" and _is_notebook(p)):
            raise CheckError(f"{what} '{path}' is not a .py file"
                             + (" or a notebook (.ipynb)" if what == "legacy script" else ""))
    if _is_notebook(legacy) and (steps is not None or args):
        raise CheckError("a notebook takes no arguments (--steps and ARG are for scripts)")
    if tolerance is not None and not tolerance >= 0:
        raise CheckError("--tolerance must be a number >= 0")
    if steps is not None and steps < 1:
        raise CheckError("--steps must be at least 1")


def _seed_text(seeds: list) -> str:
    if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds[:10])) + (",..." if len(seeds) > 10 else "")


def _progress_line(seed, legacy_run_: Run, port_run: Run) -> str:
    def part(r: Run) -> str:
        if r.error:
            return f"{r.impl} failed: {r.error}"
        return f"{r.impl} {r.metric} {r.value:.4f} ({r.seconds:.1f} s)"

    return f"seed {seed}: {part(legacy_run_)}, {part(port_run)}"


def _outputs_differ(pairs, k: int) -> bool:
    """Whether side ``k`` (0 legacy, 1 port) printed anything different between the seeds
    (``parity legacy-run``'s own lines aside: they name temporary folders)."""
    def text(run: Run) -> str:
        return "\n".join(line for line in run.output.splitlines()
                         if not line.startswith("parity legacy-run:"))

    return len({text(pair[k]) for pair in pairs}) > 1


def _seeds_outcome(legacy, port, seeds, pairs, steps, tolerance, margin):
    """The table, verdict, problem lines and payload of a many-seed check from its runs
    (``pairs``: ``(legacy Run, port Run)`` per seed)."""
    from parity import runner, stats
    from parity import seeds as seeds_mod

    name = Path(legacy).stem
    problems, per_seed = [], []
    for seed, (lr, pr) in zip(seeds, pairs):
        per_seed.append({"seed": seed, "legacy": lr.value, "port": pr.value,
                         "legacy_seconds": round(lr.seconds, 2), "port_seconds": round(pr.seconds, 2),
                         **({"legacy_error": lr.error} if lr.error else {}),
                         **({"port_error": pr.error} if pr.error else {})})
        for r in (lr, pr):
            if r.error:
                problems.append(f"check: seed {seed}: the {r.impl} run failed: {r.error}")
    metrics = {r.metric for pair in pairs for r in pair if not r.error}
    if len(metrics) > 1:
        problems.append(f"check: the programs printed different metrics ({', '.join(sorted(metrics))}): "
                        f"not comparable")
    payload = {"legacy": str(legacy), "port": str(port), "metric": next(iter(metrics), None),
               "budget": steps, "seeds": list(seeds), "per_seed": per_seed,
               "test": seeds_mod.EQUIVALENCE_TEST if len(seeds) > 1 else seeds_mod.SINGLE_SEED_TEST}
    ok = not problems
    values = {side: [s[side] for s in per_seed if s[side] is not None] for side in ("legacy", "port")}
    verdict = None
    if ok:
        legacy_mean = sum(values["legacy"]) / len(values["legacy"])
        m = margin if margin is not None else tolerance * abs(legacy_mean)
        payload["margin_source"] = ("--margin (absolute)" if margin is not None else
                                    f"--tolerance {tolerance:g} x |mean of the legacy side|")
        if len(seeds) > 1:
            verdict = seeded_verdict(values["legacy"], values["port"], m, metric=payload["metric"],
                                     outputs_differ={side: _outputs_differ(pairs, k)
                                                     for k, side in enumerate(("legacy", "port"))})
        else:
            delta = abs(values["port"][0] - values["legacy"][0])
            verdict = {"margin": m, "diff": values["port"][0] - values["legacy"][0],
                       "ok": m > 0 and delta <= m, "verdict": "ok (1 seed)" if delta <= m else "FAIL (1 seed)"}
        ok = bool(verdict["ok"])
        payload["verdict"] = verdict
        if verdict.get("note"):
            problems.append("check: note: " + verdict["note"])
        if verdict.get("problem"):
            problems.append("check: " + verdict["problem"])
        elif not ok and "ci" in verdict:
            problems.append(
                f"parity: {Path(port).name} - {Path(legacy).name} = {verdict['diff']:+.4g} in "
                f"{payload['metric']}, {verdict['confidence']:.0%} CI [{verdict['ci'][0]:+.4g}, "
                f"{verdict['ci'][1]:+.4g}] not inside +/-{verdict['margin']:.4g} (not shown "
                f"equivalent over {len(seeds)}+{len(seeds)} seeds)")
            if "seeds_needed" in verdict:
                need = verdict["seeds_needed"]
                if need is None:
                    problems.append(
                        f"check: with these spreads even {SEEDS_NEEDED_MOST} seeds per side would "
                        f"not show two equal sides equivalent within +/-{verdict['margin']:.4g}: "
                        f"widen the margin (--margin, --tolerance) or train longer")
                elif need > len(seeds):
                    problems.append(f"check: with these spreads and equal means, {need} seeds per "
                                    f"side would show equivalence 95% of the time (--seeds {need})")
        elif not ok:
            problems.append(f"parity: {Path(port).name} differs from {Path(legacy).name} by "
                            f"{abs(verdict['diff']):.4g} in {payload['metric']} (margin {m:.4g})")
    payload["ok"] = ok
    budget = f"{steps} steps" if steps is not None else "script's"
    rows = []
    for side in ("legacy", "port"):
        vals = values[side]
        failed = sum(1 for s in per_seed if s.get(f"{side}_error"))
        if not vals:
            rows.append([name, side, payload["metric"] or "-", "0", "error", "", "", budget, "", "",
                         f"{failed} failed"])
            continue
        s = stats.summary(vals)
        ci = mark = marg = ""
        if side == "port" and verdict is not None:
            marg = f"{verdict['margin']:.4g}"
            mark = verdict["verdict"]
            if "ci" in verdict:
                ci = f"{verdict['diff']:+.4g} [{verdict['ci'][0]:+.4g}, {verdict['ci'][1]:+.4g}]"
            elif "diff" in verdict:
                ci = f"|{abs(verdict['diff']):.4g}|"
        elif failed:
            mark = f"{failed} failed"
        rows.append([name, side, payload["metric"], str(s["n"]), _fmt(s["mean"]), _fmt(s["std"]),
                     f"{_fmt(s['min'])}-{_fmt(s['max'])}", budget, ci, marg, mark])
    return runner.text_table(seeds_mod.HEADER, rows), ok, problems, payload

"""Runs implementations (each side in its own process), compares them, writes ``ID.json``."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hyperparams import MAX_SEED
from parity import backends, registry, store
from parity.result import library_versions

TORCH_HINT = "PyTorch is not installed: pip install 'tf1-lstm-parity[torch]' (torch==2.13.0, CPU build)"


def impl_available(impl: str) -> tuple[bool, str]:
    """Whether an implementation can run here, and why not."""
    if impl == "torch" and importlib.util.find_spec("torch") is None:
        return False, TORCH_HINT
    return True, ""


def resolve_impls(example: registry.Example, which: str) -> list[str]:
    """``legacy|port|both|numpy|torch|all`` -> the implementations of this example to run."""
    if which == "both":
        return ["legacy", "port"]
    if which == "all":
        return list(example.impls)
    if which not in example.impls:
        raise ValueError(
            f"{example.id} has no '{which}' implementation; it has: {', '.join(example.impls)}"
        )
    return [which]


VERBOSE_ENV = "PARITY_VERBOSE"  # 1: the implementations' own output and TensorFlow's logs
PROGRESS_ENV = "PARITY_PROGRESS"  # 1: one line per run (the default of `parity run`/`all`)


class InputError(ValueError):
    """Bad input found before any training starts (the CLI's exit code 2)."""


def preflight(jobs: list[dict]) -> None:
    """Check what can be checked before the workers start: each job's budget and seed give
    a valid config, and the MNIST source (``$PARITY_MNIST_DIR`` / ``data_dir``) is readable."""
    checked = set()
    for job in jobs:
        example = registry.get(job["example"])
        steps, seed = job.get("steps"), job.get("seed")
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise InputError(f"{example.id}: steps must be a whole number of at least 1, got {steps!r}")
        if seed is not None and (not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
            raise InputError(f"{example.id}: seed must be between 0 and {MAX_SEED}, got {seed!r}")
        config = example.config(steps=steps, seed=seed)
        if hasattr(config, "data_dir"):
            key = (config.data_dir, os.environ.get("PARITY_MNIST_DIR", ""))
            if key in checked:
                continue
            checked.add(key)
            from datasets import mnist
            from datasets.errors import DataError

            try:
                mnist.load_data(config.data_dir)
            except DataError as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise InputError(f"MNIST data for {example.id}: {first}") from None


def worker_failure(returncode: int, tail) -> str:
    """Why a worker ended without results: the signal that killed it, or its last line."""
    if returncode < 0:
        from tf1_compat.processes import signal_name

        return f"worker killed by signal {-returncode} ({signal_name(-returncode)})"
    last = next((line.strip() for line in reversed(tail) if line.strip()), "")
    return f"worker exited {returncode}" + (f": {last}" if last else "")


def job_backend(job: dict) -> str:
    """The Keras backend a job's process runs on: the port's choice; TensorFlow for the rest."""
    return (job.get("backend") or backends.DEFAULT) if job["impl"] == "port" else backends.DEFAULT


def run_label(run: dict) -> str:
    """A run's name in tables and plots: ``port`` on TensorFlow, ``port[jax]`` on JAX, ..."""
    backend = run.get("backend")
    if run.get("impl") == "port" and backend and backend != backends.DEFAULT:
        return f"port[{backend}]"
    return run["impl"]


def run_isolated(jobs: list[dict], verbose: bool = True, progress: bool | None = None) -> list[dict]:
    """Run jobs grouped by implementation and Keras backend, one fresh Python process per
    group (with ``KERAS_BACKEND`` set before Keras is imported), in order.

    ``verbose``: the implementations' own output (progress bars, logs) and TensorFlow's
    start-up lines and warnings; ``progress`` (default: ``verbose``): one line per run.
    A SIGTERM/SIGHUP to this process stops the worker and raises
    :class:`tf1_compat.processes.Terminated` after the temporary folder is removed.
    """
    import collections
    import threading

    from tf1_compat import processes as procs
    from tf1_compat import quiet

    progress = verbose if progress is None else progress
    groups: dict[tuple[str, str, bool], list[dict]] = {}
    for job in jobs:
        backend = job_backend(job)
        float64 = backend == "jax" and registry.get(job["example"]).float64  # x64 JAX: own process
        groups.setdefault((job["impl"], backend, float64), []).append(job)
    results: list[dict] = []
    base_env = dict(os.environ, TF_USE_LEGACY_KERAS="1", MPLBACKEND="Agg")
    base_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    base_env[VERBOSE_ENV] = "1" if verbose else "0"
    base_env[PROGRESS_ENV] = "1" if progress else "0"
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        # the workers' own temporary files go inside ours: removed with it, even when a
        # worker is killed before it could clean up
        base_env["TMPDIR"] = tmp
        for (impl, backend, float64), group in groups.items():
            env = backends.env(backend, base_env, float64=float64, jax_cache=Path(tmp, "jax-cache"))
            name = f"{impl}-{backend}" + ("-x64" if float64 else "")
            jobs_path = Path(tmp, f"{name}-jobs.json")
            out_path = Path(tmp, f"{name}-out.json")
            jobs_path.write_text(json.dumps(group))
            tail: collections.deque = collections.deque(maxlen=50)
            sys.stdout.flush()
            with procs.supervised(
                [sys.executable, "-m", "parity.worker", str(jobs_path), str(out_path)],
                env=env,
                stdout=None if (verbose or progress) else subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            ) as proc:
                reader = threading.Thread(
                    target=quiet.forward_stderr, args=(proc.stderr,),
                    kwargs={"out": sys.stderr.buffer if (verbose or progress) else None,
                            "drop_noise": not verbose, "tail": tail},
                    daemon=True,
                )
                reader.start()
                proc.wait()
                reader.join()
                proc.stderr.close()
            done = json.loads(out_path.read_text()) if out_path.exists() else []
            results.extend(done)
            unfinished = group[len(done):]
            if unfinished:
                why = worker_failure(proc.returncode, tail)
                if progress:  # ends the line the worker began for the job it was running
                    print(f" failed: {why}" if not verbose else
                          f"{unfinished[0]['example']} {impl}: failed: {why}", flush=True)
                results.extend({"ok": False, "job": job, "error": why} for job in unfinished)
    return results


def parity_check(example: registry.Example, runs: dict[str, dict]) -> dict:
    """Outcome parity of the legacy/port pair (and, for information, each reference vs legacy).

    ``runs`` is keyed by :func:`run_label`. With ports on several Keras backends, each is
    compared with the legacy side (``ports``: label -> delta, ok); ``delta`` is the first
    port's and ``ok`` is true only when every port is within the tolerance.
    """
    out: dict = {"metric": example.metric, "tolerance": example.tolerance,
                 "tolerance_note": example.tolerance_note,
                 "test": "single seed: |legacy - port| <= tolerance"}  # --seeds N: parity.seeds
    legacy = runs.get("legacy")
    ports = {label: r for label, r in runs.items() if r.get("impl", label) == "port"}
    if legacy and ports:
        checks = {}
        for label, port in ports.items():
            delta = abs(legacy["value"] - port["value"])
            checks[label] = {"backend": port.get("backend", backends.DEFAULT), "delta": delta,
                             "ok": bool(math.isfinite(delta) and delta <= example.tolerance)}
        first = next(iter(checks.values()))
        out.update(pair="legacy vs port", delta=first["delta"],
                   ok=all(c["ok"] for c in checks.values()))
        if len(checks) > 1 or first["backend"] != backends.DEFAULT:
            out["ports"] = checks
    else:
        out.update(pair=None, delta=None, ok=None)
    refs = {}
    for impl in ("numpy", "torch"):
        if impl in runs and legacy:
            d = abs(runs[impl]["value"] - legacy["value"])
            refs[impl] = {"delta_vs_legacy": d, "within_tolerance": bool(d <= example.tolerance)}
    if refs:
        out["references"] = refs
    return out


def make_jobs(example_id: str, impl: str, backend_names=None, **fields) -> tuple[list[dict], dict]:
    """One job per Keras backend for the port, one job for any other implementation; and
    ``{label: reason}`` for the backends this example's port cannot run on."""
    names = list(backend_names or [backends.DEFAULT]) if impl == "port" else [None]
    jobs, skipped = [], {}
    for b in names:
        why = b and backends.limitation(b, float64=registry.get(example_id).float64)
        if why:
            skipped[run_label({"impl": impl, "backend": b})] = why
            continue
        jobs.append({"example": example_id, "impl": impl, **({"backend": b} if b else {}), **fields})
    return jobs, skipped


def run_example(example_id: str, impls: list[str], steps: int | None, seed: int | None,
                out_dir: str | os.PathLike, verbose: bool = True, extra_jobs_results=None,
                backend_names=None, progress: bool | None = None, check: bool = True) -> dict:
    """Run one example's implementations and write ``out_dir/ID.json`` (``ID.failed.json``
    when a run failed, see :mod:`parity.store`); return the payload.

    ``backend_names``: the Keras backends the port runs on (default: TensorFlow only).
    """
    example = registry.get(example_id)
    jobs, skipped = [], {}
    for impl in impls:
        ok, why = impl_available(impl)
        if not ok:
            skipped[impl] = why
            continue
        new, why = make_jobs(example_id, impl, backend_names, steps=steps, seed=seed, verbose=verbose)
        jobs += new
        skipped.update(why)
    if extra_jobs_results is None:
        if check:
            preflight(jobs)
        results = run_isolated(jobs, verbose, progress)
    else:
        results = extra_jobs_results
    return assemble(example, results, skipped, out_dir)


def assemble(example: registry.Example, results: list[dict], skipped: dict, out_dir) -> dict:
    runs, errors = {}, {}
    for r in results:
        if r["job"]["example"] != example.id:
            continue
        label = run_label({"impl": r["job"]["impl"], "backend": r["job"].get("backend")})
        if r["ok"]:
            runs[label] = dict(r["result"], label=label)
        else:
            errors[label] = r["error"]
    payload = {
        "example": example.id,
        "title": example.title,
        "article": example.article,
        "unit": example.unit,
        "metric": example.metric,
        "higher_is_better": example.higher_is_better,
        "runs": list(runs.values()),
        "skipped": skipped,
        "errors": errors,
        "parity": parity_check(example, runs),
        "versions": library_versions("torch"),
    }
    store.save(out_dir, payload)
    return payload


write_json = store.write_json  # kept for callers of the old name


def parity_rows(payloads: list[dict]) -> list[list[str]]:
    rows = []
    for p in payloads:
        par = p["parity"]
        ports = par.get("ports", {})
        for run in p["runs"]:
            label = run.get("label", run["impl"])
            is_pair = run["impl"] in ("legacy", "port")
            # each port row is its own backend's comparison with the legacy side; the legacy
            # row carries the pair's (or, with several backends, every port's) verdict
            check = ports.get(label) or (par if len(ports) <= 1 or run["impl"] == "port" else
                                         {"delta": None, "ok": par["ok"]})
            rows.append([
                p["example"], label, p["metric"], f"{run['value']:.4f}",
                f"{run['steps']} {p['unit']}", f"{run['seconds']:.1f}",
                "" if not is_pair or check["delta"] is None else f"{check['delta']:.4f}",
                "" if not is_pair else f"{par['tolerance']:g}",
                "" if not is_pair or check["ok"] is None else ("ok" if check["ok"] else "FAIL"),
            ])
        for impl, why in p.get("skipped", {}).items():
            rows.append([p["example"], impl, p["metric"], "skipped", "", "", "", "", why])
        for impl, err in p.get("errors", {}).items():
            rows.append([p["example"], impl, p["metric"], "error", "", "", "", "", err[:60]])
    return rows


HEADER = ["example", "impl", "metric", "value", "budget", "seconds", "|delta|", "tol", "parity"]


def format_table(rows: list[list[str]], markdown: bool = False) -> str:
    table = [HEADER, *rows]
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in table) for i in range(len(HEADER))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)


def failure_lines(payloads: list[dict]) -> list[str]:
    """One line per failed parity check (which pair, by how much) and per failed run."""
    lines = []
    for p in payloads:
        par = p["parity"]
        if par.get("ok") is False:
            lines.append(f"parity: {p['example']}: {par.get('pair') or 'legacy vs port'} differ by "
                         f"{par['delta']:.4g} in {p['metric']} (tolerance {par['tolerance']:g})")
        for impl, err in p.get("errors", {}).items():
            lines.append(f"parity: {p['example']} {impl} failed: {err}")
    return lines


def overall_ok(payloads: list[dict]) -> bool:
    """False when any pair's parity check failed or any run errored."""
    return all(p["parity"]["ok"] is not False and not p["errors"] for p in payloads)

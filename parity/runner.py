"""Runs implementations (each side in its own process), compares them, writes ``ID.json``."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hyperparams import MAX_SEED, MAX_STEPS, MAX_STEPS_NOTE
from parity import backends, registry, store
from parity.result import library_versions

TORCH_HINT = "PyTorch is not installed: pip install -e '.[torch]' in the clone (torch==2.13.0, CPU build)"


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
    from tf1_compat.processes import address_space_problem

    memory = address_space_problem()
    if memory is not None:
        raise InputError(memory)
    checked = set()
    for job in jobs:
        example = registry.get(job["example"])
        steps, seed = job.get("steps"), job.get("seed")
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise InputError(f"{example.id}: steps must be a whole number of at least 1, got {steps!r}")
        if steps is not None and steps > MAX_STEPS:
            raise InputError(f"{example.id}: steps must be at most {MAX_STEPS:,} ({MAX_STEPS_NOTE}), got {steps}")
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
                (x_train, _), (x_test, _) = mnist.load_data(config.data_dir)
            except DataError as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise InputError(f"MNIST data for {example.id}: {first}") from None
            _check_mnist_splits(example.id, len(x_train), len(x_test), config.data_dir)


def _check_mnist_splits(example_id: str, train: int, test: int, data_dir) -> None:
    """A source that loads but cannot train or be scored: no image left for training
    once the validation split took its share, or no test image."""
    from datasets import mnist

    where = mnist.describe_source(data_dir)
    if train == 0:
        raise InputError(f"MNIST data for {example_id}: no training image is left once the "
                         f"validation split takes its {mnist.FULL_VALIDATION_SIZE:,} (TF1's "
                         f"read_data_sets default); the training set needs more images ({where})")
    if test == 0:
        raise InputError(f"MNIST data for {example_id}: the test set has no image, so there is "
                         f"nothing to score the model on ({where})")


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
    sweep_dead_temp_folders()
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp, _owned(tmp):
        # the workers' own temporary files go inside ours: removed with it, even when a
        # worker is killed before it could clean up (and by the next run's sweep when this
        # process is killed by SIGKILL)
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
                procs.end_group(proc)  # nothing of the worker's is left to hold the pipe
                reader.join(timeout=10)
                if not reader.is_alive():
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


TEMP_PREFIX = "parity-"
OWNER_LOCK = ".parity-owner.lock"  # in our temporary folder, locked while this process lives


@contextlib.contextmanager
def _owned(folder):
    """Mark ``folder`` as this live process's: a lock file holding its PID, locked (flock)
    until the block ends; a folder whose lock is free belongs to a process that died."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no marking, no sweeping
        yield
        return
    part = Path(folder, OWNER_LOCK + ".part")
    fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.replace(part, Path(folder, OWNER_LOCK))  # only ever seen locked
        yield
    finally:
        os.close(fd)


def sweep_dead_temp_folders(base=None) -> list[Path]:
    """Remove the temporary folders (``$TMPDIR/parity-*``) of runs whose process died
    without cleaning up (SIGKILL, the OOM killer): those whose owner lock is free. Returns
    the folders removed."""
    try:
        import fcntl
    except ImportError:
        return []
    removed = []
    for folder in Path(base or tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        try:
            fd = os.open(Path(folder, OWNER_LOCK), os.O_RDONLY)
        except OSError:  # no lock file: not ours to judge, or still starting
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its process is alive
            os.close(fd)
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed


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
                backend_names=None, progress: bool | None = None, check: bool = True,
                merge: bool = False) -> dict:
    """Run one example's implementations and write ``out_dir/ID.json`` (``ID.failed.json``
    when a run failed, see :mod:`parity.store`); return the payload.

    ``backend_names``: the Keras backends the port runs on (default: TensorFlow only).
    ``steps=None``: the example's default budget (``parity run`` and ``parity all`` use it too).
    """
    example = registry.get(example_id)
    if steps is None:
        steps = example.steps_for("default")
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
    return assemble(example, results, skipped, out_dir, merge=merge)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def assemble(example: registry.Example, results: list[dict], skipped: dict, out_dir,
             merge: bool = False) -> dict:
    """Write ``out_dir/ID.json`` (or ``ID.failed.json``) for ``results``; return the payload.
    ``merge``: the runs of the implementations not run now are kept from the previous
    ``ID.json`` (see :func:`_merge_previous`)."""
    runs, errors, not_finite = {}, {}, []
    for r in results:
        if r["job"]["example"] != example.id:
            continue
        label = run_label({"impl": r["job"]["impl"], "backend": r["job"].get("backend")})
        if r["ok"] and not _finite(r["result"].get("value")):
            # a NaN metric (diverged training, nothing to score) is no result: the run is
            # kept under "not_finite" (the value written as null) and reported as an error
            errors[label] = (f"{example.metric} is {r['result'].get('value')}, not a finite number "
                             "(the training diverged, or there was nothing to score)")
            not_finite.append(dict(r["result"], label=label))
        elif r["ok"]:
            runs[label] = dict(r["result"], label=label, seed=r["job"].get("seed"))
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
    if not_finite:
        payload["not_finite"] = not_finite
    if merge and not store.is_failed(payload):
        _merge_previous(example, payload, out_dir)
    store.save(out_dir, payload)
    return payload


PREVIOUS_SUFFIX = store.PREVIOUS_SUFFIX


def _budget(run: dict) -> tuple:
    return run.get("steps"), run.get("seed")


def _merge_previous(example: registry.Example, payload: dict, out_dir) -> None:
    """A run of some of the implementations (``parity run X --impl legacy``) joins the
    previous complete ``X.json``: the previous runs of the other implementations are kept
    when they had the same budget and seed (``payload["kept"]`` names them) and the parity is
    computed again over all; with another budget or seed, the previous record is kept
    beside the new one as ``X.previous.json`` (``payload["previous"]``)."""
    path = store.result_path(out_dir, example.id)
    previous, _ = store.read(path) if path.is_file() else (None, None)
    if previous is None:
        return
    new = {r["label"]: r for r in payload["runs"]}
    kept = [r for r in previous["runs"] if r.get("label", r["impl"]) not in new
            and r.get("label", r["impl"]) not in payload["skipped"]]
    if not kept:
        return
    budgets = {_budget(r) for r in new.values()}
    if any(_budget(r) not in budgets for r in kept):
        store.write_json(Path(out_dir, example.id + PREVIOUS_SUFFIX), previous)
        payload["previous"] = example.id + PREVIOUS_SUFFIX
        return
    runs = {r.get("label", r["impl"]): dict(r, label=r.get("label", r["impl"])) for r in kept}
    runs.update(new)
    order = [r.get("label", r["impl"]) for r in previous["runs"]]
    payload["runs"] = sorted(runs.values(), key=lambda r: order.index(r["label"])
                             if r["label"] in order else len(order))
    payload["skipped"] = {**{k: v for k, v in previous.get("skipped", {}).items() if k not in runs},
                          **payload["skipped"]}
    payload["parity"] = parity_check(example, {r["label"]: r for r in payload["runs"]})
    payload["kept"] = [r.get("label", r["impl"]) for r in kept]


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


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart."""
    table = [header, *rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)


def format_table(rows: list[list[str]], markdown: bool = False) -> str:
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    return text_table(HEADER, rows)


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

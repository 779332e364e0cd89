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

from parity import backends, registry
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


def job_backend(job: dict) -> str:
    """The Keras backend a job's process runs on: the port's choice; TensorFlow for the rest."""
    return (job.get("backend") or backends.DEFAULT) if job["impl"] == "port" else backends.DEFAULT


def run_label(run: dict) -> str:
    """A run's name in tables and plots: ``port`` on TensorFlow, ``port[jax]`` on JAX, ..."""
    backend = run.get("backend")
    if run.get("impl") == "port" and backend and backend != backends.DEFAULT:
        return f"port[{backend}]"
    return run["impl"]


def run_isolated(jobs: list[dict], verbose: bool = True) -> list[dict]:
    """Run jobs grouped by implementation and Keras backend, one fresh Python process per
    group (with ``KERAS_BACKEND`` set before Keras is imported), in order."""
    groups: dict[tuple[str, str, bool], list[dict]] = {}
    for job in jobs:
        backend = job_backend(job)
        float64 = backend == "jax" and registry.get(job["example"]).float64  # x64 JAX: own process
        groups.setdefault((job["impl"], backend, float64), []).append(job)
    results: list[dict] = []
    base_env = dict(os.environ, TF_USE_LEGACY_KERAS="1", MPLBACKEND="Agg")
    base_env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        for (impl, backend, float64), group in groups.items():
            env = backends.env(backend, base_env, float64=float64, jax_cache=Path(tmp, "jax-cache"))
            name = f"{impl}-{backend}" + ("-x64" if float64 else "")
            jobs_path = Path(tmp, f"{name}-jobs.json")
            out_path = Path(tmp, f"{name}-out.json")
            jobs_path.write_text(json.dumps(group))
            proc = subprocess.run(
                [sys.executable, "-m", "parity.worker", str(jobs_path), str(out_path)],
                env=env,
                stdout=None if verbose else subprocess.DEVNULL,
                stderr=None if verbose else subprocess.PIPE,
                text=True,
            )
            if out_path.exists():
                results.extend(json.loads(out_path.read_text()))
            else:
                why = (proc.stderr or "").strip().splitlines()[-1:] if not verbose else []
                for job in group:
                    results.append({"ok": False, "job": job,
                                    "error": f"worker exited {proc.returncode}" + (f": {why[0]}" if why else "")})
    return results


def parity_check(example: registry.Example, runs: dict[str, dict]) -> dict:
    """Outcome parity of the legacy/port pair (and, for information, each reference vs legacy).

    ``runs`` is keyed by :func:`run_label`. With ports on several Keras backends, each is
    compared with the legacy side (``ports``: label -> delta, ok); ``delta`` is the first
    port's and ``ok`` is true only when every port is within the tolerance.
    """
    out: dict = {"metric": example.metric, "tolerance": example.tolerance,
                 "tolerance_note": example.tolerance_note}
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
                backend_names=None) -> dict:
    """Run one example's implementations and write ``out_dir/ID.json``; return the payload.

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
    results = extra_jobs_results if extra_jobs_results is not None else run_isolated(jobs, verbose)
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
    write_json(Path(out_dir, f"{example.id}.json"), payload)
    return payload


def write_json(path: Path, payload) -> None:
    """Write JSON to a temporary file and rename it: never a half-written result."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f, indent=2, default=_default)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default(obj):
    try:
        import numpy as np

        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, np.generic):
            return obj.item()
    except ImportError:
        pass
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


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


def overall_ok(payloads: list[dict]) -> bool:
    """False when any pair's parity check failed or any run errored."""
    return all(p["parity"]["ok"] is not False and not p["errors"] for p in payloads)

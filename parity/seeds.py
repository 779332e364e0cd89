"""Many seeds per implementation: ``parity run/all --seeds N`` (or ``--seeds 0-9``, ``3,5,8``).

Each implementation trains once per seed. The result file keeps every seed's value (and
loss history); its run rows carry the mean as ``value`` plus ``summary`` (n, mean, std,
min, max). The legacy/port verdict is an **equivalence test** (two one-sided Welch tests:
the 90% confidence interval of the difference of the means inside +/- the example's
margin, :mod:`parity.stats`, :mod:`parity.margins`). With one seed the old single-seed
check stays (``|legacy - port| <= tolerance``), and the result says it is one.
"""

from __future__ import annotations

import math
import re

from hyperparams import MAX_SEED
from parity import backends, margins, registry, runner, stats, store

SINGLE_SEED_TEST = "single seed: |legacy - port| <= tolerance"  # as parity.runner.parity_check
EQUIVALENCE_TEST = "equivalence: two one-sided Welch t-tests (TOST)"
NO_PAIR = "none: the legacy side and a port did not both run"
# Seeds in one --seeds: each is one training run per implementation, so more than this is a
# typing slip, not a plan (and a list of 2**31 seeds would not fit in memory).
MAX_SEEDS = 10_000


def parse(text: str, base: int | None = None) -> list[int]:
    """``N`` (N seeds from ``base``, default 0), ``A-B`` (inclusive) or ``A,B,C`` -> seeds.

    Raises ``ValueError`` with a one-line reason."""
    text = str(text).strip()
    base = 0 if base is None else base
    listed = None  # the A,B,C form's seeds
    if re.fullmatch(r"\d+", text):
        n = int(text)
        if n < 1:
            raise ValueError(f"--seeds {text}: at least one seed")
        lo, hi = base, base + n - 1
    elif m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", text):
        lo, hi = int(m[1]), int(m[2])
        if hi < lo:
            raise ValueError(f"--seeds {text}: the range ends before it starts")
    elif re.fullmatch(r"\d+(\s*,\s*\d+)+", text):
        listed = [int(s) for s in text.split(",")]
        if len(set(listed)) != len(listed):
            raise ValueError(f"--seeds {text}: a seed is named twice")
        lo, hi = min(listed), max(listed)
    else:
        raise ValueError(f"--seeds expects N, A-B or A,B,C (whole numbers), got '{text}'")
    count = hi - lo + 1 if listed is None else len(listed)
    if count > MAX_SEEDS:  # checked before the list is made
        raise ValueError(f"--seeds {text}: at most {MAX_SEEDS:,} seeds (each is one training "
                         f"run per implementation), got {count:,}")
    if hi > MAX_SEED:
        raise ValueError(f"--seeds {text}: seeds go up to {MAX_SEED} (2**31 - 1)")
    return list(range(lo, hi + 1)) if listed is None else listed


def expand(jobs: list[dict], seeds: list[int]) -> list[dict]:
    """One copy of every job per seed (seed-major within each job)."""
    return [dict(job, seed=s) for job in jobs for s in seeds]


def _label(job: dict) -> str:
    return runner.run_label({"impl": job["impl"], "backend": job.get("backend")})


def _mean_curve(histories: list[list]) -> tuple[list, list]:
    """The mean loss curve and the min/max band over seeds (on the steps all share)."""
    common = set.intersection(*[{int(s) for s, _ in h} for h in histories]) if histories else set()
    steps = sorted(common)
    by_seed = [{int(s): float(v) for s, v in h} for h in histories]
    mean = [[s, math.fsum(d[s] for d in by_seed) / len(by_seed)] for s in steps]
    band = [[s, min(d[s] for d in by_seed), max(d[s] for d in by_seed)] for s in steps]
    return mean, band


def aggregate(results: list[dict], example: registry.Example) -> tuple[dict, dict]:
    """``{label: run}`` (every seed's result folded into one row) and ``{label: error}``."""
    per_label: dict[str, list[dict]] = {}
    errors: dict[str, str] = {}
    for r in results:
        if r["job"]["example"] != example.id:
            continue
        label = _label(r["job"])
        if r["ok"]:
            per_label.setdefault(label, []).append(dict(r["result"], seed=r["job"].get("seed")))
        else:
            errors[label] = f"seed {r['job'].get('seed')}: {r['error']}"
    runs = {}
    for label, rs in per_label.items():
        rs.sort(key=lambda x: (x["seed"] is None, x["seed"]))
        values = [float(x["value"]) for x in rs]
        summ = stats.summary(values)
        mean_hist, band = _mean_curve([x.get("loss_history") or [] for x in rs])
        first = rs[0]
        runs[label] = dict(
            first, label=label, value=summ["mean"], summary=summ,
            seconds=math.fsum(x["seconds"] for x in rs) / len(rs),
            loss_history=mean_hist, loss_band=band,
            seeds=[x["seed"] for x in rs],
            per_seed=[{"seed": x["seed"], "value": x["value"], "seconds": x["seconds"],
                       "loss_history": x.get("loss_history", [])} for x in rs],
            extras_seed=first["seed"],  # whose predictions/samples the figures show
        )
    return runs, errors


def equivalence_check(example: registry.Example, runs: dict[str, dict],
                      alpha: float = stats.ALPHA) -> dict:
    """The legacy/port verdict over seeds: TOST with the example's margin when both sides
    have two or more seeds, otherwise the single-seed check."""
    legacy = runs.get("legacy")
    ports = {label: r for label, r in runs.items() if r.get("impl") == "port"}
    n_min = min([len(r.get("per_seed", [r])) for r in [legacy, *ports.values()] if r] or [1])
    if not legacy or not ports or n_min < 2:
        single = {label: {k: v for k, v in r.items() if k not in ("per_seed",)}
                  for label, r in runs.items()}
        out = runner.parity_check(example, single)
        out["test"] = SINGLE_SEED_TEST if legacy and ports else NO_PAIR
        return out
    margin = margins.margin(example.id)
    out = {"metric": example.metric, "tolerance": margin.value,
           "tolerance_note": margin.reason, "margin_source": margin.source,
           "test": EQUIVALENCE_TEST, "alpha": alpha, "confidence": 1 - 2 * alpha,
           "pair": "legacy vs port"}
    a = [s["value"] for s in legacy["per_seed"]]
    checks = {}
    for label, port in ports.items():
        b = [s["value"] for s in port["per_seed"]]
        eq = stats.equivalence(b, a, margin.value, alpha)  # port - legacy
        checks[label] = {"backend": port.get("backend", backends.DEFAULT),
                         "delta": abs(eq["diff"]), "diff": eq["diff"], "ci": eq["ci"],
                         "df": eq["df"], "p_tost": eq["p_tost"],
                         "n": [len(a), len(b)], "ok": eq["equivalent"]}
    first = next(iter(checks.values()))
    out.update(delta=first["delta"], diff=first["diff"], ci=first["ci"], p_tost=first["p_tost"],
               n=first["n"], ok=all(c["ok"] for c in checks.values()))
    note = margins.seeds_note(example.id, n_min)
    if note:
        out["seeds_note"] = note
    if len(checks) > 1 or first["backend"] != backends.DEFAULT:
        out["ports"] = checks
    return out


def assemble(example: registry.Example, results: list[dict], skipped: dict, out_dir,
             seeds: list[int], alpha: float = stats.ALPHA) -> dict:
    """Write ``out_dir/ID.json`` for a many-seed run (``ID.failed.json`` when a run failed)."""
    runs, errors = aggregate(results, example)
    from parity.result import library_versions

    payload = {
        "example": example.id, "title": example.title, "article": example.article,
        "unit": example.unit, "metric": example.metric,
        "higher_is_better": example.higher_is_better,
        "seeds": list(seeds),
        "runs": list(runs.values()), "skipped": skipped, "errors": errors,
        "parity": equivalence_check(example, runs, alpha),
        "versions": library_versions("torch"),
    }
    store.save(out_dir, payload)
    return payload


HEADER = ["example", "impl", "metric", "seeds", "mean", "std", "min-max", "budget",
          "diff (90% CI)", "margin", "verdict"]


def _fmt(x: float) -> str:
    return f"{x:.4f}" if abs(x) < 1000 else f"{x:.1f}"


def rows(payloads: list[dict]) -> list[list[str]]:
    out = []
    for p in payloads:
        par = p["parity"]
        ports = par.get("ports", {})
        equivalence = par.get("test") == EQUIVALENCE_TEST
        for run in p["runs"]:
            label = run.get("label", run["impl"])
            s = run.get("summary") or stats.summary([run["value"]])
            is_pair = run["impl"] in ("legacy", "port")
            check = ports.get(label) or par
            ci, verdict = "", ""
            if is_pair and run["impl"] == "port" and check.get("ok") is not None:
                if equivalence:
                    ci = f"{check['diff']:+.4g} [{check['ci'][0]:+.4g}, {check['ci'][1]:+.4g}]"
                    verdict = "equivalent" if check["ok"] else "NOT SHOWN"
                else:
                    ci = f"|{check['delta']:.4g}|"
                    verdict = "ok (1 seed)" if check["ok"] else "FAIL (1 seed)"
            out.append([p["example"], label, p["metric"], str(s["n"]), _fmt(s["mean"]),
                        _fmt(s["std"]), f"{_fmt(s['min'])}-{_fmt(s['max'])}",
                        f"{run['steps']} {p['unit']}", ci,
                        f"{par['tolerance']:g}" if is_pair and par.get("ok") is not None else "",
                        verdict])
        for impl, why in p.get("skipped", {}).items():
            out.append([p["example"], impl, p["metric"], "", "skipped", "", "", "", "", "", why])
        for impl, err in p.get("errors", {}).items():
            out.append([p["example"], impl, p["metric"], "", "error", "", "", "", "", "", err[:60]])
    return out


def format_table(table_rows: list[list[str]]) -> str:
    return runner.text_table(HEADER, table_rows)


def failure_lines(payloads: list[dict]) -> list[str]:
    """One line per pair not shown equivalent (with its interval) and per failed run."""
    lines = []
    for p in payloads:
        par = p["parity"]
        if par.get("ok") is False:
            if par.get("test") == EQUIVALENCE_TEST:
                bad = {k: v for k, v in (par.get("ports") or {"port": par}).items()
                       if v.get("ok") is False}
                for label, c in bad.items():
                    lines.append(
                        f"parity: {p['example']}: {label} - legacy = {c['diff']:+.4g} in "
                        f"{p['metric']}, {par['confidence']:.0%} CI [{c['ci'][0]:+.4g}, "
                        f"{c['ci'][1]:+.4g}] not inside +/-{par['tolerance']:g} "
                        f"(not shown equivalent over {c['n'][0]}+{c['n'][1]} seeds)")
                if par.get("seeds_note"):
                    lines.append(f"parity: {p['example']}: {par['seeds_note']}")
            else:
                lines.extend(runner.failure_lines([dict(p, errors={})]))
        for impl, err in p.get("errors", {}).items():
            lines.append(f"parity: {p['example']} {impl} failed: {err}")
    return lines

"""``parity calibrate ID --seeds 20``: each side's seed-to-seed spread at a budget, and the
equivalence margin it supports (:func:`parity.margins.propose`), written with the budget
and the machine it was measured on (``calibration-ID.json``)."""

from __future__ import annotations

import datetime
import platform

from parity import jobs as pool
from parity import margins, registry, stats, store


def machine() -> dict:
    """What the numbers were measured on (no host name)."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "")
    except OSError:
        pass
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu": model,
            "cores": pool.cores(), "python": platform.python_version()}


def run(example: registry.Example, steps: int, seeds: list[int], n_jobs: int,
        progress: bool = True, budget: str = "") -> dict:
    jobs = [{"example": example.id, "impl": impl, "steps": steps, "seed": s}
            for impl in ("legacy", "port") for s in seeds]
    results = pool.run_parallel(jobs, n_jobs, progress=progress)
    return summarise(example, results, steps, seeds, budget, n_jobs)


def summarise(example, results, steps, seeds, budget="", n_jobs=1) -> dict:
    values = {"legacy": {}, "port": {}}
    errors = {}
    for r in results:
        impl, seed = r["job"]["impl"], r["job"]["seed"]
        if r["ok"]:
            values[impl][seed] = float(r["result"]["value"])
        else:
            errors[f"{impl} seed {seed}"] = r["error"]
    sides = {impl: stats.summary(list(v.values())) for impl, v in values.items() if v}
    out = {"example": example.id, "metric": example.metric, "unit": example.unit,
           "steps": steps, "budget": budget, "seeds": list(seeds), "jobs": n_jobs,
           "values": {impl: {str(k): v for k, v in vals.items()} for impl, vals in values.items()},
           "sides": sides, "errors": errors, "machine": machine(),
           "measured": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "k_sigma": margins.K_SIGMA, "current_margin": margins.margin(example.id).value}
    if len(sides) == 2 and all(s["n"] >= 2 for s in sides.values()):
        sl, sp = sides["legacy"]["std"], sides["port"]["std"]
        out["sigma_d"] = (sl ** 2 + sp ** 2) ** 0.5
        out["mean_diff"] = sides["port"]["mean"] - sides["legacy"]["mean"]
        # no spread at all (an accuracy of 1.0 on every seed) supports no margin: the
        # example's hand-chosen tolerance stays, and the result says so
        out["proposed_margin"] = margins.propose(sl, sp, floor=example.tolerance
                                                 if out["sigma_d"] == 0.0 else 0.0)
        out["margin_floor"] = out["sigma_d"] == 0.0
        eq = stats.equivalence(list(values["port"].values()), list(values["legacy"].values()),
                               out["proposed_margin"]) if out["proposed_margin"] > 0 else None
        out["equivalent_at_proposed"] = None if eq is None else eq["equivalent"]
        if out["proposed_margin"] > 0:
            out["recommended_seeds"] = margins.recommended_seeds(
                out["mean_diff"], sl, sp, out["proposed_margin"])
    return out


def save(out_dir, result: dict):
    return store.write_json(f"{out_dir}/calibration-{result['example']}.json", result)


def format_result(r: dict) -> str:
    lines = [f"{r['example']}: {r['metric']} at {r['steps']} {r['unit']}, "
             f"{len(r['seeds'])} seeds per side"]
    for impl, s in r["sides"].items():
        lines.append(f"  {impl:6s} mean {s['mean']:.4g}  std {s['std']:.4g}  "
                     f"min-max {s['min']:.4g}-{s['max']:.4g}  (n={s['n']})")
    if "proposed_margin" in r:
        lines.append(f"  port - legacy: {r['mean_diff']:+.4g}; sigma_d = sqrt(s_l^2 + s_p^2) = "
                     f"{r['sigma_d']:.4g}")
        if r.get("margin_floor"):
            lines.append(f"  no seed-to-seed spread at this budget: the margin stays the "
                         f"example's tolerance {r['proposed_margin']:.4g}")
        else:
            lines.append(f"  proposed margin: {r['k_sigma']:g} x sigma_d = "
                         f"{r['proposed_margin']:.4g} (current: {r['current_margin']:g})")
        if "recommended_seeds" in r:
            n = r["recommended_seeds"]
            lines.append("  seeds per side for the gate to show these sides equivalent 95% of "
                         "the time: " + (str(n) if n else "more than 30"))
        if abs(r["mean_diff"]) > r["proposed_margin"] / 2:
            lines.append("  note: the sides' means differ by more than half the proposed margin: "
                         "look at the difference before adopting it")
    for what, err in r["errors"].items():
        lines.append(f"  {what} failed: {err}")
    return "\n".join(lines)

"""Figures written to files (Agg backend): loss curves, MNIST predictions, binary sums, forecasts."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

if os.environ.get("MPLBACKEND", "").lower() != "agg":
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = {"legacy": "tab:blue", "port": "tab:orange", "numpy": "tab:green", "torch": "tab:red",
          "port[jax]": "tab:purple", "port[torch]": "tab:brown"}


def _tag(run: dict) -> str:
    """L, P, N, T; PJ / PT for a port on the JAX / PyTorch backend."""
    label = run.get("label", run["impl"])
    return {"port[jax]": "PJ", "port[torch]": "PT"}.get(label, label[0].upper())


TAG_NAMES = {"L": "legacy", "P": "port", "N": "NumPy", "T": "PyTorch",
             "PJ": "port on JAX", "PT": "port on PyTorch"}


def grid_legend(runs: list) -> str:
    """What the tags of the digit grid mean, for the runs it shows only (in their order)."""
    tags = list(dict.fromkeys(_tag(r) for r in runs))
    return ", ".join(f"{t} = {TAG_NAMES.get(t, t)}" for t in tags)


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=90, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def loss_curves(payload: dict, path) -> Path | None:
    """Every implementation's loss history of one example on one figure."""
    runs = [r for r in payload["runs"] if r.get("loss_history")]
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for r in runs:
        hist = np.asarray(r["loss_history"], dtype=float)
        ax.plot(hist[:, 0], hist[:, 1], label=r.get("label", r["impl"]), color=COLORS.get(r.get("label", r["impl"])),
                lw=1.4, alpha=0.85)
        if r.get("loss_band"):  # many seeds: the mean curve and the min-max band over seeds
            band = np.asarray(r["loss_band"], dtype=float)
            ax.fill_between(band[:, 0], band[:, 1], band[:, 2], alpha=0.2,
                            color=COLORS.get(r.get("label", r["impl"])))
    ax.set_xlabel(payload.get("unit", "step"))
    ax.set_ylabel("training loss")
    if all(np.all(np.asarray(r["loss_history"], dtype=float)[:, 1] > 0) for r in runs):
        ax.set_yscale("log")
    ax.set_title(f"{payload['example']}: training loss")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)


def mnist_grid(payload: dict, path, n: int = 16) -> Path | None:
    """The first test digits with each side's predicted label (red where it is wrong)."""
    runs = [r for r in payload["runs"] if "sample_predictions" in r.get("extras", {})]
    if not runs:
        return None
    from datasets import mnist

    (_, _), (x_test, y_test) = mnist.load_data()
    n = min(n, len(x_test), *(len(r["extras"]["sample_predictions"]) for r in runs))
    cols = 8
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.55))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(x_test[i], cmap="gray_r")
        preds = [(_tag(r), int(r["extras"]["sample_predictions"][i])) for r in runs]
        text = " ".join(f"{tag}:{p}" for tag, p in preds)
        wrong = any(p != int(y_test[i]) for _, p in preds)
        ax.set_title(f"{int(y_test[i])} | {text}", fontsize=7, color="red" if wrong else "black")
    fig.suptitle(f"{payload['example']}: true | predicted ({grid_legend(runs)})", fontsize=9)
    return _save(fig, path)


def binary_sums(payload: dict, path) -> Path | None:
    """Sample sums: the operands and each side's predicted sum, in binary and decimal."""
    runs = [r for r in payload["runs"] if "sample_sums" in r.get("extras", {})]
    if not runs:
        return None
    ref = runs[0]["extras"]["sample_sums"]
    lines = []
    for i, s in enumerate(ref[:8]):
        a, b = int(s["a"]), int(s["b"])
        preds = "   ".join(
            f"{r.get('label', r['impl'])}: {int(r['extras']['sample_sums'][i]['predicted']):3d} "
            f"({int(r['extras']['sample_sums'][i]['predicted']):08b})" for r in runs
        )
        ok = all(int(r["extras"]["sample_sums"][i]["predicted"]) == a + b for r in runs)
        lines.append((f"{a:3d} + {b:3d} = {a + b:3d} ({a + b:08b})   {preds}", ok))
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(lines) + 0.8))
    ax.axis("off")
    for i, (text, ok) in enumerate(lines):
        ax.text(0, 1 - (i + 1) / (len(lines) + 1), text, family="monospace", fontsize=9,
                color="black" if ok else "red", transform=ax.transAxes)
    ax.set_title(f"{payload['example']}: sample sums", fontsize=10)
    return _save(fig, path)


def forecast(payload: dict, path_full, path_zoom) -> list[Path]:
    """The airline forecasts of every implementation against the real series."""
    runs = [r for r in payload["runs"] if "forecast" in r.get("extras", {})]
    if not runs:
        return []
    from datasets import airline

    series = airline.load_passengers()
    forecasts = {r.get("label", r["impl"]): np.asarray(r["extras"]["forecast"], dtype=float) for r in runs}
    try:
        from parity import plots_airline

        return [Path(p) for p in plots_airline.plot_forecasts(series, forecasts, path_full, path_zoom)]
    except (ImportError, AttributeError, TypeError):
        pass
    out = []
    for path, start in ((path_full, 0), (path_zoom, len(series) - 12)):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        t = np.arange(len(series))
        ax.plot(t[start:], series[start:], color="black", label="actual")
        for impl, f in forecasts.items():
            ax.plot(np.arange(len(series) - len(f), len(series)), f, label=impl,
                    color=COLORS.get(impl))
        ax.set_xlabel("month")
        ax.set_ylabel("passengers (thousands)")
        ax.legend()
        ax.grid(alpha=0.3)
        out.append(_save(fig, path))
    return out


def example_figures(payload: dict, out_dir) -> list[Path]:
    """All the figures that apply to one example's payload."""
    out_dir = Path(out_dir)
    eid = payload["example"]
    figs = [loss_curves(payload, out_dir / f"{eid}_loss.png"),
            mnist_grid(payload, out_dir / f"{eid}_digits.png"),
            binary_sums(payload, out_dir / f"{eid}_sums.png")]
    figs += forecast(payload, out_dir / f"{eid}_forecast.png", out_dir / f"{eid}_forecast_test.png")
    return [f for f in figs if f is not None]

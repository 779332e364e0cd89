"""The airline forecast figures (the article's two plots), written to files with Agg.

- :func:`plot_forecasts` writes the article's two figures: the whole series with the
  forecast(s), and the last 12 months against the forecast(s);
- :func:`plot_forecast_panels` writes both as two panels of one figure (the one on the docs' results page).

Every implementation's forecast (legacy, port, torch where present) goes on the same axes.
Files are written under a temporary name, then renamed.

``python -m parity.plots_airline --epochs 300`` (figure in ``results/airline_forecast.png``;
``--out docs/airline_forecast.png`` replaces the docs' figure) trains the
implementations available here at that budget, prints RMSE and MAPE of each, and writes
the figure (``--json`` also writes the numbers); ``--init torch`` starts every
implementation from the same weights (PyTorch's default init drawn with the seed, see
``AirlinePassengersConfig.init``) instead of each framework's own.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

DEFAULT_OUT = os.path.join("results", "airline_forecast.png")

STYLES = {  # impl -> (label, colour, line style)
    "legacy": ("TF1 graph (legacy)", "tab:blue", "-"),
    "port": ("Keras 3 (port)", "tab:orange", "--"),
    "torch": ("PyTorch (article)", "tab:green", ":"),
    "port[jax]": ("Keras 3 (port) on JAX", "tab:purple", "-."),
    "port[torch]": ("Keras 3 (port) on PyTorch", "tab:brown", "-."),
}


def _check(series, forecasts: dict) -> tuple[np.ndarray, dict]:
    series = np.asarray(series, dtype=float).ravel()
    if not forecasts:
        raise ValueError("no forecasts to plot")
    out = {}
    for impl, values in forecasts.items():
        values = np.asarray(values, dtype=float).ravel()
        if values.size == 0 or values.size >= series.size:
            raise ValueError(
                f"forecast '{impl}' has {values.size} values; expected 1..{series.size - 1} "
                f"(the last months of a {series.size}-month series)"
            )
        out[impl] = values
    if len({v.size for v in out.values()}) != 1:
        raise ValueError(f"forecasts differ in length: { {k: v.size for k, v in out.items()} }")
    return series, out


def _draw(ax, series, forecasts, zoom: bool) -> None:
    months = next(iter(forecasts.values())).size
    x = np.arange(series.size - months, series.size)
    if zoom:
        ax.plot(x, series[-months:], color="black", marker="o", label="actual")
        ax.set_title(f"Month vs passengers: last {months} months against the forecast")
    else:
        ax.plot(np.arange(series.size), series, color="black", label="actual")
        ax.axvline(series.size - months - 0.5, color="grey", lw=0.8)
        ax.set_title("Month vs passengers, with the forecast")
    for impl, values in forecasts.items():
        label, colour, style = STYLES.get(impl, (impl, None, "-"))
        ax.plot(x, values, color=colour, linestyle=style, lw=2, label=label)
    ax.set_xlabel("Months")
    ax.set_ylabel("Total passengers")
    ax.grid(True)
    ax.autoscale(axis="x", tight=True)
    ax.legend(loc="upper left")


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".") or "png"
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format=fmt, dpi=110, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def _figure(*args, **kwargs):
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only: never a window
    import matplotlib.pyplot as plt

    return plt, plt.subplots(*args, **kwargs)


def plot_forecasts(series, forecasts: dict, path_full, path_zoom) -> tuple[Path, Path]:
    """The article's two figures: whole series + forecast(s); last months vs forecast(s)."""
    series, forecasts = _check(series, forecasts)
    written = []
    for zoom, path in ((False, path_full), (True, path_zoom)):
        plt, (fig, ax) = _figure(figsize=(12, 4) if not zoom else (8, 4))
        try:
            _draw(ax, series, forecasts, zoom)
            written.append(_save(fig, path))
        finally:
            plt.close(fig)
    return written[0], written[1]


def plot_forecast_panels(series, forecasts: dict, path, title: str | None = None) -> Path:
    """Both of the article's plots as two panels of one figure."""
    series, forecasts = _check(series, forecasts)
    plt, (fig, axes) = _figure(1, 2, figsize=(15, 4.5), gridspec_kw={"width_ratios": [2, 1]})
    try:
        _draw(axes[0], series, forecasts, zoom=False)
        _draw(axes[1], series, forecasts, zoom=True)
        if title:
            fig.suptitle(title)
        return _save(fig, path)
    finally:
        plt.close(fig)


def build_parser():
    import argparse

    from hyperparams import AirlinePassengersConfig

    parser = argparse.ArgumentParser(prog="python -m parity.plots_airline", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=AirlinePassengersConfig().steps)
    parser.add_argument("--seed", type=int, default=AirlinePassengersConfig().seed)
    parser.add_argument("--impls", default="legacy,port,torch")
    parser.add_argument("--init", default=AirlinePassengersConfig().init, choices=("framework", "torch"),
                        help="framework: each side's own initialisers; torch: one shared draw")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="the figure (default: results/airline_forecast.png, a git-ignored "
                             "working folder; docs/airline_forecast.png is the docs' figure)")
    parser.add_argument("--json", default=None, help="also write the numbers here")
    return parser


def main(argv=None) -> int:
    import dataclasses
    import importlib
    import json

    import legacy_graph  # noqa: F401  (legacy Keras routing before any TensorFlow import)
    from hyperparams import AirlinePassengersConfig
    from reference_programs import airline_passengers as airline_passengers_torch

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be >= 1")
    modules = {
        "legacy": "parity.adapters.legacy.airline_passengers",
        "port": "parity.adapters.port.airline_passengers",
        "torch": "parity.adapters.reference.airline_passengers",
    }
    impls = [i.strip() for i in args.impls.split(",") if i.strip()]
    unknown = [i for i in impls if i not in modules]
    if unknown:
        parser.error(f"unknown implementation(s) {unknown}; choose from {list(modules)}")
    config = dataclasses.replace(AirlinePassengersConfig(), steps=args.epochs, seed=args.seed, init=args.init)
    forecasts, numbers = {}, {}
    for impl in impls:
        if impl == "torch" and not airline_passengers_torch.torch_available():
            print(f"skipping torch: {airline_passengers_torch.TORCH_MISSING}")
            continue
        result = importlib.import_module(modules[impl]).train(config, verbose=False)
        forecasts[impl] = result.extras["forecast"]
        numbers[impl] = {
            "forecast_rmse": result.value, "mape": result.extras["mape"],
            "seconds": result.seconds, "epochs": args.epochs, "seed": args.seed, "init": args.init,
            "forecast": np.asarray(result.extras["forecast"]).tolist(),
        }
        print(f"{impl:6s} RMSE {result.value:7.2f}  MAPE {result.extras['mape']:6.2f}%  "
              f"({result.seconds:.0f} s)", flush=True)
    from datasets import airline

    data = airline.prepare(config.window, config.test_months)
    title = f"Airline passengers: 12-month forecast after {args.epochs} epochs (seed {args.seed})"
    if args.init != "framework":
        title += f", shared {args.init} init"
    print("wrote", plot_forecast_panels(data.series, forecasts, args.out, title=title))
    if args.json:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w") as f:
            json.dump(numbers, f, indent=1)
        os.replace(tmp, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

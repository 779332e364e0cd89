"""Airline passengers: the article's own PyTorch program, the reference (impl ``torch``).

Source: seeds/004. The article's ``LSTM`` module (``nn.LSTM(1, 100)`` + ``nn.Linear(100, 1)``,
prediction = the last step's output, ``hidden_cell`` reset to zeros before every window),
``nn.MSELoss``, ``torch.optim.Adam(lr=0.001)``, 300 epochs over the 120 windows in order,
batch of one window; then the recursive 12-month forecast, scaled back to passengers.

PyTorch is optional (``pip install '.[torch]'``, torch==2.13.0): it is imported only when
a function here runs, so the package imports without it; :data:`TORCH_MISSING` says how
to install it and :func:`torch_available` whether it is there.

Defects (of the article's program):
- The forecast loop resets ``model.hidden`` instead of ``model.hidden_cell``, so each
  forecast window starts from the previous call's final state rather than zeros. Here the
  state is reset (``hidden_cell``), as in training and in the legacy and Keras versions.
- The loss printed at ``i % 25 == 1`` is the last window's only (kept as the log line;
  ``loss_history`` holds each epoch's mean).

Deviations:
- The data comes from ``datasets.airline`` (no pandas or scikit-learn; the same scaler,
  fitted on the 132 training months), in float32 as the article's ``FloatTensor``.
- ``torch.manual_seed(config.seed)`` (the article does not seed) and one intra-op thread
  (faster at batch 1 and reproducible).

Why its numbers differ from the TF1 and Keras versions': the initialisation (see
``AirlinePassengersConfig.init``), its two LSTM biases (each takes its own Adam step:
the summed bias learns twice as fast) and Adam's epsilon placement. From the same
weights, :func:`train_windows` with ``one_bias=True, tf_adam=True`` follows the TF1
program step for step. The 12-month recursive forecast after 300 epochs is so sensitive
that even TF1 and Keras from the same weights end far apart (float32 rounding grows over
36,000 steps), so one seed's RMSE says little about an implementation.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np

from datasets import airline
from hyperparams import AirlinePassengersConfig
from parity.result import RunResult, library_versions

EXAMPLE = "airline_passengers"
Config = AirlinePassengersConfig
TORCH_MISSING = (
    "PyTorch is not installed; the airline reference needs it: pip install '.[torch]' "
    "(torch==2.13.0, CPU build)"
)


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError(TORCH_MISSING) from exc
    return torch


# ----------------------------------------------------------------------------- data
def load_data(config: Config = Config()):
    """The article's data: 120 (window, next month) pairs of the scaled training months."""
    return airline.prepare(window=config.window, test_months=config.test_months)


# ----------------------------------------------------------------------------- model
def build_model(config: Config = Config()):
    """The article's ``LSTM(nn.Module)``, with ``hidden_cell`` as its state."""
    torch = _torch()
    nn = torch.nn

    class LSTM(nn.Module):
        def __init__(self, input_size=1, hidden_layer_size=100, output_size=1):
            super().__init__()
            self.hidden_layer_size = hidden_layer_size
            self.lstm = nn.LSTM(input_size, hidden_layer_size)
            self.linear = nn.Linear(hidden_layer_size, output_size)
            self.reset_state()

        def reset_state(self):
            self.hidden_cell = (torch.zeros(1, 1, self.hidden_layer_size),
                                torch.zeros(1, 1, self.hidden_layer_size))

        def forward(self, input_seq):
            lstm_out, self.hidden_cell = self.lstm(
                input_seq.view(len(input_seq), 1, -1), self.hidden_cell
            )
            predictions = self.linear(lstm_out.view(len(input_seq), -1))
            return predictions[-1]

    return LSTM(1, config.hidden_size, 1)


def _set_weights(model, weights: dict) -> None:
    from parity.transplant import check_names

    torch = _torch()
    state = model.state_dict()
    arrays = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
              for k, v in weights.items()}
    check_names(arrays, {k: tuple(v.shape) for k, v in state.items()},
                "airline_passengers torch weights")
    model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in arrays.items()})


def _weights(model) -> dict:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


# ----------------------------------------------------------------------------- evaluation
def forecast_scaled(predict_one, last_window: np.ndarray, months: int) -> np.ndarray:
    """Predict one month, append it, slide the window; ``months`` times (scaled values)."""
    window = list(np.asarray(last_window, dtype=np.float32).ravel())
    for _ in range(months):
        seq = np.asarray(window[-len(last_window):], dtype=np.float32)
        window.append(float(predict_one(seq)))
    return np.asarray(window[len(last_window):])


def forecast_errors(forecast: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    """RMSE (passengers) and MAPE (%) of a forecast."""
    forecast, actual = np.asarray(forecast, float), np.asarray(actual, float)
    rmse = float(np.sqrt(np.mean((forecast - actual) ** 2)))
    mape = float(np.mean(np.abs(forecast - actual) / np.abs(actual)) * 100.0)
    return rmse, mape


def _forecast(model, data, config: Config) -> np.ndarray:
    torch = _torch()
    model.eval()

    def predict_one(seq):
        with torch.no_grad():
            model.reset_state()  # the article wrote model.hidden here (see Defects)
            return model(torch.from_numpy(seq)).item()

    scaled = forecast_scaled(predict_one, data.train_scaled[-config.window:], config.test_months)
    return data.scaler.inverse_transform(scaled.reshape(-1, 1)).ravel()


def _windows(data):
    """The article's ``train_inout_seq``: (12-value sequence, label) tensors, in order."""
    torch = _torch()
    x = torch.from_numpy(np.ascontiguousarray(data.x[..., 0], dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(data.y, dtype=np.float32))
    return list(zip(x, y))


# ----------------------------------------------------------------------------- training
def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial_weights: dict | None = None) -> RunResult:
    """Run the article's program (epochs x windows in order, batch 1), forecast, score.

    The model starts from ``initial_weights`` (``state_dict`` names) when given, else from
    ``config.init`` (``"framework"``: the module's own init under ``torch.manual_seed``;
    ``"torch"``: the same distributions drawn with NumPy, shared with legacy and port).
    """
    from parity.pairs import airline_passengers as pairs

    _check_config(config)
    torch = _torch()
    torch.set_num_threads(1)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    data = load_data(config)
    train_inout_seq = _windows(data)
    if initial_weights is None:
        initial_weights = pairs.initial_weights(config, "torch")
    init_name = "framework" if initial_weights is None else (
        config.init if config.init != "framework" else "given")

    model = build_model(config)
    if initial_weights is not None:
        _set_weights(model, initial_weights)
    loss_function = torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    model.train()
    history, first_epoch = [], []
    started = time.perf_counter()
    for i in range(config.steps):
        total = 0.0
        for seq, labels in train_inout_seq:
            optimizer.zero_grad()
            model.reset_state()
            y_pred = model(seq)
            single_loss = loss_function(y_pred, labels)
            single_loss.backward()
            optimizer.step()
            total += single_loss.item()
            if i == 0:
                first_epoch.append(single_loss.item())
        history.append((i + 1, total / len(train_inout_seq)))
        if verbose and i % config.log_every == 1:
            print(f"epoch:{i:3} loss:{single_loss.item():10.8f}")
    seconds = time.perf_counter() - started
    if verbose and config.steps:
        print(f"epoch:{config.steps - 1:3} loss:{single_loss.item():10.10f}")

    # ------------------------------------------------------------------------- evaluation
    forecast = _forecast(model, data, config)
    rmse, mape = forecast_errors(forecast, data.test)
    if verbose:
        print(f"forecast RMSE {rmse:.2f} passengers, MAPE {mape:.2f}%")
    if checkpoint_path is not None:
        import os

        tmp = f"{checkpoint_path}.tmp"
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="torch", metric="forecast_rmse", value=rmse,
        higher_is_better=False, steps=config.steps, seconds=seconds,
        loss_history=history, weights=_weights(model),
        versions=library_versions("torch"),
        extras={"forecast": forecast, "mape": mape, "windows_per_epoch": len(train_inout_seq),
                "first_epoch_losses": first_epoch, "init": init_name},
    )


def _check_config(config: Config) -> None:
    if config.window < 1 or config.test_months < 1 or config.hidden_size < 1 or config.steps < 0:
        raise ValueError(
            f"bad AirlinePassengersConfig: window, test_months and hidden_size must be >= 1 "
            f"and steps >= 0 (got {config})"
        )
    from parity.pairs.airline_passengers import INITS

    if config.init not in INITS:
        raise ValueError(f"AirlinePassengersConfig.init must be one of {INITS}, got {config.init!r}")


# ----------------------------------------------------------------------------- parity hooks
def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """The model's outputs [n, 1] for windows ``inputs`` [n, window, 1], one window at a time."""
    torch = _torch()
    inputs = _check_inputs(inputs, config)
    model = build_model(config)
    _set_weights(model, weights)
    model.eval()
    out = []
    with torch.no_grad():
        for seq in inputs[..., 0]:
            model.reset_state()
            out.append(model(torch.from_numpy(np.ascontiguousarray(seq))).numpy())
    return np.asarray(out, dtype=np.float32).reshape(-1, 1)


def forecast(weights: dict, config: Config = Config()) -> np.ndarray:
    """The 12-month recursive forecast (passengers) from given weights."""
    model = build_model(config)
    _set_weights(model, weights)
    return _forecast(model, load_data(config), config)


def train_step(weights: dict, batch, config: Config = Config(), *, eps: float = 1e-8) -> dict:
    """Weights after ONE Adam step (fresh optimizer state) on ``batch = (x, y)`` of ONE window.

    ``eps`` is PyTorch's (added to the bias-corrected ``sqrt(v)``); TF1 and Keras add theirs
    to the uncorrected one, so ``eps = 1e-8 / sqrt(1 - 0.999)`` reproduces their first step.
    """
    torch = _torch()
    x, y = batch
    x = _check_inputs(x, config)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    if len(x) != 1 or len(y) != 1:
        raise ValueError(f"the article trains on one window per step; got a batch of {len(x)}")
    model = build_model(config)
    _set_weights(model, weights)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, eps=eps)
    optimizer.zero_grad()
    model.reset_state()
    loss = torch.nn.MSELoss()(model(torch.from_numpy(x[0, :, 0].copy())), torch.from_numpy(y[0]))
    loss.backward()
    optimizer.step()
    return _weights(model)


def train_windows(weights: dict, x, y, config: Config = Config(), *, epochs: int = 1,
                  one_bias: bool = False, tf_adam: bool = False) -> tuple[dict, np.ndarray]:
    """The article's loop (batch 1, windows in order, fresh Adam) from ``weights``; a diagnostic.

    Returns the final weights and every step's loss. The two switches remove the two ways
    the article's PyTorch training differs from TF1's and Keras's from the same weights:

    - ``one_bias``: fold ``bias_hh`` into ``bias_ih`` and freeze it. PyTorch's two biases get
      the same gradient and each its own Adam step, so the summed bias learns twice as
      fast as the one bias of TF1 and Keras;
    - ``tf_adam``: Adam as TF1/Keras write it (epsilon added to the un-corrected
      ``sqrt(v)``, the learning rate corrected) instead of ``torch.optim.Adam`` (epsilon
      added to the bias-corrected ``sqrt(v_hat)``).

    With both on, the per-step losses follow the legacy program's (measured: 1.7e-6 over
    the first epoch from the same weights); ``tests/test_airline_passengers.py`` checks it.
    """
    torch = _torch()
    torch.set_num_threads(1)
    x = _check_inputs(x, config)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    if len(x) != len(y) or epochs < 0:
        raise ValueError(f"x and y must hold the same number of windows ({len(x)} vs {len(y)}), epochs >= 0")
    model = build_model(config)
    _set_weights(model, weights)
    lstm = model.lstm
    if one_bias:
        with torch.no_grad():
            lstm.bias_ih_l0 += lstm.bias_hh_l0
            lstm.bias_hh_l0.zero_()
        lstm.bias_hh_l0.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, config.learning_rate
    optimizer = None if tf_adam else torch.optim.Adam(params, lr=lr)
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    loss_function = torch.nn.MSELoss()
    model.train()
    losses, t = [], 0
    for _ in range(epochs):
        for seq, label in zip(x[..., 0], y):
            for p in params:
                p.grad = None
            model.reset_state()
            loss = loss_function(model(torch.from_numpy(np.ascontiguousarray(seq))), torch.from_numpy(label))
            loss.backward()
            if optimizer is not None:
                optimizer.step()
            else:
                t += 1
                lr_t = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                with torch.no_grad():
                    for p, (m, v) in zip(params, moments):
                        m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                        v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                        p.sub_(lr_t * m / (v.sqrt() + eps))
            losses.append(loss.item())
    return _weights(model), np.asarray(losses)


def _check_inputs(inputs, config: Config) -> np.ndarray:
    arr = np.asarray(inputs, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[1:] != (config.window, 1):
        raise ValueError(
            f"inputs must have shape [n, {config.window}, 1] (windows of scaled months), "
            f"got {np.shape(inputs)}"
        )
    return arr

"""Airline passengers: the article's own PyTorch program, the reference (impl ``torch``).

Source: "最简单的LSTM讲解" ("The simplest LSTM explanation"). The article's ``LSTM`` module (``nn.LSTM(1, 100)`` + ``nn.Linear(100, 1)``,
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
- The program is cut into its parts (``build_model``, ``train_loop``, ``evaluate``) so that
  the parity harness can run the same parts from the initial weights ``config.init`` asks
  for, and read the weights (``parity/adapters/reference/airline_passengers.py``). Run
  alone, the program starts from the module's own initialisation.

Why its numbers differ from the TF1 and Keras versions': the initialisation (see
``AirlinePassengersConfig.init``), its two LSTM biases (each takes its own Adam step:
the summed bias learns twice as fast) and Adam's epsilon placement. From the same
weights, the harness's ``train_windows`` (``parity/adapters/reference/airline_passengers.py``)
with ``one_bias=True, tf_adam=True`` follows the TF1 program step for step. The 12-month recursive forecast after 300 epochs is so sensitive
that even TF1 and Keras from the same weights end far apart (float32 rounding grows over
36,000 steps), so one seed's RMSE says little about an implementation.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from datasets import airline
from hyperparams import AirlinePassengersConfig

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


def seed(config: Config = Config()) -> None:
    """Seeded (the article does not seed) and one intra-op thread (faster at batch 1)."""
    torch = _torch()
    torch.set_num_threads(1)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)


def windows(data) -> list:
    """The article's ``train_inout_seq``: (12-value sequence, label) tensors, in order."""
    torch = _torch()
    x = torch.from_numpy(np.ascontiguousarray(data.x[..., 0], dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(data.y, dtype=np.float32))
    return list(zip(x, y))


# ----------------------------------------------------------------------------- training
def train_loop(model, train_inout_seq, config: Config = Config(), *, verbose: bool = True) -> list:
    """The article's loop: epochs x windows in order, batch of one window, ``MSELoss``, Adam.

    Returns every window's loss, ``[epochs][windows]``; the article prints the last
    window's every ``log_every`` epochs (at ``i % 25 == 1``) and at the end.
    """
    torch = _torch()
    loss_function = torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    model.train()
    losses = []
    for i in range(config.steps):
        epoch = []
        for seq, labels in train_inout_seq:
            optimizer.zero_grad()
            model.reset_state()
            y_pred = model(seq)
            single_loss = loss_function(y_pred, labels)
            single_loss.backward()
            optimizer.step()
            epoch.append(single_loss.item())
        losses.append(epoch)
        if verbose and i % config.log_every == 1:
            print(f"epoch:{i:3} loss:{single_loss.item():10.8f}")
    if verbose and config.steps:
        print(f"epoch:{config.steps - 1:3} loss:{single_loss.item():10.10f}")
    return losses


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


def forecast_test_months(model, data, config: Config = Config()) -> np.ndarray:
    """The recursive forecast of the test months, scaled back to passengers."""
    torch = _torch()
    model.eval()

    def predict_one(seq):
        with torch.no_grad():
            model.reset_state()  # the article wrote model.hidden here (see Defects)
            return model(torch.from_numpy(seq)).item()

    scaled = forecast_scaled(predict_one, data.train_scaled[-config.window:], config.test_months)
    return data.scaler.inverse_transform(scaled.reshape(-1, 1)).ravel()


def evaluate(model, data, config: Config = Config(), *,
             verbose: bool = True) -> tuple[np.ndarray, float, float]:
    """The forecast (passengers), its RMSE and MAPE against the held-out months."""
    forecast = forecast_test_months(model, data, config)
    rmse, mape = forecast_errors(forecast, data.test)
    if verbose:
        print(f"forecast RMSE {rmse:.2f} passengers, MAPE {mape:.2f}%")
    return forecast, rmse, mape


def check_config(config: Config) -> None:
    if config.window < 1 or config.test_months < 1 or config.hidden_size < 1 or config.steps < 0:
        raise ValueError(
            f"bad AirlinePassengersConfig: window, test_months and hidden_size must be >= 1 "
            f"and steps >= 0 (got {config})"
        )


# ----------------------------------------------------------------------------- the program
def train(config: Config = Config(), *, verbose: bool = True):
    """The article's program: train (epochs x windows in order, batch 1), forecast the test
    months, score; returns the trained module."""
    check_config(config)
    seed(config)
    data = load_data(config)
    train_inout_seq = windows(data)
    model = build_model(config)
    train_loop(model, train_inout_seq, config, verbose=verbose)
    evaluate(model, data, config, verbose=verbose)
    return model


if __name__ == "__main__":
    train()

"""Airline passengers: an LSTM(100) forecaster, ported to Keras 3.

Source: "最简单的LSTM讲解" ("The simplest LSTM explanation"), a PyTorch tutorial; the TF1 graph version is
``legacy_graph/airline_passengers.py``. Monthly airline passengers 1949-1960: the first
132 months, min-max scaled to (-1, 1), give 120 windows of 12 months and the month after
each; ``LSTM(100)`` + ``Dense(1)`` learn the next month, one window per step (batch 1;
a non-stateful LSTM starts every window from zeros, as the article reset its state),
MSE, Adam 0.001, 300 epochs over the windows in order (``shuffle=False``: the article
looped over its list of windows without shuffling). The last 12 months are then forecast
recursively (predict, append, slide) and scaled back to passengers.

Run alone, the program starts from Keras's own initialisers; the parity harness runs the
same parts (``build_model``, ``train_loop``, ``evaluate``) from the initial weights
``config.init`` asks for (``parity/adapters/port/airline_passengers.py``).
"""

from __future__ import annotations

import keras
import numpy as np

from datasets import airline
from eager_port import backend_choices
from hyperparams import AirlinePassengersConfig

EXAMPLE = "airline_passengers"
Config = AirlinePassengersConfig


# ----------------------------------------------------------------------------- data
def load_data(config: Config = Config()):
    """The article's data: 120 (window, next month) pairs of the scaled training months."""
    return airline.prepare(window=config.window, test_months=config.test_months)


# ----------------------------------------------------------------------------- model
def build_model(config: Config = Config(), steps_per_execution: int = 1) -> keras.Model:
    """``LSTM(100)`` + ``Dense(1)`` on the last step, compiled with MSE and Adam."""
    # PyTorch backend on a CPU: the LSTM layer through PyTorch's fused LSTM kernel (same
    # numbers; eager_port/backend_choices.py); nothing on TensorFlow/JAX.
    backend_choices.use_fast_lstm()
    model = keras.Sequential(
        [
            keras.Input((config.window, 1), name="x"),
            # unroll: 12 fixed steps unrolled on the CPU where that is the measured faster
            # form (JAX: 2.7x less CPU; PyTorch backend: the loop's per-step overhead
            # dominates at batch 1). TensorFlow stays rolled: see jit_compile below. On a GPU:
            # rolled, for cuDNN. The arithmetic is the same either way.
            keras.layers.LSTM(config.hidden_size,
                              unroll=backend_choices.unroll(True, tensorflow=False), name="lstm"),
            keras.layers.Dense(1, name="linear"),
        ],
        name=EXAMPLE,  # variable paths "airline_passengers/lstm/lstm_cell/kernel", ...
    )
    # ------------------------------------------------------------------------- loss and optimizer
    # epsilon=1e-8: TF1's AdamOptimizer default (Keras 3 defaults to 1e-7), so that one
    # step from the same weights gives the same weights on both sides.
    optimizer = keras.optimizers.Adam(config.learning_rate, epsilon=1e-8)
    # steps_per_execution: at batch 1 the per-step Python overhead dominates; running a
    # whole epoch (120 windows) per call halves the time and changes no number.
    # jit_compile: the training step compiled as one XLA program on TensorFlow (JAX always
    # compiles; on the PyTorch backend jit_compile would mean torch.compile, not used). At
    # batch 1 the cost is TensorFlow's per-op overhead, which XLA removes (measured faster per
    # step than the unrolled LSTM), and the numbers are the same on every run: the unrolled
    # graph, with the fit's static batch of one, differed from run to run in the last float32
    # bits (multi-threaded oneDNN/Eigen kernels), so the same seed did not give the same result.
    model.compile(optimizer=optimizer, loss="mse",
                  steps_per_execution=backend_choices.steps_per_execution(steps_per_execution),
                  jit_compile=backend_choices.jit_compile())
    return model


# ----------------------------------------------------------------------------- training
class _ArticleLog(keras.callbacks.Callback):
    """The article's log line: the last window's loss every ``log_every`` epochs (at i % 25 == 1)."""

    def __init__(self, log_every: int, x_last, y_last):
        super().__init__()
        self.log_every, self.x_last, self.y_last = log_every, x_last, y_last

    def _last_loss(self) -> float:
        out = keras.ops.convert_to_numpy(self.model(self.x_last, training=False))
        return float(np.mean((out - self.y_last) ** 2))

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.log_every == 1:
            print(f"epoch:{epoch:3} loss:{self._last_loss():10.8f}")


def train_loop(model: keras.Model, data, config: Config = Config(), *,
               verbose: bool = True) -> keras.callbacks.History:
    """The article's loop as one ``fit``: epochs x windows in order (``shuffle=False``), batch 1."""
    callbacks = [_ArticleLog(config.log_every, data.x[-1:], data.y[-1:])] if verbose else []
    return model.fit(
        data.x, data.y, batch_size=1, epochs=config.steps, shuffle=False,
        verbose=2 if verbose else 0, callbacks=callbacks,
    )


# ----------------------------------------------------------------------------- evaluation
def forecast_scaled(predict_one, last_window: np.ndarray, months: int) -> np.ndarray:
    """Predict one month, append it, slide the window; ``months`` times (scaled values)."""
    window = list(np.asarray(last_window, dtype=np.float32).ravel())
    for _ in range(months):
        seq = np.asarray(window[-len(last_window):], dtype=np.float32).reshape(1, -1, 1)
        window.append(float(predict_one(seq)[0, 0]))
    return np.asarray(window[len(last_window):])


def forecast_errors(forecast: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    """RMSE (passengers) and MAPE (%) of a forecast."""
    forecast, actual = np.asarray(forecast, float), np.asarray(actual, float)
    rmse = float(np.sqrt(np.mean((forecast - actual) ** 2)))
    mape = float(np.mean(np.abs(forecast - actual) / np.abs(actual)) * 100.0)
    return rmse, mape


def forecast_test_months(model: keras.Model, data, config: Config = Config()) -> np.ndarray:
    """The recursive forecast of the test months, scaled back to passengers."""
    def predict_one(seq):
        return keras.ops.convert_to_numpy(model(seq, training=False))

    scaled = forecast_scaled(predict_one, data.train_scaled[-config.window:], config.test_months)
    return data.scaler.inverse_transform(scaled.reshape(-1, 1)).ravel()


def evaluate(model: keras.Model, data, config: Config = Config(), *,
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
def train(config: Config = Config(), *, verbose: bool = True) -> keras.Model:
    """The article's program: train (epochs x windows in order, batch 1), forecast the test
    months, score; returns the trained model."""
    check_config(config)
    keras.utils.set_random_seed(config.seed)
    data = load_data(config)
    model = build_model(config, steps_per_execution=len(data.x))
    train_loop(model, data, config, verbose=verbose)
    evaluate(model, data, config, verbose=verbose)
    return model


if __name__ == "__main__":
    train()

"""Airline passengers: an LSTM(100) forecaster, as a TF1 graph (``tf.compat.v1``).

Source: "最简单的LSTM讲解" ("The simplest LSTM explanation") (a PyTorch tutorial; its program is reproduced as the reference in
:mod:`reference_programs.airline_passengers`). Monthly airline passengers 1949-1960: the
first 132 months, min-max scaled to (-1, 1), give 120 windows of 12 months and the month
after each; one LSTM of 100 units and a dense layer on its last output learn the next
month, one window per step (batch 1, the state starts from zeros for every window),
MSE, Adam 0.001, 300 epochs over the windows in order. The last 12 months are then
forecast recursively (predict, append, slide) and scaled back to passengers.

This is the same model and loop written the TF1 way: placeholders, ``LSTMCell(100)`` +
``dynamic_rnn`` (zero initial state on every run, so the state is reset per window as in
the article), ``tf.layers.dense``, ``AdamOptimizer(0.001)``, one ``sess.run`` per window.

Defects (of the article's program):
- The forecast loop resets ``model.hidden`` instead of ``model.hidden_cell`` (the
  attribute ``forward`` reads), so each forecast window starts from the previous call's
  final state (the first from the last training window's) instead of zeros, unlike
  every training window. Here every forecast window starts from zeros, as the model
  was trained and as the tutorial's text says.
- ``print`` of the loss at ``i % 25 == 1`` shows the last window's loss of that epoch
  only (kept as the article's log line; ``loss_history`` holds each epoch's mean).

Deviations:
- TensorFlow instead of PyTorch: TF1 ``LSTMCell`` has one ``kernel`` on ``[x, h]`` and
  one ``bias`` with ``forget_bias=1.0`` added at run time, and initialises them
  (Glorot-uniform, zeros) unlike PyTorch (uniform +-1/sqrt(100), two biases).
  ``parity/pairs/airline_passengers.py`` maps the weights exactly.
- TF1's Adam puts epsilon (1e-8) on the un-corrected ``sqrt(v)``, PyTorch on the
  bias-corrected one: the same optimizer up to that epsilon.
- PyTorch's LSTM has two biases (``bias_ih``, ``bias_hh``) that get the same gradient and
  each its own Adam step, so its summed bias learns at twice TF1's rate. Measured from
  the same initial weights (``config.init="torch"``, seed 0): TF1 and Keras follow one
  path (epoch losses 2.3e-7 apart after one epoch), PyTorch leaves it from the second
  step (per-step losses up to 0.10 apart); with one bias and TF1's epsilon placement
  (``train_windows`` in ``parity/adapters/reference/airline_passengers.py``) PyTorch
  follows TF1 to 1.7e-6 per step.
  Initialisation and these two differences are all that separates the three programs.
- The data comes from ``datasets.airline`` (``flights.csv`` shipped, the scaler fitted on
  the 132 training months, as the article did with scikit-learn).
- Metric: the forecast's RMSE against the 12 held-out months (and MAPE); the article
  only plots them.
- The program is cut into its parts (``build_graph``, ``train_loop``, ``evaluate``) so that
  the parity harness can run the same parts, start them from shared initial weights
  (``config.init="torch"``), read the weights and save a checkpoint
  (``parity/adapters/legacy/airline_passengers.py``). Run alone, the program starts from
  TF1's own initialisers.
"""

from __future__ import annotations

import numpy as np

from datasets import airline
from hyperparams import AirlinePassengersConfig
from tf1_compat.runtime import graph_session, progress_bar, tf1

EXAMPLE = "airline_passengers"
Config = AirlinePassengersConfig


# ----------------------------------------------------------------------------- data
def load_data(config: Config = Config()):
    """The article's data: 120 (window, next month) pairs of the scaled training months."""
    return airline.prepare(window=config.window, test_months=config.test_months)


# ----------------------------------------------------------------------------- model
def build_graph(config: Config = Config()) -> dict:
    """Placeholders, LSTMCell(100) + dynamic_rnn, a dense layer, MSE and Adam (in the default graph)."""
    tf = tf1()
    x = tf.placeholder(tf.float32, [None, config.window, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")

    cell = tf.nn.rnn_cell.LSTMCell(config.hidden_size)
    # no initial_state: dynamic_rnn starts every run from zeros (the article resets
    # hidden_cell before each window)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    prediction = tf.layers.dense(outputs[:, -1, :], 1, name="linear")

    # ------------------------------------------------------------------------- loss and optimizer
    loss = tf.losses.mean_squared_error(y, prediction)
    optimizer = tf.train.AdamOptimizer(config.learning_rate)  # epsilon 1e-8
    train_op = optimizer.minimize(loss)
    return {"x": x, "y": y, "prediction": prediction, "loss": loss, "train_op": train_op}


# ----------------------------------------------------------------------------- training
def train_loop(sess, model: dict, data, config: Config = Config(), *, verbose: bool = True) -> np.ndarray:
    """The article's loop: epochs x windows in order, one ``sess.run`` per window (batch 1).

    Returns every window's loss, ``[epochs, windows]``; the article prints the last
    window's every ``log_every`` epochs (at ``i % 25 == 1``) and at the end.
    """
    losses = np.zeros((config.steps, len(data.x)), dtype=np.float32)
    bar = progress_bar(config.steps, verbose)
    for i in range(config.steps):
        for j, (seq, label) in enumerate(zip(data.x, data.y)):
            _, single_loss = sess.run(
                [model["train_op"], model["loss"]],
                feed_dict={model["x"]: seq[None], model["y"]: label[None]},
            )
            losses[i, j] = single_loss
        if bar is not None:
            bar.update(i + 1, values=[("loss", float(np.mean(losses[i])))])
        if verbose and i % config.log_every == 1:
            print(f"epoch:{i:3} loss:{single_loss:10.8f}")
    if verbose and config.steps:
        print(f"epoch:{config.steps - 1:3} loss:{single_loss:10.10f}")
    return losses


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


def forecast_test_months(sess, model: dict, data, config: Config = Config()) -> np.ndarray:
    """The recursive forecast of the test months, scaled back to passengers."""
    def predict_one(seq):
        return sess.run(model["prediction"], feed_dict={model["x"]: seq})

    scaled = forecast_scaled(predict_one, data.train_scaled[-config.window:], config.test_months)
    return data.scaler.inverse_transform(scaled.reshape(-1, 1)).ravel()


def evaluate(sess, model: dict, data, config: Config = Config(), *,
             verbose: bool = True) -> tuple[np.ndarray, float, float]:
    """The forecast (passengers), its RMSE and MAPE against the held-out months."""
    forecast = forecast_test_months(sess, model, data, config)
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
def train(config: Config = Config(), *, verbose: bool = True) -> float:
    """The article's program: train (epochs x windows in order, batch 1), forecast the test
    months, score; returns the forecast's RMSE (passengers)."""
    check_config(config)
    data = load_data(config)
    with graph_session(seed=config.seed, threads=1) as (graph, sess):
        model = build_graph(config)
        sess.run(tf1().global_variables_initializer())
        graph.finalize()
        train_loop(sess, model, data, config, verbose=verbose)
        _, rmse, _ = evaluate(sess, model, data, config, verbose=verbose)
    return rmse


if __name__ == "__main__":
    import sys

    # python legacy_graph/airline_passengers.py [STEPS]: another budget (parity check --steps N)
    train(Config(steps=int(sys.argv[1])) if len(sys.argv) > 1 else Config())

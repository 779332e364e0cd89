"""The harness's view of ``legacy_graph/airline_passengers.py``: the same parts, started from
the initial weights ``config.init`` asks for, run for a result record, weights and a
checkpoint; outputs, the forecast and one Adam step from given weights; a checkpoint read back."""

from __future__ import annotations

import os
import time

import numpy as np

from hyperparams import AirlinePassengersConfig
from legacy_graph import airline_passengers as example
from legacy_graph.airline_passengers import (  # noqa: F401  (what tests and tools use)
    EXAMPLE,
    build_graph,
    forecast_errors,
    forecast_scaled,
    load_data,
)
from parity import tf1_weights
from parity.pairs import airline_passengers as pairs
from parity.result import RunResult
from tf1_compat.runtime import graph_session, tf1

Config = AirlinePassengersConfig


def _load_weights(sess, weights: dict) -> None:
    tf1_weights.load_trainable(sess, weights, "airline_passengers legacy weights")


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial_weights: dict | None = None) -> RunResult:
    """Train as the article did (epochs x windows in order, batch 1), forecast, score.

    The model starts from ``initial_weights`` (legacy names) when given, else from
    ``config.init`` (``"framework"``: TF1's own initialisers; ``"torch"``: PyTorch's default
    init drawn with the seed, the same on every side; see ``parity.pairs.airline_passengers``).
    """
    example.check_config(config)
    if initial_weights is None:
        initial_weights = pairs.initial_weights(config, "legacy")  # also checks config.init
    tf = tf1()
    data = example.load_data(config)
    with graph_session(seed=config.seed, threads=1) as (graph, sess):
        model = example.build_graph(config)
        sess.run(tf.global_variables_initializer())
        if initial_weights is not None:
            _load_weights(sess, initial_weights)
        saver = tf.train.Saver() if checkpoint_path is not None else None
        graph.finalize()
        started = time.perf_counter()
        losses = example.train_loop(sess, model, data, config, verbose=verbose)
        seconds = time.perf_counter() - started
        forecast, rmse, mape = example.evaluate(sess, model, data, config, verbose=verbose)
        weights = tf1_weights.trainable_weights(sess)
        if checkpoint_path is not None:
            tf1_weights.save_checkpoint(sess, checkpoint_path, saver, write_meta_graph=False)
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="forecast_rmse", value=rmse,
        higher_is_better=False, steps=config.steps, seconds=seconds,
        loss_history=[(i + 1, float(np.mean(epoch))) for i, epoch in enumerate(losses)],
        weights=weights,
        extras={"forecast": forecast, "mape": mape, "windows_per_epoch": len(data.x),
                "first_epoch_losses": [float(v) for v in losses[0]] if len(losses) else [],
                "init": _init_name(config, initial_weights)},
    )


def _init_name(config: Config, initial_weights) -> str:
    if initial_weights is None:
        return "framework"
    return config.init if config.init != "framework" else "given"


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """The model's outputs [n, 1] for windows ``inputs`` [n, window, 1] from given weights."""
    inputs = check_inputs(inputs, config)
    with graph_session(seed=config.seed) as (_, sess):
        model = example.build_graph(config)
        _load_weights(sess, weights)
        return sess.run(model["prediction"], feed_dict={model["x"]: inputs})


def forecast(weights: dict, config: Config = Config()) -> np.ndarray:
    """The 12-month recursive forecast (passengers) from given weights."""
    data = example.load_data(config)
    with graph_session(seed=config.seed) as (_, sess):
        model = example.build_graph(config)
        _load_weights(sess, weights)
        return example.forecast_test_months(sess, model, data, config)


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE Adam step (fresh optimizer state) on ``batch = (x, y)``."""
    tf = tf1()
    x, y = batch
    x = check_inputs(x, config)
    y = np.asarray(y, dtype=np.float32).reshape(len(x), 1)
    with graph_session(seed=config.seed) as (_, sess):
        model = example.build_graph(config)
        sess.run(tf.global_variables_initializer())
        _load_weights(sess, weights)
        sess.run(model["train_op"], feed_dict={model["x"]: x, model["y"]: y})
        return tf1_weights.trainable_weights(sess)


def check_inputs(inputs, config: Config) -> np.ndarray:
    arr = np.asarray(inputs, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[1:] != (config.window, 1):
        raise ValueError(
            f"inputs must have shape [n, {config.window}, 1] (windows of scaled months), "
            f"got {np.shape(inputs)}"
        )
    return arr


def restore_session_weights(checkpoint_path, config: Config = Config()) -> dict:
    """Read a checkpoint written by :func:`train` back into ``{name: array}`` (model weights)."""
    tf = tf1()
    with graph_session(seed=config.seed) as (_, sess):
        example.build_graph(config)
        try:
            tf.train.Saver().restore(sess, os.fspath(checkpoint_path))
        except (ValueError, tf.errors.NotFoundError, tf.errors.DataLossError) as exc:
            raise ValueError(f"cannot restore checkpoint {checkpoint_path}: {exc}") from None
        return tf1_weights.trainable_weights(sess)

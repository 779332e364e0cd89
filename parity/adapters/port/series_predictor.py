"""The harness's view of ``eager_port/series_predictor.py``: the same parts (train, save,
restore into a new model, predict), run for a result record, the restored weights, a
weights file where the harness asks for one, outputs from given weights and one Adam step."""

from __future__ import annotations

import contextlib
import os
import time

import keras
import numpy as np

from datasets.series_toy import TEST_X
from eager_port import series_predictor as example
from eager_port.series_predictor import (  # noqa: F401  (the contract's build_model; tests)
    CHECKPOINT_NAME,
    build_model,
    restore_checkpoint,
    save_checkpoint,
)
from hyperparams import SeriesPredictorConfig
from parity.result import RunResult
from tf1_migrate import keras_weights

EXAMPLE = "series_predictor"


@contextlib.contextmanager
def checkpoint_path_for(config: SeriesPredictorConfig, checkpoint_path=None):
    """``checkpoint_path`` when the harness gives one, else the example's own place."""
    if checkpoint_path is not None:
        yield os.fspath(checkpoint_path)
    else:
        with example.checkpoint_path_for(config) as path:
            yield path


def train(config=SeriesPredictorConfig(), *, verbose=True, checkpoint_path=None) -> RunResult:
    """Train on the whole set ``config.steps`` times, save, restore into a new model, predict."""
    start = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    model = example.build_model(config)
    history = example.train_loop(model, config, verbose=verbose)
    kept = checkpoint_path is not None or bool(config.checkpoint_dir)
    with checkpoint_path_for(config, checkpoint_path) as where:
        path = save_checkpoint(model, where, verbose=verbose)
        restored = restore_checkpoint(path, config)
    predictions = restored.predict(TEST_X, verbose=0)
    test_mse = example.evaluate(predictions, verbose=verbose)
    seconds = time.perf_counter() - start
    return RunResult(
        example=EXAMPLE, impl="port", metric="test_mse", value=test_mse, higher_is_better=False,
        steps=config.steps, seconds=seconds, loss_history=history,
        weights=keras_weights.get_weights(restored),
        extras={"predictions": predictions, "checkpoint": path if kept else None},
    )


def _model_with(weights: dict, config) -> keras.Model:
    model = build_model(config)
    keras_weights.set_weights(model, weights, f"{EXAMPLE} port weights")
    return model


def predict(weights, inputs, config=SeriesPredictorConfig()) -> np.ndarray:
    """Model outputs [batch, seq_size] for ``inputs`` [batch, seq_size, input_dim]."""
    return keras_weights.to_numpy(_model_with(weights, config)(np.asarray(inputs, np.float32)))


def train_step(weights, batch, config=SeriesPredictorConfig()) -> dict:
    """The weights after one Adam step on ``batch = (x, y)``."""
    model = _model_with(weights, config)
    x, y = batch
    model.train_on_batch(np.asarray(x, np.float32), np.asarray(y, np.float32))
    return keras_weights.get_weights(model)

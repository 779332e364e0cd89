"""The harness's view of ``legacy_graph/series_predictor.py``: the same parts (train and save,
restore in a new session, predict), run for a result record, the restored weights, a
checkpoint where the harness asks for one, outputs from given weights and one Adam step."""

from __future__ import annotations

import contextlib
import os
import time

import numpy as np

from datasets.series_toy import TEST_X, TEST_Y, TRAIN_X, TRAIN_Y
from hyperparams import SeriesPredictorConfig
from legacy_graph import series_predictor as example
from legacy_graph.series_predictor import (  # noqa: F401  (what tests and tools use)
    CHECKPOINT_NAME,
    SeriesPredictor,
    restore_checkpoint,
    save_checkpoint,
)
from parity import tf1_weights
from parity.result import RunResult
from tf1_compat.runtime import tf1

EXAMPLE = "series_predictor"


@contextlib.contextmanager
def checkpoint_path_for(config: SeriesPredictorConfig, checkpoint_path=None):
    """``checkpoint_path`` when the harness gives one, else the example's own place
    (``config.checkpoint_dir``, else a temporary directory removed afterwards)."""
    if checkpoint_path is not None:
        yield os.fspath(checkpoint_path)
    else:
        with example.checkpoint_path_for(config) as path:
            yield path


def restored_weights(predictor: SeriesPredictor, checkpoint_path) -> dict:
    """The model's trainable variables, read back from a checkpoint."""
    with tf1().Session(graph=predictor.graph) as sess:
        restore_checkpoint(predictor.saver, sess, checkpoint_path)
        return tf1_weights.trainable_weights(sess)


def train(config=SeriesPredictorConfig(), *, verbose=True, checkpoint_path=None) -> RunResult:
    """Train, save, restore in a new session, predict the test sequences (metric: test MSE)."""
    start = time.perf_counter()
    kept = checkpoint_path is not None or bool(config.checkpoint_dir)
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with checkpoint_path_for(config, checkpoint_path) as path:
        history = predictor.train(TRAIN_X, TRAIN_Y, config.steps, path, config.log_every, verbose)
        predictions = predictor.test(TEST_X, path).reshape(TEST_Y.shape)
        weights = restored_weights(predictor, path)
    test_mse = example.evaluate(predictions, verbose=verbose)
    seconds = time.perf_counter() - start
    return RunResult(
        example=EXAMPLE, impl="legacy", metric="test_mse", value=test_mse, higher_is_better=False,
        steps=config.steps, seconds=seconds, loss_history=history, weights=weights,
        # the checkpoint's path when it outlives the run (a temporary one is gone by now)
        extras={"predictions": predictions, "checkpoint": path if kept else None},
    )


def predict(weights, inputs, config=SeriesPredictorConfig()) -> np.ndarray:
    """Model outputs [batch, seq_size] for ``inputs`` [batch, seq_size, input_dim] (the batch
    axis restored where the article's ``tf.squeeze`` drops it: defect 3)."""
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with tf1().Session(graph=predictor.graph) as sess:
        sess.run(tf1().global_variables_initializer())
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        out = sess.run(predictor.output, feed_dict={predictor.x: inputs})
    return out.reshape(len(inputs), config.seq_size)


def train_step(weights, batch, config=SeriesPredictorConfig()) -> dict:
    """The trainable variables after one ``AdamOptimizer()`` step on ``batch = (x, y)``."""
    x, y = batch
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with tf1().Session(graph=predictor.graph) as sess:
        sess.run(tf1().global_variables_initializer())
        tf1_weights.load_trainable(sess, weights, f"{EXAMPLE} legacy weights")
        sess.run(predictor.train_op, feed_dict={predictor.x: x, predictor.y: y})
        return tf1_weights.trainable_weights(sess)

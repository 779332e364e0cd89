"""SeriesPredictor in Keras 3: LSTM(10) + a per-step Dense(1), saved and restored as weights.

Port of :mod:`legacy_graph.series_predictor` (Nishant Shukla, *Machine Learning with
TensorFlow*). The article's ``W_out`` tiled over the batch and ``matmul``ed with
every step's output, plus ``b_out``, is a ``Dense(1)`` applied to each time step of
``LSTM(return_sequences=True)``; ``tf.squeeze`` becomes a ``Reshape``. ``Saver.save`` /
``Saver.restore`` become ``model.save_weights`` / ``load_weights`` on a freshly built model.
The weights file goes where the legacy checkpoint goes (``config.checkpoint_dir``, else a
temporary directory removed afterwards), under a temporary name first.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import keras
import numpy as np

from datasets.series_toy import TEST_X, TEST_Y, TRAIN_X, TRAIN_Y
from eager_port import backend_choices
from hyperparams import SeriesPredictorConfig

CHECKPOINT_NAME = "model.weights.h5"


# ---------------------------------------------------------------- model

def build_model(config=SeriesPredictorConfig()) -> keras.Model:
    inputs = keras.Input((config.seq_size, config.input_dim), name="x")
    # unroll: 4 fixed steps become 4 copies of the cell in the graph instead of a loop, which
    # on a batch this small is mostly per-op overhead (~4x less CPU per step); on a GPU the
    # rolled layer takes the cuDNN kernel instead.
    outputs = keras.layers.LSTM(config.hidden_dim, return_sequences=True,
                                unroll=backend_choices.unroll(True), name="lstm")(inputs)
    # W_out, b_out on every step, drawn like the article's tf.random_normal (stddev 1.0).
    out = keras.layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(stddev=1.0),
                             bias_initializer=keras.initializers.RandomNormal(stddev=1.0),
                             name="out")(outputs)
    out = keras.layers.Reshape((config.seq_size,), name="squeeze")(out)
    model = keras.Model(inputs, out, name="series_predictor")
    # Keras 3's Adam epsilon is 1e-7, TF1's AdamOptimizer() 1e-8: match it so one step compares.
    # steps_per_execution: `log_every` steps per call of the compiled train function; on a
    # 3x4 batch the per-call overhead of train_on_batch/fit dominates the step itself.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-8), loss="mse",
                  steps_per_execution=backend_choices.steps_per_execution(config.log_every))
    return model


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(model: keras.Model, path, *, verbose=False) -> str:
    """``model.save_weights`` under a temporary name next to ``path``, then renamed: a failed
    save never leaves a half-written file nor replaces a good one. Returns the path."""
    path = Path(path).absolute()
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"Keras weights file must end in .weights.h5, got '{path}'")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")  # Keras insists on the suffix
    try:
        model.save_weights(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if verbose:
        print(f"Model saved to {path}")
    return str(path)


def restore_checkpoint(path, config=SeriesPredictorConfig()) -> keras.Model:
    """A freshly built model with the weights from ``path`` (one clear line if it cannot)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no Keras weights file at {path}")
    model = build_model(config)
    model.optimizer.build(model.trainable_variables)  # so Adam's saved state loads too
    try:
        model.load_weights(path)
    except Exception as e:  # h5py/Keras raise many kinds for a damaged file
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ValueError(f"cannot load Keras weights {path}: {first}") from None
    return model


@contextlib.contextmanager
def checkpoint_path_for(config: SeriesPredictorConfig):
    """Where ``train`` saves: ``config.checkpoint_dir``/model.weights.h5, else a fresh
    temporary directory, removed afterwards."""
    if config.checkpoint_dir:
        yield os.path.join(config.checkpoint_dir, CHECKPOINT_NAME)
    else:
        with tempfile.TemporaryDirectory(prefix="series_predictor_port_") as directory:
            yield os.path.join(directory, CHECKPOINT_NAME)


# ---------------------------------------------------------------- training

class LogMSE(keras.callbacks.Callback):
    """The article's ``if i % log_every == 0: print(i, mse)``: the training MSE before step ``i``.

    With ``steps_per_execution=log_every`` a batch callback runs once per execution, i.e.
    at steps 0, log_every, 2 * log_every, ...; where the backend runs one step per call
    (PyTorch), the steps in between are passed over.
    """

    def __init__(self, verbose: bool, log_every: int):
        super().__init__()
        self.verbose, self.log_every = verbose, log_every
        self.history = []

    def on_train_batch_begin(self, batch, logs=None):
        if batch % self.log_every:
            return
        predictions = keras.ops.convert_to_numpy(self.model(TRAIN_X, training=False))
        mse = float(np.mean(np.square(predictions - TRAIN_Y)))
        self.history.append((batch, mse))
        if self.verbose:
            print(batch, mse)


def train_loop(model: keras.Model, config=SeriesPredictorConfig(), *, verbose=True) -> list:
    """The article's loop, one Adam step on the whole training set per iteration, as one fit
    over the training set repeated ``steps`` times (batch = the 3 sequences, in order).
    Returns the logged ``[(iteration, mse)]``."""
    log = LogMSE(verbose, config.log_every)
    model.fit(np.tile(TRAIN_X, (config.steps, 1, 1)), np.tile(TRAIN_Y, (config.steps, 1)),
              batch_size=len(TRAIN_X), epochs=1, shuffle=False, callbacks=[log],
              verbose=1 if verbose else 0)
    return log.history


def evaluate(predictions, *, verbose=True) -> float:
    """Print the predicted test sequences (the article's last line); their mean squared error."""
    if verbose:
        print(predictions)
    return float(np.mean((predictions - TEST_Y) ** 2))


def train(config=SeriesPredictorConfig(), *, verbose=True) -> keras.Model:
    """The article's program: train, save, restore into a new model, predict the test
    sequences; returns the restored model."""
    keras.utils.set_random_seed(config.seed)
    model = build_model(config)
    train_loop(model, config, verbose=verbose)
    with checkpoint_path_for(config) as where:
        path = save_checkpoint(model, where, verbose=verbose and bool(config.checkpoint_dir))
        if verbose and not config.checkpoint_dir:
            print("Model saved to a temporary folder, removed at the end "
                  "(set checkpoint_dir to keep it)")
        restored = restore_checkpoint(path, config)
    evaluate(restored.predict(TEST_X, verbose=0), verbose=verbose)
    return restored


if __name__ == "__main__":
    train()

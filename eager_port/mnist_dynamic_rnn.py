"""MNIST rows through ``keras.layers.LSTM(64)`` and ``Dense(10)``: the Keras 3 port.

Port of ``legacy_graph/mnist_dynamic_rnn.py`` (seeds/001, second program): each image
is 28 steps of 28 pixels, an ``LSTM(64)`` returns the last step's output, ``Dense(10)``
gives the logits; softmax cross-entropy from logits, Adam(0.01), batch 64, the same
number of gradient steps (1,200), accuracy on the whole test split.

What changed in the migration:
- ``tf.nn.rnn_cell.LSTMCell(64)`` + ``dynamic_rnn`` + ``outputs[:, -1, :]`` ->
  ``keras.layers.LSTM(64)`` (it returns the last step's output by default);
  ``tf.layers.dense`` -> ``keras.layers.Dense``; the ``feed_dict`` loop over
  ``next_batch`` -> ``model.fit(..., batch_size=64)``.
- ``tf.losses.softmax_cross_entropy`` on one-hot labels ->
  ``SparseCategoricalCrossentropy(from_logits=True)`` on integer labels (the same loss).
- ``tf.metrics.accuracy`` (a streaming metric whose running total was printed as the
  test accuracy) -> ``model.evaluate``'s accuracy of the current model: Keras resets its
  metrics at the start of every ``evaluate``, so the port reports the plain accuracy.
- Keras's ``LSTMCell`` keeps the forget bias in its stored bias (``unit_forget_bias``)
  where TF1 adds 1.0 at run time; ``parity/pairs/mnist_dynamic_rnn.py`` maps the weights.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistDynamicRNNConfig
from parity import keras_fit
from parity.keras_weights import get_weights, set_weights, to_numpy
from parity.result import RunResult

EXAMPLE = "mnist_dynamic_rnn"


# --- Data -------------------------------------------------------------------------------
def load_mnist(config: MnistDynamicRNNConfig):
    """((x_train, y_train), (x_test, y_test)): [n, 28, 28] float32 in [0, 1], integer labels."""
    (x_train, y_train), (x_test, y_test) = mnist_data.load_data(config.data_dir)
    return (as_image(x_train.astype("float32") / np.float32(255), config), y_train), \
        (as_image(x_test.astype("float32") / np.float32(255), config), y_test)


def as_image(images, config: MnistDynamicRNNConfig) -> np.ndarray:
    """[n, 784] or [n, 28, 28] images -> float32 [n, 28 steps, 28 pixels]."""
    return np.asarray(images, np.float32).reshape((-1, config.time_step, config.input_size))


def as_labels(labels) -> np.ndarray:
    """Integer labels [n], or one-hot [n, 10] turned into integers."""
    labels = np.asarray(labels)
    return labels.argmax(axis=1) if labels.ndim == 2 else labels.astype("int64")


# --- Model, loss and optimizer ------------------------------------------------------------
def build_model(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> keras.Model:
    image = keras.Input((config.time_step, config.input_size), name="image")
    last_output = keras.layers.LSTM(config.num_units, name="lstm")(image)  # [batch, 64]
    output = keras.layers.Dense(config.num_classes, name="dense")(last_output)  # logits
    return keras.Model(image, output, name=EXAMPLE)


def compile_model(model: keras.Model, config: MnistDynamicRNNConfig, *,
                  steps_per_execution: int = 1) -> keras.Model:
    model.compile(
        # epsilon=1e-8 is TF1 AdamOptimizer's (Keras 3 defaults to 1e-7): one step compares.
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate, epsilon=1e-8),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        # Several steps per call of the compiled train function: fit's Python loop and
        # per-call overhead are paid once per execution, not once per batch (same steps).
        steps_per_execution=steps_per_execution,
    )
    return model


# --- Training loop and evaluation ------------------------------------------------------------
def train(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None) -> RunResult:
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(config)
    # One execution per epoch: 15-35% less time per step on 2 CPU cores (measured), and over
    # whole epochs the same weights as one step per call.
    per_epoch = keras_fit.steps_per_epoch(len(x_train), config.batch_size)
    model = compile_model(build_model(config), config,
                          steps_per_execution=keras_fit.steps_per_execution(per_epoch))
    started = time.perf_counter()
    # As many gradient steps as the legacy loop: whole epochs, then the rest of one.
    loss_history = keras_fit.fit_steps(model, x_train, y_train, steps=config.steps,
                                       batch_size=config.batch_size, verbose=verbose)
    seconds = time.perf_counter() - started

    # print 10 predictions from test data
    pred_y = np.argmax(model.predict(x_test[:10], verbose=0), 1)
    if verbose:
        print(pred_y, "prediction number")
        print(y_test[:10], "real number")

    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=config.batch_size, verbose=0)
    if verbose:
        print("Testing Accuracy:", test_accuracy)
    return RunResult(
        example=EXAMPLE, impl="port", metric="test_accuracy", value=float(test_accuracy),
        higher_is_better=True, steps=int(to_numpy(model.optimizer.iterations)), seconds=seconds,
        loss_history=[(int(s), float(v)) for s, v in loss_history], weights=get_weights(model),
        extras={"predictions_10": pred_y, "labels_10": np.asarray(y_test[:10]),
                "data": mnist_data.describe_source(config.data_dir)},
    )


def predict(weights: dict, inputs, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    model = build_model(config)
    set_weights(model, weights, f"{EXAMPLE} port weights")
    return model.predict(as_image(inputs, config), batch_size=config.batch_size, verbose=0)


def train_step(weights: dict, batch, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    images, labels = batch
    model = compile_model(build_model(config), config)
    set_weights(model, weights, f"{EXAMPLE} port weights")
    model.train_on_batch(as_image(images, config), as_labels(labels))
    return get_weights(model)


if __name__ == "__main__":
    train()

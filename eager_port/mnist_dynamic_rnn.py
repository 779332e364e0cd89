"""MNIST rows through ``keras.layers.LSTM(64)`` and ``Dense(10)``: the Keras 3 port.

Port of ``legacy_graph/mnist_dynamic_rnn.py`` (the Chinese RNN/LSTM blog post quoting MorvanZhou's TensorFlow 1.1 tutorial, second program): each image
is 28 steps of 28 pixels, an ``LSTM(64)`` returns the last step's output, ``Dense(10)``
gives the logits; softmax cross-entropy from logits, Adam(0.01), batch 64, the same
number of gradient steps (1,200), accuracy on the whole test split.

What changed in the migration:
- ``tf.nn.rnn_cell.LSTMCell(64)`` + ``dynamic_rnn`` + ``outputs[:, -1, :]`` ->
  ``keras.layers.LSTM(64)`` (it returns the last step's output by default);
  ``tf.layers.dense`` -> ``keras.layers.Dense``; the ``feed_dict`` loop over
  ``next_batch`` -> ``model.fit(..., batch_size=64)`` for as many epochs as cover
  ``config.steps`` batches (the parity harness trains exactly ``config.steps``, the whole
  epochs and then the rest of one).
- ``tf.losses.softmax_cross_entropy`` on one-hot labels ->
  ``SparseCategoricalCrossentropy(from_logits=True)`` on integer labels (the same loss).
- ``tf.metrics.accuracy`` (a streaming metric whose running total was printed as the
  test accuracy) -> ``model.evaluate``'s accuracy of the current model: Keras resets its
  metrics at the start of every ``evaluate``, so the port reports the plain accuracy.
- Keras's ``LSTMCell`` keeps the forget bias in its stored bias (``unit_forget_bias``)
  where TF1 adds 1.0 at run time; ``parity/pairs/mnist_dynamic_rnn.py`` maps the weights.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from datasets import mnist as mnist_data
from eager_port import backend_choices
from hyperparams import MnistDynamicRNNConfig

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


# --- Model, loss and optimizer ------------------------------------------------------------
def build_model(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> keras.Model:
    # PyTorch backend on a CPU: the LSTM layer through PyTorch's fused LSTM kernel (0.54x the
    # time of a step, same numbers; eager_port/backend_choices.py); nothing on TensorFlow/JAX.
    backend_choices.use_fast_lstm()
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
        # XLA on TensorFlow: the rolled LSTM's loop compiled as one program, 0.66x the time
        # of a step without it on 2 CPU cores (benchmarks/results/levers.md), same numbers.
        jit_compile=backend_choices.jit_compile(),
    )
    return model


# --- Training loop and evaluation ------------------------------------------------------------
def train_loop(model: keras.Model, x_train, y_train, config: MnistDynamicRNNConfig, *,
               verbose: bool = True) -> keras.callbacks.History:
    """``model.fit`` for the epochs that cover ``config.steps`` batches of 64."""
    epochs = math.ceil(config.steps * config.batch_size / len(x_train))
    return model.fit(x_train, y_train, batch_size=config.batch_size, epochs=epochs,
                     verbose=1 if verbose else 0)


def print_ten_predictions(model: keras.Model, x_test, y_test, *, verbose: bool = True):
    """The article's "print 10 predictions from test data"; returns (predicted, real) digits."""
    pred_y = np.argmax(model.predict(x_test[:10], verbose=0), 1)
    if verbose:
        print(pred_y, "prediction number")
        print(y_test[:10], "real number")
    return pred_y, np.asarray(y_test[:10])


def evaluate(model: keras.Model, x_test, y_test, config: MnistDynamicRNNConfig, *,
             verbose: bool = True) -> float:
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=config.batch_size, verbose=0)
    if verbose:
        print("Testing Accuracy:", test_accuracy)
    return float(test_accuracy)


def train(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *, verbose: bool = True) -> keras.Model:
    """The article's program: build, train, ten predictions, test; returns the trained model."""
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(config)
    # One execution per epoch: 15-35% less time per step on 2 CPU cores (measured), and over
    # whole epochs the same weights as one step per call.
    per_epoch = math.ceil(len(x_train) / config.batch_size)
    model = compile_model(build_model(config), config,
                          steps_per_execution=backend_choices.steps_per_execution(per_epoch))
    train_loop(model, x_train, y_train, config, verbose=verbose)
    print_ten_predictions(model, x_test, y_test, verbose=verbose)
    evaluate(model, x_test, y_test, config, verbose=verbose)
    return model


if __name__ == "__main__":
    train()

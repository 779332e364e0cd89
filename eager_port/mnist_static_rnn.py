"""MNIST read row by row: ``keras.layers.LSTM(128, unroll=True)``, the Keras 3 port.

Port of ``legacy_graph/mnist_static_rnn.py`` (seeds/001, first program). Each image is
28 time steps of 28 pixels; one LSTM of 128 units, its last output through a dense
layer with ``random_normal`` weights and biases (as the article's ``tf.random_normal``
variables) to 10 logits; softmax cross-entropy, Adam(0.001), batch 128, the same number
of gradient steps, accuracy on the whole test split.

What changed in the migration:
- ``BasicLSTMCell`` + ``zero_state`` + ``tf.unstack`` + ``static_rnn`` -> one
  ``LSTM`` layer. ``static_rnn`` unrolls the 28 steps into the graph, which is
  ``unroll=True``; the zero initial state is the layer's default and follows the batch
  size, so the article's fixed-batch ``zero_state`` defect cannot happen.
- ``feed_dict`` loop over ``next_batch`` -> ``model.fit(..., batch_size=128)``; the
  epochs are chosen so that the number of gradient steps equals ``config.steps``.
- Keras's ``LSTMCell`` keeps the forget bias in its stored bias (``unit_forget_bias``)
  where TF1 adds 1.0 at run time; ``parity/pairs/mnist_static_rnn.py`` maps the weights.
- ``train(checkpoint_path=...)`` writes Keras weights (``*.weights.h5``) where the legacy
  side writes a ``tf.train.Saver`` checkpoint; ``parity convert`` turns one into the other.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from datasets import mnist as mnist_data
from parity import keras_fit, keras_weights
from parity.configs import MnistStaticRNNConfig
from parity.keras_weights import get_weights, set_weights, to_numpy
from parity.result import RunResult

EXAMPLE = "mnist_static_rnn"


# --- Data -------------------------------------------------------------------------------
def load_mnist(config: MnistStaticRNNConfig):
    """((x_train, y_train), (x_test, y_test)): [n, 28, 28] float32 in [0, 1], integer labels."""
    (x_train, y_train), (x_test, y_test) = mnist_data.load_data(config.data_dir)
    return (as_rows(x_train.astype("float32") / np.float32(255), config), y_train), \
        (as_rows(x_test.astype("float32") / np.float32(255), config), y_test)


def as_rows(images, config: MnistStaticRNNConfig) -> np.ndarray:
    """[n, 784] or [n, 28, 28] images -> float32 [n, 28 steps, 28 pixels]."""
    return np.asarray(images, np.float32).reshape((-1, config.timesteps, config.num_input))


def as_labels(labels) -> np.ndarray:
    """Integer labels [n], or one-hot [n, 10] turned into integers."""
    labels = np.asarray(labels)
    return labels.argmax(axis=1) if labels.ndim == 2 else labels.astype("int64")


# --- Model, loss and optimizer ------------------------------------------------------------
def build_model(config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> keras.Model:
    x = keras.Input((config.timesteps, config.num_input), name="x")
    # static_rnn unrolls the 28 steps, and so does the port on TensorFlow (unroll=True). On
    # JAX, XLA spent ~25 s compiling the unrolled steps and ran them no faster than its
    # loop (35 vs 37-47 ms a step, measured), so JAX keeps the loop; on a GPU the rolled
    # layer takes the cuDNN kernel. Same arithmetic either way.
    last_output = keras.layers.LSTM(config.num_hidden, unroll=keras_fit.unroll(True, jax=False),
                                    name="lstm")(x)
    logits = keras.layers.Dense(
        config.num_classes,
        kernel_initializer=keras.initializers.RandomNormal(stddev=1.0),  # tf.random_normal
        bias_initializer=keras.initializers.RandomNormal(stddev=1.0),
        name="output",
    )(last_output)
    return keras.Model(x, logits, name=EXAMPLE)


def compile_model(model: keras.Model, config: MnistStaticRNNConfig, *,
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
def train(config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None) -> RunResult:
    if checkpoint_path is not None and not str(checkpoint_path).endswith(".weights.h5"):
        raise ValueError(f"checkpoint_path must end in .weights.h5 (Keras weights), got '{checkpoint_path}'")
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

    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=config.batch_size, verbose=0)
    if verbose:
        print("Testing Accuracy:", test_accuracy)
    if checkpoint_path is not None:
        save_weights(model, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="port", metric="test_accuracy", value=float(test_accuracy),
        higher_is_better=True, steps=int(to_numpy(model.optimizer.iterations)), seconds=seconds,
        loss_history=[(int(s), float(v)) for s, v in loss_history], weights=get_weights(model),
        extras={"data": mnist_data.describe_source(config.data_dir)},
    )


def save_weights(model: keras.Model, path) -> None:
    """Keras weights file at ``path`` (written under a temporary name, then renamed)."""
    keras_weights.save_weights(model, path)


def predict(weights: dict, inputs, config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    model = build_model(config)
    set_weights(model, weights, f"{EXAMPLE} port weights")
    return model.predict(as_rows(inputs, config), batch_size=config.batch_size, verbose=0)


def train_step(weights: dict, batch, config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    images, labels = batch
    model = compile_model(build_model(config), config)
    set_weights(model, weights, f"{EXAMPLE} port weights")
    model.train_on_batch(as_rows(images, config), as_labels(labels))
    return get_weights(model)


if __name__ == "__main__":
    train()

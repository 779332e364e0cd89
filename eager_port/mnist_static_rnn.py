"""MNIST read row by row: ``keras.layers.LSTM(128, unroll=True)``, the Keras 3 port.

Port of ``legacy_graph/mnist_static_rnn.py`` (the Chinese RNN/LSTM blog post quoting MorvanZhou's TensorFlow 1.1 tutorial, first program). Each image is
28 time steps of 28 pixels; one LSTM of 128 units, its last output through a dense
layer with ``random_normal`` weights and biases (as the article's ``tf.random_normal``
variables) to 10 logits; softmax cross-entropy, Adam(0.001), batch 128, the same number
of gradient steps, accuracy on the whole test split.

What changed in the migration:
- ``BasicLSTMCell`` + ``zero_state`` + ``tf.unstack`` + ``static_rnn`` -> one
  ``LSTM`` layer. ``static_rnn`` unrolls the 28 steps into the graph, which is
  ``unroll=True``; the zero initial state is the layer's default and follows the batch
  size, so the article's fixed-batch ``zero_state`` defect cannot happen.
- ``feed_dict`` loop over ``next_batch`` -> ``model.fit(..., batch_size=128)`` for as many
  epochs as cover ``config.steps`` batches (the parity harness trains exactly
  ``config.steps``, the whole epochs and then the rest of one).
- Keras's ``LSTMCell`` keeps the forget bias in its stored bias (``unit_forget_bias``)
  where TF1 adds 1.0 at run time; ``parity/pairs/mnist_static_rnn.py`` maps the weights.
- A TF1 ``tf.train.Saver`` checkpoint becomes Keras weights (``model.save_weights``,
  ``*.weights.h5``); ``parity convert`` turns one into the other.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from datasets import mnist as mnist_data
from eager_port import backend_choices
from hyperparams import MnistStaticRNNConfig

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


# --- Model, loss and optimizer ------------------------------------------------------------
def build_model(config: MnistStaticRNNConfig = MnistStaticRNNConfig()) -> keras.Model:
    # PyTorch backend on a CPU: the LSTM layer through PyTorch's fused LSTM kernel (0.54x the
    # time of a step, same numbers; eager_port/backend_choices.py); nothing on TensorFlow/JAX.
    backend_choices.use_fast_lstm()
    x = keras.Input((config.timesteps, config.num_input), name="x")
    # static_rnn unrolls the 28 steps, and so does the port on TensorFlow (unroll=True). On
    # JAX, XLA spent ~25 s compiling the unrolled steps and ran them no faster than its
    # loop (35 vs 37-47 ms a step, measured), so JAX keeps the loop; on a GPU the rolled
    # layer takes the cuDNN kernel. Same arithmetic either way.
    last_output = keras.layers.LSTM(config.num_hidden, unroll=backend_choices.unroll(True, jax=False),
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
def train_loop(model: keras.Model, x_train, y_train, config: MnistStaticRNNConfig, *,
               verbose: bool = True) -> keras.callbacks.History:
    """``model.fit`` for the epochs that cover ``config.steps`` batches of 128."""
    epochs = math.ceil(config.steps * config.batch_size / len(x_train))
    return model.fit(x_train, y_train, batch_size=config.batch_size, epochs=epochs,
                     verbose=1 if verbose else 0)


def evaluate(model: keras.Model, x_test, y_test, config: MnistStaticRNNConfig, *,
             verbose: bool = True) -> float:
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=config.batch_size, verbose=0)
    if verbose:
        print("Testing Accuracy:", test_accuracy)
    return float(test_accuracy)


def train(config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *, verbose: bool = True) -> keras.Model:
    """The article's program: build, train, test; returns the trained model."""
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(config)
    # One execution per epoch: 15-35% less time per step on 2 CPU cores (measured), and over
    # whole epochs the same weights as one step per call.
    per_epoch = math.ceil(len(x_train) / config.batch_size)
    model = compile_model(build_model(config), config,
                          steps_per_execution=backend_choices.steps_per_execution(per_epoch))
    train_loop(model, x_train, y_train, config, verbose=verbose)
    evaluate(model, x_test, y_test, config, verbose=verbose)
    return model


if __name__ == "__main__":
    train()

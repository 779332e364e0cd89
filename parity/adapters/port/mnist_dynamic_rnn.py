"""The harness's view of ``eager_port/mnist_dynamic_rnn.py``: the same parts, trained for
exactly the legacy side's number of steps, with a result record, weights, a weights file,
outputs from given weights and one optimizer step."""

from __future__ import annotations

import time

import keras
import numpy as np

from datasets import mnist as mnist_data
from eager_port import mnist_dynamic_rnn as example
from eager_port.mnist_dynamic_rnn import (  # noqa: F401  (the contract's build_model; benchmarks)
    build_model,
    compile_model,
    load_mnist,
)
from hyperparams import MnistDynamicRNNConfig
from parity import keras_fit
from parity.result import RunResult
from tf1_migrate import keras_weights

EXAMPLE = example.EXAMPLE


def train(config: MnistDynamicRNNConfig = MnistDynamicRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None) -> RunResult:
    if checkpoint_path is not None and not str(checkpoint_path).endswith(".weights.h5"):
        raise ValueError(f"checkpoint_path must end in .weights.h5 (Keras weights), got '{checkpoint_path}'")
    keras.utils.set_random_seed(config.seed)
    (x_train, y_train), (x_test, y_test) = example.load_mnist(config)
    per_epoch = keras_fit.steps_per_epoch(len(x_train), config.batch_size)
    model = example.compile_model(example.build_model(config), config,
                                  steps_per_execution=keras_fit.steps_per_execution(per_epoch))
    started = time.perf_counter()
    # As many gradient steps as the legacy loop: whole epochs, then the rest of one.
    loss_history = keras_fit.fit_steps(model, x_train, y_train, steps=config.steps,
                                       batch_size=config.batch_size, verbose=verbose)
    seconds = time.perf_counter() - started
    pred_y, real_y = example.print_ten_predictions(model, x_test, y_test, verbose=verbose)
    test_accuracy = example.evaluate(model, x_test, y_test, config, verbose=verbose)
    if checkpoint_path is not None:
        keras_weights.save_weights(model, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="port", metric="test_accuracy", value=test_accuracy,
        higher_is_better=True, steps=int(keras_weights.to_numpy(model.optimizer.iterations)),
        seconds=seconds, loss_history=[(int(s), float(v)) for s, v in loss_history],
        weights=keras_weights.get_weights(model),
        extras={"predictions_10": pred_y, "labels_10": real_y,
                "data": mnist_data.describe_source(config.data_dir)},
    )


def as_labels(labels) -> np.ndarray:
    """Integer labels [n], or one-hot [n, 10] turned into integers."""
    labels = np.asarray(labels)
    return labels.argmax(axis=1) if labels.ndim == 2 else labels.astype("int64")


def predict(weights: dict, inputs, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> np.ndarray:
    """Logits [n, 10] of ``inputs`` ([n, 28, 28] or [n, 784]) from the given weights."""
    model = example.build_model(config)
    keras_weights.set_weights(model, weights, f"{EXAMPLE} port weights")
    return model.predict(example.as_image(inputs, config), batch_size=config.batch_size, verbose=0)


def train_step(weights: dict, batch, config: MnistDynamicRNNConfig = MnistDynamicRNNConfig()) -> dict:
    """Weights after one Adam step (fresh optimizer state) on ``batch = (images, labels)``."""
    images, labels = batch
    model = example.compile_model(example.build_model(config), config)
    keras_weights.set_weights(model, weights, f"{EXAMPLE} port weights")
    model.train_on_batch(example.as_image(images, config), as_labels(labels))
    return keras_weights.get_weights(model)

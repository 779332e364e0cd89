"""An LSTM learns 8-bit binary addition: the Keras 3 port of seeds/000.

Source: seeds/000 (its TF1 program is ``legacy_graph.binary_addition_lstm``). The
``MultiRNNCell`` of ``BasicLSTMCell`` run by ``dynamic_rnn`` becomes ``lstm_layers``
stacked ``LSTM(lstm_size, return_sequences=True)`` layers; the per-step weight and sigmoid
become ``Dense(1, activation="sigmoid", use_bias=False)`` (the article's bias was never
added); mean squared error and Adam, batches of 64 from the same seeded stream.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from datasets import binary_addition as data
from hyperparams import BinaryAdditionLSTMConfig as Config
from parity import keras_fit, keras_weights
from parity.result import RunResult

EXAMPLE = "binary_addition_lstm"


# --- data -------------------------------------------------------------------------------
def training_batches(rng: np.random.RandomState, config: Config = Config()):
    """``config.steps`` batches of ``generate_batch(batch_size, rng)``, concatenated in order."""
    batches = [data.generate_batch(config.batch_size, rng) for _ in range(config.steps)]
    return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])


# --- model, loss and optimizer ----------------------------------------------------------
def build_model(config: Config = Config()) -> keras.Model:
    input_x = keras.Input((config.binary_dim, 2), name="input_x")
    outputs = input_x
    for i in range(config.lstm_layers):
        # unroll: 8 fixed steps unrolled (CPU): 1.5x faster on TensorFlow, 2.8x on JAX (measured)
        outputs = keras.layers.LSTM(config.lstm_size, return_sequences=True,
                                    unroll=keras_fit.unroll(True), name=f"lstm_{i}")(outputs)
        if config.use_dropout:  # TF1's DropoutWrapper(output_keep_prob=keep_prob)
            outputs = keras.layers.Dropout(1.0 - config.keep_prob, name=f"dropout_{i}")(outputs)
    logits = keras.layers.Dense(
        1, activation="sigmoid", use_bias=False,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.01), name="weights",
    )(outputs)
    predictions = keras.layers.Reshape((config.binary_dim,), name="predictions")(logits)
    model = keras.Model(input_x, predictions, name=EXAMPLE)
    # epsilon=1e-8 is TF1 AdamOptimizer's (Keras 3 defaults to 1e-7), so one step compares.
    # steps_per_execution: each fit below (one log line's steps) runs as one call of the
    # compiled train function instead of one call per batch (same steps, less overhead).
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, epsilon=1e-8),
                  loss="mean_squared_error",
                  steps_per_execution=keras_fit.steps_per_execution(config.log_every))
    return model


def weight_shapes(config: Config = Config()) -> dict:
    """Names (Keras variable paths) and shapes of the model's variables."""
    shapes = {}
    input_dim = 2
    for i in range(config.lstm_layers):
        prefix = f"lstm_{i}/lstm_cell"
        shapes[f"{prefix}/kernel"] = (input_dim, 4 * config.lstm_size)
        shapes[f"{prefix}/recurrent_kernel"] = (config.lstm_size, 4 * config.lstm_size)
        shapes[f"{prefix}/bias"] = (4 * config.lstm_size,)
        input_dim = config.lstm_size
    shapes["weights/kernel"] = (config.lstm_size, 1)
    return shapes


def set_weights(model: keras.Model, weights: dict) -> None:
    keras_weights.set_weights(model, weights, "Keras binary-addition LSTM weights")


def get_weights(model: keras.Model) -> dict:
    return keras_weights.get_weights(model)


def exact_sum_accuracy(predictions, y) -> float:
    """Share of sums whose 8 rounded output bits are all right."""
    return float(np.mean(np.all(np.round(predictions) == y, axis=1)))


def _print_samples(val_x, result) -> None:
    """The article's printout: each operand and the predicted sum, in binary and decimal."""
    n1, n2 = data.bits_to_int(val_x[:, :, 0]), data.bits_to_int(val_x[:, :, 1])
    result = np.fabs(np.round(result))
    for b_x, b_p, a1, a2 in zip(val_x[:, ::-1], result[:, ::-1], n1, n2):  # highest bit first
        print(f"{b_x[:, 0].astype(int)}:{a1}")
        print(f"{b_x[:, 1].astype(int)}:{a2}")
        print(f"{b_p.astype(int)}:{data.bits_to_int(b_p[::-1])[0]}\n")


# --- training loop ----------------------------------------------------------------------
def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          samples: int = 5) -> RunResult:
    if checkpoint_path is not None:
        raise ValueError("the Keras port writes no TF1 checkpoint (use model.save)")
    started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    rng = np.random.RandomState(config.seed)
    input_x, input_y = training_batches(rng, config)
    eval_x, eval_y, _, _ = data.evaluation_set()

    model = build_model(config)
    loss_history = []
    for start in range(0, config.steps, config.log_every):  # one fit per log line
        stop = min(start + config.log_every, config.steps)
        rows = slice(start * config.batch_size, stop * config.batch_size)
        history = model.fit(input_x[rows], input_y[rows], batch_size=config.batch_size,
                            epochs=1, shuffle=False, verbose=1 if verbose else 0)
        loss_history.append((stop, float(history.history["loss"][0])))
        if verbose:
            print(f"Iter:{stop}, Loss:{loss_history[-1][1]}")

    # --- evaluation: all 128 x 128 sums, then the article's sample printout ---
    result = model.predict(eval_x, batch_size=4096, verbose=0)
    val_x, _ = data.generate_batch(samples, rng)
    val_result = model.predict(val_x, verbose=0)
    value = exact_sum_accuracy(result, eval_y)
    if verbose:
        _print_samples(val_x, val_result)
        print(f"exact-sum accuracy over all 128 x 128 pairs: {value:.4f}")
    return RunResult(
        example=EXAMPLE, impl="port", metric="exact_sum_accuracy", value=value,
        higher_is_better=True, steps=config.steps, seconds=time.perf_counter() - started,
        loss_history=loss_history, weights=get_weights(model),
        extras={"samples": {"x": val_x, "predictions": val_result}},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """Sigmoid outputs [n, 8] (lowest bit first) for inputs [n, 8, 2] from given weights."""
    inputs = np.asarray(inputs, dtype=np.float32)
    if inputs.ndim != 3 or inputs.shape[1:] != (config.binary_dim, 2):
        raise ValueError(f"inputs must have shape [n, {config.binary_dim}, 2], got {inputs.shape}")
    model = build_model(config)
    set_weights(model, weights)
    return model.predict(inputs, batch_size=4096, verbose=0)


def train_step(weights: dict, batch, config: Config = Config()) -> dict:
    """Weights after ONE Adam step (fresh optimizer state) on ``batch = (x, y)``."""
    x, y = batch
    model = build_model(config)
    set_weights(model, weights)
    model.train_on_batch(np.asarray(x, np.float32), np.asarray(y, np.float32))
    return get_weights(model)

"""The article's NumPy RNN as a Keras 3 model: SimpleRNN without bias, SGD(0.1).

Source: Andrew Trask's "Anyone Can Learn To Code an LSTM-RNN" (2015; the NumPy program; its TF1
twin is ``legacy_graph.binary_addition_numpy_rnn``). ``SimpleRNN(16, activation="sigmoid",
use_bias=False)`` is the article's ``synapse_0``/``synapse_h`` layer, a bias-free sigmoid
``Dense(1)`` applied at every step is ``synapse_1``; the loss is ``0.5 * sum((y - out)**2)``
and the optimizer plain SGD with the article's ``alpha``; ``fit`` with ``batch_size=1``
and ``shuffle=False`` replays the article's stream of examples. Everything is float64 and
starts from the article's ``2 * np.random.random(shape) - 1`` weights, so the run follows
the NumPy program's trajectory. Only a backend that computes in float64 can run it
(TensorFlow; JAX with ``JAX_ENABLE_X64=1``): elsewhere ``build_model`` stops with one line.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from datasets import binary_addition as data
from eager_port import backend_choices
from hyperparams import BinaryAdditionNumpyRNNConfig as Config

EXAMPLE = "binary_addition_numpy_rnn"
DTYPE = "float64"  # the article's NumPy arrays


# --- data and initial weights -----------------------------------------------------------
def initial_weights(rng: np.random.RandomState, config: Config = Config()) -> dict:
    """The article's ``2 * np.random.random(shape) - 1`` (drawn in its order), by Keras path."""
    synapse_0 = 2 * rng.random_sample((config.input_dim, config.hidden_dim)) - 1
    synapse_1 = 2 * rng.random_sample((config.hidden_dim, config.output_dim)) - 1
    synapse_h = 2 * rng.random_sample((config.hidden_dim, config.hidden_dim)) - 1
    return {
        "hidden/simple_rnn_cell/kernel": synapse_0,
        "hidden/simple_rnn_cell/recurrent_kernel": synapse_h,
        "output/kernel": synapse_1,
    }


def training_examples(rng: np.random.RandomState, config: Config = Config()):
    """The article's stream: ``config.steps`` examples, each one ``generate_batch(1, rng)``."""
    pairs = [data.generate_batch(1, rng) for _ in range(config.steps)]
    x = np.concatenate([p[0] for p in pairs]).astype(np.float64)
    y = np.concatenate([p[1] for p in pairs]).astype(np.float64)
    return x, y


# --- model, loss and optimizer ----------------------------------------------------------
class HalfSumSquaredError(keras.losses.Loss):
    """``0.5 * sum((y - out)**2)`` over bits and batch, computed in float64.

    (A plain function loss would be computed in the float32 default dtype.)
    """

    def __init__(self):
        super().__init__(name="half_sum_squared_error", reduction="sum", dtype=DTYPE)

    def call(self, y_true, y_pred):
        return 0.5 * ops.sum(ops.square(y_true - y_pred), axis=-1)


def build_model(config: Config = Config()) -> keras.Model:
    # float64 or nothing: a backend that would quietly compute in float32 (JAX without
    # JAX_ENABLE_X64=1) stops here with one line instead of leaving the NumPy trajectory.
    backend_choices.require_float64(f"{EXAMPLE} (the NumPy program's float64 trajectory)")
    inputs = keras.Input((config.binary_dim, config.input_dim), dtype=DTYPE, name="x")
    hidden = keras.layers.SimpleRNN(
        config.hidden_dim, activation="sigmoid", use_bias=False, return_sequences=True,
        unroll=True,  # 8 fixed steps: no while-loop, less per-op overhead on one example
        dtype=DTYPE, name="hidden",
    )(inputs)
    out = keras.layers.Dense(
        config.output_dim, activation="sigmoid", use_bias=False, dtype=DTYPE, name="output"
    )(hidden)
    out = keras.layers.Reshape((config.binary_dim,), dtype=DTYPE, name="out")(out)
    model = keras.Model(inputs, out, name=EXAMPLE)
    # A float learning rate would live in a float32 variable (0.10000000149...) and be cast
    # to float64 at each step; a float64 value keeps the article's exact alpha.
    alpha = np.float64(config.alpha)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lambda: alpha),
                  loss=HalfSumSquaredError(),
                  # each fit below (one log line's examples) is one call of the compiled
                  # train function instead of one call per example
                  steps_per_execution=backend_choices.steps_per_execution(config.log_every))
    return model


def set_initial_weights(model: keras.Model, weights: dict) -> None:
    """Start the model from ``weights`` (Keras variable path -> float64 array)."""
    for variable in model.weights:
        variable.assign(np.asarray(weights[variable.path], dtype=variable.dtype))


# --- training loop ----------------------------------------------------------------------
def exact_sum_accuracy(outputs, y) -> float:
    """Share of sums whose 8 rounded output bits are all right."""
    return float(np.mean(np.all(np.round(outputs) == y, axis=1)))


def train_loop(model: keras.Model, x, y, config: Config = Config(), *,
               verbose: bool = True) -> tuple[list, list]:
    """``fit`` over the article's stream of ``config.steps`` examples, one per step.

    Returns ``(loss_history, accuracy_history)``: every ``log_every`` examples, the mean
    loss of that window and the exact-sum accuracy over all 128 x 128 pairs (ours).
    """
    eval_x, eval_y, _, _ = data.evaluation_set()
    eval_x = eval_x.astype(np.float64)
    loss_history, accuracy_history = [], []
    for start in range(0, config.steps, config.log_every):
        stop = min(start + config.log_every, config.steps)
        history = model.fit(x[start:stop], y[start:stop], batch_size=1, epochs=1,
                            shuffle=False, verbose=0)
        loss_history.append((stop, float(history.history["loss"][0])))
        out = model.predict(eval_x, batch_size=4096, verbose=0)
        accuracy_history.append((stop, exact_sum_accuracy(out, eval_y)))
        if verbose:
            print(f"Iteration {stop}  loss {loss_history[-1][1]:.6f}  "
                  f"exact-sum accuracy {accuracy_history[-1][1]:.4f}")
    return loss_history, accuracy_history


# --- evaluation -------------------------------------------------------------------------
def evaluate(model: keras.Model, *, verbose: bool = True) -> float:
    """Exact-sum accuracy over all 128 x 128 pairs (ours)."""
    eval_x, eval_y, _, _ = data.evaluation_set()
    value = exact_sum_accuracy(model.predict(eval_x.astype(np.float64), batch_size=4096, verbose=0),
                               eval_y)
    if verbose:
        print(f"exact-sum accuracy over all 128 x 128 pairs: {value:.4f}")
    return value


def train(config: Config = Config(), *, verbose: bool = True) -> keras.Model:
    """The program: the article's starting weights and stream, ``fit``, our test; returns
    the trained model."""
    keras.utils.set_random_seed(config.seed)
    rng = np.random.RandomState(config.seed)  # np.random.seed(0)
    weights = initial_weights(rng, config)
    x, y = training_examples(rng, config)
    model = build_model(config)
    set_initial_weights(model, weights)
    train_loop(model, x, y, config, verbose=verbose)
    evaluate(model, verbose=verbose)
    return model


if __name__ == "__main__":
    train()

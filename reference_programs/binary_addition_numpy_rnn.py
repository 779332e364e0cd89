"""The article's NumPy RNN for binary addition, with hand-written backpropagation (impl "numpy").

Source: a Chinese lab write-up (a reposting of the well-known "Anyone Can Learn To Code an LSTM-RNN in
Python, Part 1: RNN" program). A plain RNN with no biases, sigmoid hidden and output
units, 16 hidden units, trained one example per iteration with backpropagation through
time written out by hand; weights drawn as ``2 * random - 1`` from ``np.random.seed(0)``;
each update is the gradient of ``0.5 * sum((y - out)**2)`` summed over the 8 steps, then
``w += update * alpha``. It is the article's own code, so it sits on the legacy side; its
twins are the TF1 graph (``legacy_graph.binary_addition_numpy_rnn``) and the Keras port
(``eager_port.binary_addition_numpy_rnn``). Started from these weights and fed the same
examples, all three follow the same float64 trajectory.

Defects of the article's program:
- its progress printout shows the true sum twice (``a + b = a + b = c``) and never the
  network's guess: the lines that print the prediction and the error are commented out;
- ``np.random.randint(largest_number/2)`` passes a float bound (modern NumPy wants an int).

Deviations (ours):
- restructured into functions (``initial_weights``, ``forward``, ``train_iteration``,
  ``train_loop``, ``evaluate``, ``train``) and a batch dimension (a batch of one is the
  article's step; a larger batch sums the updates), so that the parity harness can run the
  same parts from given weights (``parity/adapters/reference/binary_addition_numpy_rnn.py``);
- the random stream is an explicit ``np.random.RandomState(seed)`` instead of the global
  one (the same numbers: weights first, then ``a`` and ``b`` of each iteration);
- 10,000 iterations (the original program's budget; the article shows 1,000, when no
  sum is right yet); progress every ``log_every`` iterations shows the prediction;
- evaluation (ours): exact-sum accuracy over all 128 x 128 pairs.
"""

from __future__ import annotations

import numpy as np

from datasets import binary_addition as data
from hyperparams import BinaryAdditionNumpyRNNConfig as Config

EXAMPLE = "binary_addition_numpy_rnn"
WEIGHT_NAMES = ("synapse_0", "synapse_h", "synapse_1")


# --- data -------------------------------------------------------------------------------
# datasets.binary_addition: int2binary table, generate_batch(1, rng) = the article's
# a = randint(128), b = randint(128), bits fed lowest first.


# --- model ------------------------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_output_to_derivative(output):
    return output * (1 - output)


def initial_weights(rng: np.random.RandomState, config: Config = Config()) -> dict:
    """The article's ``2 * np.random.random(shape) - 1``, drawn in its order (0, 1, h)."""
    synapse_0 = 2 * rng.random_sample((config.input_dim, config.hidden_dim)) - 1
    synapse_1 = 2 * rng.random_sample((config.hidden_dim, config.output_dim)) - 1
    synapse_h = 2 * rng.random_sample((config.hidden_dim, config.hidden_dim)) - 1
    return {"synapse_0": synapse_0, "synapse_h": synapse_h, "synapse_1": synapse_1}


def forward(weights: dict, x: np.ndarray):
    """``x`` [n, 8, 2] -> (outputs [n, 8], hidden states [n, 9, hidden] starting at zeros)."""
    synapse_0, synapse_h, synapse_1 = (weights[k] for k in WEIGHT_NAMES)
    layer_1_values = [np.zeros((x.shape[0], synapse_h.shape[0]))]
    outputs = []
    for position in range(x.shape[1]):
        layer_1 = sigmoid(x[:, position] @ synapse_0 + layer_1_values[-1] @ synapse_h)
        outputs.append(sigmoid(layer_1 @ synapse_1)[:, 0])
        layer_1_values.append(layer_1)
    return np.stack(outputs, axis=1), np.stack(layer_1_values, axis=1)


# --- loss and update (backpropagation through time, by hand) ---------------------------
def train_iteration(weights: dict, x: np.ndarray, y: np.ndarray, alpha: float):
    """One article iteration on a batch: returns (new weights, 0.5 * summed squared error, outputs)."""
    synapse_0, synapse_h, synapse_1 = (weights[k] for k in WEIGHT_NAMES)
    binary_dim = x.shape[1]
    synapse_0_update = np.zeros_like(synapse_0)
    synapse_1_update = np.zeros_like(synapse_1)
    synapse_h_update = np.zeros_like(synapse_h)

    layer_2, layer_1_values = forward(weights, x)
    layer_2_error = y - layer_2  # [n, 8]
    layer_2_deltas = layer_2_error * sigmoid_output_to_derivative(layer_2)

    future_layer_1_delta = np.zeros((x.shape[0], synapse_h.shape[0]))
    for position in reversed(range(binary_dim)):
        layer_1 = layer_1_values[:, position + 1]
        prev_layer_1 = layer_1_values[:, position]
        layer_2_delta = layer_2_deltas[:, position : position + 1]
        layer_1_delta = (
            future_layer_1_delta @ synapse_h.T + layer_2_delta @ synapse_1.T
        ) * sigmoid_output_to_derivative(layer_1)
        synapse_1_update += layer_1.T @ layer_2_delta
        synapse_h_update += prev_layer_1.T @ layer_1_delta
        synapse_0_update += x[:, position].T @ layer_1_delta
        future_layer_1_delta = layer_1_delta

    new = {
        "synapse_0": synapse_0 + synapse_0_update * alpha,
        "synapse_h": synapse_h + synapse_h_update * alpha,
        "synapse_1": synapse_1 + synapse_1_update * alpha,
    }
    return new, 0.5 * float(np.sum(layer_2_error**2)), layer_2


# --- training loop ----------------------------------------------------------------------
def exact_sum_accuracy(outputs, y) -> float:
    """Share of sums whose 8 rounded output bits are all right."""
    return float(np.mean(np.all(np.round(outputs) == y, axis=1)))


def _print_progress(j, x, y, pred):
    """The original program's progress lines (the article printed only the true sum)."""
    a, b = data.bits_to_int(x[:, :, 0])[0], data.bits_to_int(x[:, :, 1])[0]
    overall_error = float(np.sum(np.abs(y - pred)))  # the article's overallError
    print(f"Iteration {j}  Error: {overall_error:.6f}")
    print(f"Pred: {np.round(pred[0, ::-1]).astype(int)}")
    print(f"a + b = {a} + {b} = {data.bits_to_int(pred)[0]} (true {a + b})")
    print("------------")


def train_loop(weights: dict, rng: np.random.RandomState, config: Config = Config(), *,
               verbose: bool = True):
    """The article's loop: ``config.steps`` iterations of one random example each.

    Returns ``(weights, loss_history, accuracy_history)``: the trained weights and, every
    ``log_every`` iterations, the mean loss of that window and the exact-sum accuracy over
    all 128 x 128 pairs (ours).
    """
    eval_x, eval_y, _, _ = data.evaluation_set()
    loss_history, accuracy_history, window = [], [], []
    for j in range(config.steps):
        x, y = data.generate_batch(1, rng)
        weights, loss, pred = train_iteration(weights, x.astype(np.float64), y.astype(np.float64),
                                              config.alpha)
        window.append(loss)
        if (j + 1) % config.log_every == 0 or j + 1 == config.steps:
            loss_history.append((j + 1, float(np.mean(window))))
            window = []
            accuracy = exact_sum_accuracy(forward(weights, eval_x.astype(np.float64))[0], eval_y)
            accuracy_history.append((j + 1, accuracy))
            if verbose:
                _print_progress(j + 1, x, y, pred)
    return weights, loss_history, accuracy_history


# --- evaluation -------------------------------------------------------------------------
def evaluate(weights: dict, *, verbose: bool = True) -> float:
    """Exact-sum accuracy over all 128 x 128 pairs (ours)."""
    eval_x, eval_y, _, _ = data.evaluation_set()
    value = exact_sum_accuracy(forward(weights, eval_x.astype(np.float64))[0], eval_y)
    if verbose:
        print(f"exact-sum accuracy over all 128 x 128 pairs: {value:.4f}")
    return value


def train(config: Config = Config(), *, verbose: bool = True) -> dict:
    """The article's program: seeded weights, its loop, our test; returns the trained weights."""
    rng = np.random.RandomState(config.seed)  # np.random.seed(0)
    weights = initial_weights(rng, config)
    weights, _, _ = train_loop(weights, rng, config, verbose=verbose)
    evaluate(weights, verbose=verbose)
    return weights


if __name__ == "__main__":
    train()

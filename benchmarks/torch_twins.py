"""Plain PyTorch twins of the examples that have no PyTorch program, for the benchmark's
port/PyTorch ratio (the airline example has the article's own PyTorch program, and
``benchmarks/torch_mnist.py`` is the twin of ``mnist_static_rnn``).

Not part of the parity suite: each twin is the same model and training setup as the TF1
program and its Keras port (layer sizes, loss, optimizer and learning rate, batch size, the
same ``datasets`` batches), written the way a PyTorch user would: ``nn.LSTM`` (PyTorch's
fused LSTM kernel), a plain loop, ``loss.backward()``, ``optimizer.step()``. PyTorch's own
initialisation is kept; the twins are for timing, their metric is a sanity check.

``train(example_id, config, threads=None)`` returns a :class:`parity.result.RunResult` with
``impl="torch"``. Threads: PyTorch's default (one per core) unless ``threads`` is given. On a
machine with a CUDA GPU the twins run on it.
"""

from __future__ import annotations

import time

import numpy as np

from parity.result import RunResult, library_versions

EXAMPLES = ("binary_addition_lstm", "binary_addition_numpy_rnn", "mnist_dynamic_rnn",
            "stacked_lstm", "series_predictor")


def device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _lstm_stack(sizes, input_size):
    """``nn.LSTM`` layers of the given sizes, one after the other (the Keras/TF1 stacks)."""
    from torch import nn

    layers, last = [], input_size
    for units in sizes:
        layers.append(nn.LSTM(last, units, batch_first=True))
        last = units
    return nn.ModuleList(layers)


def _run_stack(stack, x):
    for layer in stack:
        x, _ = layer(x)
    return x


def build_model(example_id: str, config):
    import torch
    from torch import nn

    torch.manual_seed(config.seed)
    if example_id == "binary_addition_lstm":
        class BitAdder(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(2, config.lstm_size, num_layers=config.lstm_layers,
                                    batch_first=True)
                self.out = nn.Linear(config.lstm_size, 1, bias=False)

            def forward(self, x):  # [batch, 8 bits, 2] -> [batch, 8]
                h, _ = self.lstm(x)
                return torch.sigmoid(self.out(h)).squeeze(-1)
        return BitAdder()
    if example_id == "binary_addition_numpy_rnn":
        class SigmoidRNN(nn.Module):  # nn.RNN has no sigmoid: the article's loop
            def __init__(self):
                super().__init__()
                self.synapse_0 = nn.Parameter(torch.empty(config.input_dim, config.hidden_dim, dtype=torch.float64).uniform_(-1, 1))
                self.synapse_h = nn.Parameter(torch.empty(config.hidden_dim, config.hidden_dim, dtype=torch.float64).uniform_(-1, 1))
                self.synapse_1 = nn.Parameter(torch.empty(config.hidden_dim, config.output_dim, dtype=torch.float64).uniform_(-1, 1))

            def forward(self, x):  # [batch, 8, 2] float64 -> [batch, 8]
                h = torch.zeros(x.shape[0], config.hidden_dim, dtype=x.dtype, device=x.device)
                outs = []
                for t in range(x.shape[1]):
                    h = torch.sigmoid(x[:, t] @ self.synapse_0 + h @ self.synapse_h)
                    outs.append(torch.sigmoid(h @ self.synapse_1))
                return torch.cat(outs, dim=1)
        return SigmoidRNN()
    if example_id in ("mnist_dynamic_rnn", "stacked_lstm"):
        sizes = (config.num_units,) if example_id == "mnist_dynamic_rnn" else tuple(config.units)

        class RowClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = _lstm_stack(sizes, config.input_size)
                self.dense = nn.Linear(sizes[-1], config.num_classes)

            def forward(self, x):  # [batch, 28, 28] -> logits [batch, 10]
                return self.dense(_run_stack(self.lstm, x)[:, -1])
        return RowClassifier()
    if example_id == "series_predictor":
        class SeriesPredictor(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(config.input_dim, config.hidden_dim, batch_first=True)
                self.out = nn.Linear(config.hidden_dim, 1)

            def forward(self, x):  # [batch, 4, 1] -> [batch, 4]
                h, _ = self.lstm(x)
                return self.out(h).squeeze(-1)
        return SeriesPredictor()
    raise KeyError(f"no PyTorch twin for '{example_id}' (twins: {', '.join(EXAMPLES)})")


def _batches(example_id: str, config):
    """The training stream as (x, y) NumPy batches, one per optimizer step (same as the port's)."""
    if example_id == "binary_addition_lstm":
        from datasets import binary_addition as data

        rng = np.random.RandomState(config.seed)
        for _ in range(config.steps):
            x, y = data.generate_batch(config.batch_size, rng)
            yield x.astype(np.float32), y.astype(np.float32)
    elif example_id == "binary_addition_numpy_rnn":
        from datasets import binary_addition as data

        rng = np.random.RandomState(config.seed)
        for _ in range(config.steps):
            x, y = data.generate_batch(1, rng)
            yield x.astype(np.float64), y.astype(np.float64)
    elif example_id in ("mnist_dynamic_rnn", "stacked_lstm"):
        from datasets import mnist as mnist_data

        mnist = mnist_data.read_data_sets(config.data_dir, one_hot=False, seed=config.seed)
        for _ in range(config.steps):
            x, y = mnist.train.next_batch(config.batch_size)
            yield (np.asarray(x, np.float32).reshape(-1, config.time_step, config.input_size),
                   np.asarray(y, np.int64))
    elif example_id == "series_predictor":
        from datasets.series_toy import TRAIN_X, TRAIN_Y

        x, y = np.asarray(TRAIN_X, np.float32), np.asarray(TRAIN_Y, np.float32)
        for _ in range(config.steps):
            yield x, y


def _loss_and_optimizer(example_id: str, model, config):
    import torch

    if example_id == "binary_addition_numpy_rnn":
        def half_sum_squared(out, y):
            return 0.5 * torch.sum((y - out) ** 2)
        return half_sum_squared, torch.optim.SGD(model.parameters(), lr=config.alpha)
    lr = getattr(config, "learning_rate", 0.001)
    if example_id in ("mnist_dynamic_rnn", "stacked_lstm"):
        return torch.nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=lr)
    return torch.nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=lr)


def _evaluate(example_id: str, model, config, dev) -> tuple[str, float, bool]:
    import torch

    model.eval()
    with torch.no_grad():
        if example_id.startswith("binary_addition"):
            from datasets import binary_addition as data

            x, y, _, _ = data.evaluation_set()
            dtype = torch.float64 if example_id.endswith("numpy_rnn") else torch.float32
            out = model(torch.as_tensor(x, dtype=dtype, device=dev)).cpu().numpy()
            return "exact_sum_accuracy", float(np.mean(np.all(np.round(out) == y, axis=1))), True
        if example_id in ("mnist_dynamic_rnn", "stacked_lstm"):
            from datasets import mnist as mnist_data

            (_, _), (x_test, y_test) = mnist_data.load_data(config.data_dir)
            x = torch.as_tensor(x_test.astype(np.float32) / np.float32(255), device=dev)
            predicted = model(x.reshape(-1, config.time_step, config.input_size)).argmax(1).cpu().numpy()
            return "test_accuracy", float(np.mean(predicted == y_test)), True
        from datasets.series_toy import TEST_X, TEST_Y

        out = model(torch.as_tensor(np.asarray(TEST_X, np.float32), device=dev)).cpu().numpy()
        return "test_mse", float(np.mean((out - TEST_Y) ** 2)), False


def train(example_id: str, config, *, verbose: bool = True, checkpoint_path=None,
          threads: int | None = None) -> RunResult:
    import torch

    if threads:
        torch.set_num_threads(threads)
    dev = device()
    model = build_model(example_id, config).to(dev)
    loss_fn, optimizer = _loss_and_optimizer(example_id, model, config)
    history, started = [], time.perf_counter()
    model.train()
    for step, (x, y) in enumerate(_batches(example_id, config), start=1):
        x, y = torch.tensor(x, device=dev), torch.tensor(y, device=dev)  # copies: some arrays are read-only
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step == 1 or step % 100 == 0:
            history.append((step, float(loss.item())))
            if verbose:
                print(f"step {step} loss {history[-1][1]:.6f}")
    seconds = time.perf_counter() - started
    metric, value, higher = _evaluate(example_id, model, config, dev)
    if verbose:
        print(f"{metric}: {value:.4f}")
    return RunResult(
        example=example_id, impl="torch", metric=metric, value=value, higher_is_better=higher,
        steps=config.steps, seconds=seconds, loss_history=history,
        weights={k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()},
        versions=library_versions("torch"),
        extras={"torch_threads": torch.get_num_threads(), "device": str(dev)},
    )

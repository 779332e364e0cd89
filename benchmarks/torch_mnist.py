"""A PyTorch twin of ``mnist_static_rnn`` for the benchmark's port/PyTorch ratio.

Not part of the parity suite: the same model and training setup as the TF1 program and
its Keras port, written the plain PyTorch way, so one training step can be timed against
them. ``nn.LSTM(28, 128, batch_first=True)`` over the 28 rows of a digit, the last
output through ``nn.Linear(128, 10)``, cross-entropy, ``Adam(lr=0.001)``, batch 128,
the same ``datasets.mnist`` batches (``next_batch``, seeded) and the test split.
PyTorch's default initialisation is kept (the TF1 program's ``random_normal`` output
layer is not copied: the twin is for timing, its accuracy is reported only as a sanity
check and for time-to-target).

``train(config)`` follows the example contract (returns a :class:`parity.result.RunResult`
with ``impl="torch"``). Threads: PyTorch's default (``torch.get_num_threads()``, the
number of cores) unless ``threads`` is given.
"""

from __future__ import annotations

import time

import numpy as np

from datasets import mnist as mnist_data
from hyperparams import MnistStaticRNNConfig
from parity.result import RunResult, library_versions

EXAMPLE = "mnist_static_rnn"


def build_model(config: MnistStaticRNNConfig = MnistStaticRNNConfig()):
    import torch
    from torch import nn

    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(config.num_input, config.num_hidden, batch_first=True)
            self.linear = nn.Linear(config.num_hidden, config.num_classes)

        def forward(self, x):  # x: [batch, 28 steps, 28 pixels]
            outputs, _ = self.lstm(x)
            return self.linear(outputs[:, -1])

    torch.manual_seed(config.seed)
    return RowLSTM()


def train(config: MnistStaticRNNConfig = MnistStaticRNNConfig(), *, verbose: bool = True,
          checkpoint_path=None, threads: int | None = None) -> RunResult:
    import torch

    if threads:
        torch.set_num_threads(threads)
    np.random.seed(config.seed)
    mnist = mnist_data.read_data_sets(config.data_dir, one_hot=False, seed=config.seed)
    model = build_model(config)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    shape = (-1, config.timesteps, config.num_input)

    started = time.perf_counter()
    history = []
    model.train()
    for step in range(1, config.steps + 1):
        batch_x, batch_y = mnist.train.next_batch(config.batch_size)
        x = torch.from_numpy(np.asarray(batch_x, np.float32).reshape(shape))
        y = torch.from_numpy(np.asarray(batch_y, np.int64))
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step % config.display_step == 0 or step == 1:
            history.append((step, float(loss.item())))
            if verbose:
                print(f"Step {step}, Minibatch Loss= {history[-1][1]:.4f}")
    seconds = time.perf_counter() - started

    model.eval()
    with torch.no_grad():
        x_test = torch.from_numpy(np.asarray(mnist.test.images, np.float32).reshape(shape))
        predicted = model(x_test).argmax(dim=1).numpy()
    accuracy = float(np.mean(predicted == np.asarray(mnist.test.labels)))
    if verbose:
        print("Testing Accuracy:", accuracy)
    if checkpoint_path is not None:
        import os

        tmp = f"{checkpoint_path}.tmp"
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="torch", metric="test_accuracy", value=accuracy,
        higher_is_better=True, steps=config.steps, seconds=seconds, loss_history=history,
        weights={k: v.detach().numpy().copy() for k, v in model.state_dict().items()},
        versions=library_versions("torch"),
        extras={"data": mnist_data.describe_source(config.data_dir),
                "torch_threads": torch.get_num_threads()},
    )


if __name__ == "__main__":
    train()

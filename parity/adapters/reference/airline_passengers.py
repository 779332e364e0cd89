"""The harness's view of ``reference_programs/airline_passengers.py`` (impl ``torch``): the
article's parts, started from the initial weights ``config.init`` asks for, run for a result
record, weights and a ``.pt`` file; outputs, the forecast and one Adam step from given
weights; and :func:`train_windows`, the diagnostic that removes the two ways PyTorch's
training differs from TF1's."""

from __future__ import annotations

import os
import time

import numpy as np

from hyperparams import AirlinePassengersConfig
from parity.pairs import airline_passengers as pairs
from parity.result import RunResult, library_versions
from reference_programs import airline_passengers as example
from reference_programs.airline_passengers import (  # noqa: F401  (what tests and tools use)
    EXAMPLE,
    TORCH_MISSING,
    build_model,
    forecast_errors,
    forecast_scaled,
    load_data,
    torch_available,
)

Config = AirlinePassengersConfig
_torch = example._torch


def _set_weights(model, weights: dict) -> None:
    from tf1_migrate.transplant import check_names

    torch = _torch()
    state = model.state_dict()
    arrays = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
              for k, v in weights.items()}
    check_names(arrays, {k: tuple(v.shape) for k, v in state.items()},
                "airline_passengers torch weights")
    model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in arrays.items()})


def _weights(model) -> dict:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def train(config: Config = Config(), *, verbose: bool = True, checkpoint_path=None,
          initial_weights: dict | None = None) -> RunResult:
    """Run the article's program (epochs x windows in order, batch 1), forecast, score.

    The model starts from ``initial_weights`` (``state_dict`` names) when given, else from
    ``config.init`` (``"framework"``: the module's own init under ``torch.manual_seed``;
    ``"torch"``: the same distributions drawn with NumPy, shared with legacy and port).
    """
    example.check_config(config)
    if initial_weights is None:
        initial_weights = pairs.initial_weights(config, "torch")  # also checks config.init
    init_name = "framework" if initial_weights is None else (
        config.init if config.init != "framework" else "given")
    example.seed(config)
    data = example.load_data(config)
    train_inout_seq = example.windows(data)
    model = example.build_model(config)
    if initial_weights is not None:
        _set_weights(model, initial_weights)
    started = time.perf_counter()
    losses = example.train_loop(model, train_inout_seq, config, verbose=verbose)
    seconds = time.perf_counter() - started
    forecast, rmse, mape = example.evaluate(model, data, config, verbose=verbose)
    if checkpoint_path is not None:
        torch = _torch()
        tmp = f"{checkpoint_path}.tmp"
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, checkpoint_path)
    return RunResult(
        example=EXAMPLE, impl="torch", metric="forecast_rmse", value=rmse,
        higher_is_better=False, steps=config.steps, seconds=seconds,
        loss_history=[(i + 1, sum(epoch) / len(epoch)) for i, epoch in enumerate(losses)],
        weights=_weights(model),
        versions=library_versions("torch"),
        extras={"forecast": forecast, "mape": mape, "windows_per_epoch": len(train_inout_seq),
                "first_epoch_losses": list(losses[0]) if losses else [], "init": init_name},
    )


def predict(weights: dict, inputs, config: Config = Config()) -> np.ndarray:
    """The model's outputs [n, 1] for windows ``inputs`` [n, window, 1], one window at a time."""
    torch = _torch()
    inputs = check_inputs(inputs, config)
    model = example.build_model(config)
    _set_weights(model, weights)
    model.eval()
    out = []
    with torch.no_grad():
        for seq in inputs[..., 0]:
            model.reset_state()
            out.append(model(torch.from_numpy(np.ascontiguousarray(seq))).numpy())
    return np.asarray(out, dtype=np.float32).reshape(-1, 1)


def forecast(weights: dict, config: Config = Config()) -> np.ndarray:
    """The 12-month recursive forecast (passengers) from given weights."""
    model = example.build_model(config)
    _set_weights(model, weights)
    return example.forecast_test_months(model, example.load_data(config), config)


def train_step(weights: dict, batch, config: Config = Config(), *, eps: float = 1e-8) -> dict:
    """Weights after ONE Adam step (fresh optimizer state) on ``batch = (x, y)`` of ONE window.

    ``eps`` is PyTorch's (added to the bias-corrected ``sqrt(v)``); TF1 and Keras add theirs
    to the uncorrected one, so ``eps = 1e-8 / sqrt(1 - 0.999)`` reproduces their first step.
    """
    torch = _torch()
    x, y = batch
    x = check_inputs(x, config)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    if len(x) != 1 or len(y) != 1:
        raise ValueError(f"the article trains on one window per step; got a batch of {len(x)}")
    model = example.build_model(config)
    _set_weights(model, weights)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, eps=eps)
    optimizer.zero_grad()
    model.reset_state()
    loss = torch.nn.MSELoss()(model(torch.from_numpy(x[0, :, 0].copy())), torch.from_numpy(y[0]))
    loss.backward()
    optimizer.step()
    return _weights(model)


def train_windows(weights: dict, x, y, config: Config = Config(), *, epochs: int = 1,
                  one_bias: bool = False, tf_adam: bool = False) -> tuple[dict, np.ndarray]:
    """The article's loop (batch 1, windows in order, fresh Adam) from ``weights``; a diagnostic.

    Returns the final weights and every step's loss. The two switches remove the two ways
    the article's PyTorch training differs from TF1's and Keras's from the same weights:

    - ``one_bias``: fold ``bias_hh`` into ``bias_ih`` and freeze it. PyTorch's two biases get
      the same gradient and each its own Adam step, so the summed bias learns twice as
      fast as the one bias of TF1 and Keras;
    - ``tf_adam``: Adam as TF1/Keras write it (epsilon added to the un-corrected
      ``sqrt(v)``, the learning rate corrected) instead of ``torch.optim.Adam`` (epsilon
      added to the bias-corrected ``sqrt(v_hat)``).

    With both on, the per-step losses follow the legacy program's (measured: 1.7e-6 over
    the first epoch from the same weights); ``tests/test_airline_passengers.py`` checks it.
    """
    torch = _torch()
    torch.set_num_threads(1)
    x = check_inputs(x, config)
    y = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    if len(x) != len(y) or epochs < 0:
        raise ValueError(f"x and y must hold the same number of windows ({len(x)} vs {len(y)}), epochs >= 0")
    model = example.build_model(config)
    _set_weights(model, weights)
    lstm = model.lstm
    if one_bias:
        with torch.no_grad():
            lstm.bias_ih_l0 += lstm.bias_hh_l0
            lstm.bias_hh_l0.zero_()
        lstm.bias_hh_l0.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, config.learning_rate
    optimizer = None if tf_adam else torch.optim.Adam(params, lr=lr)
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    loss_function = torch.nn.MSELoss()
    model.train()
    losses, t = [], 0
    for _ in range(epochs):
        for seq, label in zip(x[..., 0], y):
            for p in params:
                p.grad = None
            model.reset_state()
            loss = loss_function(model(torch.from_numpy(np.ascontiguousarray(seq))), torch.from_numpy(label))
            loss.backward()
            if optimizer is not None:
                optimizer.step()
            else:
                t += 1
                lr_t = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                with torch.no_grad():
                    for p, (m, v) in zip(params, moments):
                        m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                        v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                        p.sub_(lr_t * m / (v.sqrt() + eps))
            losses.append(loss.item())
    return _weights(model), np.asarray(losses)


def check_inputs(inputs, config: Config) -> np.ndarray:
    arr = np.asarray(inputs, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[1:] != (config.window, 1):
        raise ValueError(
            f"inputs must have shape [n, {config.window}, 1] (windows of scaled months), "
            f"got {np.shape(inputs)}"
        )
    return arr

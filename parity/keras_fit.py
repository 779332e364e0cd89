"""Training a Keras model for exactly as many gradient steps as a TF1 ``feed_dict`` loop (the
harness's budgets); the per-backend choices are the ports' own (:mod:`eager_port.backend_choices`,
re-exported here)."""

from __future__ import annotations

import math

from eager_port.backend_choices import (  # noqa: F401  (re-exported)
    Unsupported,
    backend,
    float64_supported,
    gpu_present,
    jit_compile,
    require_float64,
    steps_per_execution,
    unroll,
)


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    return math.ceil(num_examples / batch_size)


def fit_steps(model, x, y, *, steps: int, batch_size: int, verbose: bool = True) -> list:
    """``model.fit`` for exactly ``steps`` batches: whole epochs, then the rest of one.

    Returns the loss history as ``[(step, loss)]``, one entry per epoch. Keras 3.15 runs a
    whole execution even when an epoch has fewer steps than ``steps_per_execution``, so the
    partial epoch is given exactly ``rest`` batches of data (the first rows of the training
    set, which ``datasets`` already holds in a fixed shuffled order).
    """
    per_epoch = steps_per_epoch(len(x), batch_size)
    epochs, rest = divmod(steps, per_epoch)
    history_out = []
    if epochs:
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=1 if verbose else 0)
        history_out += [((e + 1) * per_epoch, loss) for e, loss in enumerate(history.history["loss"])]
    if rest:
        rows = rest * batch_size
        history = model.fit(x[:rows], y[:rows], batch_size=batch_size, epochs=epochs + 1,
                            initial_epoch=epochs, verbose=1 if verbose else 0)
        history_out.append((steps, history.history["loss"][-1]))
    return history_out

"""Training a Keras model for exactly as many gradient steps as a TF1 ``feed_dict`` loop,
with the execution options that suit the Keras backend in use."""

from __future__ import annotations

import math


def steps_per_epoch(num_examples: int, batch_size: int) -> int:
    return math.ceil(num_examples / batch_size)


def backend() -> str:
    import keras

    return keras.backend.backend()


def steps_per_execution(steps: int) -> int:
    """``steps`` batches per call of the compiled train function where the backend can.

    TensorFlow runs them as one ``tf.function`` call (a loop in the graph) and JAX as one
    Python loop over the jitted step, both without changing a number; Keras 3.15's PyTorch
    backend accepts only 1 (its ``fit`` loop is Python anyway).
    """
    return 1 if backend() == "torch" else max(1, int(steps))


def gpu_present() -> bool:
    """Whether Keras's backend sees a GPU (it then places the ports' ops there by itself)."""
    import keras

    try:
        return bool(keras.distribution.list_devices("gpu"))
    except Exception:  # JAX raises without a GPU; the PyTorch backend has no distribution API
        if backend() == "torch":
            import torch

            return torch.cuda.is_available()
        return False


def unroll(on_cpu: bool = True, **per_backend: bool) -> bool:
    """``unroll`` for an RNN over a short, fixed sequence.

    On the CPU: ``on_cpu``, or the backend's own measured choice in ``per_backend``
    (``jax=False``); unrolled steps save the loop's per-step overhead. On a GPU: never,
    because only the rolled layer takes the fused cuDNN kernel (TensorFlow and PyTorch
    backends). The arithmetic is the same either way (weights equal to ~1e-7 after an epoch).
    """
    if gpu_present():
        return False
    return bool(per_backend.get(backend(), on_cpu))


def float64_supported() -> bool:
    """Whether this backend keeps float64 through a matmul (JAX needs ``JAX_ENABLE_X64=1``;
    Keras 3.15's PyTorch backend casts the result to float32)."""
    import keras
    import numpy as np

    x = keras.ops.convert_to_tensor(np.full((2, 2), 1 / 3), dtype="float64")
    y = keras.ops.matmul(x, x)
    return keras.backend.standardize_dtype(y.dtype) == "float64"


def require_float64(what: str) -> None:
    """One clear error when the backend would silently compute ``what`` in float32."""
    if not float64_supported():
        from parity.backends import CANNOT, Unsupported

        raise Unsupported(f"{what} needs float64, which the {backend()} backend cannot give here: "
                          f"{CANNOT.get(backend(), {}).get('float64', 'no float64')}")


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

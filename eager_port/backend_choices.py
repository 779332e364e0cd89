"""What a Keras 3 port chooses per backend (TensorFlow, JAX, PyTorch) and per device.

The ports are backend-neutral Keras 3; these few choices are measured per backend
(benchmarks/README.md) and change no number: ``unroll`` for a short fixed sequence,
``steps_per_execution``, XLA for the TensorFlow backend, and a clear error where a backend
cannot compute what the article computes (float64).
"""

from __future__ import annotations


class Unsupported(ValueError):
    """Something this Keras backend cannot do (the message is one line saying what and why)."""


NO_FLOAT64 = {
    "torch": "Keras 3.15's type promotion turns float64 matmul results into float32 on "
             "its PyTorch backend, so a float64 trajectory cannot be followed",
    "jax": "JAX computes float64 as float32 unless JAX_ENABLE_X64=1 is set before "
           "it starts (parity run sets it for the float64 example)",
}


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
        raise Unsupported(f"{what} needs float64, which the {backend()} backend cannot give here: "
                          f"{NO_FLOAT64.get(backend(), 'no float64')}")


def jit_compile() -> bool:
    """``jit_compile`` for ``model.compile``: XLA on TensorFlow (JAX always compiles); not on
    the PyTorch backend, where it would mean ``torch.compile``."""
    return backend() != "torch"

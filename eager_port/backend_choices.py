"""What a Keras 3 port chooses per backend (TensorFlow, JAX, PyTorch) and per device.

The ports are backend-neutral Keras 3; these few choices are measured per backend
(benchmarks/README.md, benchmarks/results/levers.md) and change no number: ``unroll`` for a
short fixed sequence, ``steps_per_execution``, XLA for the TensorFlow backend, the LSTM
layer's loop on the PyTorch backend (``use_fast_lstm``), and a clear error where a backend
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


def jit_compile(**per_backend: bool) -> bool:
    """``jit_compile`` for ``model.compile``: XLA on TensorFlow unless ``per_backend`` says
    ``tensorflow=False`` (the measured choice of a port); JAX always compiles; not on the
    PyTorch backend, where it would mean ``torch.compile``. On a GPU Keras's LSTM layer
    takes cuDNN and turns XLA off by itself (cuDNN ops are not XLA ops)."""
    if backend() == "torch":
        return False
    return bool(per_backend.get(backend(), True))


# --- The LSTM layer's loop on a CPU ------------------------------------------------------------
# Keras's LSTM layer first asks its backend for an optimized loop (``keras.src.backend.lstm``,
# meant for cuDNN) and runs its cell step by step when the backend declines. On a CPU:
# - JAX declines: the layer runs ``LSTMCell`` inside ``lax.scan``, one input matmul per step.
#   The loop below is what Keras's own JAX backend does for GRU on a CPU: the input
#   projection x_t @ kernel of every time step as one matmul before the loop, then
#   h @ recurrent_kernel, the bias and the gates inside it, in the cell's own order
#   (z = x @ W + h @ U + b; gates i, f, c, o), with ``lax.scan``'s unroll factor.
# - PyTorch runs its own Python loop over the steps (input projection hoisted); the same
#   weights can go through PyTorch's fused LSTM kernel (``torch._VF.lstm``, what ``nn.LSTM``
#   runs; Keras calls it on CUDA), one call instead of ~10 ops per time step.
# Either way the arithmetic is the LSTM's (outputs equal, one step's weights to rounding).
_FAST = {"on": False, "scan_unroll": 1, "original": None}


def use_fast_lstm(on: bool = True, *, scan_unroll: int = 1, backends=("torch",)) -> bool:
    """Route ``keras.layers.LSTM`` (unmasked, tanh/sigmoid, on a CPU) through the loops above
    on the backends named; returns whether this backend's LSTM now takes one. Measured
    (benchmarks/results/levers.md): PyTorch's fused kernel 0.54x the time of a step, so
    the ports turn it on there; JAX's hoisted loop was slower than Keras's own scan
    (1.35x; 3.5x with ``scan_unroll=4``), so only ``backends=("jax", ...)`` asks for it.
    Read when a model is traced (JAX) or called (PyTorch): it applies process-wide."""
    from keras.src import backend as kb

    if backend() not in ("jax", "torch") or (on and backend() not in backends):
        return False
    if _FAST["original"] is None:
        _FAST["original"] = kb.lstm
        kb.lstm = _fast_lstm
    _FAST.update(on=bool(on), scan_unroll=max(1, int(scan_unroll)))
    return bool(on)


def _standard_gates(activation, recurrent_activation) -> bool:
    from keras import activations, ops

    return activation in (activations.tanh, ops.tanh) and \
        recurrent_activation in (activations.sigmoid, ops.sigmoid)


def _fast_lstm(inputs, initial_state_h, initial_state_c, mask, kernel, recurrent_kernel, bias,
               activation, recurrent_activation, return_sequences=False, go_backwards=False,
               unroll=False, **kwargs):
    args = (inputs, initial_state_h, initial_state_c, mask)
    kw = dict(kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias, activation=activation,
              recurrent_activation=recurrent_activation, return_sequences=return_sequences,
              go_backwards=go_backwards, unroll=unroll, **kwargs)
    if not _FAST["on"] or mask is not None or gpu_present() or kwargs.get("batch_first") is False:
        return _FAST["original"](*args, **kw)
    if backend() == "jax" and not unroll:
        return _jax_hoisted_lstm(*args, **kw)
    if backend() == "torch" and bias is not None and _standard_gates(activation, recurrent_activation):
        return _torch_fused_lstm(*args, **kw)
    return _FAST["original"](*args, **kw)


def _jax_hoisted_lstm(inputs, initial_state_h, initial_state_c, mask, *, kernel, recurrent_kernel,
                      bias, activation, recurrent_activation, return_sequences, go_backwards,
                      **_):
    import jax
    import jax.numpy as jnp

    kernel, recurrent_kernel = jnp.asarray(kernel), jnp.asarray(recurrent_kernel)
    bias = None if bias is None else jnp.asarray(bias)
    x = jnp.asarray(inputs)
    if go_backwards:
        x = jnp.flip(x, axis=1)
    xw = jnp.swapaxes(jnp.matmul(x, kernel), 0, 1)  # [time, batch, 4 units]

    def step(carry, xw_t):
        h, c = carry
        z = xw_t + jnp.matmul(h, recurrent_kernel)
        if bias is not None:
            z = z + bias
        z0, z1, z2, z3 = jnp.split(z, 4, axis=-1)
        i, f = recurrent_activation(z0), recurrent_activation(z1)
        c = f * c + i * activation(z2)
        h = recurrent_activation(z3) * activation(c)
        return (h, c), (h if return_sequences else None)

    (h, c), ys = jax.lax.scan(step, (jnp.asarray(initial_state_h), jnp.asarray(initial_state_c)),
                              xw, unroll=_FAST["scan_unroll"])
    outputs = jnp.swapaxes(ys, 0, 1) if return_sequences else h[:, None, :]
    return h, outputs, [h, c]


def _torch_fused_lstm(inputs, initial_state_h, initial_state_c, mask, *, kernel, recurrent_kernel,
                      bias, return_sequences, go_backwards, **_):
    import importlib

    import torch
    from keras.src.backend.torch.core import convert_to_tensor

    torch_rnn = importlib.import_module("keras.src.backend.torch.rnn")  # the module, not rnn()

    kernel, recurrent_kernel = convert_to_tensor(kernel), convert_to_tensor(recurrent_kernel)
    dtype = kernel.dtype
    x = convert_to_tensor(inputs).to(dtype)
    if go_backwards:
        x = torch.flip(x, dims=[1])
    return torch_rnn._cudnn_lstm(  # torch._VF.lstm: on the CPU too, despite the name
        x, convert_to_tensor(initial_state_h).to(dtype), convert_to_tensor(initial_state_c).to(dtype),
        kernel, recurrent_kernel, convert_to_tensor(bias), return_sequences=return_sequences,
        device=x.device)

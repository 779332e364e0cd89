"""Binary addition data: two 8-bit numbers and their sum, fed bit by bit, lowest bit first.

Facts from the articles (Andrew Trask's "Anyone Can Learn To Code an LSTM-RNN in Python"
program, which both binary-addition articles use): ``binary_dim = 8``,
``largest_number = 2**8``, a lookup table from int to its bits built with
``np.unpackbits`` (most significant bit first), and two ints drawn each with
``randint(largest_number / 2)``, i.e. in ``[0, 128)``, so their sum fits in 8 bits.
The networks read the bits reversed (lowest first), so the carry flows forward in time.

Shapes: inputs ``[batch, 8, 2]`` (bit t of a and of b at step t), targets ``[batch, 8]``
(bit t of a + b).
"""

from __future__ import annotations

import numpy as np

BINARY_DIM = 8
LARGEST_NUMBER = 2**BINARY_DIM  # 256
OPERAND_LIMIT = LARGEST_NUMBER // 2  # a, b ~ randint(largest_number / 2): [0, 128)

# int -> its 8 bits, most significant bit first (the articles' ``int2binary`` table).
INT2BINARY = np.unpackbits(np.arange(LARGEST_NUMBER, dtype=np.uint8)[:, None], axis=1)
INT2BINARY.setflags(write=False)


def int_to_bits(numbers) -> np.ndarray:
    """Ints in [0, 256) -> ``(n, 8)`` uint8 bits, lowest bit first (the articles' reversed order)."""
    numbers = np.asarray(numbers)
    if numbers.ndim == 0:
        numbers = numbers[None]
    if numbers.ndim != 1:
        raise ValueError(f"int_to_bits expects a 1-D array of ints, got shape {numbers.shape}")
    if not np.issubdtype(numbers.dtype, np.integer):
        raise ValueError(f"int_to_bits expects integers, got dtype {numbers.dtype}")
    if numbers.size and (numbers.min() < 0 or numbers.max() >= LARGEST_NUMBER):
        raise ValueError(
            f"int_to_bits: numbers must lie in [0, {LARGEST_NUMBER}), "
            f"got min {numbers.min()} max {numbers.max()}"
        )
    return INT2BINARY[numbers][:, ::-1].copy()


def bits_to_int(bits) -> np.ndarray:
    """``(n, 8)`` bits, lowest first -> ``(n,)`` ints; floats (network outputs) are rounded first."""
    bits = np.asarray(bits)
    if bits.ndim == 1:
        bits = bits[None]
    if bits.ndim != 2 or bits.shape[1] != BINARY_DIM:
        raise ValueError(f"bits_to_int expects shape (n, {BINARY_DIM}), got {bits.shape}")
    rounded = np.clip(np.rint(bits.astype(np.float64)), 0, 1).astype(np.int64)
    weights = 1 << np.arange(BINARY_DIM, dtype=np.int64)  # lowest bit first
    return rounded @ weights


def _pairs_to_arrays(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([int_to_bits(a), int_to_bits(b)], axis=-1).astype(np.float32)
    y = int_to_bits(a + b).astype(np.float32)
    return x, y


def generate_batch(batch_size: int, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """A random batch: ``x`` float32 ``[b, 8, 2]``, ``y`` float32 ``[b, 8]``.

    ``a`` and ``b`` are drawn with ``rng.randint(128)`` each (first all a's, then all b's),
    so the same seeded ``RandomState`` gives the same batches.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not isinstance(rng, np.random.RandomState):
        raise TypeError(
            f"generate_batch needs a np.random.RandomState (for reproducible batches), got {type(rng).__name__}"
        )
    a = rng.randint(OPERAND_LIMIT, size=int(batch_size))
    b = rng.randint(OPERAND_LIMIT, size=int(batch_size))
    return _pairs_to_arrays(a, b)


def evaluation_set() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All 128 x 128 pairs: ``x`` [16384, 8, 2], ``y`` [16384, 8] (float32), ``a``, ``b`` [16384] int.

    Row ``i`` holds ``a = i // 128``, ``b = i % 128``: a fixed, complete test set.
    """
    a, b = np.divmod(np.arange(OPERAND_LIMIT * OPERAND_LIMIT, dtype=np.int64), OPERAND_LIMIT)
    x, y = _pairs_to_arrays(a, b)
    return x, y, a, b

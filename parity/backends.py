"""Keras 3 backends: which the ports run on, whether each is installed, and what each cannot do.

Keras picks its backend once, from ``KERAS_BACKEND``, when it is first imported; so a port
runs on another backend only in a process of its own, started with that variable set
(:func:`env`). The legacy side always runs on TensorFlow (``tf.compat.v1``), whatever the
port's backend. Nothing here imports Keras or a backend.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT = "tensorflow"

# The package whose version is recorded for each backend.
DISTRIBUTION = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
INSTALL_HINT = {
    "jax": "JAX is not installed: pip install -e '.[jax]' in the clone (CPU jax, pinned to work with Keras 3.15)",
    "torch": "PyTorch is not installed: pip install -e '.[torch]' in the clone (torch==2.13.0, CPU build)",
}

# What a backend cannot do here, one line each (the tests skip with these reasons).
from eager_port.backend_choices import NO_FLOAT64, Unsupported  # noqa: E402,F401  (re-exported)

CANNOT = {
    "torch": {
        "float64": NO_FLOAT64["torch"],
        "steps_per_execution": "Keras 3.15's PyTorch backend runs one step per call "
                               "(steps_per_execution must be 1), so fit's loop runs in Python",
    },
    "jax": {
        "float64": NO_FLOAT64["jax"],
    },
}


def limitation(name: str, *, float64: bool = False) -> str | None:
    """Why a port cannot run on backend ``name`` at all here (None when it can).

    Only float64 is such a case: JAX computes it once ``JAX_ENABLE_X64=1`` is set (the
    runner does), PyTorch-backend Keras does not.
    """
    if float64 and name == "torch":
        return CANNOT["torch"]["float64"]
    return None


def check(name: str) -> str:
    """``name`` if it is a known backend, else a one-line ``ValueError``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown Keras backend '{name}'; choose from {', '.join(BACKENDS)}")
    return name


def parse_list(text: str) -> list[str]:
    """``"tensorflow,jax"`` -> ``["tensorflow", "jax"]`` (checked, duplicates dropped, order kept)."""
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    if not names:
        raise ValueError(f"no backend given in '{text}'; choose from {', '.join(BACKENDS)}")
    out: list[str] = []
    for n in names:
        if check(n) not in out:
            out.append(n)
    return out


def available(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` is installed here, and how to install it if not."""
    check(name)
    if importlib.util.find_spec(DISTRIBUTION[name]) is None:
        return False, INSTALL_HINT.get(name, f"{name} is not installed")
    return True, ""


def installed() -> list[str]:
    return [b for b in BACKENDS if available(b)[0]]


def version(name: str) -> str | None:
    try:
        return importlib.metadata.version(DISTRIBUTION[check(name)])
    except importlib.metadata.PackageNotFoundError:
        return None


def current() -> str:
    """The backend Keras uses (or will use) in this process."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return keras.backend.backend()
    return os.environ.get("KERAS_BACKEND", DEFAULT)


def env(name: str, base: dict | None = None, float64: bool = False,
        jax_cache: str | None = None) -> dict:
    """A copy of ``base`` (default ``os.environ``) for a process whose Keras runs on ``name``.

    ``float64``: the process computes in float64 (JAX: ``JAX_ENABLE_X64=1``). ``jax_cache``:
    a folder for JAX's compilation cache, so that every model built in the process after
    the first reuses the compiled step (each ``train``/``predict`` builds a new model, and
    XLA compiled the airline step for 5-7 s each time; measured 0.5 s with the cache,
    the same numbers). PyTorch gets
    ``OMP_NUM_THREADS=1`` unless ``base`` sets it: Keras's ``set_random_seed`` imports
    TensorFlow too when it is installed, and beside TensorFlow's thread pools PyTorch's
    spinning OpenMP threads made small ops 10-40x slower on a 2-core machine (measured).
    """
    out = dict(os.environ if base is None else base)
    out["KERAS_BACKEND"] = check(name)
    if name == "jax" and float64:
        out["JAX_ENABLE_X64"] = "1"
    if name == "jax" and jax_cache:
        out.setdefault("JAX_COMPILATION_CACHE_DIR", str(jax_cache))
        out.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        out.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    if name == "torch":
        out.setdefault("OMP_NUM_THREADS", "1")
    return out


def describe(name: str | None = None) -> dict:
    """``{"backend": name, "backend_version": ...}`` for result files."""
    name = name or current()
    return {"backend": name, "backend_version": version(name)}

"""``tensorflow.examples.tutorials.mnist.input_data``, served by :mod:`datasets.mnist`.

TF1's ``read_data_sets`` downloaded MNIST into ``train_dir``; this one never downloads. It
reads full MNIST when ``train_dir`` (or ``$PARITY_MNIST_DIR``) holds it and the shipped
10,000-digit sample otherwise, and says which on stderr.
"""

from __future__ import annotations

import sys

from tf1_compat.modules import ShimModule, UnsupportedAttribute

_UNSET = object()


def read_data_sets(
    train_dir=None,
    fake_data=False,
    one_hot=False,
    dtype=None,
    reshape=True,
    validation_size=_UNSET,
    seed=None,
    source_url=None,
):
    """TF1's signature; ``source_url`` is ignored (nothing is downloaded)."""
    from datasets import mnist

    if fake_data:
        raise UnsupportedAttribute(
            "tensorflow.examples.tutorials.mnist.input_data.read_data_sets(fake_data=True)"
        )
    kwargs = {} if validation_size is _UNSET else {"validation_size": validation_size}
    data = mnist.read_data_sets(train_dir, one_hot=one_hot, reshape=reshape, seed=seed, **kwargs)
    print(
        f"parity legacy-run: read_data_sets({str(train_dir)!r}) reads the "
        f"{mnist.describe_source(train_dir)}",
        file=sys.stderr,
        flush=True,
    )
    if dtype is not None and _is_uint8(dtype):  # TF1: dtype=uint8 keeps the raw 0..255 values
        for split in data:
            split._images = (split.images * 255).round().astype("uint8")
    return data


def _is_uint8(dtype) -> bool:
    import numpy as np

    name = getattr(dtype, "name", dtype)
    try:
        return np.dtype(name) == np.uint8
    except TypeError:
        return False


def build_modules() -> dict:
    """The ``tensorflow.examples.tutorials.mnist`` package chain, with ``input_data`` in it."""

    def package(name, children):
        return ShimModule(name, "served by parity legacy-run", children, package=True)

    input_data = ShimModule(
        "tensorflow.examples.tutorials.mnist.input_data",
        __doc__,
        {
            "read_data_sets": lambda: read_data_sets,
            "DataSet": lambda: __import__("datasets.mnist", fromlist=["DataSet"]).DataSet,
        },
    )
    mnist = package("tensorflow.examples.tutorials.mnist", {"input_data": lambda: input_data})
    tutorials = package("tensorflow.examples.tutorials", {"mnist": lambda: mnist})
    examples = package("tensorflow.examples", {"tutorials": lambda: tutorials})
    return {m.__name__: m for m in (examples, tutorials, mnist, input_data)}

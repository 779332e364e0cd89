"""TF 0.x names and argument orders at run time (the tables are in :mod:`.aliases`).

:class:`LegacyNames` is what the ``tf`` stand-in asks (:class:`.modules.Namespace`):

- ``alias("tf.mul")``: the TF1 function a renamed TF 0.x name runs as (``tf.multiply``),
  saying so on stderr the first time; ``None`` under ``--strict`` or for a name that is not
  an alias (the caller then raises the usual one-line error).
- ``wrap("tf.concat", concat)``: the functions whose argument order TF 1.0 changed, wrapped
  so that a call in the TF 0.x order runs in that order when the arguments' types make it
  certain, and stops with a one-line error naming the TF1 order when they do not.

How a call's order is decided: the positional arguments are bound to the TF 0.x signature
and to the TF1 one; each binding is checked against what the arguments must be (an axis is
a rank-0 integer, the values to concatenate or split have rank >= 1, ...). A check answers
yes, no or "cannot tell" (a tensor of unknown rank); the old order runs only when it is
possible and the new one is not. TF 1.x took only keyword arguments for the cross-entropy
functions (its ``_sentinel`` refused positional ones), so a positional call there is
TF 0.x code, ``(logits, labels)``.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import sys

from parity.tf1_shim import aliases
from parity.tf1_shim.modules import LegacyCallError, UnsupportedAttribute

PREFIX = "parity legacy-run"


# ------------------------------------------------------------------ argument kinds
def _rank(x):
    """The rank of ``x`` when it is known, ``None`` when it is not (a tensor of unknown
    rank, or an object we do not know)."""
    if isinstance(x, bool):
        return 0
    if isinstance(x, numbers.Number):
        return 0
    if isinstance(x, (list, tuple)):
        return 1 + max((_rank(v) or 0 for v in x), default=0)
    shape = getattr(x, "shape", None)
    if hasattr(shape, "rank"):  # a tf.TensorShape (of a tensor or a variable)
        return shape.rank if isinstance(shape.rank, int) else None
    ndim = getattr(x, "ndim", None)
    if isinstance(ndim, int):  # numpy arrays and scalars
        return ndim if ndim >= 0 else None
    return None


def _is_integer(x):
    """True / False / None (cannot tell) for ``x`` holding integers."""
    if isinstance(x, bool):
        return False
    if isinstance(x, numbers.Integral):
        return True
    if isinstance(x, numbers.Number):
        return False
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return None
    if hasattr(dtype, "is_integer"):  # a tf.DType
        return bool(dtype.is_integer)
    kind = getattr(dtype, "kind", None)  # a numpy dtype
    return kind in ("i", "u") if kind is not None else None


def _axis(x):
    """Can ``x`` be an axis (a rank-0 integer)? True, False or None."""
    rank = _rank(x)
    if rank is not None and rank != 0:
        return False
    integer = _is_integer(x)
    if integer is False:
        return False
    return True if rank == 0 and integer else None


def _array(x):
    """Can ``x`` be the values of an op (rank >= 1)? True, False or None."""
    if isinstance(x, (list, tuple)):
        return True
    rank = _rank(x)
    if rank is None:
        return None
    return rank >= 1


def _splits(x):
    """Can ``x`` be num_or_size_splits (an int, or a list of ints)?"""
    if isinstance(x, (list, tuple)):
        return True
    return _axis(x) if _rank(x) != 1 else _is_integer(x)


def _sparse(x):
    return type(x).__name__ == "SparseTensor" or None


def _anything(x):
    return True


# ------------------------------------------------------------ the reordered functions
class _Order:
    """One function TF 1.0 reordered: its TF 0.x and TF1 signatures, what each argument must
    be, and how the old keywords map to the new ones."""

    def __init__(self, name, old, new, old_checks, new_checks, to_new, positional_is_old=False):
        self.name = name
        self.old = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d)
             for p, d in old]
        )
        kind = (
            inspect.Parameter.KEYWORD_ONLY
            if positional_is_old
            else inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        self.new = inspect.Signature([inspect.Parameter(p, kind, default=d) for p, d in new])
        self.old_checks, self.new_checks = old_checks, new_checks
        self.to_new = to_new

    @staticmethod
    def _possible(signature, checks, args, kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return None, False
        for name, check in checks.items():
            if name in bound.arguments and check(bound.arguments[name]) is False:
                return bound, False
        return bound, True


_REQUIRED = inspect.Parameter.empty


def _orders() -> dict[str, _Order]:
    split_old = [("split_dim", _REQUIRED), ("num_split", _REQUIRED), ("value", _REQUIRED),
                 ("name", "split")]
    return {
        "tf.concat": _Order(
            "tf.concat",
            [("concat_dim", _REQUIRED), ("values", _REQUIRED), ("name", "concat")],
            [("values", _REQUIRED), ("axis", _REQUIRED), ("name", "concat")],
            {"concat_dim": _axis, "values": _array},
            {"values": _array, "axis": _axis},
            {"concat_dim": "axis"},
        ),
        "tf.split": _Order(
            "tf.split",
            split_old,
            [("value", _REQUIRED), ("num_or_size_splits", _REQUIRED), ("axis", 0),
             ("num", None), ("name", "split")],
            {"split_dim": _axis, "num_split": _splits, "value": _array},
            {"value": _array, "num_or_size_splits": _splits, "axis": _axis},
            {"split_dim": "axis", "num_split": "num_or_size_splits"},
        ),
        "tf.sparse_split": _Order(
            "tf.sparse_split",
            [("split_dim", _REQUIRED), ("num_split", _REQUIRED), ("sp_input", _REQUIRED),
             ("name", None)],
            [("sp_input", None), ("num_split", None), ("axis", None), ("name", None),
             ("split_dim", None)],
            {"split_dim": _axis, "num_split": _axis, "sp_input": _sparse},
            {},
            {"split_dim": "axis"},
            positional_is_old=True,  # TF1's sparse_split takes keywords only
        ),
        "tf.svd": _Order(
            "tf.svd",
            [("tensor", _REQUIRED), ("compute_uv", True), ("full_matrices", False),
             ("name", None)],
            [("tensor", _REQUIRED), ("full_matrices", False), ("compute_uv", True),
             ("name", None)],
            {},
            {},
            {},
        ),
        "tf.nn.softmax_cross_entropy_with_logits": _Order(
            "tf.nn.softmax_cross_entropy_with_logits",
            [("logits", _REQUIRED), ("labels", _REQUIRED), ("dim", -1), ("name", None)],
            [("labels", None), ("logits", None), ("dim", -1), ("name", None), ("axis", None)],
            {},
            {},
            {},
            positional_is_old=True,
        ),
        "tf.nn.sparse_softmax_cross_entropy_with_logits": _Order(
            "tf.nn.sparse_softmax_cross_entropy_with_logits",
            [("logits", _REQUIRED), ("labels", _REQUIRED), ("name", None)],
            [("labels", None), ("logits", None), ("name", None)],
            # the class indices are integers, the logits are not
            {"logits": lambda x: None if _is_integer(x) is None else not _is_integer(x),
             "labels": _is_integer},
            {},
            {},
            positional_is_old=True,
        ),
        "tf.nn.sigmoid_cross_entropy_with_logits": _Order(
            "tf.nn.sigmoid_cross_entropy_with_logits",
            [("logits", _REQUIRED), ("targets", _REQUIRED), ("name", None)],
            [("labels", None), ("logits", None), ("name", None)],
            {},
            {},
            {"targets": "labels"},
            positional_is_old=True,
        ),
    }


ORDERS = _orders()


def _old_signature_text(order: _Order) -> str:
    return aliases.TF0_ORDER[order.name]


# ------------------------------------------------------------------- the runtime
class LegacyNames:
    """The TF 0.x names and orders for one installation of the shims (see module doc)."""

    def __init__(self, resolve, strict: bool = False, stream=None):
        self._resolve = resolve  # "tf.matmul" -> the object, through the tf stand-in
        self.strict = strict
        self._stream = stream
        self.noted: set[str] = set()

    # -- notes
    def note(self, key: str, line: str) -> None:
        """Print ``line`` on stderr, once per ``key``."""
        if key in self.noted:
            return
        self.noted.add(key)
        stream = self._stream if self._stream is not None else sys.stderr
        print(f"{PREFIX}: {line}", file=stream, flush=True)

    # -- renamed names
    def alias(self, name: str):
        """The TF1 object that ``name`` (a TF 0.x name) runs as; ``None`` when ``name`` is not
        a TF 0.x name (or its TF1 name is missing too). Under ``--strict``: the one-line
        error (an ``AttributeError``, so that ``hasattr`` still answers False)."""
        target_name = aliases.ALIASES.get(name)
        if target_name is None:
            return None
        if self.strict:
            raise UnsupportedAttribute(
                name,
                f"{name} is TF 0.x's name, renamed in TF 1.0 (--strict); "
                f"use instead: {target_name}",
            )
        try:
            target = self._resolve(target_name)
        except AttributeError:
            return None
        value = self._adapt(name, target_name, target)
        self.note(name, f"{name} (TF 0.x) runs as {target_name}")
        return value

    def _adapt(self, name, target_name, target):
        adapter = _SUMMARY_ADAPTERS.get(name.rsplit(".", 1)[-1])
        if adapter is not None and target_name.startswith("tf.summary."):
            return adapter(name, target_name, target)
        renames = aliases.KEYWORD_RENAMES.get(name)
        if renames:
            return _renaming(target, renames)
        return target

    # -- reordered functions
    def wrap(self, name: str, value):
        if name in ORDERS and callable(value):
            return self._reordered(ORDERS[name], value)
        if name == aliases.REVERSE and callable(value):
            return self._reverse(value)
        return value

    def _reordered(self, order: _Order, function):
        legacy = self
        new_keywords = set(inspect.signature(function).parameters)

        @functools.wraps(function)
        def call(*args, **kwargs):
            renamed = {k: v for k, v in order.to_new.items() if k not in new_keywords}
            if not args:  # keywords say what they are: only rename the ones TF1 dropped
                old_keys = [k for k in kwargs if k in renamed]
                if old_keys:
                    if legacy.strict:
                        raise LegacyCallError(order.name, legacy._strict_line(order))
                    legacy._note_order(order)
                    kwargs = {renamed.get(k, k): v for k, v in kwargs.items()}
                return function(**kwargs)
            old_bound, old_ok = order._possible(order.old, order.old_checks, args, kwargs)
            new_bound, new_ok = order._possible(order.new, order.new_checks, args, kwargs)
            if new_ok and not old_ok:
                return function(*args, **kwargs)
            if old_ok and not new_ok:
                if legacy.strict:
                    raise LegacyCallError(order.name, legacy._strict_line(order))
                legacy._note_order(order)
                arguments = {order.to_new.get(k, k): v for k, v in old_bound.arguments.items()}
                return function(**arguments)
            if old_ok and new_ok:
                as_new = {order.to_new.get(k, k): v for k, v in old_bound.arguments.items()}
                if as_new.keys() == new_bound.arguments.keys() and all(
                    as_new[k] is new_bound.arguments[k] for k in as_new
                ):  # the same call in both orders (only the leading arguments given)
                    return function(*args, **kwargs)
                raise LegacyCallError(
                    order.name,
                    f"{order.name}: the arguments' types do not show whether this call uses "
                    f"TF 0.x's order {_old_signature_text(order)} or TF1's; "
                    f"write it in TF1's order with keywords: {aliases.TF1_ORDER[order.name]}",
                )
            return function(*args, **kwargs)  # neither: TensorFlow says what is wrong

        call.__wrapped_by_parity__ = True
        return call

    def _note_order(self, order: _Order) -> None:
        self.note(
            order.name + "()",
            f"{_old_signature_text(order)} (TF 0.x argument order) runs as "
            f"{aliases.TF1_ORDER[order.name]}",
        )

    @staticmethod
    def _strict_line(order: _Order) -> str:
        return (
            f"{_old_signature_text(order)} is TF 0.x's argument order, changed in TF 1.0 "
            f"(--strict); use instead: {aliases.TF1_ORDER[order.name]}"
        )

    def _reverse(self, function):
        legacy = self

        @functools.wraps(function)
        def reverse(tensor, *args, **kwargs):
            dims = args[0] if args else kwargs.get("dims", kwargs.get("axis"))
            if "dims" in kwargs or _bools(dims):
                if legacy.strict:
                    raise LegacyCallError(
                        "tf.reverse",
                        f"{aliases.TF0_ORDER['tf.reverse']} is TF 0.x's form, changed in "
                        "TF 1.0 (--strict); use instead: "
                        f"{aliases.TF1_ORDER['tf.reverse']}",
                    )
                legacy.note(
                    "tf.reverse()",
                    f"{aliases.TF0_ORDER['tf.reverse']} (TF 0.x) runs as "
                    "tf.reverse(tensor, axis=[the dimensions marked True])",
                )
                name = kwargs.get("name", args[1] if len(args) > 1 else None)
                axis = [i for i, flag in enumerate(dims) if flag]
                return function(tensor, axis, name=name)
            return function(tensor, *args, **kwargs)

        return reverse


def _bools(dims) -> bool:
    """A non-empty list/tuple/array of Python or NumPy bools (TF 0.x's tf.reverse dims)."""
    if isinstance(dims, (list, tuple)):
        return bool(dims) and all(isinstance(d, bool) or type(d).__name__ == "bool_"
                                  for d in dims)
    dtype = getattr(dims, "dtype", None)
    return getattr(dtype, "kind", None) == "b" and getattr(dims, "ndim", 0) == 1


def _renaming(function, renames: dict[str, str]):
    """``function`` taking the old keywords ``renames`` too."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        return function(*args, **{renames.get(k, k): v for k, v in kwargs.items()})

    return call


# The TF 0.x summary functions: (tag, values, collections, name) with the tag a string;
# TF1's tf.summary.* take (name, tensor, ..., collections, family): the tag becomes the
# op's name (prefixed by the enclosing name scope, as in TF 1.0). The old op name is
# dropped; a tensor of several tags (tf.scalar_summary's other form) has no TF1 equivalent.
def _summary_adapter(fixed_keywords):
    def make(name, target_name, target):
        @functools.wraps(target)
        def summary(tag, values, *args, **kwargs):
            if not isinstance(tag, str):
                raise LegacyCallError(
                    name,
                    f"{name} with a tensor of tags has no TF1 equivalent; use instead: "
                    f"{target_name}(name, tensor), once per tag",
                )
            bound = dict(zip(fixed_keywords, args))
            bound.update(kwargs)
            bound.pop("name", None)  # the old op name: the tag names the op in TF1
            if "max_images" in bound:
                bound["max_outputs"] = bound.pop("max_images")
            return target(tag, values, **bound)

        return summary

    return make


_SUMMARY_ADAPTERS = {
    "scalar_summary": _summary_adapter(("collections", "name")),
    "histogram_summary": _summary_adapter(("collections", "name")),
    "image_summary": _summary_adapter(("max_images", "collections", "name")),
    "audio_summary": _summary_adapter(("sample_rate", "max_outputs", "collections", "name")),
}

"""NumPy 1.x names that 2016-2018 programs use, under ``parity legacy-run``.

TensorFlow 1.x programs were written against NumPy 1.11-1.16. Since then NumPy removed the
aliases of the builtin types (``np.float``, ``np.int``, ... in 1.24), a few functions
(``np.asscalar``, ``np.rank``, ``np.alen``, ``np.loads``) and, in 2.0, the names of NEP 52
(``np.float_``, ``np.NaN``, ``np.product``, ...). While installed (:func:`install`), NumPy's
own module answers these names again when the script (or its own modules) asks for them,
with what they were in NumPy 1.x, and says so once on stderr, as the TF 0.x names are said
(:mod:`tf1_compat.reorders`); under ``--strict`` each stops with a one-line error naming
the replacement. Libraries (anything under site-packages or the standard library) keep
seeing NumPy as it is, so their feature checks do not change.

``np.set_printoptions(threshold=np.nan)`` (refused since NumPy 1.14) runs as
``threshold=sys.maxsize``. What cannot be given back is ``int()`` / ``float()`` of an
array with one element and ``ndim > 0`` (``int(np.searchsorted(t, np.random.rand(1)))``):
NumPy 2 refuses it in the array type itself. :func:`scalar_conversion_hint` is the line the
runner adds below that traceback.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import sysconfig
import warnings

PREFIX = "parity legacy-run"


def _np():
    import numpy

    return numpy


def _asscalar(a):
    return a.item()


def _alen(a):
    return len(_np().array(a, ndmin=1))


def _loads(data, *args, **kwargs):
    import pickle

    return pickle.loads(data, *args, **kwargs)


def _asfarray(a, dtype=None):
    np = _np()
    dtype = np.float64 if dtype is None else dtype
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.float64
    return np.asarray(a, dtype=dtype)


def _in1d(ar1, ar2, assume_unique=False, invert=False):
    np = _np()
    return np.isin(np.asarray(ar1).ravel(), ar2, assume_unique=assume_unique, invert=invert)


def _msort(a):
    return _np().sort(a, axis=0)


def _safe_eval(source):
    import ast

    return ast.literal_eval(source)


def _issubclass_(arg1, arg2):
    try:
        return issubclass(arg1, arg2)
    except TypeError:
        return False


# name -> (the NumPy release that removed it, what it was / what to use, its value)
# The value is a function of the numpy module, so that the table can be read without NumPy.
NAMES: dict[str, tuple[str, str, object]] = {
    # the aliases of the builtin types (deprecated in 1.20, removed in 1.24)
    "float": ("1.24", "float", lambda np: float),
    "int": ("1.24", "int", lambda np: int),
    "bool": ("1.24", "bool", lambda np: bool),
    "object": ("1.24", "object", lambda np: object),
    "str": ("1.24", "str", lambda np: str),
    "complex": ("1.24", "complex", lambda np: complex),
    "long": ("1.24", "int", lambda np: int),
    "unicode": ("1.24", "str", lambda np: str),
    # functions removed in NumPy 1.x
    "asscalar": ("1.23", "a.item()", lambda np: _asscalar),
    "rank": ("1.18", "np.ndim", lambda np: np.ndim),
    "alen": ("1.23", "len(a)", lambda np: _alen),
    "loads": ("1.15", "pickle.loads", lambda np: _loads),
    # NEP 52's removals (NumPy 2.0)
    "float_": ("2.0", "np.float64", lambda np: np.float64),
    "complex_": ("2.0", "np.complex128", lambda np: np.complex128),
    "cfloat": ("2.0", "np.complex128", lambda np: np.complex128),
    "singlecomplex": ("2.0", "np.complex64", lambda np: np.complex64),
    "longfloat": ("2.0", "np.longdouble", lambda np: np.longdouble),
    "clongfloat": ("2.0", "np.clongdouble", lambda np: np.clongdouble),
    "longcomplex": ("2.0", "np.clongdouble", lambda np: np.clongdouble),
    "string_": ("2.0", "np.bytes_", lambda np: np.bytes_),
    "unicode_": ("2.0", "np.str_", lambda np: np.str_),
    "int0": ("2.0", "np.intp", lambda np: np.intp),
    "uint0": ("2.0", "np.uintp", lambda np: np.uintp),
    "bool8": ("2.0", "np.bool_", lambda np: np.bool_),
    "object0": ("2.0", "np.object_", lambda np: np.object_),
    "str0": ("2.0", "np.str_", lambda np: np.str_),
    "bytes0": ("2.0", "np.bytes_", lambda np: np.bytes_),
    "void0": ("2.0", "np.void", lambda np: np.void),
    "NaN": ("2.0", "np.nan", lambda np: np.nan),
    "NAN": ("2.0", "np.nan", lambda np: np.nan),
    "Inf": ("2.0", "np.inf", lambda np: np.inf),
    "Infinity": ("2.0", "np.inf", lambda np: np.inf),
    "infty": ("2.0", "np.inf", lambda np: np.inf),
    "PINF": ("2.0", "np.inf", lambda np: np.inf),
    "NINF": ("2.0", "-np.inf", lambda np: -np.inf),
    "PZERO": ("2.0", "0.0", lambda np: 0.0),
    "NZERO": ("2.0", "-0.0", lambda np: -0.0),
    "product": ("2.0", "np.prod", lambda np: np.prod),
    "cumproduct": ("2.0", "np.cumprod", lambda np: np.cumprod),
    "sometrue": ("2.0", "np.any", lambda np: np.any),
    "alltrue": ("2.0", "np.all", lambda np: np.all),
    "round_": ("2.0", "np.round", lambda np: np.round),
    "mat": ("2.0", "np.asmatrix", lambda np: np.asmatrix),
    "asfarray": ("2.0", "np.asarray(a, dtype=np.float64)", lambda np: _asfarray),
    "issubclass_": ("2.0", "issubclass", lambda np: _issubclass_),
    "safe_eval": ("2.0", "ast.literal_eval", lambda np: _safe_eval),
    "in1d": ("2.4", "np.isin(a.ravel(), b)", lambda np: _in1d),
    "trapz": ("2.4", "np.trapezoid", lambda np: np.trapezoid),
    "row_stack": ("2.4", "np.vstack", lambda np: np.vstack),
    "msort": ("2.4", "np.sort(a, axis=0)", lambda np: _msort),
}

PRINTOPTIONS = "np.set_printoptions(threshold=np.nan)"

# the messages of NumPy's own deprecation warnings for the NumPy 1.x forms above
_NUMPY_DEPRECATIONS = (
    r"(?s).*(\(Deprecated NumPy [\d.]+\)|is deprecated as of NumPy|"
    r"This function is deprecated\. Please call randint)"
)
SCALAR_CONVERSION = "only 0-dimensional arrays can be converted to Python scalars"


def _library_dirs() -> tuple[str, ...]:
    dirs = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(os.path.realpath(path) + os.sep)
    for path in sys.path:
        if os.path.basename(path.rstrip(os.sep)) in ("site-packages", "dist-packages"):
            dirs.add(os.path.realpath(path) + os.sep)
    return tuple(sorted(dirs))


class NumPy1:
    """The NumPy 1.x names for one installation (see the module doc). ``legacy``: the
    :class:`tf1_compat.reorders.LegacyNames` that says each name once."""

    def __init__(self, legacy, strict: bool = False):
        self.legacy = legacy
        self.strict = strict
        self.numpy = None
        self.original_getattr = None
        self.original_printoptions = None
        self._libraries = _library_dirs()
        self._own = os.path.dirname(os.path.realpath(__file__)) + os.sep
        self._by_caller: dict[str, bool] = {}

    # -- who asks
    def _from_script(self, depth: int = 2) -> bool:
        """Is the code asking (``depth`` frames up) the script's, not a library's?"""
        try:
            filename = sys._getframe(depth).f_code.co_filename
        except ValueError:
            return False
        known = self._by_caller.get(filename)
        if known is None:
            path = os.path.realpath(filename) if os.path.isabs(filename) else filename
            known = not (path.startswith(self._libraries) or path.startswith(self._own))
            self._by_caller[filename] = known
        return known

    # -- the names
    def lookup(self, name: str):
        """The NumPy 1.x value of ``np.<name>`` (said once), or the one-line error under
        ``--strict``."""
        from tf1_compat.modules import UnsupportedAttribute

        removed, instead, value = NAMES[name]
        if self.strict:
            raise UnsupportedAttribute(
                f"np.{name}",
                f"np.{name} was removed in NumPy {removed} (--strict); use instead: {instead}",
            )
        self.legacy.note(f"np.{name}", f"np.{name} (removed in NumPy {removed}) runs as {instead}")
        return value(self.numpy)

    def install(self, quiet: bool = True) -> None:
        np = _np()
        self.numpy = np
        missing = {name for name in NAMES if name not in np.__dict__}
        original = np.__dict__.get("__getattr__")
        self.original_getattr = original
        numpy1 = self

        def __getattr__(name):
            if name in missing and numpy1._from_script():
                return numpy1.lookup(name)
            if original is not None:
                return original(name)
            raise AttributeError(f"module 'numpy' has no attribute {name!r}", name=name, obj=np)

        np.__getattr__ = __getattr__
        self.original_printoptions = np.set_printoptions
        np.set_printoptions = self._printoptions(np.set_printoptions)
        if quiet:
            warnings.filterwarnings("ignore", message=_NUMPY_DEPRECATIONS)
            # NumPy 1.25-1.26 still converts a 1-element array with int()/float(), warning
            warnings.filterwarnings(
                "ignore", message="Conversion of an array with ndim > 0 to a scalar"
            )

    def uninstall(self) -> None:
        np = self.numpy
        if np is None:
            return
        if self.original_getattr is not None:
            np.__getattr__ = self.original_getattr
        else:
            np.__dict__.pop("__getattr__", None)
        if self.original_printoptions is not None:
            np.set_printoptions = self.original_printoptions
        self.numpy = None

    def _printoptions(self, function):
        numpy1 = self

        @functools.wraps(function)
        def set_printoptions(*args, **kwargs):
            threshold = kwargs.get("threshold", args[1] if len(args) > 1 else None)
            if isinstance(threshold, float) and math.isnan(threshold):
                if numpy1.strict:
                    from tf1_compat.modules import LegacyCallError

                    raise LegacyCallError(
                        PRINTOPTIONS,
                        f"{PRINTOPTIONS} was refused from NumPy 1.14 on (--strict); "
                        "use instead: threshold=sys.maxsize",
                    )
                numpy1.legacy.note(
                    PRINTOPTIONS, f"{PRINTOPTIONS} (NumPy < 1.14) runs as threshold=sys.maxsize"
                )
                if "threshold" in kwargs:
                    kwargs["threshold"] = sys.maxsize
                else:
                    args = (*args[:1], sys.maxsize, *args[2:])
            return function(*args, **kwargs)

        set_printoptions.__wrapped_by_parity__ = True
        return set_printoptions


def scalar_conversion_hint(exc) -> str | None:
    """The line added below a script's traceback when it died converting an array of ndim > 0
    to a Python scalar (``int(np.searchsorted(t, np.random.rand(1)))``): what changed and the
    ways out. ``None`` for any other error."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, TypeError) and SCALAR_CONVERSION in str(exc):
            return (
                f"NumPy {_np().__version__} refuses int()/float() of an array with ndim > 0; "
                "NumPy 1.x converted one with a single element (deprecated in 1.25): take "
                "the element (x.item() or x[0]) in the script, or run it under NumPy 1.26 "
                "(pip install 'numpy<2' beside TensorFlow 2.21 without JAX, "
                "or the TensorFlow 2.16 constraints)"
            )
        exc = exc.__cause__ or exc.__context__
    return None

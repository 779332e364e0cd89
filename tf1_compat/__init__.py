"""Import shims that let an unmodified TF1 script run on TensorFlow 2 (``parity legacy-run``).

While installed (:func:`install`, or the :func:`tf1_compat` context manager):

- ``import tensorflow as tf`` gives the TF1 API: ``sys.modules["tensorflow"]`` is a view of
  ``tf.compat.v1`` (with ``disable_v2_behavior()`` called and ``TF_USE_LEGACY_KERAS=1`` set
  before TensorFlow loads, so the TF1 cells and ``tf.layers`` work). ``tf.compat``,
  ``import tensorflow.compat.v1 as tf`` and submodule imports (``from tensorflow.python.ops
  import rnn``) reach the real TensorFlow.
- ``tf.contrib`` / ``tensorflow.contrib.*`` provide what tutorials use (:mod:`.contrib`;
  ``tf.contrib.learn``'s datasets and ``VocabularyProcessor``: :mod:`.learn`), and
  ``tensorflow.examples.tutorials.mnist.input_data`` reads MNIST through :mod:`datasets.mnist`.
- ``tf.app.flags`` / ``tf.flags`` and ``tf.app.run`` are TF 1.0-1.4's argparse module
  (:mod:`.flags`), and NumPy answers the script's NumPy 1.x names (``np.float``,
  ``np.asscalar``, ...) with their old values (:mod:`.numpy1`).
- a removed name that is not provided (``tf.contrib.slim``, ``tf.mul``, ...) raises
  :class:`UnsupportedAttribute` / :class:`UnsupportedImport`, whose message is one line naming
  the TF2/Keras replacement (:mod:`.replacements`).
- optionally, ``plt.show()`` saves the figures to files (:mod:`.figures`).

:func:`uninstall` puts everything back: the real ``tensorflow`` module, no shim module left
in ``sys.modules``, NumPy as it was, the default graph reset and v2 behaviour (eager
execution) enabled again if it was on before. Do not use Keras 3 inside the block.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.machinery
import logging
import os
import re
import sys
import warnings

from tf1_compat.aliases import ALIASES, OPS_RNN_MOVES
from tf1_compat.modules import (
    LegacyAPIUnavailable,
    LegacyCallError,
    Namespace,
    ShimModule,
    UnsupportedAttribute,
    UnsupportedImport,
    dotted,
)
from tf1_compat.reorders import LegacyNames
from tf1_compat.replacements import REPLACEMENTS, explain

__all__ = [
    "LegacyAPIUnavailable",
    "LegacyCallError",
    "ALIASES",
    "UnsupportedAttribute",
    "UnsupportedImport",
    "REPLACEMENTS",
    "explain",
    "install",
    "uninstall",
    "installed",
    "tf1_compat",
    "LegacyKerasError",
]

# ``tensorflow.models`` is TF 0.x's (``from tensorflow.models.rnn import rnn_cell``), gone in
# TF 1.0: an empty package, so that each submodule import fails with its own one-line error.
_SHIMMED_PACKAGES = ("tensorflow.contrib", "tensorflow.examples", "tensorflow.models")
_DEPRECATION_MESSAGE = r"(?s).*(is deprecated and will be removed|deprecated in favor of)"


def _drop_deprecation_records(record) -> bool:
    """A filter of the ``tensorflow`` logger: False for TensorFlow's deprecation messages."""
    return not re.match(_DEPRECATION_MESSAGE, str(record.msg))


class LegacyKerasError(RuntimeError):
    """TensorFlow was imported without ``TF_USE_LEGACY_KERAS=1``: the TF1 cells cannot work."""


class _PatchingLoader(importlib.abc.Loader):
    """Loads ``matplotlib.pyplot`` as usual, then lets the figure saver patch ``show``."""

    def __init__(self, loader, saver):
        self._loader, self._saver = loader, saver

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._saver.patch(module)

    def __getattr__(self, name):  # get_source, get_filename, ... for tracebacks
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Refuses the removed packages' modules that are not provided, with the one-line
    error, and hooks ``matplotlib.pyplot`` when figures are to be saved."""

    def __init__(self, saver):
        self.saver = saver

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(tuple(p + "." for p in _SHIMMED_PACKAGES)):
            raise UnsupportedImport(dotted(fullname))
        if fullname == "matplotlib.pyplot" and self.saver is not None:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, self.saver)
            return spec
        return None


class _State:
    def __init__(self):
        self.depth = 1
        self.saved_modules: dict = {}
        self.finder = None
        self.saver = None
        self.proxy = None
        self.v1 = None
        self.added_contrib = False
        self.was_v2 = False
        self.verbosity = None
        self.warning_filters = None
        self.legacy = None
        self.ops_rnn = None
        self.numpy1 = None


_state: _State | None = None


def installed() -> bool:
    return _state is not None


def _import_tensorflow():
    if "tensorflow" not in sys.modules:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
    elif os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() not in ("1", "true", "yes"):
        raise LegacyKerasError(
            "TensorFlow was imported before TF_USE_LEGACY_KERAS=1 was set, so the TF1 cells and "
            "tf.layers would resolve to Keras 3; set TF_USE_LEGACY_KERAS=1 (or import parity) "
            "before importing tensorflow"
        )
    import tensorflow

    return tensorflow


def install(figures_dir: str | None = None, quiet: bool = True, strict: bool = False):
    """Install the shims in this process and return the ``tensorflow`` stand-in.

    ``figures_dir``: when given, ``plt.show()`` saves the open figures there as PNGs
    (use the Agg backend). ``quiet``: hide TensorFlow's deprecation warnings (a TF1 script
    on TF2 triggers dozens). ``strict``: TF 0.x names and argument orders stop with their
    one-line error instead of running as their TF1 form (:mod:`.aliases`). Nested calls are
    counted; each needs its :func:`uninstall`.
    """
    global _state
    if _state is not None:
        _state.depth += 1
        return _state.proxy
    real_tf = _import_tensorflow()
    from tensorflow.python import tf2

    from tf1_compat import contrib, figures, input_data, learn, numpy1
    from tf1_compat import flags as tf1_flags

    state = _State()
    state.v1 = v1 = real_tf.compat.v1
    state.was_v2 = tf2.enabled() or v1.executing_eagerly()
    state.legacy = legacy = LegacyNames(lambda name: _resolve(state.proxy, name), strict)
    modules = {**contrib.build_modules(), **input_data.build_modules(), **learn.build_modules()}
    modules["tensorflow.contrib"].__dict__["_resolvers"]["learn"] = (
        lambda: modules["tensorflow.contrib.learn"]
    )
    modules["tensorflow.models"] = ShimModule(
        "tensorflow.models", "TF 0.x's tensorflow.models (removed in TF 1.0)", {}, package=True
    )
    _add_contrib_deprecated(modules, legacy)
    state.proxy = Namespace(
        v1,
        "tf",
        legacy=legacy,
        overrides={
            "__name__": "tensorflow",
            "__doc__": "TF1 API (tf.compat.v1), installed by parity legacy-run",
            "__file__": real_tf.__file__,
            "__path__": list(real_tf.__path__),
            "__spec__": real_tf.__spec__,
            "__loader__": real_tf.__loader__,
            "__package__": "tensorflow",
            "__version__": real_tf.__version__,
            "compat": real_tf.compat,
            "contrib": modules["tensorflow.contrib"],
            "examples": modules["tensorflow.examples"],
            **tf1_flags.build(legacy, strict),
        },
    )
    for name in ("tensorflow", *modules):
        state.saved_modules[name] = sys.modules.get(name)
    if quiet:
        state.verbosity = v1.logging.get_verbosity()
        v1.logging.set_verbosity(v1.logging.ERROR)
        state.warning_filters = list(warnings.filters)
        warnings.filterwarnings("ignore", message=_DEPRECATION_MESSAGE)
        # also when the script raises tf.logging's verbosity itself (set_verbosity(INFO))
        logging.getLogger("tensorflow").addFilter(_drop_deprecation_records)
    sys.modules.update(modules)
    sys.modules["tensorflow"] = state.proxy
    if not hasattr(v1, "contrib"):  # for `import tensorflow.compat.v1 as tf; tf.contrib.rnn`
        v1.contrib = modules["tensorflow.contrib"]
        state.added_contrib = True
    if figures_dir is not None:
        state.saver = figures.FigureSaver(figures_dir)
        if "matplotlib.pyplot" in sys.modules:
            state.saver.patch(sys.modules["matplotlib.pyplot"])
    state.finder = _Finder(state.saver)
    sys.meta_path.insert(0, state.finder)
    state.ops_rnn = _alias_ops_rnn(legacy)
    state.numpy1 = numpy1.NumPy1(legacy, strict)
    state.numpy1.install(quiet=quiet)
    _state = state
    v1.disable_v2_behavior()
    return state.proxy


def _resolve(proxy, name: str):
    """``"tf.nn.static_rnn"`` -> that object, through the ``tf`` stand-in."""
    value = proxy
    for part in name.split(".")[1:]:
        value = getattr(value, part)
    return value


def _add_contrib_deprecated(modules: dict, legacy) -> None:
    """``tf.contrib.deprecated.scalar_summary`` / ``histogram_summary`` (TF 1.0's home of the
    old summary functions), as aliases of ``tf.summary.*``."""
    names = [n for n in ALIASES if n.startswith("tf.contrib.deprecated.")]
    module = ShimModule(
        "tensorflow.contrib.deprecated",
        "tf.contrib.deprecated's summaries, as tf.summary.* (parity legacy-run)",
        {n.rsplit(".", 1)[1]: functools.partial(legacy.alias, n) for n in names},
    )
    modules["tensorflow.contrib.deprecated"] = module
    modules["tensorflow.contrib"].__dict__["_resolvers"]["deprecated"] = lambda: module


def _alias_ops_rnn(legacy):
    """TF 0.x's ``rnn.rnn`` / ``rnn.bidirectional_rnn`` on TensorFlow's own module
    (``from tensorflow.python.ops import rnn``): a module ``__getattr__`` for the names it
    lacks, removed by :func:`uninstall`."""
    from tensorflow.python.ops import rnn as ops_rnn

    if "__getattr__" in ops_rnn.__dict__:
        return None

    def __getattr__(name):
        if name in OPS_RNN_MOVES:
            value = legacy.alias(f"tf.nn.{name}")  # under --strict: the one-line error
            if value is not None:
                return value
        raise AttributeError(f"module {ops_rnn.__name__!r} has no attribute {name!r}", name=name,
                             obj=ops_rnn)

    ops_rnn.__getattr__ = __getattr__
    return ops_rnn


def uninstall() -> None:
    """Undo :func:`install` (the outermost one, when nested); a no-op when not installed."""
    global _state
    state = _state
    if state is None:
        return
    state.depth -= 1
    if state.depth > 0:
        return
    _state = None
    if state.finder in sys.meta_path:
        sys.meta_path.remove(state.finder)
    for name in [
        n
        for n, m in sys.modules.items()
        if n.startswith(_SHIMMED_PACKAGES) and isinstance(m, ShimModule)
    ]:
        del sys.modules[name]
    for name, module in state.saved_modules.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    v1 = state.v1
    if state.added_contrib:
        with contextlib.suppress(AttributeError):
            delattr(v1, "contrib")
    if state.saver is not None:
        state.saver.unpatch()
    if state.ops_rnn is not None and state.ops_rnn.__dict__.get("__getattr__") is not None:
        del state.ops_rnn.__getattr__
    if state.numpy1 is not None:
        state.numpy1.uninstall()
    if state.verbosity is not None:
        v1.logging.set_verbosity(state.verbosity)
    if state.warning_filters is not None:
        warnings.filters[:] = state.warning_filters
        logging.getLogger("tensorflow").removeFilter(_drop_deprecation_records)
        getattr(warnings, "_filters_mutated", lambda: None)()
    if state.was_v2:
        try:
            v1.reset_default_graph()  # eager mode cannot be re-enabled over a used global graph
        except AssertionError as exc:
            raise RuntimeError(
                "tf1_compat(): leave every `with graph.as_default()` block "
                f"before the tf1_compat block ends ({exc})"
            ) from None
        v1.enable_v2_behavior()


@contextlib.contextmanager
def tf1_compat(figures_dir: str | None = None, quiet: bool = True, strict: bool = False):
    """``with tf1_compat() as tf:`` the TF1 shims in this process (for notebooks and tests).

    Inside the block ``import tensorflow as tf`` gives the TF1 API with v2 behaviour off, and
    ``tf.contrib.rnn`` / ``input_data`` work; on leaving it, the process is as before
    (v2 behaviour back on, the default graph reset). Keep Keras 3 out of the block.
    """
    proxy = install(figures_dir=figures_dir, quiet=quiet, strict=strict)
    try:
        yield proxy
    finally:
        uninstall()


def load_ipython_extension(ipython) -> None:
    """``%load_ext tf1_compat``: the shims in a Jupyter / IPython session
    (:mod:`tf1_compat.ipython`)."""
    from tf1_compat.ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    """``%unload_ext tf1_compat``: the real TensorFlow back."""
    from tf1_compat.ipython import unload_ipython_extension as unload

    unload(ipython)

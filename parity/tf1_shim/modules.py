"""The module objects the shim puts in place of ``tensorflow`` and the removed TF1 packages."""

from __future__ import annotations

import types

from parity.tf1_shim.replacements import explain


class LegacyAPIUnavailable:
    """Mixin of the two errors below: a removed TF1 name the runner does not provide."""

    api: str
    message: str | None = None

    def one_line(self) -> str:
        return self.message or explain(self.api)


class UnsupportedAttribute(LegacyAPIUnavailable, AttributeError):
    """``tf.contrib.slim`` and the like (an AttributeError, so ``hasattr`` still works).
    ``message``: the one line, when not the replacement table's (``--strict``'s renames)."""

    def __init__(self, api: str, message: str | None = None):
        self.api = api
        self.message = message
        AttributeError.__init__(self, message or explain(api))


class UnsupportedImport(LegacyAPIUnavailable, ImportError):
    """``from tensorflow.contrib import slim`` and the like."""

    def __init__(self, api: str):
        self.api = api
        ImportError.__init__(self, explain(api))


class LegacyCallError(LegacyAPIUnavailable, TypeError):
    """A TF 0.x call the runner does not run: an argument order it cannot be sure of, or
    any renamed name or old order under ``--strict``. The message is one line."""

    def __init__(self, api: str, message: str):
        self.api = api
        self.message = message
        TypeError.__init__(self, message)


def dotted(module_name: str) -> str:
    """``tensorflow.contrib.rnn`` -> ``tf.contrib.rnn`` (the spelling scripts use; the same
    for ``tensorflow.models``)."""
    if module_name == "tensorflow" or module_name.startswith(
        ("tensorflow.contrib", "tensorflow.models")
    ):
        return "tf" + module_name[len("tensorflow") :]
    return module_name


class ShimModule(types.ModuleType):
    """A synthetic module whose attributes are resolved lazily (TensorFlow loads tf_keras
    only when a cell is first asked for), and whose unknown attributes raise
    :class:`UnsupportedAttribute` with the replacement from the table."""

    def __init__(self, name: str, doc: str, resolvers: dict, *, package: bool = False):
        super().__init__(name, doc)
        self.__dict__["_resolvers"] = dict(resolvers)
        if package:
            self.__path__ = []  # a package: its children come from sys.modules or the finder
        self.__package__ = name if package else name.rpartition(".")[0]

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        resolvers = self.__dict__["_resolvers"]
        if name in resolvers:
            value = resolvers[name]()
            setattr(self, name, value)
            return value
        raise UnsupportedAttribute(f"{dotted(self.__name__)}.{name}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.__dict__["_resolvers"]))


class Namespace(types.ModuleType):
    """A view of a ``tf.compat.v1`` namespace under a TF1 spelling (``tf.nn``, ``tf.train``):
    attributes come from the real module (sub-namespaces wrapped the same way); names it
    lacks raise :class:`UnsupportedAttribute` naming their TF2 replacement.

    ``legacy`` (:class:`parity.tf1_shim.reorders.LegacyNames`): when given, a TF 0.x name the
    module lacks is looked up there (``tf.mul`` -> ``tf.multiply``), and the functions whose
    argument order TF 1.0 changed come back wrapped by it."""

    def __init__(self, target, spelled: str, overrides: dict | None = None, legacy=None):
        super().__init__(getattr(target, "__name__", spelled), getattr(target, "__doc__", None))
        self.__dict__["_target"] = target
        self.__dict__["_spelled"] = spelled
        self.__dict__["_legacy"] = legacy
        self.__dict__.update(overrides or {})

    def __getattr__(self, name):
        target = self.__dict__["_target"]
        legacy = self.__dict__["_legacy"]
        spelled = f"{self.__dict__['_spelled']}.{name}"
        try:
            value = getattr(target, name)
        except AttributeError:
            if name.startswith("__"):
                raise
            value = legacy.alias(spelled) if legacy is not None else None
            if value is None:
                raise UnsupportedAttribute(spelled) from None
        else:
            if isinstance(value, types.ModuleType) and not name.startswith("_"):
                value = Namespace(value, spelled, legacy=legacy)
            elif legacy is not None:
                value = legacy.wrap(spelled, value)
        setattr(self, name, value)
        return value

    def __dir__(self):
        hidden = {"_target", "_spelled", "_legacy"}
        return sorted(set(dir(self.__dict__["_target"])) | set(self.__dict__) - hidden)

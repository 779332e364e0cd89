"""``tf.app.flags`` / ``tf.flags`` and ``tf.app.run`` as TensorFlow 1.0-1.4 had them.

Until TF 1.4, ``tf.app.flags`` was a small module of its own on top of :mod:`argparse`: the
``DEFINE_*`` functions added options to one parser, ``FLAGS.x`` parsed the command line the
first time a flag was read (``parse_known_args``: flags the script did not define were left
alone), and ``tf.app.run()`` parsed them and called ``main(argv)`` with the program name and
everything not parsed. From TF 1.5 on the module is absl's, which shares one flag registry
with ``absl.logging``: a script that defines ``log_dir``, ``v``, ``verbosity``,
``logtostderr``, ... dies there with ``DuplicateFlagError``, and ``tf.app.run()`` refuses
flags it does not know.

Under ``parity legacy-run`` the script gets the TF 1.0-1.4 module: its definitions are its
own (a name absl.logging defines too is said once on stderr), ``FLAGS.x`` works before and
after ``tf.app.run()``, unknown flags reach ``main``, ``--help`` lists the script's flags,
and the TF 1.x idioms ``FLAGS._parse_flags()`` and ``FLAGS.__flags`` work. Under
``--strict``, what would break on TF 1.5+ stops with one line: defining a flag that absl
defines too, ``FLAGS._parse_flags()`` and ``FLAGS.__flags``.
"""

from __future__ import annotations

import argparse
import os
import sys
import types

from tf1_compat.modules import LegacyCallError, UnsupportedAttribute

PREFIX = "parity legacy-run"


def _absl_flag_names() -> set[str]:
    """The flags absl (absl.logging, absl.app) has defined in this process."""
    try:
        from absl import flags as absl_flags
        from absl import logging as _  # noqa: F401  (defines log_dir, v, verbosity, ...)

        return set(absl_flags.FLAGS)
    except Exception:  # noqa: BLE001  (no absl: nothing can collide)
        return set()


def _str2bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "t", "1", "yes", "y")


class FlagValues:
    """``FLAGS``: attribute access to the parsed flags (parsing on first use)."""

    def __init__(self, module: TF1Flags):
        self.__dict__["_module"] = module
        self.__dict__["__parsed"] = False
        if not module.strict:
            self.__dict__["__flags"] = {}  # TF 1.x scripts print FLAGS.__flags.items()
        self.__dict__["_values"] = self.__dict__.get("__flags", {})

    def _parse(self, args=None) -> list:
        module = self.__dict__["_module"]
        module.parser.prog = os.path.basename(sys.argv[0])  # the script (set when it runs)
        known, unparsed = module.parser.parse_known_args(args=args)
        values = self.__dict__["_values"]
        values.update(vars(known))
        self.__dict__["__parsed"] = True
        missing = [name for name in module.required if values.get(name) is None]
        if missing:
            module.parser.error(
                ", ".join(f"flag --{name} must be specified" for name in missing)
            )
        return unparsed

    def _parse_flags(self, args=None):
        """TF 1.0-1.4's (private, but common in tutorials): parse now, return the rest."""
        module = self.__dict__["_module"]
        if module.strict:
            raise UnsupportedAttribute(
                "tf.app.flags.FLAGS._parse_flags",
                "FLAGS._parse_flags() is TF 1.0-1.4's argparse-based tf.app.flags, gone in "
                "TF 1.5 (--strict); use instead: FLAGS(sys.argv), or read FLAGS.x after "
                "tf.app.run()",
            )
        return self._parse(args)

    def __call__(self, argv):
        """absl's form (TF 1.5+ scripts): ``FLAGS(sys.argv)`` -> ``[argv[0], *unparsed]``."""
        argv = list(argv)
        return argv[:1] + self._parse(argv[1:])

    def flag_values_dict(self) -> dict:
        if not self.__dict__["__parsed"]:
            self._parse()
        return dict(self.__dict__["_values"])

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name == "__flags":  # only reached under --strict (else it is in __dict__)
            raise UnsupportedAttribute(
                "tf.app.flags.FLAGS.__flags",
                "FLAGS.__flags is TF 1.0-1.4's argparse-based tf.app.flags, gone in TF 1.5 "
                "(--strict); use instead: FLAGS.flag_values_dict()",
            )
        if not self.__dict__.get("__parsed", True):
            self._parse()
        values = self.__dict__["_values"]
        if name not in values:
            raise AttributeError(name)
        return values[name]

    def __setattr__(self, name, value):
        if not self.__dict__["__parsed"]:
            self._parse()
        self.__dict__["_values"][name] = value

    def __contains__(self, name):
        return any(a.dest == name for a in self.__dict__["_module"].parser._actions)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.__dict__["_values"]))


class TF1Flags:
    """One ``tf.app.flags`` module (one per installation of the shims)."""

    def __init__(self, legacy, strict: bool = False):
        self.legacy = legacy
        self.strict = strict
        self.parser = argparse.ArgumentParser()
        self.required: set[str] = set()
        self.absl_names = _absl_flag_names()
        self.FLAGS = FlagValues(self)

    def _define(self, kind, name, default, docstring, **argparse_kwargs):
        if name in self.absl_names:
            api = f"tf.app.flags.{kind}"
            if self.strict:
                raise LegacyCallError(
                    api,
                    f"{kind}({name!r}): absl.logging defines --{name} too, and tf.app.flags "
                    "is absl's from TF 1.5 on (DuplicateFlagError) (--strict); "
                    "use instead: another flag name",
                )
            self.legacy.note(
                f"flag {name}",
                f"--{name} is the script's flag (tf.app.flags of TF 1.0-1.4); "
                f"absl.logging's --{name} is not used",
            )
        self.parser.add_argument(f"--{name}", default=default, help=docstring, **argparse_kwargs)

    def module(self, spelled: str = "tf.app.flags") -> types.ModuleType:
        flags = self

        def DEFINE_string(flag_name, default_value, docstring=None, *args, **kwargs):
            flags._define("DEFINE_string", flag_name, default_value,
                          docstring or kwargs.get("help"), type=str)

        def DEFINE_integer(flag_name, default_value, docstring=None, *args, **kwargs):
            flags._define("DEFINE_integer", flag_name, default_value,
                          docstring or kwargs.get("help"), type=int)

        def DEFINE_float(flag_name, default_value, docstring=None, *args, **kwargs):
            flags._define("DEFINE_float", flag_name, default_value,
                          docstring or kwargs.get("help"), type=float)

        def DEFINE_boolean(flag_name, default_value, docstring=None, *args, **kwargs):
            # --flag, --flag=true/false, and --noflag, as TF 1.x's
            flags._define("DEFINE_boolean", flag_name, default_value,
                          docstring or kwargs.get("help"), nargs="?", const=True,
                          type=_str2bool)
            flags.parser.add_argument(f"--no{flag_name}", action="store_false",
                                      dest=flag_name.replace("-", "_"), help=argparse.SUPPRESS)

        def DEFINE_list(flag_name, default_value, docstring=None, *args, **kwargs):
            if isinstance(default_value, str):
                default_value = [v for v in default_value.split(",") if v]
            flags._define("DEFINE_list", flag_name, default_value,
                          docstring or kwargs.get("help"),
                          type=lambda s: [v for v in s.split(",") if v])

        def DEFINE_enum(flag_name, default_value, enum_values, docstring=None, *args, **kwargs):
            flags._define("DEFINE_enum", flag_name, default_value,
                          docstring or kwargs.get("help"), choices=list(enum_values))

        def mark_flag_as_required(flag_name, *args, **kwargs):
            flags.required.add(flag_name)

        def mark_flags_as_required(flag_names, *args, **kwargs):
            flags.required.update(flag_names)

        functions = {
            "DEFINE_string": DEFINE_string,
            "DEFINE_integer": DEFINE_integer,
            "DEFINE_float": DEFINE_float,
            "DEFINE_boolean": DEFINE_boolean,
            "DEFINE_bool": DEFINE_boolean,
            "DEFINE_list": DEFINE_list,
            "DEFINE_enum": DEFINE_enum,
            "mark_flag_as_required": mark_flag_as_required,
            "mark_flags_as_required": mark_flags_as_required,
            "FLAGS": self.FLAGS,
        }
        module = types.ModuleType("tensorflow.app.flags", __doc__)
        module.__dict__.update(functions)
        return _Refusing(module, spelled)

    def run(self, main=None, argv=None):
        """``tf.app.run``: parse the flags (from ``argv[1:]``, else the command line), then
        ``sys.exit(main([program, *what was not parsed]))``."""
        args = list(argv[1:]) if argv else None
        passthrough = self.FLAGS._parse(args)
        main = main or sys.modules["__main__"].main
        sys.exit(main(sys.argv[:1] + passthrough))


class _Refusing(types.ModuleType):
    """A module whose missing names raise the one-line error (a ``DEFINE_multi_*`` and the
    like, which TF 1.0-1.4's module did not have)."""

    def __init__(self, module, spelled):
        super().__init__(module.__name__, module.__doc__)
        self.__dict__.update({k: v for k, v in module.__dict__.items() if not k.startswith("__")})
        self.__dict__["_spelled"] = spelled

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedAttribute(
            f"{self.__dict__['_spelled']}.{name}",
            f"{self.__dict__['_spelled']}.{name} is not in TF 1.0-1.4's tf.app.flags, which "
            "`parity legacy-run` provides (DEFINE_string/integer/float/boolean/list/enum); "
            "use instead: argparse",
        )


def build(legacy, strict: bool = False) -> dict:
    """``{"app": tf.app, "flags": tf.flags}`` for the ``tf`` stand-in."""
    flags = TF1Flags(legacy, strict)
    module = flags.module("tf.app.flags")
    app = types.ModuleType("tensorflow.app", "tf.app of TF 1.0-1.4 (parity legacy-run)")
    app.flags = module
    app.run = flags.run
    return {"app": app, "flags": module}

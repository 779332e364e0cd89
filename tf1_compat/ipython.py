"""The TF1 shims as an IPython extension: ``%load_ext tf1_compat`` in Jupyter / IPython.

After loading, ``import tensorflow as tf`` in the session is the TF1 API that ``parity
legacy-run`` gives scripts (``tf.compat.v1`` with v2 behaviour off, ``tf.contrib.rnn``, the
MNIST tutorial reader, TF 0.x names run as their TF1 name); ``%unload_ext tf1_compat``
puts the real TensorFlow back. Figures stay inline (the shims leave ``plt.show`` alone).

Load it before TensorFlow is first imported in the session (in a fresh kernel): the TF1
cells need ``TF_USE_LEGACY_KERAS=1`` at TensorFlow's import. ``PARITY_LEGACY_STRICT=1`` in
the kernel's environment gives ``--strict`` (``legacy-run`` sets it for notebooks);
``PARITY_SEED=S`` makes ``S`` the seed of every graph the notebook seeds, as ``legacy-run``
does for scripts (``parity check --seed/--seeds``). Colab's ``%tensorflow_version 1.x`` is
understood (a no-op: the TF1 API is already there).
"""

from __future__ import annotations

import os
import re
import sys

from tf1_compat.launch import STRICT_ENV, WARNINGS_ENV

_loaded_by_us = False


def load_ipython_extension(ipython) -> None:
    global _loaded_by_us
    from IPython.core.error import UsageError

    import tf1_compat

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    strict = os.environ.get(STRICT_ENV, "") == "1"
    try:
        tf1_compat.install(quiet=os.environ.get(WARNINGS_ENV, "") != "1", strict=strict)
    except tf1_compat.LegacyKerasError as exc:
        raise UsageError(
            f"{exc}. Restart the kernel and run %load_ext tf1_compat before anything "
            "imports tensorflow."
        ) from None
    _loaded_by_us = True
    ipython.register_magic_function(tensorflow_version, "line", "tensorflow_version")
    if skip_old_installs not in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.append(skip_old_installs)
    from tf1_compat import runtime

    try:  # PARITY_SEED (parity check --seeds): the seed of every graph the notebook seeds
        seed = runtime.seed_from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if seed is not None:
        runtime.override_graph_seed(seed)
    if not os.environ.get("PARITY_LEGACY_NOTEBOOK"):
        print(
            "tf1_compat: `import tensorflow as tf` now gives the TF1 API (tf.compat.v1, "
            "tf.contrib.rnn, TF 0.x names" + (", --strict" if strict else "") + "); "
            "%unload_ext tf1_compat undoes it",
            file=sys.stderr,
        )


# `!pip install tensorflow==1.15`, `%pip install -q tensorflow-gpu==1.14 keras==2.2.4`: the
# first cell of many TF1 notebooks. Run as written they would replace this environment's
# TensorFlow, Keras or NumPy (or fail after pip's retries, where no wheel exists any more).
_ESCAPED = re.compile(r"^(?P<indent>\s*)(?P<escape>!|%)(?P<command>.*)$")  # a shell or magic line
_TF_FAMILY = re.compile(r"^(tensorflow|tensorflow-gpu|tensorflow-cpu|tf-nightly|tf-nightly-gpu|"
                        r"tensorflow-estimator|tensorboard|tf-keras|keras)(\[.*\])?$", re.I)
_PINNED_ONLY = re.compile(r"^(numpy|scipy|h5py|protobuf)(\[.*\])?$", re.I)
_SPEC = re.compile(r"^([A-Za-z0-9_.\[\],-]+?)\s*((?:==|>=|<=|~=|!=|<|>).*)?$")
# pip options that take a value (the value is not a package)
_VALUED = {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
           "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root"}


def _kept_and_skipped(rest: str) -> tuple[list, list, int]:
    """The tokens kept (options and other packages), those skipped, and how many of the kept
    are packages."""
    kept, skipped, value_next, packages = [], [], False, 0
    for token in rest.split():
        if value_next or token.startswith("-"):
            kept.append(token)
            value_next = not value_next and token in _VALUED
            continue
        m = _SPEC.match(token.strip("'\""))
        name, spec = (m.group(1), m.group(2)) if m else (token, None)
        if _TF_FAMILY.match(name) or (spec and _PINNED_ONLY.match(name)):
            skipped.append(token)
        else:
            kept.append(token)
            packages += 1
    return kept, skipped, packages


_PIP_COMMAND = re.compile(r"^(?P<pip>(?:\S*python[\d.]*\s+-m\s+)?pip[\d.]*)\s+install\b(?P<rest>.*)$")


def install_without_old(command: str) -> tuple[str | None, str | None]:
    """A shell command, as a notebook's ``!`` line runs it: ``(what to run, note)``. A
    ``pip install`` loses the packages this environment already provides in their place
    (TensorFlow and its Keras in any version, pinned NumPy, SciPy, h5py or protobuf), named
    in the note; with no package left, nothing runs (None). Any other command runs as it is."""
    m = _PIP_COMMAND.match(command.strip())
    if not m:
        return command, None
    kept, skipped, packages = _kept_and_skipped(m["rest"])
    if not skipped:
        return command, None
    note = (f"tf1_compat: not installed: {' '.join(skipped)} (the TF1 code runs on this "
            f"environment's TensorFlow, Keras and NumPy; this would replace them)")
    return (f"{m['pip']} install {' '.join(kept)}" if packages else None), note


def skip_old_installs(lines: list[str]) -> list[str]:
    """An IPython input transformer: ``!pip install`` / ``%pip install`` lines without what
    :func:`install_without_old` leaves out, its note written to stderr in their place (a line
    with no package left becomes the note alone). Other packages install as written."""
    out = []
    for line in lines:
        m = _ESCAPED.match(line.rstrip("\n"))
        command, note = install_without_old(m["command"]) if m else (None, None)
        if note is None:
            out.append(line)
            continue
        newline = "\n" if line.endswith("\n") else ""
        out.append(f"{m['indent']}__import__('sys').stderr.write({note + chr(10)!r}){newline}")
        if command is not None:
            out.append(f"{m['indent']}{m['escape']}{command}{newline}")
    return out


def tensorflow_version(line: str) -> None:
    """``%tensorflow_version 1.x``, Colab's switch to TensorFlow 1 that TF1 notebooks of
    2019-2020 begin with: a no-op here, where the shims give the TF1 API. ``2.x`` asks for
    the TF2 API, which the shims replace: a one-line error."""
    from IPython.core.error import UsageError

    wanted = line.strip()
    if wanted in ("1", "1.x"):
        return
    if wanted in ("2", "2.x"):
        raise UsageError("%tensorflow_version 2.x asks for TensorFlow 2's API; tf1_compat gives "
                         "the TF1 API (%unload_ext tf1_compat for TensorFlow 2)")
    raise UsageError(f"%tensorflow_version takes 1.x or 2.x, got {wanted!r}")


def unload_ipython_extension(ipython) -> None:
    global _loaded_by_us
    import tf1_compat

    if _loaded_by_us:
        from tf1_compat import runtime

        runtime.restore_graph_seed()
        if skip_old_installs in ipython.input_transformers_cleanup:
            ipython.input_transformers_cleanup.remove(skip_old_installs)
        tf1_compat.uninstall()
        _loaded_by_us = False

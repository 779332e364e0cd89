"""Keeping the terminal for the user: TensorFlow's start-up log lines, deprecation warnings and
colour codes out of what the suite prints (``--verbose`` / ``--tf-warnings`` bring them back).

TensorFlow's C++ runtime writes its start-up lines ("All log messages before
absl::InitializeLog()", oneDNN, "Could not find cuda drivers", "failed call to cuInit",
the CPU-instructions hint) straight to file descriptor 2 before absl is initialised, so
``TF_CPP_MIN_LOG_LEVEL`` does not silence them. One filter, :func:`filter_noise`, drops
exactly those lines wherever they come from:

- a child process's stderr (the workers of ``parity run``/``all``, the script of
  ``parity legacy-run``): :func:`forward_stderr`;
- this process's own first TensorFlow import (``parity convert``): :func:`tensorflow_startup`,
  which points fd 2 at a temporary file for the duration and replays the other lines.

Python-side deprecation messages (``warnings`` and the ``tensorflow`` logger's "... is
deprecated and will be removed") are switched off at their source by
:func:`quiet_python_warnings`; :func:`colour_free_stdout` removes the ANSI colour codes of
Keras' progress bar when the output is not a terminal.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import warnings

# TensorFlow's C++ start-up chatter, in the formats of TF 2.17+ (absl: "I0000 time pid
# file:line]") and of TF 2.16 (a date, then the level and the file).
_NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] .*"
    rb"|E\d{4} [\d:.]+ +\d+ cuda_[a-z_]+\.cc:\d+\] failed call to cuInit.*"
    rb"|E\d{4} [\d:.]+ +\d+ util\.cc:\d+\] oneDNN supports \S+ only on platforms with .*"
    rb"|\d{4}-\d\d-\d\d [\d:.]+: [IW] \S+:\d+\] .*"
    rb"|\d{4}-\d\d-\d\d [\d:.]+: E \S+cuda_\w+\.cc:\d+\] Unable to register cu\w+ factory.*"
    rb"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.)"
    rb"\r?\n?$"
)

# ANSI colour/style codes (Keras 3's progress bar writes them even into files and pipes).
_COLOURS = re.compile(r"\x1b\[[0-9;]*m")

# Python-side deprecation messages of TensorFlow and tf_keras.
DEPRECATION_MESSAGE = r"(?s).*(is deprecated and will be removed|deprecated in favor of|is deprecated\.)"


def filter_noise(data: bytes) -> bytes:
    """``data`` without TensorFlow's start-up log lines (see ``_NOISE``)."""
    return b"".join(line for line in data.splitlines(keepends=True) if not _NOISE.match(line))


def is_noise(line: bytes) -> bool:
    return bool(_NOISE.match(line))


def forward_stderr(stream, out=None, *, drop_noise: bool = True, tail=None) -> None:
    """Copy a child's stderr pipe ``stream`` to the binary stream ``out`` as it comes.

    ``drop_noise``: leave out TensorFlow's start-up lines. ``out=None``: show nothing.
    ``tail``: a ``collections.deque`` that receives the kept lines (decoded), so that the
    caller can say why a child failed. Returns at end of file.
    """
    pending = b""
    fd = stream.fileno()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        lines = pending.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        if b"\r" in pending:  # a progress bar redrawing its line: pass it on now
            lines.append(pending)
            pending = b""
        _emit(b"".join(lines), out, drop_noise, tail)
    if pending:
        _emit(pending, out, drop_noise, tail)


def _emit(data: bytes, out, drop_noise: bool, tail) -> None:
    text = filter_noise(data) if drop_noise else data
    if not text:
        return
    if tail is not None:
        for line in text.decode("utf-8", "replace").splitlines():
            if line.strip():
                tail.append(line)
    if out is not None:
        out.write(text)
        out.flush()


@contextlib.contextmanager
def filtered_fd2(keep):
    """``with filtered_fd2(keep):`` what reaches fd 2 inside the block (C++ libraries write
    there directly) is held back, and ``keep(data) -> bytes`` of it written on leaving."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (a detached process): nothing to keep clean
        yield
        return
    with tempfile.TemporaryFile() as capture:  # anonymous: nothing left on disk
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = keep(capture.read())
            if kept:
                sys.stderr.flush()
                os.write(2, kept)


@contextlib.contextmanager
def tensorflow_startup(show: bool = False):
    """``with tensorflow_startup(): import tensorflow``: TensorFlow's C++ start-up lines
    are dropped; whatever else reached fd 2 meanwhile is written back on leaving.

    Put the first TensorFlow import of the process (and its first device query, which is
    when a CUDA build probes for a GPU) inside. ``show=True``: a no-op.
    """
    if show:
        yield
        return
    with filtered_fd2(filter_noise):
        yield


def import_tensorflow_quietly(show: bool = False):
    """Import TensorFlow (and let it probe its devices) without its start-up lines."""
    with tensorflow_startup(show):
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf


def quiet_python_warnings(show: bool = False) -> None:
    """Hide TensorFlow's Python-side deprecation messages in this process (unless ``show``)."""
    if show:
        return
    import logging

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=DEPRECATION_MESSAGE)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class _ColourStripper:
    """A text stream that writes to ``stream`` without ANSI colour codes."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(_COLOURS.sub("", text))

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def colour_free_stdout() -> None:
    """When stdout is not a terminal, remove ANSI colour codes from what is written to it."""
    stream = sys.stdout
    if stream is None or isinstance(stream, _ColourStripper):
        return
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        sys.stdout = _ColourStripper(stream)

"""The results folder: one ``ID.json`` per example, never lost, never half-written.

- A completed run (every implementation ran; its parity check may pass or fail) is written
  to ``ID.json``, replacing the previous one, and removes a stale ``ID.failed.json``.
- A failed attempt (a run errored, a worker crashed or was killed, nothing ran) never
  replaces a good ``ID.json``: it goes to ``ID.failed.json`` beside it.
- Every file is written to a temporary name and renamed, with the permissions a plain
  ``open()`` would give (0644 under the usual umask; ``mkstemp`` alone gives 0600), as
  strict JSON (NaN and infinity as ``null``).
- ``ID.previous.json``: a complete record that ``parity run --impl ...`` of another budget
  replaced; kept for reference, not shown by the report.
- :func:`load` reads every valid result in the folder, whoever wrote it (regular files
  only, at most :data:`MAX_RESULT_BYTES`), and says which files it skipped and why; :func:`locked` serialises report builds, so that two ``parity
  all`` writing into one folder at once leave an index that lists both.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import tempfile
from pathlib import Path

FAILED_SUFFIX = ".failed.json"
PREVIOUS_SUFFIX = ".previous.json"
LOCK_NAME = ".parity.lock"  # older versions locked this file; now the folder itself is locked
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def is_failed(payload: dict) -> bool:
    """A failed attempt: some implementation errored, or nothing ran."""
    return bool(payload.get("errors")) or not payload.get("runs")


def result_path(out_dir, example_id: str, failed: bool = False) -> Path:
    return Path(out_dir, f"{example_id}{FAILED_SUFFIX if failed else '.json'}")


def save(out_dir, payload: dict) -> Path:
    """Write ``payload`` as ``ID.json`` (completed) or ``ID.failed.json`` (failed); return the path."""
    example_id = payload["example"]
    if is_failed(payload):
        path = result_path(out_dir, example_id, failed=True)
        write_json(path, payload)
        return path
    path = result_path(out_dir, example_id)
    write_json(path, payload)
    result_path(out_dir, example_id, failed=True).unlink(missing_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path, data: bytes) -> Path:
    """``data`` into ``path`` through a temporary file in the same folder, then renamed; the
    file gets the permissions a plain ``open()`` would (``0o666 & ~umask``)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def output_problem(path) -> str | None:
    """Why the file ``path`` cannot be written (one line, naming ``path``), or ``None``:
    checked before the work, by creating (and removing) a file in its folder, so that a
    read-only folder is found also where ``os.access`` says yes (root, read-only mounts)."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        return f"'{path}' is a folder; give a file name"
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot write '{path}': '{existing}' is not a folder"
    if not folder.exists():
        return f"cannot write '{path}': no such folder '{folder}'"
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".probe")
    except OSError as exc:
        return f"cannot write '{path}': {exc.strerror or exc}"
    os.close(fd)
    Path(probe).unlink(missing_ok=True)
    return None


def write_text(path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path, payload) -> Path:
    """Write JSON to a temporary file and rename it: never a half-written result."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text(path, json.dumps(json_safe(payload), indent=2, allow_nan=False))


def json_safe(obj):
    """``obj`` as strict JSON can hold it: NumPy values as Python ones, and NaN or infinity
    (which ``json`` would write as the bare tokens ``NaN``/``Infinity``, not JSON) as ``null``."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if not isinstance(obj, (str, int, float, bool, type(None))):
        obj = _default(obj)
        if isinstance(obj, list):
            return json_safe(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _default(obj):
    try:
        import numpy as np

        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, np.generic):
            return obj.item()
    except ImportError:
        pass
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


# ------------------------------------------------------------------------- reading back

def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def problem(payload, name: str | None = None) -> str | None:
    """Why ``payload`` is not a result the report can show (``None``: it is one)."""
    if not isinstance(payload, dict):
        return f"a JSON {type(payload).__name__}, not a result object"
    example = payload.get("example")
    if not isinstance(example, str) or not _ID.match(example):
        return "no valid 'example' id"
    if name is not None and name not in (f"{example}.json", f"{example}{FAILED_SUFFIX}"):
        return f"holds the result of '{example}', not of its file name"
    for key in ("metric", "unit"):
        if not isinstance(payload.get(key), str):
            return f"no '{key}' text"
    for key in ("skipped", "errors"):
        value = payload.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return f"'{key}' is not a map of texts"
    runs = payload.get("runs")
    if not isinstance(runs, list):
        return "no 'runs' list"
    for run in runs:
        if not isinstance(run, dict) or not isinstance(run.get("impl"), str):
            return "a run without an 'impl'"
        if not _number(run.get("value")) or not _number(run.get("seconds")):
            return f"run '{run['impl']}' without a numeric value and seconds"
        if not isinstance(run.get("steps"), int) or isinstance(run.get("steps"), bool):
            return f"run '{run['impl']}' without a whole number of steps"
        history = run.get("loss_history", [])
        if not isinstance(history, list) or not all(  # a loss that was not finite: null
            isinstance(p, list) and len(p) == 2 and _number(p[0]) and (_number(p[1]) or p[1] is None)
            for p in history
        ):
            return f"run '{run['impl']}' has a malformed loss_history"
        if not isinstance(run.get("extras", {}), dict):
            return f"run '{run['impl']}' has malformed extras"
    par = payload.get("parity")
    if not isinstance(par, dict):
        return "no 'parity' object"
    if par.get("ok") not in (True, False, None):
        return "'parity.ok' is not true, false or null"
    if not _number(par.get("tolerance")):
        return "no numeric 'parity.tolerance'"
    if par.get("delta") is not None and not _number(par.get("delta")):
        return "'parity.delta' is not a number"
    return None


MAX_RESULT_BYTES = 64 << 20  # a result is a few hundred kB; more is not one of ours


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read(path) -> tuple[dict | None, str | None]:
    """``(payload, None)`` for a valid result file, ``(None, why)`` otherwise. Only regular
    files (a link is followed to one) of at most :data:`MAX_RESULT_BYTES` are read: a link
    to ``/dev/zero`` or a FIFO is skipped, not read for ever."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO: no wait
    except OSError as exc:
        return None, f"cannot read it ({exc.strerror or exc})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"not a regular file ({_kind(info.st_mode)})"
        if info.st_size > MAX_RESULT_BYTES:
            return None, f"too large for a result ({info.st_size:,} bytes; at most {MAX_RESULT_BYTES:,})"
        with os.fdopen(fd, "rb") as f:
            fd = None
            data = f.read(MAX_RESULT_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read it ({getattr(exc, 'strerror', None) or exc})"
    finally:
        if fd is not None:
            os.close(fd)
    if len(data) > MAX_RESULT_BYTES:
        return None, f"too large for a result (more than {MAX_RESULT_BYTES:,} bytes)"
    if not text.strip():
        return None, "empty file"
    try:
        payload = json.loads(text)
    except ValueError as exc:
        return None, f"not valid JSON ({exc.msg} at line {exc.lineno})"
    why = problem(payload, path.name)
    return (None, why) if why else (payload, None)


def load(out_dir) -> tuple[dict, dict, list]:
    """Every result in ``out_dir``: ``(good, failed, skipped)``.

    ``good``: ``{id: payload}`` from ``ID.json``; ``failed``: ``{id: payload}`` from
    ``ID.failed.json`` (a later attempt that failed; a completed run removes it);
    ``skipped``: ``[(file name, why)]`` for JSON files that are not results (benchmark
    files, ``bench*.json``, are not results and are passed over silently).
    """
    folder = Path(out_dir)
    good, failed, skipped = {}, {}, []
    if not folder.is_dir():
        return good, failed, skipped
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith((".", "bench")) or path.name.endswith(PREVIOUS_SUFFIX):
            continue  # benchmark files, and records `parity run` replaced (kept for reference)
        payload, why = read(path)
        if payload is None:
            skipped.append((path.name, why))
        elif path.name.endswith(FAILED_SUFFIX):
            failed[payload["example"]] = payload
        else:
            good[payload["example"]] = payload
    return good, failed, skipped


@contextlib.contextmanager
def locked(out_dir):
    """An exclusive lock on ``out_dir`` for the block; waits for it. The folder itself is
    locked (``flock`` on its descriptor), so nothing is left behind in it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

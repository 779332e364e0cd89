"""Child processes that never outlive the ``parity`` process that started them.

``parity run``/``all`` train in worker processes and ``parity legacy-run`` runs the script in
one. A SIGTERM or SIGHUP sent to the ``parity`` process alone (a job scheduler stopping it,
a closed terminal) must reach the child too, and ``parity`` must then exit ``128 + N`` having
removed its temporary folders. While :func:`supervised` runs a child:

- SIGTERM/SIGHUP received by this process are passed on to the child, which ends its own
  way (a worker turns them into an orderly exit, see :func:`raise_on_signals`); a child
  still alive ``GRACE`` seconds later is killed;
- when the child has ended, :class:`Terminated` is raised, so that ``finally`` blocks and
  ``with`` blocks (temporary folders) clean up on the way out, and the CLI exits
  ``128 + N`` (143 for SIGTERM);
- a child left behind by an exception (Ctrl-C, an error of the caller) is stopped.

Outside :func:`supervised`, :func:`raise_on_signals` turns the two signals into
:class:`Terminated` directly. Both restore the previous handlers on leaving.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading

SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)
GRACE = 10.0  # seconds a child gets to end after the signal was passed on


class Terminated(BaseException):
    """This process was asked to stop by a signal (a BaseException, like KeyboardInterrupt,
    so that ``except Exception`` blocks do not swallow it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self):
        return f"stopped by {signal_name(self.signum)}"


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class _State:
    def __init__(self):
        self.depth = 0
        self.previous: dict = {}
        self.children: list[subprocess.Popen] = []
        self.starting = 0
        self.received: int | None = None
        self.timer: threading.Timer | None = None


_state = _State()


def _send(proc: subprocess.Popen, signum: int) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, OSError):
            proc.send_signal(signum)


def _kill_remaining() -> None:
    for proc in list(_state.children):
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, OSError):
                proc.kill()


def _handler(signum, frame):
    first = _state.received is None
    if first:
        _state.received = signum
    if _state.children or _state.starting:
        for proc in list(_state.children):
            _send(proc, signum)
        if first and _state.timer is None:
            _state.timer = threading.Timer(GRACE, _kill_remaining)
            _state.timer.daemon = True
            _state.timer.start()
        return
    raise Terminated(signum)


def _install() -> bool:
    """Install the handler (nested calls are counted); False outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if _state.depth == 0:
        _state.received = None
        for s in SIGNALS:
            _state.previous[s] = signal.signal(s, _handler)
    _state.depth += 1
    return True


def _uninstall() -> None:
    _state.depth -= 1
    if _state.depth == 0:
        for s, previous in _state.previous.items():
            signal.signal(s, previous if previous is not None else signal.SIG_DFL)
        _state.previous.clear()
        if _state.timer is not None:
            _state.timer.cancel()
            _state.timer = None


@contextlib.contextmanager
def raise_on_signals():
    """Within the block, SIGTERM/SIGHUP raise :class:`Terminated` (or are passed on to a
    supervised child)."""
    installed = _install()
    try:
        yield
    finally:
        if installed:
            _uninstall()


def received() -> int | None:
    """The signal received while handlers were installed, if any."""
    return _state.received


def stop(proc: subprocess.Popen, first=signal.SIGTERM, grace: float = GRACE) -> None:
    """End ``proc``: ``first``, then SIGKILL after ``grace`` seconds; waits for it."""
    if proc.poll() is not None:
        return
    _send(proc, first)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, OSError):
            proc.kill()
        proc.wait()


@contextlib.contextmanager
def supervised(command, **popen_kwargs):
    """``with supervised([...]) as proc:`` a ``subprocess.Popen`` that SIGTERM/SIGHUP sent
    to this process reach, and that never outlives the block. Wait for it inside the
    block; :class:`Terminated` is raised after the block when such a signal came."""
    installed = _install()
    _state.starting += 1
    try:
        proc = subprocess.Popen(command, **popen_kwargs)
        _state.children.append(proc)
    except BaseException:
        if installed:
            _uninstall()
        raise
    finally:
        _state.starting -= 1
    try:
        if _state.received is not None:  # it came while the child was starting
            _send(proc, _state.received)
        try:
            yield proc
        except BaseException:
            stop(proc, signal.SIGINT if _state.received is None else _state.received)
            raise
        stop(proc)  # normally already ended: the block waited for it
        signum = _state.received
    finally:
        _state.children.remove(proc)
        if installed:
            _uninstall()
    if signum is not None and installed:
        raise Terminated(signum)

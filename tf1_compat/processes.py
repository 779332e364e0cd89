"""Child processes that never outlive the ``parity`` process that started them.

``parity run``/``all`` train in worker processes and ``parity legacy-run`` runs the script in
one. A SIGTERM or SIGHUP sent to the ``parity`` process alone (a job scheduler stopping it,
a closed terminal) must reach the child too, and ``parity`` must then exit ``128 + N`` having
removed its temporary folders. While :func:`supervised` runs a child:

- the child runs in a session (and process group) of its own, and every signal goes to that
  whole group: what the child forked (a script's ``os.fork()``) is reached too, and once
  the child has ended, whatever is left in its group is stopped (SIGTERM, then SIGKILL);
- SIGTERM/SIGHUP received by this process are passed on to the child's group (a worker
  dies of them, see :func:`default_signals`); a group still alive ``GRACE`` seconds later
  is killed;
- when the child has ended, :class:`Terminated` is raised, so that ``finally`` blocks and
  ``with`` blocks (temporary folders) clean up on the way out, and the CLI exits
  ``128 + N`` (143 for SIGTERM);
- a child left behind by an exception (Ctrl-C, an error of the caller) is stopped;
- the child dies with this process even when this process is killed by SIGKILL (the OOM
  killer): it calls :func:`die_with_parent` first thing, which asks Linux for SIGKILL when
  its parent ends (``PR_SET_PDEATHSIG``) and watches a pipe that closes when its parent
  ends, and ends at once if the parent is already gone.

A signal this process ignores when the handlers are installed (``nohup``) stays ignored.

Outside :func:`supervised`, :func:`raise_on_signals` turns the two signals into
:class:`Terminated` directly. Both restore the previous handlers on leaving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)
GRACE = 10.0  # seconds a child gets to end after the signal was passed on
LEFTOVER_GRACE = 2.0  # seconds what a child left in its group gets after SIGTERM
PARENT_ENV = "PARITY_SUPERVISOR_PID"  # set for a supervised child: the PID it must die with
LIFELINE_ENV = "PARITY_SUPERVISOR_FD"  # and a pipe that closes when that process ends
_PR_SET_PDEATHSIG = 1


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


def _own_group(proc: subprocess.Popen) -> bool:
    return getattr(proc, "_parity_group", False)


def _send(proc: subprocess.Popen, signum: int) -> None:
    """``signum`` to the child's whole process group (to the child alone where it has none)."""
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if _own_group(proc):
            os.killpg(proc.pid, signum)
        elif proc.returncode is None:
            proc.send_signal(signum)


def _group_alive(proc: subprocess.Popen) -> bool:
    if not _own_group(proc):
        return False
    try:
        os.killpg(proc.pid, 0)
    except (ProcessLookupError, PermissionError, OSError):
        return False
    return True


def end_group(proc: subprocess.Popen, grace: float = LEFTOVER_GRACE) -> None:
    """After the child ``proc`` has ended: stop what it left running in its process group
    (a forked process it did not wait for): SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.returncode is None or not _group_alive(proc):
        return
    _send(proc, signal.SIGTERM)
    end = time.monotonic() + grace
    while _group_alive(proc) and time.monotonic() < end:
        time.sleep(0.05)
    if _group_alive(proc):
        _send(proc, signal.SIGKILL)


def _kill_remaining() -> None:
    for proc in list(_state.children):
        _send(proc, signal.SIGKILL)


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
            if signal.getsignal(s) is not signal.SIG_IGN:  # nohup: keep ignoring it
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


def interrupt(proc: subprocess.Popen) -> None:
    """Pass a Ctrl-C on to the child's group (it runs in a session of its own, which the
    terminal's SIGINT does not reach)."""
    _send(proc, signal.SIGINT)


def interrupt_all() -> None:
    """Pass a Ctrl-C on to every supervised child's group (children that pool threads wait
    for: the KeyboardInterrupt reaches the main thread only)."""
    for proc in list(_state.children):
        _send(proc, signal.SIGINT)


def stop(proc: subprocess.Popen, first=signal.SIGTERM, grace: float = GRACE) -> None:
    """End ``proc`` and its group: ``first``, then SIGKILL after ``grace`` seconds; waits
    for it, then stops what it left in its group (:func:`end_group`)."""
    if proc.poll() is None:
        _send(proc, first)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _send(proc, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, OSError):
                proc.kill()
            proc.wait()
    end_group(proc)


def child_env(env=None, lifeline: int | None = None) -> dict:
    """``env`` (default: this process's environment) with what :func:`die_with_parent`
    needs in the child: this process's PID (only when the child is started from the main
    thread: Linux's parent-death signal follows the thread that started the child, and a
    worker thread may end before this process does), and the read end of a pipe whose
    write end only this process holds (``lifeline``)."""
    env = dict(os.environ if env is None else env)
    env.pop(PARENT_ENV, None)
    env.pop(LIFELINE_ENV, None)
    if threading.current_thread() is threading.main_thread():
        env[PARENT_ENV] = str(os.getpid())
    if lifeline is not None:
        env[LIFELINE_ENV] = str(lifeline)
    return env


def _set_parent_death_signal(signum: int) -> bool:
    """Linux: ``signum`` to this process when the thread that started it ends."""
    if not os.uname().sysname == "Linux":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _kill_own_group() -> None:
    """SIGKILL to this process and, when it leads its group (a supervised child does),
    to everything in the group: what it forked too."""
    with contextlib.suppress(OSError):
        if os.getpgid(0) == os.getpid():
            os.killpg(0, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def _watch_lifeline(fd: int) -> None:
    try:
        os.read(fd, 1)  # returns (b"") when the parent has ended: its end of the pipe closed
    except OSError:
        pass
    _kill_own_group()


def die_with_parent(forks: bool = False) -> None:
    """In a supervised child, first thing: die (SIGKILL) when the ``parity`` process that
    started it ends, even by SIGKILL; end at once if it has ended already.

    Two ways, either enough: Linux's parent-death signal (``PR_SET_PDEATHSIG``, set when
    the parent started this process from its main thread), and a thread that waits on a
    pipe whose write end only the parent holds (any platform, any thread; it needs the
    interpreter, which the signal does not) and kills this process's group when the pipe
    closes. ``forks``: the processes this one forks later get the parent-death signal too
    (a script's ``os.fork()``), so that they die with it."""
    parent = os.environ.pop(PARENT_ENV, "")
    lifeline = os.environ.pop(LIFELINE_ENV, "")
    if parent.isdigit():
        if _set_parent_death_signal(signal.SIGKILL) and os.getppid() != int(parent):
            _kill_own_group()  # the parent died before we could ask
        if forks and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=lambda: _set_parent_death_signal(signal.SIGKILL))
    if lifeline.isdigit():
        threading.Thread(target=_watch_lifeline, args=(int(lifeline),), daemon=True,
                         name="parity-lifeline").start()


def default_signals() -> None:
    """SIGTERM, SIGHUP and SIGINT end this process (the system's default action), wherever
    it is: no Python handler that could run inside a library's callback and be dropped
    there. For a worker, whose parent reports how it ended."""
    for s in (*SIGNALS, signal.SIGINT):
        signal.signal(s, signal.SIG_DFL)


@contextlib.contextmanager
def supervised(command, **popen_kwargs):
    """``with supervised([...]) as proc:`` a ``subprocess.Popen`` in a session of its own,
    that SIGTERM/SIGHUP sent to this process reach (its whole group), and that never
    outlives the block (nor does anything it left in its group). Wait for it inside the
    block; :class:`Terminated` is raised after the block when such a signal came."""
    installed = _install()
    _state.starting += 1
    posix = os.name == "posix"
    lifeline = os.pipe() if posix else None  # (read end: the child's, write end: ours)
    if posix:
        popen_kwargs["start_new_session"] = True
        popen_kwargs["pass_fds"] = (*popen_kwargs.get("pass_fds", ()), lifeline[0])
        popen_kwargs["env"] = child_env(popen_kwargs.get("env"), lifeline[0])
    try:
        proc = subprocess.Popen(command, **popen_kwargs)
        proc._parity_group = posix
        _state.children.append(proc)
    except BaseException:
        if lifeline:
            os.close(lifeline[1])
        if installed:
            _uninstall()
        raise
    finally:
        _state.starting -= 1
        if lifeline:
            os.close(lifeline[0])
    try:
        if _state.received is not None:  # it came while the child was starting
            _send(proc, _state.received)
        try:
            yield proc
        except BaseException:
            stop(proc, signal.SIGINT if _state.received is None else _state.received)
            raise
        stop(proc)  # normally already ended (the block waited for it): its group's leftovers
        signum = _state.received
    finally:
        _state.children.remove(proc)
        if lifeline:
            os.close(lifeline[1])
        if installed:
            _uninstall()
    if signum is not None and installed:
        raise Terminated(signum)


def run(command, *, timeout=None, capture_output=False, check=False, **popen_kwargs):
    """``subprocess.run`` under :func:`supervised`: the child (and its whole group) ends with
    this process, on a signal to it, and at ``timeout`` (then ``subprocess.TimeoutExpired``
    is raised, as ``subprocess.run`` does). Returns a ``subprocess.CompletedProcess``."""
    if capture_output:
        popen_kwargs.setdefault("stdout", subprocess.PIPE)
        popen_kwargs.setdefault("stderr", subprocess.PIPE)
    with supervised(command, **popen_kwargs) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(proc)
            proc.communicate()
            raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check:
        done.check_returncode()
    return done


# TensorFlow with its BLAS library reserves about 2.5 GB of address space when it starts (3 GB
# with the Keras port); under a smaller ``ulimit -v`` OpenBLAS's thread start-up retries its
# failed allocations for ever instead of failing. Measured on Linux x86-64, 2 cores.
MIN_ADDRESS_SPACE = 4 << 30


def address_space_problem(minimum: int = MIN_ADDRESS_SPACE) -> str | None:
    """Why this process's address-space limit (``ulimit -v``) is too small for TensorFlow
    (one line), or ``None``: children inherit the limit, and below it they hang at start."""
    try:
        import resource
    except ImportError:  # not POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft >= minimum:
        return None
    return (f"the address-space limit (ulimit -v {soft // 1024}) is {soft / 2**30:.1f} GiB; "
            f"TensorFlow needs at least {minimum // 2**30} GiB to start "
            f"(ulimit -v {minimum // 1024} or more)")

"""``parity legacy-run NOTEBOOK.ipynb``: a TF1 notebook, cell by cell, in a Jupyter kernel.

The notebook runs the way Jupyter would run it (``nbclient`` drives an ``ipykernel``
kernel: magics such as ``%matplotlib inline`` and ``!`` shell lines work, figures are
kept inline), with the TF1 shims of ``parity legacy-run`` loaded first (the IPython
extension :mod:`tf1_compat.ipython`, as ``%load_ext tf1_compat`` would).

- The kernel is this Python (``sys.executable``) with this project on ``PYTHONPATH``, started
  in the notebook's folder (as Jupyter does); its own log output is kept out of the terminal.
- The executed copy, with every output and figure, is written to ``--output`` (default
  ``<stem>.legacy-run.ipynb`` beside the notebook; never over the notebook itself), through a
  temporary file, also when a cell fails.
- The cells' printed output is echoed to the terminal as it would be for a script.
- A cell that raises stops the run: exit 1 with one line naming the cell (its traceback is in
  the executed copy); a removed TF1 API that is not provided, or a TF 0.x form under
  ``--strict``: exit 2 with the one-line error, as for scripts. ``--timeout S`` limits each
  cell. The kernel is shut down whatever happens (error, timeout, Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import tempfile
from pathlib import Path

from tf1_compat.launch import FIGURES_ENV
from tf1_compat.run import PREFIX, UsageError, _child_env, filter_noise

OUTPUT_SUFFIX = ".legacy-run.ipynb"
KERNEL_NAME = "parity-legacy-run"
EXTENSION = "tf1_compat"
# Errors that are the runner's one-line kind (exit 2), by the name the kernel reports.
ONE_LINE_ERRORS = {
    "UnsupportedAttribute",
    "UnsupportedImport",
    "LegacyCallError",
    "DataError",
}
NEEDS = "pip install -e '.[notebook]' in the tf1-lstm-parity clone (nbclient, ipykernel)"


def default_output(path) -> Path:
    """``dir/name.ipynb`` -> ``dir/name.legacy-run.ipynb``."""
    path = Path(path)
    return path.with_name(path.stem + OUTPUT_SUFFIX)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class NotebookRun:
    """One ``legacy-run`` of a notebook; :func:`prepare` checks the input, :meth:`run` runs."""

    def __init__(self, path, notebook, output, *, strict=False, tf_warnings=False, timeout=None,
                 env=None):
        self.path = Path(path)
        self.notebook = notebook
        self.output = Path(output)
        self.strict = strict
        self.tf_warnings = tf_warnings
        self.timeout = timeout
        self.env = env
        self.kernel_pid: int | None = None  # the kernel's process id, once started
        self.failed_cell: int | None = None  # 1-based position of the cell that failed
        self._running: int | None = None

    # ---------------------------------------------------------------- helpers
    def _kernel_env(self) -> dict:
        env = _child_env(None, self.tf_warnings, self.env, self.strict)
        env.pop(FIGURES_ENV, None)  # figures stay in the notebook
        env.pop("MPLBACKEND", None)  # ipykernel sets its inline backend itself
        env["PARITY_LEGACY_NOTEBOOK"] = "1"  # the extension loads without its greeting
        return env

    @staticmethod
    def _kernel_spec(folder: Path) -> Path:
        """A kernelspec running this Python's ipykernel (not whatever "python3" is installed)."""
        spec = folder / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f",
                             "{connection_file}"],
                    "display_name": "Python (parity legacy-run)",
                    "language": "python",
                }
            )
        )
        return folder / "kernels"

    def _write(self) -> None:
        import nbformat

        tmp = self.output.with_name(f".{self.output.name}.tmp")
        try:
            nbformat.write(self.notebook, str(tmp))
            os.replace(tmp, self.output)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    @staticmethod
    def _echo(cell, out, err) -> int:
        """Print a cell's text outputs as a script would have; returns its number of figures."""
        figures = 0
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                text = output.get("text", "")
                stream = err if output.get("name") == "stderr" else out
                if stream is err:
                    text = filter_noise(text.encode()).decode()
                stream.write(text)
            elif kind in ("execute_result", "display_data"):
                data = output.get("data", {})
                if any(k.startswith("image/") for k in data):
                    figures += 1
                elif kind == "execute_result" and "text/plain" in data:
                    out.write(data["text/plain"] + "\n")
        out.flush()
        err.flush()
        return figures

    # -------------------------------------------------------------------- run
    def run(self, out=None, err=None) -> int:
        """Run every code cell in order; write the executed copy; return the exit code."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        out = out if out is not None else sys.stdout
        err = err if err is not None else sys.stderr
        shown = str(self.path)
        code_cells = [i for i, c in enumerate(self.notebook.cells) if c.cell_type == "code"]
        figures, code, log_tail = 0, 0, ""
        previous_term = signal.getsignal(signal.SIGTERM)
        in_main_thread = _main_thread()
        if in_main_thread:
            signal.signal(signal.SIGTERM, _terminate)
        try:
            with tempfile.TemporaryDirectory(prefix="parity-kernel-") as tmp:
                client = self._client(NotebookClient, Path(tmp))
                kernel_log = open(Path(tmp) / "kernel.log", "wb")  # noqa: SIM115
                try:
                    # cleanup_kc: shut the kernel down on leaving, although we made its
                    # manager (nbclient only does that by itself for managers it made)
                    with client.setup_kernel(env=self._kernel_env(), stderr=kernel_log,
                                             stdout=kernel_log, cleanup_kc=True):
                        self.kernel_pid = _pid(client.km)
                        self._load_shims(client)
                        for n, index in enumerate(code_cells, 1):
                            cell = self.notebook.cells[index]
                            self._running = index + 1
                            try:
                                client.execute_cell(cell, index)
                            except CellTimeoutError:
                                self.failed_cell = index + 1
                                figures += self._echo(cell, out, err)
                                code = self._report(
                                    err, 1,
                                    f"{shown}: cell {index + 1} (code cell {n}) did not finish "
                                    f"within {self.timeout:g} s; stopped",
                                )
                                break
                            except CellExecutionError as exc:
                                self.failed_cell = index + 1
                                figures += self._echo(cell, out, err)
                                code = self._cell_error(err, shown, index, n, exc)
                                break
                            figures += self._echo(cell, out, err)
                finally:
                    kernel_log.close()
                    _make_sure_gone(self.kernel_pid)
                    log_tail = _last_line(Path(tmp) / "kernel.log")
        except DeadKernelError:
            self.failed_cell = self._running or -1
            where = f"cell {self._running}" if self._running else "start-up"
            code = self._report(err, 1, f"{shown}: the kernel died during {where}"
                                        + (f" ({log_tail})" if log_tail else ""))
        except _KernelSetupError as exc:
            code = self._report(err, exc.code, f"{shown}: {exc}")
        except (RuntimeError, TimeoutError) as exc:  # the kernel did not start
            code = self._report(err, 1, f"{shown}: the Jupyter kernel failed: {_first_line(exc)}"
                                + (f" ({log_tail})" if log_tail else ""))
        except KeyboardInterrupt:  # Ctrl-C: the kernel is gone (setup_kernel's exit)
            self.failed_cell = self.failed_cell or self._running or -1
            code = self._report(err, 130, f"{shown}: interrupted")
        except SystemExit as exc:  # SIGTERM (see _terminate)
            self.failed_cell = self.failed_cell or self._running or -1
            code = self._report(err, exc.code if isinstance(exc.code, int) else 1,
                                f"{shown}: terminated")
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous_term)
            self._write()
        if code == 0:
            summary = f"{PREFIX}: {shown}: {len(code_cells)} code cells run, {figures} figure(s); "
        elif self.failed_cell and self.failed_cell > 0:
            summary = f"{PREFIX}: {shown}: stopped at cell {self.failed_cell}; "
        else:
            summary = f"{PREFIX}: {shown}: stopped; "
        print(summary + f"executed notebook: {self.output}", file=err, flush=True)
        return code

    def _client(self, NotebookClient, tmp: Path):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        specs = KernelSpecManager(kernel_dirs=[str(self._kernel_spec(tmp))])
        # the asynchronous manager, as nbclient's own (the blocking one's client does not
        # honour the cell timeout)
        km = AsyncKernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=specs,
            connection_file=str(tmp / "connection.json"),  # not in ~/.local: it may be read-only
            # Unix sockets in that private folder rather than TCP ports on localhost
            transport="ipc" if os.name == "posix" else "tcp",
        )
        return NotebookClient(
            self.notebook,
            km=km,
            kernel_name=KERNEL_NAME,
            timeout=None if self.timeout is None else max(1, math.ceil(self.timeout)),
            allow_errors=False,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.path.parent.resolve())}},
            # no history file in the user's IPython folder
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
        )

    def _load_shims(self, client) -> None:
        """``%load_ext tf1_compat`` in the kernel, kept out of the notebook and of its
        execution count."""
        import nbformat
        from nbclient.exceptions import CellExecutionError

        setup = nbformat.v4.new_code_cell(f"%load_ext {EXTENSION}")
        self.notebook.cells.insert(0, setup)
        cell_timeout, client.timeout = client.timeout, None  # --timeout is for the cells
        try:
            client.execute_cell(setup, 0, store_history=False)
        except CellExecutionError as exc:
            raise _KernelSetupError(
                f"the TF1 shims did not load in the kernel: {exc.ename}: "
                f"{_first_line(Exception(exc.evalue))}",
                1,
            ) from None
        finally:
            client.timeout = cell_timeout
            self.notebook.cells.remove(setup)

    def _cell_error(self, err, shown, index, n, exc) -> int:
        ename, evalue = getattr(exc, "ename", "Error"), getattr(exc, "evalue", "")
        line = _first_line(Exception(evalue)) if evalue else ename
        if ename in ONE_LINE_ERRORS:
            return self._report(err, 2, f"{shown}: cell {index + 1} (code cell {n}): {line}")
        return self._report(
            err, 1,
            f"{shown}: cell {index + 1} (code cell {n}) failed: {ename}: {line} "
            f"(its traceback is in {self.output})",
        )

    @staticmethod
    def _report(err, code: int, message: str) -> int:
        print(f"{PREFIX}: error: {message}", file=err, flush=True)
        return code


class _KernelSetupError(RuntimeError):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _last_line(path: Path) -> str:
    """The kernel's last log line that is not TensorFlow start-up noise ('' if none)."""
    try:
        text = filter_noise(path.read_bytes()).decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _alive(pid: int) -> bool:
    """Is process ``pid`` running (a zombie is not)?"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _make_sure_gone(pid: int | None, wait: float = 5.0) -> None:
    """The kernel was asked to stop; kill it if it is still there after ``wait`` seconds."""
    import time

    if pid is None:
        return
    deadline = time.monotonic() + wait
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _pid(km) -> int | None:
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    return getattr(process, "pid", None)


# ------------------------------------------------------------------- entry points
def prepare(options: dict, notebook: str, args: list[str]) -> NotebookRun:
    """Check a ``legacy-run`` of ``notebook`` before anything starts (UsageError: exit 2)."""
    if args:
        raise UsageError(f"a notebook takes no arguments (got {' '.join(args)})")
    if options.get("figures_dir") is not None:
        raise UsageError("--figures is for scripts: a notebook's figures go into the "
                         "executed notebook")
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat
    except ImportError as exc:
        raise UsageError(f"running notebooks needs {exc.name}: {NEEDS}") from None
    path = Path(notebook)
    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001  (json, nbformat and OS errors alike)
        raise UsageError(f"{notebook} is not a readable notebook: {_first_line(exc)}") from None
    output = Path(options["output"]) if options.get("output") else default_output(path)
    if output.exists() and output.resolve() == path.resolve():
        raise UsageError("--output is the notebook itself; legacy-run never writes over it")
    if not output.parent.resolve().is_dir():
        raise UsageError(f"no such folder for --output: {output.parent}")
    _check_writable(output)
    timeout = options.get("timeout")
    if timeout is not None:
        try:
            timeout = float(timeout)
        except ValueError:
            raise UsageError(f"--timeout needs a number of seconds, not {timeout!r}") from None
        if not timeout > 0:
            raise UsageError("--timeout needs a positive number of seconds")
    return NotebookRun(
        path,
        nb,
        output,
        strict=bool(options.get("strict")),
        tf_warnings=bool(options.get("tf_warnings")),
        timeout=timeout,
    )


def _check_writable(output: Path) -> None:
    """``--output`` can be written: checked before the kernel starts by creating (and
    removing) a file beside it (``os.access`` says yes to root in a read-only folder)."""
    if output.is_dir():
        raise UsageError(f"--output {output} is a folder; give a file name")
    try:
        fd, probe = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".probe")
    except OSError as exc:
        raise UsageError(f"cannot write --output {output}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def run_notebook(path, output=None, *, strict=False, tf_warnings=False, timeout=None, env=None,
                 out=None, err=None) -> NotebookRun:
    """Run ``path`` as ``parity legacy-run`` does; returns the :class:`NotebookRun` (its
    ``exit_code``, ``output``, ``failed_cell`` and ``kernel_pid``). Raises ``UsageError``
    for bad input."""
    options = {"output": output, "strict": strict, "tf_warnings": tf_warnings,
               "timeout": timeout}
    job = prepare(options, os.fspath(path), [])
    job.env = env
    job.exit_code = job.run(out=out, err=err)
    return job

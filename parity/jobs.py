"""Independent runs (example x implementation x backend x seed) in parallel: ``--jobs N``
on this machine, ``--ray ADDRESS`` on a Ray cluster.

Locally, the runs are cut into batches (one per implementation and Keras backend, split
into at most N pieces), and up to N ``parity.worker`` processes run at once, each limited
to its share of the cores (``threads_per_job``) through the environment: TensorFlow's
intra-/inter-op pools, OpenMP/BLAS, XLA's CPU threads (JAX) and PyTorch's (OpenMP), so
that N processes do not oversubscribe the machine.

On Ray, each batch becomes a Ray task whose runtime environment (``env_vars``) carries the
same settings (Keras backend, threads); the task runs the same worker process on the node
that took it and returns its results, gathered into the same JSON and report. Every
node needs this package installed (``pip install -e '.[cluster]'`` in a clone).
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from parity import backends, registry, runner

WORKER = "parity.worker"


def cgroup_cpu_limit(root: Path = Path("/sys/fs/cgroup"), proc_cgroup: Path = Path("/proc/self/cgroup")
                     ) -> float | None:
    """The CPUs a cgroup quota grants this process (``docker run --cpus 2``, a Kubernetes CPU
    limit), or None where there is none: the machine's core count and this process's
    affinity do not show such a quota. cgroup v2 (``cpu.max``: ``QUOTA PERIOD``, from the
    process's own group up to the root; the smallest wins) or v1 (``cpu.cfs_quota_us`` /
    ``cpu.cfs_period_us``)."""
    limits = []
    groups = [""]
    with contextlib.suppress(OSError):
        for line in proc_cgroup.read_text().splitlines():
            if line.startswith("0::/"):  # v2: this process's group, and each above it
                parts = [p for p in line[4:].strip().split("/") if p]
                groups = ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]
    for group in groups:
        with contextlib.suppress(OSError, ValueError):
            quota, period = (root / group / "cpu.max").read_text().split()[:2]
            if quota != "max" and int(period) > 0:
                limits.append(int(quota) / int(period))
    with contextlib.suppress(OSError, ValueError):
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        if quota > 0 and period > 0:
            limits.append(quota / period)
    return min(limits) if limits else None


def cores() -> int:
    """The cores this process may use: its CPU affinity (where the OS tells), at most its
    cgroup's CPU quota rounded up (a container's ``--cpus``)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    if limit is not None:
        n = min(n, math.ceil(limit))
    return max(1, n)


def parse_jobs(text: str) -> int:
    """``--jobs N`` (N >= 1) or ``auto`` (the cores)."""
    if str(text).strip().lower() == "auto":
        return cores()
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"--jobs expects a whole number or 'auto', got '{text}'") from None
    if n < 1:
        raise ValueError(f"--jobs must be at least 1, got {n}")
    return n


def thread_env(threads: int, backend: str) -> dict:
    """The variables that keep one process to ``threads`` CPU threads."""
    t = str(max(1, int(threads)))
    env = {"OMP_NUM_THREADS": t, "MKL_NUM_THREADS": t, "OPENBLAS_NUM_THREADS": t,
           "TF_NUM_INTRAOP_THREADS": t, "TF_NUM_INTEROP_THREADS": t}
    if backend == "jax":
        env["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                            f"{'true' if int(t) > 1 else 'false'} intra_op_parallelism_threads={t}"
                            ).strip()
    return env


def _key(job: dict) -> tuple[str, str, bool]:
    backend = runner.job_backend(job)
    float64 = backend == "jax" and registry.get(job["example"]).float64
    return job["impl"], backend, float64


def batches(jobs: list[dict], n: int) -> list[tuple[tuple, list[dict]]]:
    """The jobs grouped as :func:`parity.runner.run_isolated` groups them (implementation,
    backend, x64), each group split round-robin into its share of ``n`` batches."""
    groups: dict[tuple, list[dict]] = {}
    for job in jobs:
        groups.setdefault(_group(job), []).append(job)
    out = []
    for (key, _), group in groups.items():
        # each group gets its share of the n processes (at least one): every process start
        # imports TensorFlow again (seconds), so runs share a process where they can
        k = min(len(group), max(1, -(-n * len(group) // len(jobs))))
        for i in range(k):
            out.append((key, group[i::k]))
    return out


def _group(job: dict) -> tuple:
    """What must share a process: backend, x64, and (``parity power``) mutant and config."""
    return _key(job), json.dumps([job.get("mutant"), job.get("config")], sort_keys=True)


def worker_env(key: tuple, threads: int, base: dict | None = None, tmp: str | None = None) -> dict:
    """The environment of one worker process: backend, quiet output, its threads."""
    impl, backend, float64 = key
    env = dict(os.environ if base is None else base, TF_USE_LEGACY_KERAS="1", MPLBACKEND="Agg")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env[runner.VERBOSE_ENV] = "0"
    env[runner.PROGRESS_ENV] = "0"
    if tmp:
        env["TMPDIR"] = tmp
    env = backends.env(backend, env, float64=float64,
                       jax_cache=str(Path(tmp, "jax-cache")) if tmp else None)
    env.update(thread_env(threads, backend))
    return env


def _line(outcome: dict) -> str:
    job = outcome["job"]
    example = registry.get(job["example"])
    steps = job.get("steps") if job.get("steps") is not None else example.config().steps
    where = f"{job['example']} {runner.run_label(job)}"
    if job.get("seed") is not None:
        where += f" seed {job['seed']}"
    if job.get("mutant"):
        where += f" [{job['mutant']}]"
    if outcome["ok"]:
        r = outcome["result"]
        return f"{where}: {steps} {example.unit}, {r['metric']} {r['value']:.4f} ({r['seconds']:.1f} s)"
    return f"{where}: failed: {outcome['error']}"


def _run_batch(key, batch, threads, tmp, index, progress, lock, module,
               stopping: threading.Event | None = None) -> list[dict]:
    from tf1_compat import processes as procs
    from tf1_compat import quiet

    if stopping is not None and stopping.is_set():  # Ctrl-C came before this batch began
        return []

    env = worker_env(key, threads, tmp=tmp)
    jobs_path, out_path = Path(tmp, f"batch{index}-jobs.json"), Path(tmp, f"batch{index}-out.json")
    jobs_path.write_text(json.dumps([dict(j, verbose=False) for j in batch]))
    tail: collections.deque = collections.deque(maxlen=50)
    shown = 0

    def show_new():
        nonlocal shown
        if not progress or not out_path.exists():
            return
        try:
            done = json.loads(out_path.read_text())
        except (OSError, ValueError):
            return  # being replaced right now: read it next time
        with lock:
            for outcome in done[shown:]:
                print(_line(outcome), flush=True)
        shown = len(done)

    with procs.supervised([sys.executable, "-m", *module.split(), str(jobs_path), str(out_path)],
                          env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        if stopping is not None and stopping.is_set():  # Ctrl-C came while it started
            procs.interrupt(proc)
        reader = threading.Thread(target=quiet.forward_stderr, args=(proc.stderr,),
                                  kwargs={"out": None, "drop_noise": True, "tail": tail},
                                  daemon=True)
        reader.start()
        while proc.poll() is None:
            time.sleep(0.5)
            show_new()
        reader.join()
        proc.stderr.close()
    show_new()
    done = json.loads(out_path.read_text()) if out_path.exists() else []
    unfinished = batch[len(done):]
    if unfinished:
        why = runner.worker_failure(proc.returncode, tail)
        failed = [{"ok": False, "job": job, "error": why} for job in unfinished]
        stopped = procs.received() is not None or (stopping is not None and stopping.is_set())
        if progress and not stopped:  # no line per run a signal or a Ctrl-C stopped
            with lock:
                for outcome in failed:
                    print(_line(outcome), flush=True)
        done += failed
    return done


def run_parallel(jobs: list[dict], n_jobs: int, progress: bool = True, threads: int | None = None,
                 module: str = WORKER) -> list[dict]:
    """Run ``jobs`` in up to ``n_jobs`` worker processes at once; results in job order.

    ``threads``: CPU threads per process (default: the cores divided among the processes).
    A SIGTERM/SIGHUP stops every worker; :class:`tf1_compat.processes.Terminated` follows.
    """
    from tf1_compat import processes as procs

    n_jobs = max(1, int(n_jobs))
    threads = threads or max(1, cores() // n_jobs)
    work = batches(jobs, n_jobs)
    # the longest batches first (a rough cost: runs x steps), so the tail is short
    work.sort(key=lambda kb: -sum((j.get("steps") or 1) for j in kb[1]))
    lock = threading.Lock()
    results: list[dict] = []
    stopping = threading.Event()
    with tempfile.TemporaryDirectory(prefix="parity-jobs-") as tmp, \
            procs.raise_on_signals(), ThreadPoolExecutor(max_workers=n_jobs) as pool:
        futures = [pool.submit(_run_batch, key, batch, threads, tmp, i, progress, lock, module,
                               stopping)
                   for i, (key, batch) in enumerate(work)]
        try:
            for f in futures:
                results.extend(f.result())
        except KeyboardInterrupt:
            # Ctrl-C reaches this (main) thread only, and the workers run in sessions of
            # their own: pass it on, start no further batch, and let the pool's threads
            # end with their workers (before, the pool ran every batch to its end first)
            stopping.set()
            for f in futures:
                f.cancel()
            procs.interrupt_all()
            raise
        signum = procs.received()
    if signum is not None:
        raise procs.Terminated(signum)
    return _in_order(jobs, results)


def _in_order(jobs: list[dict], results: list[dict]) -> list[dict]:
    def ident(job):
        return json.dumps({k: v for k, v in job.items() if k != "verbose"}, sort_keys=True)

    by_job = {}
    for r in results:
        by_job.setdefault(ident(r["job"]), []).append(r)
    out = []
    for job in jobs:
        bucket = by_job.get(ident(job))
        if bucket:
            out.append(bucket.pop(0))
    return out


# ---------------------------------------------------------------- Ray


class ClusterUnavailable(RuntimeError):
    """Ray is not installed or the cluster cannot be reached (one line)."""


RAY_CONNECT_TIMEOUT_S = 5.0  # a cluster's head answers a TCP connect at once


def ray_endpoint(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``--ray HOST:PORT`` or ``ray://HOST:PORT`` (None for ``local`` and
    ``auto``, which name no endpoint). Raises ``ClusterUnavailable`` on anything else."""
    if address in ("local", "", "auto"):
        return None
    rest = address[len("ray://"):] if address.startswith("ray://") else address
    host, sep, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host  # [IPv6]:port
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterUnavailable(f"--ray {address}: expected HOST:PORT (the head node's, e.g. "
                                 "HEAD:6379), ray://HOST:PORT, auto or local")
    return host, int(port)


_RAY_LOG_LINE = re.compile(rb"^\[\d{4}-\d\d-\d\d [\d:,]+ [DIWEF] \d+ \d+\] ")  # Ray's C++ log


def _without_ray_log_lines():
    """Ray's C++ core logs each failed connect try to fd 2 (one line a second while it
    retries): keep those off the user's terminal; anything else written meanwhile goes back."""
    from tf1_compat import quiet

    return quiet.filtered_fd2(lambda data: b"".join(
        line for line in data.splitlines(keepends=True) if not _RAY_LOG_LINE.match(line)))


def check_ray_address(address: str, timeout: float = RAY_CONNECT_TIMEOUT_S) -> None:
    """Fail in one line, within ``timeout``, when nothing listens at ``--ray ADDRESS``: Ray's
    own connect retries for minutes, printing its log lines, before it gives up."""
    endpoint = ray_endpoint(address)
    if endpoint is None:
        return
    try:
        socket.create_connection(endpoint, timeout=timeout).close()
    except socket.gaierror:
        why = f"no host named '{endpoint[0]}'"
    except ConnectionRefusedError:
        why = "connection refused: nothing listens on that port"
    except TimeoutError:
        why = f"no answer within {timeout:g} s"
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
    else:
        return
    raise ClusterUnavailable(f"--ray {address}: no Ray cluster reachable there ({why}); start "
                             "one with `ray start --head` on the head node, or use --ray local")


def _ray_task(batch: list[dict], module: str) -> list[dict]:
    """Runs on a Ray worker, whose environment the task's ``runtime_env`` set: the same
    worker process as locally, its results returned."""
    with tempfile.TemporaryDirectory(prefix="parity-ray-") as tmp:
        jobs_path, out_path = Path(tmp, "jobs.json"), Path(tmp, "out.json")
        jobs_path.write_text(json.dumps([dict(j, verbose=False) for j in batch]))
        env = dict(os.environ, TMPDIR=tmp)
        proc = subprocess.run([sys.executable, "-m", *module.split(), str(jobs_path), str(out_path)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        done = json.loads(out_path.read_text()) if out_path.exists() else []
        tail = proc.stderr.decode("utf-8", "replace").splitlines()[-50:]
        why = runner.worker_failure(proc.returncode, tail)
        host = os.uname().nodename
        for outcome in done:
            outcome.setdefault("node", host)
        done += [{"ok": False, "job": job, "error": why, "node": host}
                 for job in batch[len(done):]]
        return done


def ray_env(key: tuple, threads: int) -> dict:
    """The ``runtime_env`` variables of a batch's task: backend and threads, quiet output."""
    impl, backend, float64 = key
    env = {"TF_USE_LEGACY_KERAS": "1", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2",
           runner.VERBOSE_ENV: "0", runner.PROGRESS_ENV: "0",
           "KERAS_BACKEND": backends.check(backend), **thread_env(threads, backend)}
    if backend == "jax" and float64:
        env["JAX_ENABLE_X64"] = "1"
    return env


def run_ray(jobs: list[dict], address: str, threads: int = 1, progress: bool = True,
            module: str = WORKER, batch_size: int = 1) -> list[dict]:
    """Run ``jobs`` as Ray tasks on the cluster at ``address`` (``local``: a Ray instance
    started here); ``batch_size`` runs per task (1: one task per run)."""
    try:
        import ray
    except ImportError:
        raise ClusterUnavailable(
            "--ray needs Ray: pip install -e '.[cluster]' in the clone") from None
    started_here, ray_tmp = False, None
    if not ray.is_initialized():
        check_ray_address(address)
        try:
            with _without_ray_log_lines():
                if address in ("local", ""):
                    # its sockets and logs in a folder of our own, removed after: a local
                    # instance leaves no session folder behind in Ray's /tmp/ray
                    ray_tmp = tempfile.mkdtemp(prefix="parity-ray-")
                    ray.init(num_cpus=cores(), include_dashboard=False, log_to_driver=False,
                             logging_level="error", _temp_dir=ray_tmp)
                else:
                    ray.init(address=address, log_to_driver=False, logging_level="error")
        except Exception as exc:  # ConnectionError, RuntimeError, ... from Ray
            if ray_tmp:
                shutil.rmtree(ray_tmp, ignore_errors=True)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ClusterUnavailable(f"--ray {address}: {first}") from None
        started_here = True
    try:
        task = ray.remote(_ray_task)
        refs = []
        groups: dict[tuple, list[dict]] = {}
        for job in jobs:
            groups.setdefault(_group(job), []).append(job)
        for (key, _), group in groups.items():
            for i in range(0, len(group), max(1, batch_size)):
                batch = group[i:i + max(1, batch_size)]
                refs.append(task.options(num_cpus=threads,
                                         runtime_env={"env_vars": ray_env(key, threads)}
                                         ).remote(batch, module))
        results = []
        pending = list(refs)
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                for outcome in ray.get(ready[0]):
                    results.append(outcome)
                    if progress:
                        print(_line(outcome) + f" on {outcome.get('node', '?')}", flush=True)
        except KeyboardInterrupt:  # a cluster would go on running them: cancel what is left
            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            raise
    finally:
        if started_here:
            ray.shutdown()
        if ray_tmp:
            shutil.rmtree(ray_tmp, ignore_errors=True)
    return _in_order(jobs, results)

"""Faults and bad input around a run: results are never lost, signals reach the children,
bad input fails before the work with exit 2 and one line, one TensorFlow is installed.

The fault cases run the real CLI in subprocesses (a private TMPDIR each, so that leftovers
are seen); the checks on files that cannot be written run in this process where they need
a simulated failure (the tests run as root in CI, where a chmod-ed folder stays writable).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from terminal import as_from_a_terminal

from parity import cli, registry, runner

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def parity_env(tmp_path, **extra):
    temp = tmp_path / "tmpdir"
    temp.mkdir(exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg", TMPDIR=str(temp))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user's shell would have it
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def parity_cmd(*args, tmp_path, cwd=None, timeout=600, **extra_env):
    return subprocess.run([sys.executable, "-m", "parity", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=parity_env(tmp_path, **extra_env),
                          timeout=timeout)


def one_error_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# ------------------------------------------------------------------ processes, by PID
def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # state, ppid, pgrp, ...


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _live(field: int, value: int) -> list[int]:
    """Live processes whose stat field (1: parent, 2: process group) is ``value``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[field]) == value and fields[0] not in ("Z", "X"):
                out.append(int(entry.name))
    return out


def in_group(pgid: int) -> list[int]:
    return _live(2, pgid)


def children(pid: int) -> list[int]:
    return _live(1, pid)


def wait_for(condition, timeout=180.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _end_what_the_test_started():
    """A test that fails half-way (say, before its signal is sent) must not leave its long
    `parity run` training on: each group :func:`start` made is killed at the test's end."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:  # the group has ended, as it should have
            pass
        try:
            proc.communicate(timeout=30)
        except (subprocess.TimeoutExpired, ValueError):
            pass


def start(args, tmp_path, cwd=None):
    """``parity ARGS`` in a session of its own (its group id is its PID); its group is
    killed at the end of the test whatever the outcome."""
    proc = subprocess.Popen([sys.executable, "-m", "parity", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd or ROOT, env=parity_env(tmp_path), start_new_session=True,
                            preexec_fn=as_from_a_terminal)
    _STARTED.append(proc)
    return proc


def _training_worker(proc, tmpdir: Path) -> int:
    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"parity ended early: {proc.communicate()}")
        workers = children(proc.pid)
        started = list(tmpdir.rglob("series_predictor_legacy_*"))
        return workers[0] if workers and started else None

    return wait_for(ready, what="the worker to train")


# ------------------------------------------------------------------ results are never lost
@pytest.mark.legacy
def test_sigterm_and_sigkill_never_lose_a_result(tmp_path):
    """A good result; then `parity run` stopped by SIGTERM to the parent alone (exit 143,
    no process left, no temporary folder, the result byte-identical); then its worker
    killed by SIGKILL (reported as "killed by signal 9"; the good result kept, the failed
    attempt written beside it); the report shows both."""
    out = tmp_path / "results"
    tmpdir = tmp_path / "tmpdir"
    good = parity_cmd("run", "series_predictor", "--impl", "legacy", "--steps", "5", "--out", out,
                      "--quiet", tmp_path=tmp_path)
    assert good.returncode == 0, good.stderr
    result = out / "series_predictor.json"
    before = result.read_bytes()
    assert json.loads(before)["runs"][0]["steps"] == 5
    assert result.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not mkstemp's 0600

    long_run = ["run", "series_predictor", "--impl", "legacy", "--steps", "10000000", "--out", out]
    # SIGTERM to the parity process alone
    proc = start(long_run, tmp_path)
    worker = _training_worker(proc, tmpdir)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    wait_for(lambda: not alive(worker), timeout=30, what="the worker to end")
    assert in_group(proc.pid) == []
    assert list(tmpdir.iterdir()) == []  # no /tmp/parity-*, no checkpoint folder
    assert result.read_bytes() == before
    assert not (out / "series_predictor.failed.json").exists()

    # SIGKILL to the worker, as the OOM killer would
    proc = start(long_run, tmp_path)
    worker = _training_worker(proc, tmpdir)
    os.kill(worker, signal.SIGKILL)
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "killed by signal 9" in err and "killed by signal 9" in stdout, (stdout, err)
    assert "Traceback" not in err
    assert result.read_bytes() == before
    failed = json.loads((out / "series_predictor.failed.json").read_text())
    assert failed["runs"] == [] and "killed by signal 9" in failed["errors"]["legacy"]
    assert in_group(proc.pid) == []
    assert list(tmpdir.iterdir()) == []  # the worker's checkpoint folder went with ours

    report = parity_cmd("report", out, tmp_path=tmp_path)
    assert report.returncode == 0, report.stderr
    page = (out / "index.html").read_text()
    assert "series_predictor" in page and "killed by signal 9" in page
    assert "test_mse" in page and f"{json.loads(before)['runs'][0]['value']:.4f}" in page


@pytest.mark.legacy
def test_sighup_reaches_the_worker_of_parity_run(tmp_path):
    out = tmp_path / "results"
    tmpdir = tmp_path / "tmpdir"
    proc = start(["run", "series_predictor", "--impl", "legacy", "--steps", "10000000",
                  "--out", out], tmp_path)
    worker = _training_worker(proc, tmpdir)
    os.kill(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGHUP, err
    wait_for(lambda: not alive(worker), timeout=30, what="the worker to end")
    assert in_group(proc.pid) == []
    assert list(tmpdir.iterdir()) == []
    assert not out.exists() or list(out.iterdir()) == []  # nothing written


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_failed_attempt_goes_beside_the_good_result(tmp_path):
    """runner.assemble: a run that errored is written to ID.failed.json, never over ID.json;
    a later completed run replaces ID.json and removes the stale failure."""
    example = registry.get("binary_addition_numpy_rnn")
    numpy_ref = example.module("numpy")
    ok = numpy_ref.train(example.config(steps=20), verbose=False).to_json()
    job = {"example": example.id, "impl": "numpy", "steps": 20, "seed": None}
    runner.assemble(example, [{"ok": True, "job": job, "result": ok}], {}, tmp_path)
    path = tmp_path / f"{example.id}.json"
    before = path.read_bytes()
    for results in ([{"ok": False, "job": job, "error": "DataError: bad data"}], []):
        runner.assemble(example, results, {}, tmp_path)
        assert path.read_bytes() == before
        failed = tmp_path / f"{example.id}.failed.json"
        assert json.loads(failed.read_text())["runs"] == []
    runner.assemble(example, [{"ok": True, "job": job, "result": ok}], {}, tmp_path)
    assert not (tmp_path / f"{example.id}.failed.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{example.id}.json"]  # no temp file


def test_result_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        runner.write_json(tmp_path / "x.json", {"a": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "x.json").stat().st_mode & 0o777 == 0o644
    old = os.umask(0o027)
    try:
        runner.write_json(tmp_path / "y.json", {"a": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "y.json").stat().st_mode & 0o777 == 0o640


# ------------------------------------------------------------ bad input: before the work
@pytest.mark.parametrize("args, fragment", [
    (["run", "series_predictor", "--steps", "0"], "at least 1"),
    (["all", "--only", "series_predictor", "--steps", "0"], "at least 1"),
    (["run", "series_predictor", "--seed", str(2**31)], "at most 2147483647"),
    (["run", "series_predictor", "--seed", str(2**40)], "at most 2147483647"),
    (["all", "--seed", str(2**32 - 1)], "at most 2147483647"),
    (["all", "--only", "series_predictor", "mnist_static_rnn", "series_predictor"],
     "series_predictor more than once"),
])
def test_bad_budget_seed_and_duplicate_ids_fail_before_any_run(args, fragment, tmp_path):
    out = tmp_path / "out"
    proc = parity_cmd(*args, "--out", out, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert fragment in one_error_line(proc.stderr)
    assert proc.stdout == ""  # no run started, nothing printed
    assert not out.exists()


@pytest.mark.parametrize("setup, fragment", [
    ("missing", "PARITY_MNIST_DIR"),
    ("incomplete", "incomplete MNIST download"),
    ("corrupt", "corrupt gzip file"),
])
def test_bad_mnist_source_fails_before_the_workers_and_keeps_the_old_result(
        setup, fragment, tmp_path):
    data = tmp_path / "mnist"
    if setup != "missing":
        data.mkdir()
        names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        for name in names[: 2 if setup == "incomplete" else 4]:
            (data / name).write_bytes(b"not an IDX file")
    out = tmp_path / "results"
    out.mkdir()
    previous = out / "mnist_dynamic_rnn.json"
    previous.write_bytes(b'{"the previous": "result"}')
    proc = parity_cmd("run", "mnist_dynamic_rnn", "--steps", "1", "--out", out,
                      tmp_path=tmp_path, PARITY_MNIST_DIR=str(data))
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "mnist_dynamic_rnn" in line and fragment in line
    assert proc.stdout == ""  # no worker started (it would have printed its progress line)
    assert previous.read_bytes() == b'{"the previous": "result"}'
    assert sorted(p.name for p in out.iterdir()) == ["mnist_dynamic_rnn.json"]


# ------------------------------------------------------------------ report: no tracebacks
@pytest.fixture(scope="module")
def good_result(tmp_path_factory):
    """A real result of the NumPy reference (a short run), as `parity run` writes it."""
    folder = tmp_path_factory.mktemp("good")
    example = registry.get("binary_addition_numpy_rnn")
    result = example.module("numpy").train(example.config(steps=50), verbose=False).to_json()
    job = {"example": example.id, "impl": "numpy", "steps": 50, "seed": None}
    runner.assemble(example, [{"ok": True, "job": job, "result": result}], {}, folder)
    return folder / f"{example.id}.json"


BAD_FILES = {
    "truncated.json": lambda good: good[: len(good) // 2],
    "empty.json": lambda good: b"",
    "list.json": lambda good: b"[1, 2, 3]",
    "shape.json": lambda good: json.dumps({**json.loads(good), "example": "shape",
                                           "runs": [{"impl": "legacy"}]}).encode(),
    "renamed.json": lambda good: good,
}


def test_report_skips_malformed_json_with_one_line_each(good_result, tmp_path):
    good = good_result.read_bytes()
    (tmp_path / good_result.name).write_bytes(good)
    for name, make in BAD_FILES.items():
        (tmp_path / name).write_bytes(make(good))
    proc = parity_cmd("report", tmp_path, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    skipped = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(skipped) == len(BAD_FILES), proc.stderr
    for name in BAD_FILES:
        assert any(ln.startswith(f"report: skipped {name}: ") for ln in skipped), name
    assert "binary_addition_numpy_rnn" in (tmp_path / "index.html").read_text()


def test_report_on_only_malformed_json_is_one_line(good_result, tmp_path):
    for name, make in BAD_FILES.items():
        (tmp_path / name).write_bytes(make(good_result.read_bytes()))
    proc = parity_cmd("report", tmp_path, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "no results" in one_error_line(proc.stderr)


def test_report_into_a_folder_it_cannot_write_is_one_line(good_result, tmp_path, monkeypatch,
                                                          capsys):
    from parity import store

    (tmp_path / good_result.name).write_bytes(good_result.read_bytes())

    def refuse(path, data):  # what a read-only folder does to the write
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(store, "write_bytes", refuse)
    assert cli.main(["report", str(tmp_path)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "cannot write into" in line and "Permission denied" in line


@pytest.mark.skipif(IS_ROOT, reason="root writes into a chmod 0555 folder; the write failure "
                    "itself is tested by test_report_into_a_folder_it_cannot_write_is_one_line")
def test_report_and_diff_into_a_read_only_folder(good_result, tmp_path):
    (tmp_path / good_result.name).write_bytes(good_result.read_bytes())
    tmp_path.chmod(0o555)
    try:
        proc = parity_cmd("report", tmp_path, tmp_path=tmp_path.parent)
        assert proc.returncode == 2 and "not writable" in one_error_line(proc.stderr)
        proc = parity_cmd("diff", "series_predictor", "--html", tmp_path / "d.html",
                          tmp_path=tmp_path.parent)
        assert proc.returncode == 2 and "Permission denied" in one_error_line(proc.stderr)
    finally:
        tmp_path.chmod(0o755)


# --------------------------------------------------------------------- diff --html
def test_diff_html_onto_a_folder_or_under_a_file_is_one_line_and_leaves_nothing(tmp_path):
    folder = tmp_path / "page.html"
    folder.mkdir()
    proc = parity_cmd("diff", "series_predictor", "--html", folder, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "is a folder" in one_error_line(proc.stderr)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = parity_cmd("diff", "series_predictor", "--html", blocker / "page.html",
                      tmp_path=tmp_path)
    assert proc.returncode == 2
    assert "cannot write" in one_error_line(proc.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "page.html", "tmpdir"]
    assert list(folder.iterdir()) == []


def test_diff_html_write_failure_leaves_no_temporary_file(tmp_path, monkeypatch, capsys):
    import parity.store

    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith("page.html"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(parity.store.os, "replace", failing_replace)
    assert cli.main(["diff", "series_predictor", "--html", str(tmp_path / "page.html")]) == 2
    assert "Permission denied" in one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []  # no .page.html.*.tmp left behind


# -------------------------------------------------------------------------- convert
@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("ckpt") / "model.ckpt"
    example = registry.get("airline_passengers")
    example.module("legacy").train(example.config(steps=1), verbose=False,
                                   checkpoint_path=str(prefix))
    return prefix


@pytest.mark.legacy
def test_convert_truncated_data_file_is_one_line(checkpoint, tmp_path, capsys):
    bad = tmp_path / "bad.ckpt"
    for f in checkpoint.parent.glob(checkpoint.name + ".*"):
        data = f.read_bytes()
        target = tmp_path / f.name.replace(checkpoint.name, "bad.ckpt")
        target.write_bytes(data[:100] if ".data-" in f.name else data)
    out = tmp_path / "keep.weights.h5"
    out.write_bytes(b"previous")
    code = cli.main(["convert", str(bad), "--example", "airline_passengers", "--out", str(out)])
    assert code == 2
    assert "cannot read checkpoint" in one_error_line(capsys.readouterr().err)
    assert out.read_bytes() == b"previous"


@pytest.mark.legacy
@pytest.mark.torch
def test_convert_into_a_place_it_cannot_write_is_one_line(checkpoint, tmp_path, monkeypatch,
                                                          capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = ["convert", str(checkpoint), "--example", "airline_passengers", "--out"]
    assert cli.main([*args, str(blocker / "model.pt")]) == 2
    assert "is not a folder" in one_error_line(capsys.readouterr().err)
    folder = tmp_path / "model.weights.h5"
    folder.mkdir()
    assert cli.main([*args, str(folder)]) == 2
    assert "is a folder" in one_error_line(capsys.readouterr().err)
    # a read-only folder (simulated: root could write into a chmod-ed one)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == tmp_path
                        else real_access(p, mode, **kw))
    assert cli.main([*args, str(tmp_path / "model.pt")]) == 2
    assert "not writable" in one_error_line(capsys.readouterr().err)
    monkeypatch.undo()
    # the write itself failing (what a read-only folder does past the check)
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install '.[torch]'")

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / "model.pt"))

    monkeypatch.setattr(torch, "save", refuse)
    assert cli.main([*args, str(tmp_path / "model.pt")]) == 2
    assert "Permission denied" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "model.weights.h5"]


def test_convert_to_pt_without_pytorch_says_how_to_install_it(tmp_path):
    stub = tmp_path / "no_torch"
    stub.mkdir()
    # simulates an install without PyTorch: `import torch` fails in the child process
    (stub / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    ckpt = tmp_path / "model.ckpt"
    proc = parity_cmd("convert", ckpt, "--example", "airline_passengers", "--out",
                      tmp_path / "model.pt", tmp_path=tmp_path,
                      PYTHONPATH=os.pathsep.join([str(stub), str(ROOT)]))
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "PyTorch is not installed" in line and "pip install -e '.[torch]'" in line


# ------------------------------------------------------------- one TensorFlow install
def test_exactly_one_tensorflow_distribution_and_pip_check_passes():
    import importlib.metadata

    owners = sorted({
        dist.metadata["Name"] for dist in importlib.metadata.distributions()
        if any(str(f).replace("\\", "/") == "tensorflow/__init__.py" for f in dist.files or ())
    })
    assert len(owners) == 1, f"distributions installing the tensorflow package: {owners}"
    proc = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_project_depends_on_one_tensorflow_distribution():
    import re

    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M).group(1)
    names = [d.lower() for d in re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block, re.M)]
    assert "numpy" in names  # the block was found
    assert [n for n in names if n.startswith("tensorflow")] == ["tensorflow"]
    for pins in (ROOT / "constraints").glob("*.txt"):
        pinned = [ln.split("==")[0].strip().lower() for ln in pins.read_text().splitlines()
                  if ln.strip() and not ln.startswith("#")]
        assert [n for n in pinned if n.startswith("tensorflow")] == ["tensorflow"], pins.name


def test_tolerance_notes_give_reasons_not_tracker_numbers():
    import re

    for example in registry.EXAMPLES.values():
        assert not re.search(r"\bissue\s*\d", example.tolerance_note, re.I), example.id


@pytest.mark.legacy
@pytest.mark.port
def test_the_largest_accepted_seed_works_for_every_implementation():
    """`--seed` accepts 0..cli.MAX_SEED: every implementation of every example trains with
    the largest (one step each). 2**32 - 1 used to pass the port and fail the legacy side."""
    import math

    from parity.worker import run_job

    assert cli.MAX_SEED == 2**31 - 1
    for example in registry.EXAMPLES.values():
        for impl in example.impls:
            if not runner.impl_available(impl)[0]:
                continue
            job = {"example": example.id, "impl": impl, "steps": 1, "seed": cli.MAX_SEED,
                   "verbose": False}
            out = run_job(job)
            assert out["steps"] == 1 and math.isfinite(out["value"]), (example.id, impl)


# ------------------------------------------------------------------- a quiet terminal
@pytest.mark.legacy
@pytest.mark.port
def test_convert_prints_its_result_and_nothing_of_tensorflow(checkpoint, tmp_path):
    out = tmp_path / "model.weights.h5"
    env = parity_env(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "parity", "convert", str(checkpoint), "--example",
                           "airline_passengers", "--out", str(out)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == f"wrote {out}\n"  # no start-up log line, no deprecation warning
    assert out.stat().st_size > 0


@pytest.mark.port
def test_verbose_brings_back_the_training_log_without_colour_codes(tmp_path):
    """`--verbose` shows what the default hides (the implementation's own progress and
    TensorFlow's start-up lines); into a pipe, Keras' progress bar comes without ANSI codes."""
    from tf1_compat.quiet import is_noise

    args = ["run", "series_predictor", "--impl", "port", "--steps", "20", "--out",
            tmp_path / "out"]
    quiet = parity_cmd(*args, tmp_path=tmp_path)
    verbose = parity_cmd(*args, "--verbose", tmp_path=tmp_path)
    for proc in (quiet, verbose):
        assert proc.returncode == 0, proc.stderr
        assert "\x1b[" not in proc.stdout + proc.stderr
    assert "step" in verbose.stdout and "loss" in verbose.stdout  # Keras' progress bar
    assert "Model saved to" in verbose.stdout  # the example's own log
    assert any(is_noise(ln.encode()) for ln in verbose.stderr.splitlines())
    assert "Model saved to" not in quiet.stdout and "loss" not in quiet.stdout
    assert not any(is_noise(ln.encode()) for ln in quiet.stderr.splitlines())
    assert quiet.stderr == ""

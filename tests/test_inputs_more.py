"""The last input gaps: files the report must not follow, MNIST data that loads but cannot
train, strict JSON for failed attempts, outputs checked before the work, one-line usage
errors, the budget's upper bound, and `parity run --impl legacy` joining the pair record."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from parity import cli, registry, runner, store

ROOT = Path(__file__).resolve().parents[1]


def parity_cmd(*args, tmp_path, cwd=None, timeout=120, **extra_env):
    temp = tmp_path / "tmpdir"
    temp.mkdir(exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg", TMPDIR=str(temp), **extra_env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "parity", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or tmp_path, env=env, timeout=timeout)


def one_error_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def strict_json(text: str):
    def refuse(token):
        raise AssertionError(f"not JSON: bare {token}")

    return json.loads(text, parse_constant=refuse)


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder no file can be created in: a chmod-ed one, or (as root, who writes into
    those anyway) a read-only system folder."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    for candidate in (folder, Path("/sys"), Path("/proc/sys")):
        try:
            fd, probe = tempfile.mkstemp(dir=candidate)
        except OSError:
            return candidate
        os.close(fd)
        os.unlink(probe)
    pytest.skip("no folder here refuses new files (root without a read-only mount)")


@pytest.fixture(scope="module")
def good_result(tmp_path_factory):
    """A real result of the NumPy reference (a short run), as `parity run` writes it."""
    folder = tmp_path_factory.mktemp("good")
    example = registry.get("binary_addition_numpy_rnn")
    result = example.module("numpy").train(example.config(steps=50), verbose=False).to_json()
    job = {"example": example.id, "impl": "numpy", "steps": 50, "seed": None}
    runner.assemble(example, [{"ok": True, "job": job, "result": result}], {}, folder)
    return folder / f"{example.id}.json"


# ------------------------------------------------------------------ report: regular files only
def test_report_skips_a_link_to_dev_zero_and_a_fifo(good_result, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / good_result.name).write_bytes(good_result.read_bytes())
    (out / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(out / "pipe.json")
    proc = parity_cmd("report", out, tmp_path=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = sorted(ln for ln in proc.stderr.splitlines() if ln.strip())
    assert lines == ["report: skipped pipe.json: not a regular file (a FIFO (named pipe))",
                     "report: skipped zero.json: not a regular file (a character device)"]
    assert "binary_addition_numpy_rnn" in (out / "index.html").read_text()


def test_report_skips_a_file_too_large_for_a_result(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_RESULT_BYTES", 1000)
    (tmp_path / "big.json").write_text(json.dumps({"example": "big", "pad": "x" * 2000}))
    good, failed, skipped = store.load(tmp_path)
    assert (good, failed) == ({}, {})
    assert skipped == [("big.json", "too large for a result (2,029 bytes; at most 1,000)")]


# ------------------------------------------------------------------ MNIST that cannot train
def _idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _mnist(folder: Path, train: int, test: int) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", train), ("t10k", test)):
        _idx(folder / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)), 2051)
        _idx(folder / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, (n,)), 2049)
    return folder


@pytest.mark.parametrize("train, test, fragment", [
    (5000, 100, "no training image is left once the validation split takes its 5,000"),
    (6000, 0, "the test set has no image"),
])
def test_mnist_that_loads_but_cannot_train_or_be_scored_is_one_line_before_the_workers(
        train, test, fragment, tmp_path):
    data = _mnist(tmp_path / "mnist", train, test)
    proc = parity_cmd("run", "mnist_dynamic_rnn", "--steps", "1", "--out", tmp_path / "out",
                      tmp_path=tmp_path, PARITY_MNIST_DIR=str(data))
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc.stderr)
    assert "mnist_dynamic_rnn" in line and fragment in line
    assert proc.stdout == ""  # no worker started
    assert not (tmp_path / "out").exists()


def test_a_nan_metric_is_an_error_and_the_failed_record_is_strict_json(good_result, tmp_path):
    """A run that ends with a NaN metric is not a result: the attempt goes to
    ID.failed.json (never over the good ID.json), written as strict JSON (null for NaN),
    with the reason."""
    example = registry.get("binary_addition_numpy_rnn")
    good = tmp_path / good_result.name
    good.write_bytes(good_result.read_bytes())
    result = json.loads(good_result.read_text())["runs"][0]
    result = dict(result, value=float("nan"), loss_history=[[0, 1.0], [10, float("nan")]])
    job = {"example": example.id, "impl": "numpy", "steps": 50, "seed": None}
    runner.assemble(example, [{"ok": True, "job": job, "result": result}], {}, tmp_path)
    assert good.read_bytes() == good_result.read_bytes()
    failed = strict_json((tmp_path / f"{example.id}.failed.json").read_text())
    assert failed["runs"] == []
    assert "not a finite number" in failed["errors"]["numpy"]
    assert failed["not_finite"][0]["value"] is None
    assert failed["not_finite"][0]["loss_history"] == [[0, 1.0], [10, None]]
    _, failures, skipped = store.load(tmp_path)
    assert skipped == [] and example.id in failures


def test_json_safe_writes_strict_json_for_numpy_and_infinities(tmp_path):
    path = store.write_json(tmp_path / "x.json", {"a": np.float32("inf"), "b": [np.float64("nan")],
                                                  "c": np.array([1.5, -np.inf]), "d": np.int64(3)})
    assert strict_json(path.read_text()) == {"a": None, "b": [None], "c": [1.5, None], "d": 3}


# ------------------------------------------------------------------ outputs checked first
NOTEBOOK = {"cells": [{"cell_type": "code", "id": "c1", "execution_count": None, "metadata": {},
                       "outputs": [], "source": "open('ran', 'w').close()"}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_legacy_run_notebook_into_an_unwritable_folder_is_refused_before_it_runs(tmp_path):
    pytest.importorskip("nbclient")
    folder = unwritable_folder(tmp_path)
    (tmp_path / "nb.ipynb").write_text(json.dumps(NOTEBOOK))
    proc = parity_cmd("legacy-run", "--output", folder / "x.ipynb", "nb.ipynb", tmp_path=tmp_path,
                      timeout=300)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert line.startswith("parity legacy-run: error: cannot write --output ")
    assert str(folder / "x.ipynb") in line
    assert not (tmp_path / "ran").exists()


def test_migrate_html_into_an_unwritable_folder_is_one_line_naming_it(tmp_path, capsys):
    folder = unwritable_folder(tmp_path)
    script = ROOT / "legacy_graph" / "series_predictor.py"
    assert cli.main(["migrate", str(script), "--html", str(folder / "r.html")]) == 2
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert f"cannot write '{folder / 'r.html'}'" in line and ".tmp-" not in line
    assert captured.out == ""  # refused before the report was printed


@pytest.mark.legacy
def test_convert_emit_model_into_an_unwritable_folder_is_one_line_naming_it(tmp_path, capsys):
    folder = unwritable_folder(tmp_path)
    prefix = tmp_path / "model.ckpt"
    example = registry.get("airline_passengers")
    example.module("legacy").train(example.config(steps=1), verbose=False,
                                   checkpoint_path=str(prefix))
    target = folder / "m.keras"
    assert cli.main(["convert", str(prefix), "--emit-model", str(target)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"cannot write '{target}'" in line and ".tmp-" not in line


# ------------------------------------------------------------------ one-line usage errors
@pytest.mark.parametrize("args, fragment", [
    (["legacy-run", "--strict"], "missing SCRIPT"),
    (["legacy-run", "bad.ipynb"], "is not a readable notebook"),
    (["legacy-run", "--output", "good.ipynb", "good.ipynb"], "never writes over it"),
    (["legacy-run", "--timeout", "abc", "good.ipynb"], "--timeout needs a number"),
    (["legacy-run", "--bogus", "x.py"], "unknown option --bogus"),
    (["migrate", "nul.py"], "nul.py: cannot parse (source code string cannot contain null bytes)"),
    (["migrate", "folder.py"], "folder.py is a folder, not a script"),
    (["diff", "series_predictor", "--html", "afile/x.html"], "'afile' is not a folder"),
    (["run", "series_predictor", "--steps", str(10**23)], "must be at most 100,000,000"),
    (["all", "--steps", "100000001"], "must be at most 100,000,000"),
])
def test_usage_problems_are_one_line(args, fragment, tmp_path):
    pytest.importorskip("nbclient")
    (tmp_path / "bad.ipynb").write_text("{not json")
    (tmp_path / "good.ipynb").write_text(json.dumps(NOTEBOOK))
    (tmp_path / "nul.py").write_bytes(b"import tensorflow as tf\x00\n")
    (tmp_path / "folder.py").mkdir()
    (tmp_path / "afile").write_text("x")
    (tmp_path / "tmpdir").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = parity_cmd(*args, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert fragment in one_error_line(proc.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_budget_bound_is_checked_for_jobs_too():
    with pytest.raises(runner.InputError, match="at most 100,000,000"):
        runner.preflight([{"example": "series_predictor", "impl": "legacy", "steps": 10**23}])


# ------------------------------------------------------------------ --impl legacy: the pair stays
@pytest.mark.legacy
@pytest.mark.port
def test_run_impl_legacy_joins_the_pair_record_and_the_report_shows_the_pair(tmp_path):
    """`parity run X --impl legacy` after a complete legacy+port X.json: the port run is
    kept (same budget and seed), the parity is computed again over the new legacy run; a
    legacy run of another budget keeps the previous record beside it."""
    from parity.worker import run_job

    example = registry.get("series_predictor")
    out = tmp_path / "out"
    pair = []
    for impl in ("legacy", "port"):
        job = {"example": example.id, "impl": impl, "steps": 5, "seed": 3, "verbose": False}
        pair.append({"ok": True, "job": job, "result": run_job(job)})
    runner.assemble(example, pair, {}, out)
    before = strict_json((out / "series_predictor.json").read_text())
    assert [r["label"] for r in before["runs"]] == ["legacy", "port"]

    proc = parity_cmd("run", "series_predictor", "--impl", "legacy", "--steps", "5", "--seed",
                      "3", "--out", out, "--quiet", tmp_path=tmp_path, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    assert "kept the port run(s) of the previous series_predictor.json" in proc.stdout
    after = strict_json((out / "series_predictor.json").read_text())
    assert [r["label"] for r in after["runs"]] == ["legacy", "port"]
    legacy, port = after["runs"]
    assert port == before["runs"][1]  # the previous port run, untouched
    assert legacy["seconds"] != before["runs"][0]["seconds"]  # the new legacy run
    assert after["parity"]["delta"] == abs(legacy["value"] - port["value"])
    assert after["parity"]["pair"] == "legacy vs port"

    report = parity_cmd("report", out, tmp_path=tmp_path)
    assert report.returncode == 0, report.stderr
    page = (out / "index.html").read_text()
    assert f"{port['value']:.4f}" in page and f"{legacy['value']:.4f}" in page

    job = {"example": example.id, "impl": "legacy", "steps": 6, "seed": 3, "verbose": False}
    runner.assemble(example, [{"ok": True, "job": job, "result": run_job(job)}], {}, out,
                    merge=True)
    assert strict_json((out / "series_predictor.previous.json").read_text()) == after
    assert [r["label"] for r in strict_json((out / "series_predictor.json").read_text())["runs"]] \
        == ["legacy"]

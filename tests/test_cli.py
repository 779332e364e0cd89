"""The `parity` CLI: every subcommand on tiny budgets, JSON fields, exit codes, messages, report."""

import dataclasses
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from parity import cli, registry

ROOT = Path(__file__).resolve().parents[1]


def parity_cmd(*args, cwd=None, timeout=600):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "parity", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=timeout)


def one_error_line(proc):
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_list_names_every_example_with_its_article():
    proc = parity_cmd("list")
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    assert [ln.split()[0] for ln in lines] == list(registry.EXAMPLES)
    for ln, e in zip(lines, registry.EXAMPLES.values()):
        assert e.article in ln


@pytest.mark.parametrize("args, fragment", [
    (["run", "no_such_example"], "unknown example 'no_such_example'"),
    (["run", "series_predictor", "--impl", "nope"], "invalid choice: 'nope'"),
    (["run", "series_predictor", "--impl", "numpy"], "has no 'numpy' implementation"),
    (["run", "series_predictor", "--steps", "-1"], "must not be negative"),
    (["run", "series_predictor", "--steps", "many"], "expected a whole number"),
    (["diff", "nope"], "unknown example"),
    (["convert", "/no/such/model.ckpt", "--example", "series_predictor", "--out", "x.weights.h5"],
     "not found"),
    (["frobnicate"], "invalid choice"),
    (["run", "series_predictor", "--backend", "mxnet"], "invalid choice: 'mxnet'"),
    (["run", "series_predictor", "--impl", "legacy", "--backend", "jax"], "applies to the port"),
    (["all", "--backends", "tensorflow,mxnet"], "unknown Keras backend 'mxnet'"),
])
def test_bad_usage_exits_2_with_one_clear_line(args, fragment):
    proc = parity_cmd(*args)
    assert proc.returncode == 2
    assert fragment in one_error_line(proc)


def test_unwritable_output_folder_is_bad_usage(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = parity_cmd("run", "series_predictor", "--steps", "1", "--out", str(blocker))
    assert proc.returncode == 2
    assert "not a folder" in one_error_line(proc)


REQUIRED_RUN_FIELDS = {"impl", "metric", "value", "steps", "seconds", "loss_history", "versions"}


@pytest.mark.legacy
@pytest.mark.port
def test_run_writes_json_with_runs_and_parity(tmp_path):
    proc = parity_cmd("run", "series_predictor", "--impl", "both", "--steps", "30",
                      "--seed", "3", "--out", str(tmp_path), "--quiet")
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads((tmp_path / "series_predictor.json").read_text())
    assert {r["impl"] for r in data["runs"]} == {"legacy", "port"}
    for run in data["runs"]:
        assert REQUIRED_RUN_FIELDS <= set(run)
        assert run["steps"] == 30
        assert run["metric"] == "test_mse"
        assert len(run["loss_history"]) >= 1
        assert "tensorflow" in run["versions"] or "tensorflow-cpu" in run["versions"]
    par = data["parity"]
    values = {r["impl"]: r["value"] for r in data["runs"]}
    assert par["delta"] == pytest.approx(abs(values["legacy"] - values["port"]))
    assert par["tolerance"] == registry.get("series_predictor").tolerance
    assert par["ok"] == (par["delta"] <= par["tolerance"])
    assert proc.returncode == (0 if par["ok"] else 1)
    assert "series_predictor" in proc.stdout and "legacy" in proc.stdout
    # --quiet: the table first (its header row), then where the result went; no progress
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("example") and " impl " in lines[0], lines[:3]
    assert not any(" ... " in ln or ln.startswith("parity run") for ln in lines), lines


def test_run_exits_1_when_the_parity_check_fails(tmp_path, monkeypatch, capsys):
    strict = dataclasses.replace(registry.EXAMPLES["binary_addition_numpy_rnn"], tolerance=-1.0)
    monkeypatch.setitem(registry.EXAMPLES, "binary_addition_numpy_rnn", strict)
    code = cli.main(["run", "binary_addition_numpy_rnn", "--impl", "both", "--steps", "5",
                     "--out", str(tmp_path), "--quiet"])
    assert code == 1
    data = json.loads((tmp_path / "binary_addition_numpy_rnn.json").read_text())
    assert data["parity"]["ok"] is False
    captured = capsys.readouterr()
    assert "FAIL" in captured.out
    # one line on stderr naming the pair and by how much, as `parity all` prints
    assert captured.err.strip().splitlines() == [
        f"parity: binary_addition_numpy_rnn: legacy vs port differ by "
        f"{data['parity']['delta']:.4g} in exact_sum_accuracy (tolerance -1)"]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.tags = [], 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if tag == "img":
            self.images.append(dict(attrs)["src"])


@pytest.mark.legacy
@pytest.mark.port
def test_all_writes_table_plots_and_a_self_contained_report(tmp_path):
    proc = parity_cmd("all", "--only", "series_predictor", "binary_addition_numpy_rnn",
                      "--steps", "20", "--out", str(tmp_path), "--quiet")
    assert proc.returncode in (0, 1), proc.stderr
    for eid in ("series_predictor", "binary_addition_numpy_rnn"):
        assert (tmp_path / f"{eid}.json").exists()
        assert eid in proc.stdout
    index = tmp_path / "index.html"
    parser = _Collector()
    parser.feed(index.read_text())
    parser.close()
    assert parser.tags > 20
    assert parser.images, "the report shows the plots"
    for src in parser.images:
        assert not src.startswith(("http:", "https:", "/")), src
        assert (tmp_path / src).is_file(), src
    html = index.read_text()
    assert "series_predictor_loss.png" in html
    assert "diff-series_predictor" in html  # the migration diff is in the report
    oks = [json.loads((tmp_path / f"{e}.json").read_text())["parity"]["ok"]
           for e in ("series_predictor", "binary_addition_numpy_rnn")]
    assert proc.returncode == (0 if all(o is not False for o in oks) else 1)


def test_diff_aligns_sections_and_annotates_changed_apis(tmp_path):
    proc = parity_cmd("diff", "series_predictor")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "=== def train" in out
    assert "BasicLSTMCell" in out and "keras.layers.LSTM" in out  # annotation of the mapping
    assert "AdamOptimizer" in out and "epsilon=1e-8" in out
    page = tmp_path / "diff.html"
    proc = parity_cmd("diff", "mnist_static_rnn", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    text = page.read_text()
    assert "static_rnn" in text and "<table" in text


def test_migration_md_lists_every_mapping():
    from parity import migration_map

    text = (ROOT / "MIGRATION.md").read_text()
    for m in migration_map.MAPPINGS:
        assert f"`{m.tf1}`" in text, m.tf1
    for name in migration_map.REMOVED:
        assert name in text


def test_report_subcommand_rebuilds_from_results(tmp_path):
    proc = parity_cmd("report", str(tmp_path))
    assert proc.returncode == 2
    assert "no results" in one_error_line(proc)


@pytest.mark.legacy
@pytest.mark.port
def test_all_runs_the_port_on_each_backend_each_against_legacy(tmp_path):
    from parity import backends

    names = backends.installed()  # CI installs all three ([test,torch])
    proc = parity_cmd("all", "--only", "series_predictor", "--steps", "20", "--seed", "1",
                      "--backends", ",".join(names), "--out", str(tmp_path), "--quiet")
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads((tmp_path / "series_predictor.json").read_text())
    labels = {"tensorflow": "port", "jax": "port[jax]", "torch": "port[torch]"}
    runs = {r["label"]: r for r in data["runs"]}
    assert set(runs) == {"legacy", *(labels[b] for b in names)}
    for b in names:
        run = runs[labels[b]]
        assert run["impl"] == "port" and run["steps"] == 20
        assert (run["backend"], run["backend_version"]) == (b, backends.version(b))
        assert run["backend_version"]
    par = data["parity"]
    if len(names) > 1:
        assert set(par["ports"]) == {labels[b] for b in names}
        for label, check in par["ports"].items():
            assert check["delta"] == pytest.approx(abs(runs[label]["value"] - runs["legacy"]["value"]))
            assert check["ok"] == (check["delta"] <= par["tolerance"])
        assert par["ok"] == all(c["ok"] for c in par["ports"].values())
    table_labels = {ln.split()[1] for ln in proc.stdout.splitlines() if ln.startswith("series_predictor")}
    assert table_labels == set(runs)
    html = (tmp_path / "index.html").read_text()
    for label in runs:
        assert f"<td>{label}</td>" in html

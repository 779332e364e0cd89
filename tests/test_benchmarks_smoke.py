"""The benchmark harness runs end to end on a tiny budget and writes valid JSON and markdown.

No timing assertions (timings depend on the machine); only that the pipeline works.
"""

import json
import math

from benchmarks import bench


def test_harness_writes_json_and_markdown(tmp_path):
    rc = bench.main([
        "--examples", "binary_addition_numpy_rnn", "--impls", "numpy", "--reps", "2",
        "--scale", "0.02", "--no-ladder", "--no-device-check", "--out", str(tmp_path),
        "--name", "smoke", "--timeout", "120",
    ])
    assert rc == 0
    report = json.loads((tmp_path / "smoke.json").read_text())
    runs = report["step_runs"]
    assert [r["rep"] for r in runs] == [0, 1]
    assert all("error" not in r for r in runs), runs
    for r in runs:
        assert r["impl"] == "numpy" and r["n2"] > r["n1"] >= 1
        assert math.isfinite(r["ms_per_step"]) and r["optimizer_steps"] == r["n2"] - r["n1"]
        assert r["unreliable"] == (not (r["wall"][1] > r["wall"][0] and r["cpu"][1] > r["cpu"][0]))
    summary = report["step_table"]["binary_addition_numpy_rnn"]["numpy"]["ms_per_step"]
    assert summary["n"] == 2 and summary["min"] <= summary["median"] <= summary["max"]
    md = (tmp_path / "smoke.md").read_text()
    assert "| binary_addition_numpy_rnn | numpy |" in md


def test_unknown_example_is_one_clear_error(tmp_path):
    import pytest

    from parity.registry import UnknownExample

    with pytest.raises(UnknownExample, match="unknown example 'nope'"):
        bench.main(["--examples", "nope", "--out", str(tmp_path), "--no-device-check"])


def test_targets():
    from types import SimpleNamespace as R

    assert bench.met_target("mnist_static_rnn", R(value=0.86))
    assert not bench.met_target("mnist_static_rnn", R(value=0.84))
    flat = bench.flat_forecast_rmse()
    assert flat > 0
    assert bench.met_target("airline_passengers", R(value=flat - 1))
    assert not bench.met_target("airline_passengers", R(value=flat + 1))


def test_migrate_write_benchmark_refuses_an_unknown_target(tmp_path, capsys):
    from benchmarks import migrate_write

    assert migrate_write.main(["--only", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown target(s) nope" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_migrate_write_docs_block_reads_back_what_it_wrote():
    from benchmarks import migrate_write

    port = (migrate_write.ROOT / "tests" / "tf1_scripts" / "bigru_classifier.py").read_text()
    page = f"# page\n\n{migrate_write.docs_block(port)}\n\nafter\n"
    assert migrate_write.shown_port(page) == port
    assert migrate_write.shown_port("# a page without the block\n") is None

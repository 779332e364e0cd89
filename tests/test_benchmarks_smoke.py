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


def test_migrate_write_many_seed_verdict_is_parity_runs():
    from benchmarks import migrate_write
    from parity import margins

    verdict = migrate_write.seeded_verdict
    airline = margins.margin("airline_passengers").value  # the example's margin, as parity run
    close = verdict("airline_passengers", [150.0, 160.0, 155.0, 158.0], [152.0, 163.0, 150.0, 161.0])
    assert close["verdict"] == "equivalent" and close["margin"] == airline
    assert close["legacy_summary"]["n"] == 4 and close["port_summary"]["min"] == 150.0
    # the same means, a spread too wide for the seeds to decide: not shown, and no difference
    wide = verdict("airline_passengers", [70.0, 293.0, 347.0], [347.0, 70.0, 293.0])
    assert wide["verdict"] == "NOT SHOWN" and wide["diff"] == 0.0 and wide["welch_p"] > 0.9
    assert wide["ci"][0] < -airline and wide["ci"][1] > airline
    assert wide["seeds_needed"] is None or wide["seeds_needed"] > 3  # more seeds would decide
    apart = verdict("airline_passengers", [100.0, 101.0, 99.0], [300.0, 301.0, 299.0])
    assert apart["verdict"] == "NOT SHOWN" and apart["welch_p"] < 1e-3
    assert apart["seeds_needed"] == 2  # with spreads this small, the difference is real
    assert "seeds_needed" not in close
    # a script: parity check's 10% of the TF1 side's mean
    assert verdict("carried_state_regression", [1.0, 1.01, 0.99], [1.05, 1.06, 1.04])["ok"]
    far = verdict("carried_state_regression", [1.0, 1.01, 0.99], [1.15, 1.16, 1.14])
    assert not far["ok"] and abs(far["margin"] - 0.1) < 1e-12
    # one seed: the single-run check
    one = verdict("carried_state_regression", [0.47], [0.25])
    assert one["verdict"] == "FAIL (1 seed)" and "ci" not in one


def test_migrate_write_markdown_shows_each_side_over_the_seeds(capsys):
    from benchmarks import migrate_write

    row = {"target": "carried_state_regression", "budget": "the script's own", "metric": "loss",
           "seeds": [0, 1, 2], "legacy_values": [0.47, 0.40, 0.52],
           "port_values": [0.25, 0.45, 0.50], "legacy_seconds": [14.0, 15.0, 16.0],
           "port_seconds": [13.0, 13.0, 13.0], "seeds_not_run": [3]}
    row.update(migrate_write.seeded_verdict(row["target"], row["legacy_values"], row["port_values"]))
    row["same_start"] = {"seed": 0, "seconds": 13.5, "legacy": 0.47, "port": 0.4713,
                         "delta": 0.0013, "tolerance": 0.047, "ok": True}
    md = migrate_write.markdown({"budget": "full", "machine": {}, "command": "x", "core": "1",
                                 "rows": [row], "not_run": {}})
    line = next(x for x in md.splitlines() if x.startswith("| carried_state_regression |"))
    assert "| 0,1,2 | 0.4633 (0.0603) | 0.4-0.52 | 0.4 (0.132) | 0.25-0.5 |" in line
    assert f"| {row['verdict']} |" in line and "| 15.0 / 13.0 |" in line
    assert row["verdict"] == "NOT SHOWN" and (
        f"two equal sides with these spreads need {row['seeds_needed']} seeds per side"
        if row["seeds_needed"] else "need more than 30 seeds per side") in md
    assert "0: 0.47 / 0.25; 1: 0.4 / 0.45; 2: 0.52 / 0.5; seeds not run (--deadline): [3]" in md
    assert ("port from seed 0's TF1 start weights (`--init-from port.start.weights.h5`): 0.4713 "
            "vs the TF1 program's 0.47 (abs(delta) 0.0013, tolerance 0.047: ok; 13.5 s)") in md
    assert migrate_write.main(["--seeds", "3-1", "--only", "carried_state_regression"]) == 2
    assert "the range ends before it starts" in capsys.readouterr().err

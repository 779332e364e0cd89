"""The many-seed gate's statistics (pure Python, no training): Student's t, Welch's test,
the equivalence test (TOST), the seed lists and the verdict built from per-seed results."""

import json
import math
import random
from pathlib import Path

import pytest

from parity import margins, registry, seeds, stats

# Student's t quantiles, from the standard table (e.g. Fisher & Yates; any statistics text)
T_TABLE = [
    (0.975, 1, 12.706), (0.975, 2, 4.303), (0.95, 5, 2.015), (0.975, 10, 2.228),
    (0.995, 30, 2.750), (0.95, 120, 1.658), (0.975, 1e7, 1.960),
]


@pytest.mark.parametrize("p, df, expected", T_TABLE)
def test_t_quantiles_match_the_table(p, df, expected):
    assert stats.t_ppf(p, df) == pytest.approx(expected, abs=6e-4)
    assert stats.t_ppf(1 - p, df) == pytest.approx(-expected, abs=6e-4)
    assert stats.t_cdf(stats.t_ppf(p, df), df) == pytest.approx(p, abs=1e-10)


def test_t_cdf_closed_forms():
    # df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi; df = 2: 1/2 + t/(2 sqrt(2 + t^2))
    for t in (-7.5, -1.0, -0.1, 0.0, 0.3, 2.0, 40.0):
        assert stats.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)
        assert stats.t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-12)


def test_welch_by_hand():
    # a = 1, 2, 3 and b = 4, 5, 6: means 2 and 5, variances 1 and 1, se = sqrt(1/3 + 1/3),
    # t = -3 / sqrt(2/3) = -3.674, Welch's df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4 exactly;
    # two-sided p with 4 degrees of freedom: 2 * F(-3.674; 4) = 0.02131
    w = stats.welch([1, 2, 3], [4, 5, 6])
    assert w["diff"] == -3
    assert w["se"] == pytest.approx(math.sqrt(2 / 3))
    assert w["df"] == pytest.approx(4.0)
    assert w["t"] == pytest.approx(-3.6742, abs=1e-4)
    assert w["p"] == pytest.approx(0.02131, abs=5e-5)


def test_welch_unequal_variances_known_result():
    # the two samples of the Welch's t-test example widely reproduced in textbooks
    # (n = 15 each); R's t.test(a, b) gives t = -2.4554, df = 24.989, p-value = 0.02138
    a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    w = stats.welch(a, b)
    assert w["t"] == pytest.approx(-2.4554, abs=1e-4)
    assert w["df"] == pytest.approx(24.989, abs=1e-3)
    assert w["p"] == pytest.approx(0.02138, abs=1e-5)


def test_equivalence_interval_and_tost_agree():
    rng = random.Random(7)
    for _ in range(200):
        n_a, n_b = rng.randint(2, 8), rng.randint(2, 8)
        shift, spread = rng.uniform(-1, 1), rng.uniform(0.05, 1)
        a = [rng.gauss(shift, spread) for _ in range(n_a)]
        b = [rng.gauss(0, rng.uniform(0.05, 1)) for _ in range(n_b)]
        margin = rng.uniform(0.1, 2)
        eq = stats.equivalence(a, b, margin)
        w = stats.welch(a, b)
        half = stats.t_ppf(0.95, w["df"]) * w["se"]
        assert eq["ci"] == pytest.approx([w["diff"] - half, w["diff"] + half])
        # the 90% interval inside +/- margin  <=>  both one-sided tests reject at 5%
        if abs(eq["p_tost"] - 0.05) > 1e-9:
            assert eq["equivalent"] == (eq["p_tost"] < 0.05)


def test_equivalence_needs_the_interval_inside_the_margin():
    a, b = [0.97, 0.96, 0.975, 0.965, 0.97], [0.95, 0.96, 0.955, 0.962, 0.958]
    eq = stats.equivalence(a, b, 0.03)
    lo, hi = eq["ci"]
    assert lo > 0 and hi < 0.03 and eq["equivalent"]
    assert not stats.equivalence(a, b, hi * 0.999)["equivalent"]
    assert stats.equivalence(a, b, hi * 1.001)["equivalent"]
    # a wide interval (few, spread seeds) is not shown equivalent even with equal means
    assert not stats.equivalence([0.1, 0.9], [0.9, 0.1], 0.3)["equivalent"]


def test_equivalence_without_spread():
    assert stats.equivalence([1.0, 1.0], [1.0, 1.0, 1.0], 1e-9)["equivalent"]
    assert not stats.equivalence([1.0, 1.0], [0.9, 0.9], 0.05)["equivalent"]


def test_statistics_reject_bad_input():
    with pytest.raises(ValueError, match="two values"):
        stats.welch([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="margin"):
        stats.equivalence([1, 2], [1, 2], 0)
    with pytest.raises(ValueError):
        stats.t_ppf(1.0, 3)


@pytest.mark.parametrize("text, base, expected", [
    ("5", None, [0, 1, 2, 3, 4]), ("3", 10, [10, 11, 12]), ("0-9", None, list(range(10))),
    ("3, 5,8", None, [3, 5, 8]), ("7", 2147483640, list(range(2147483640, 2147483647))),
])
def test_seed_lists(text, base, expected):
    assert seeds.parse(text, base) == expected


@pytest.mark.parametrize("text, message", [
    ("0", "at least one"), ("5-2", "ends before"), ("1,1", "twice"), ("a", "expects"),
    ("-3", "expects"), ("2147483647-2147483648", "2147483647"),
    # counts checked before the list is made (these once ran out of memory)
    ("999999999999", "at most 10,000 seeds"), ("0-2147483647", "at most 10,000 seeds"),
    ("3", "2147483647"),  # with base 2147483646 below: past the largest seed
])
def test_bad_seed_lists(text, message):
    with pytest.raises(ValueError, match=message):
        seeds.parse(text, 2147483646 if text == "3" else None)


def test_power_seed_sets_are_disjoint_and_stay_in_range():
    from parity import power

    assert power.disjoint_sets([0, 1, 2], 3) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    sets = power.disjoint_sets([0, 2], 3)  # a list with a gap: shifted by its span, not its length
    assert sets == [[0, 2], [3, 5], [6, 8]]
    assert not set(sets[0]) & set(sets[1]) and not set(sets[1]) & set(sets[2])
    with pytest.raises(ValueError, match="would need seed 2147483655"):
        power.disjoint_sets(list(range(2147483640, 2147483648)), 2)


def _results(example_id, impl, values, start=0):
    return [{"ok": True, "job": {"example": example_id, "impl": impl, "seed": start + i},
             "result": {"impl": impl, "value": v, "steps": 10, "seconds": 1.0, "metric": "m",
                        "loss_history": [[0, 2.0 + i], [5, 1.0 + i]], "extras": {}}}
            for i, v in enumerate(values)]


def test_verdict_from_per_seed_results():
    example = registry.get("mnist_dynamic_rnn")
    margin = margins.margin(example.id).value
    legacy = [0.940, 0.945, 0.950, 0.942, 0.948]
    close = [0.938, 0.944, 0.951, 0.940, 0.946]
    far = [v - 2 * margin for v in close]  # a bug that costs two margins of accuracy
    runs, errors = seeds.aggregate(_results(example.id, "legacy", legacy)
                                   + _results(example.id, "port", close), example)
    assert not errors
    assert runs["legacy"]["summary"] == stats.summary(legacy)
    assert [s["value"] for s in runs["port"]["per_seed"]] == close
    assert runs["legacy"]["loss_history"] == [[0, 4.0], [5, 3.0]]  # the mean over the 5 seeds
    assert runs["legacy"]["loss_band"] == [[0, 2.0, 6.0], [5, 1.0, 5.0]]
    check = seeds.equivalence_check(example, runs)
    expected = stats.equivalence(close, legacy, margin)
    assert check["test"] == seeds.EQUIVALENCE_TEST
    assert check["ci"] == pytest.approx(expected["ci"]) and check["ok"] is expected["equivalent"]
    assert check["ok"] is True
    runs, _ = seeds.aggregate(_results(example.id, "legacy", legacy)
                              + _results(example.id, "port", far), example)
    bad = seeds.equivalence_check(example, runs)
    assert bad["ok"] is False
    line = seeds.failure_lines([{"example": example.id, "metric": example.metric,
                                 "parity": bad, "errors": {}}])
    assert len(line) == 1 and "not shown equivalent over 5+5 seeds" in line[0]


def test_one_seed_keeps_the_single_seed_check_and_says_so():
    example = registry.get("series_predictor")
    runs, _ = seeds.aggregate(_results(example.id, "legacy", [0.2])
                              + _results(example.id, "port", [0.3]), example)
    check = seeds.equivalence_check(example, runs)
    assert check["test"] == seeds.SINGLE_SEED_TEST
    assert check["delta"] == pytest.approx(0.1) and check["ok"] is True


def test_one_side_over_seeds_is_no_test_and_shows_no_margin():
    example = registry.get("series_predictor")
    runs, _ = seeds.aggregate(_results(example.id, "legacy", [0.2, 0.4]), example)
    check = seeds.equivalence_check(example, runs)
    assert check["test"] == seeds.NO_PAIR and check["ok"] is None
    payload = {"example": example.id, "metric": example.metric, "unit": example.unit,
               "runs": list(runs.values()), "parity": check}
    (row,) = seeds.rows([payload])
    assert row[seeds.HEADER.index("margin")] == "" and row[seeds.HEADER.index("verdict")] == ""
    assert row[seeds.HEADER.index("seeds")] == "2"


def test_the_report_names_no_margin_for_one_side_and_the_margin_for_a_pair(tmp_path):
    import re

    from parity import report

    example = registry.get("series_predictor")
    legacy = _results(example.id, "legacy", [0.2, 0.4])
    for name, results in (("one", legacy), ("pair", legacy + _results(example.id, "port", [0.25, 0.35]))):
        seeds.assemble(example, results, {}, tmp_path / name, [0, 1])
        index, _ = report.build_from_folder(tmp_path / name)
        said = re.findall(r"<p class='small'>((?:none|equivalence|single)[^<]*)", index.read_text())
        assert len(said) == 1, said
        if name == "one":
            assert said[0] == seeds.NO_PAIR  # no margin for a comparison that was not made
        else:
            from parity import margins

            margin = margins.margin(example.id).value
            assert said[0].startswith(f"{seeds.EQUIVALENCE_TEST}, margin {margin:g}: "), said


def test_proposed_margin():
    assert margins.propose(3.0, 4.0) == pytest.approx(margins.K_SIGMA * 5.0)


def test_zero_spread_keeps_the_floor():
    assert margins.propose(0.0, 0.0, floor=0.03) == 0.03
    assert margins.propose(3.0, 4.0, floor=0.03) == pytest.approx(margins.K_SIGMA * 5.0)


def test_false_alarm_rate_falls_with_seeds_and_rises_with_a_real_difference():
    """The simulated gate: two equal sides with the series example's spreads are shown
    equivalent more often with more seeds; sides a whole margin apart almost never."""
    few = margins.false_alarm_rate(0.0, 0.09, 0.22, 0.59, 3)
    many = margins.false_alarm_rate(0.0, 0.09, 0.22, 0.59, 10)
    assert 0.0 <= many < few <= 1.0
    assert margins.false_alarm_rate(0.59, 0.09, 0.22, 0.59, 10) > 0.9
    # the same arguments give the same rate (fixed simulation seed)
    assert margins.false_alarm_rate(0.1, 0.09, 0.22, 0.59, 4) == \
        margins.false_alarm_rate(0.1, 0.09, 0.22, 0.59, 4)
    n = margins.recommended_seeds(0.15, 0.088, 0.219, 0.59)
    assert n is not None and margins.false_alarm_rate(0.15, 0.088, 0.219, 0.59, n) <= 0.05
    assert margins.false_alarm_rate(0.15, 0.088, 0.219, 0.59, n - 1) > 0.05
    assert margins.recommended_seeds(0.5, 0.3, 0.3, 0.59) is None  # 30 seeds are not enough


def test_too_few_seeds_for_the_calibration_says_so():
    example = registry.get("series_predictor")
    need = margins.margin(example.id).seeds
    assert need and need > 2
    runs, _ = seeds.aggregate(_results(example.id, "legacy", [0.2, 0.7])
                              + _results(example.id, "port", [0.25, 0.8]), example)
    check = seeds.equivalence_check(example, runs)
    assert f"--seeds {need}" in check["seeds_note"]
    enough = [0.2 + 0.01 * i for i in range(need)]
    runs, _ = seeds.aggregate(_results(example.id, "legacy", enough)
                              + _results(example.id, "port", enough), example)
    assert "seeds_note" not in seeds.equivalence_check(example, runs)


def test_calibrated_margins_are_the_stored_calibration_runs():
    """Each calibrated margin and seed count is what its checked-in `parity calibrate` run
    (benchmarks/results/calibration-ID.json) proposes, and it names that run's budget."""
    root = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
    assert set(margins.CALIBRATED) >= {"series_predictor", "mnist_dynamic_rnn", "mnist_static_rnn",
                                        "airline_passengers", "binary_addition_lstm"}
    for example_id, m in margins.CALIBRATED.items():
        run = json.loads((root / f"calibration-{example_id}.json").read_text())
        assert m.value == pytest.approx(run["proposed_margin"], rel=0.01), example_id
        assert m.seeds == run["recommended_seeds"], example_id
        assert f"{len(run['seeds'])} seeds per side" in m.reason, example_id
        assert f"{run['steps']:,}" in m.reason or f"{run['steps']:,}" in m.source, example_id

"""datasets.binary_addition, datasets.airline, datasets.series_toy, and the no-TensorFlow rule."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from datasets import airline, binary_addition, series_toy
from datasets.errors import DataError

# --- binary addition ---------------------------------------------------------------------


def test_lookup_table_is_unpackbits_most_significant_bit_first():
    table = binary_addition.INT2BINARY
    assert table.shape == (256, 8) and table.dtype == np.uint8
    np.testing.assert_array_equal(table[5], [0, 0, 0, 0, 0, 1, 0, 1])
    np.testing.assert_array_equal(table[128], [1, 0, 0, 0, 0, 0, 0, 0])
    powers = 1 << np.arange(7, -1, -1)
    np.testing.assert_array_equal(table.astype(int) @ powers, np.arange(256))


def test_int_to_bits_is_lowest_bit_first_and_bits_to_int_inverts_it():
    np.testing.assert_array_equal(binary_addition.int_to_bits([6])[0], [0, 1, 1, 0, 0, 0, 0, 0])
    numbers = np.arange(256)
    bits = binary_addition.int_to_bits(numbers)
    assert bits.shape == (256, 8) and bits.dtype == np.uint8
    np.testing.assert_array_equal(binary_addition.bits_to_int(bits), numbers)


def test_bits_to_int_rounds_network_outputs():
    outputs = np.array([[0.9, 0.2, 0.7, 0.49, 0.51, 0.0, 0.0, 0.1]], dtype=np.float32)
    assert binary_addition.bits_to_int(outputs).tolist() == [1 + 4 + 16]


def test_int_to_bits_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 256\)"):
        binary_addition.int_to_bits([256])


def test_evaluation_set_has_all_16384_pairs_and_true_sums():
    x, y, a, b = binary_addition.evaluation_set()
    assert x.shape == (16384, 8, 2) and x.dtype == np.float32
    assert y.shape == (16384, 8) and y.dtype == np.float32
    assert a.shape == b.shape == (16384,)
    # every pair (a, b) in [0, 128)^2 exactly once
    assert len(set(zip(a.tolist(), b.tolist(), strict=True))) == 16384
    assert a.min() == b.min() == 0 and a.max() == b.max() == 127
    # inputs encode a and b, targets are the true sums
    np.testing.assert_array_equal(binary_addition.bits_to_int(x[:, :, 0]), a)
    np.testing.assert_array_equal(binary_addition.bits_to_int(x[:, :, 1]), b)
    np.testing.assert_array_equal(binary_addition.bits_to_int(y), a + b)


def test_generate_batch_draws_like_the_article_and_is_reproducible():
    x, y = binary_addition.generate_batch(64, np.random.RandomState(7))
    assert x.shape == (64, 8, 2) and y.shape == (64, 8)
    assert x.dtype == y.dtype == np.float32
    a = binary_addition.bits_to_int(x[:, :, 0])
    b = binary_addition.bits_to_int(x[:, :, 1])
    # a, b ~ randint(largest_number / 2), drawn from the given RandomState
    reference = np.random.RandomState(7)
    np.testing.assert_array_equal(a, reference.randint(128, size=64))
    np.testing.assert_array_equal(b, reference.randint(128, size=64))
    np.testing.assert_array_equal(binary_addition.bits_to_int(y), a + b)
    x2, y2 = binary_addition.generate_batch(64, np.random.RandomState(7))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = binary_addition.generate_batch(64, np.random.RandomState(8))
    assert not np.array_equal(x, x3)


def test_generate_batch_needs_a_random_state():
    with pytest.raises(TypeError, match="RandomState"):
        binary_addition.generate_batch(4, np.random.default_rng(0))


# --- airline -----------------------------------------------------------------------------


def test_passenger_series_matches_the_published_facts():
    series = airline.load_passengers()
    assert series.shape == (144,) and series.dtype == np.float64
    assert series.sum() == 40363
    assert series[:132].sum() == 34649 and series[-12:].sum() == 5714
    assert series[0] == 112 and series[-1] == 432


def test_prepare_splits_scales_on_train_only_and_windows():
    data = airline.prepare()
    assert data.train.shape == (132,) and data.test.shape == (12,)
    assert data.train.sum() == 34649 and data.test.sum() == 5714
    np.testing.assert_array_equal(np.concatenate([data.train, data.test]), data.series)
    # fitted on the training part only: train maps onto exactly [-1, 1], the 1960 peak lies above
    assert data.scaler.data_min_ == data.train.min() and data.scaler.data_max_ == data.train.max()
    assert data.train_scaled.min() == -1.0 and data.train_scaled.max() == 1.0
    assert data.scaler.transform(data.test).max() > 1.0
    assert data.x.shape == (120, 12, 1) and data.y.shape == (120, 1)
    assert data.x.dtype == data.y.dtype == np.float32
    for i in (0, 57, 119):
        np.testing.assert_array_equal(
            data.x[i, :, 0], data.train_scaled[i : i + 12].astype(np.float32)
        )
        assert data.y[i, 0] == np.float32(data.train_scaled[i + 12])


def test_scaler_round_trips_exactly():
    data = airline.prepare()
    np.testing.assert_allclose(
        data.scaler.inverse_transform(data.train_scaled), data.train, rtol=1e-12, atol=0
    )
    series_scaled = data.scaler.transform(data.series)
    restored = data.scaler.inverse_transform(series_scaled)
    np.testing.assert_allclose(restored, data.series, rtol=1e-12, atol=0)
    assert restored[:132].sum() == pytest.approx(34649, rel=1e-12)
    assert restored[-12:].sum() == pytest.approx(5714, rel=1e-12)
    assert restored.sum() == pytest.approx(40363, rel=1e-12)


def test_scaler_other_range_and_unfitted():
    scaler = airline.MinMaxScaler(feature_range=(0, 1))
    with pytest.raises(RuntimeError, match="not fitted"):
        scaler.transform([1.0])
    out = scaler.fit_transform(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


def _write_csv(path, body):
    path.write_text("year,month,passengers\n" + body, encoding="utf-8")
    return path


def test_non_numeric_cell_names_file_line_and_cell(tmp_path):
    path = _write_csv(tmp_path / "bad.csv", "1949,Jan,112\n1949,Feb,11x8\n")
    with pytest.raises(DataError) as info:
        airline.load_passengers(path)
    message = str(info.value)
    assert str(path) in message and "line 3" in message and "'11x8'" in message
    assert "passengers" in message


def test_bad_year_and_month_cells(tmp_path):
    with pytest.raises(DataError, match=r"line 2: year cell 'l949'"):
        airline.load_passengers(_write_csv(tmp_path / "y.csv", "l949,Jan,112\n"))
    with pytest.raises(DataError, match=r"line 2: month cell 'Jnu'"):
        airline.load_passengers(_write_csv(tmp_path / "m.csv", "1949,Jnu,112\n"))


def test_missing_file_and_bad_header(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataError, match="file not found") as info:
        airline.load_passengers(missing)
    assert str(missing) in str(info.value)
    bad = tmp_path / "header.csv"
    bad.write_text("year,passengers\n1949,112\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1: header"):
        airline.load_passengers(bad)


def test_numeric_months_accepted(tmp_path):
    path = _write_csv(tmp_path / "num.csv", "1949,1,112\n1949,2,118\n")
    np.testing.assert_array_equal(airline.load_passengers(path), [112.0, 118.0])


# --- series toy --------------------------------------------------------------------------


def test_series_toy_targets_are_x_t_plus_x_t_minus_1():
    for x, y, n in (
        (series_toy.TRAIN_X, series_toy.TRAIN_Y, 3),
        (series_toy.TEST_X, series_toy.TEST_Y, 2),
    ):
        assert x.shape == (n, 4, 1) and y.shape == (n, 4)
        assert x.dtype == y.dtype == np.float32
        seq = x[:, :, 0]
        previous = np.concatenate([np.zeros((n, 1), np.float32), seq[:, :-1]], axis=1)
        np.testing.assert_array_equal(y, seq + previous)
    np.testing.assert_array_equal(series_toy.TEST_Y, [[1, 3, 5, 7], [4, 9, 11, 13]])


# --- no TensorFlow -----------------------------------------------------------------------


def test_datasets_package_never_imports_tensorflow():
    code = (
        "import sys\n"
        "import datasets, datasets.errors, datasets.mnist, datasets.airline\n"
        "import datasets.binary_addition, datasets.series_toy\n"
        "datasets.mnist.read_data_sets(); datasets.airline.prepare(); datasets.binary_addition.evaluation_set()\n"
        "bad = [m for m in ('tensorflow', 'keras', 'tf_keras', 'torch') if m in sys.modules]\n"
        "print('IMPORTED', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "IMPORTED []" in proc.stdout

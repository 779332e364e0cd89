"""Monthly international airline passengers, Jan 1949 - Dec 1960 (Box & Jenkins), 144 values.

``flights.csv`` (shipped) has the header ``year,month,passengers``; months are names
(``Jan``) or numbers (1-12). Facts: the 144 values sum to 40,363; the first 132 (the
training part) to 34,649; the last 12 (1960, the test part) to 5,714.

The airline example (the PyTorch forecaster of "最简单的LSTM讲解", "The simplest LSTM
explanation") holds the last 12 months out, scales the first
132 to (-1, 1) with a min-max scaler fitted on them only, and trains on every window
of 12 scaled values with the value after it as target (120 pairs).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import os
from pathlib import Path

import numpy as np

from datasets.errors import DataError

DEFAULT_PATH = Path(__file__).resolve().parent / "flights.csv"
HEADER = ("year", "month", "passengers")
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        zip(
            "jan feb mar apr may jun jul aug sep oct nov dec".split(),
            "january february march april may june july august september october november december".split(),
            strict=True,
        )
    )
    for name in names
}


def _parse_month(cell: str) -> int | None:
    text = cell.strip().lower()
    if text in _MONTHS:
        return _MONTHS[text]
    try:
        number = int(text)
    except ValueError:
        return None
    return number if 1 <= number <= 12 else None


def load_passengers(path: str | os.PathLike | None = None) -> np.ndarray:
    """The passenger counts as float64 ``(n,)`` in file order (144 for the shipped file).

    Raises :class:`DataError` naming the file (and line and cell) for a missing file, a
    wrong header, a short row, or a cell that is not a number (a month that is not a name
    or 1-12).
    """
    path = Path(DEFAULT_PATH if path is None else path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(
            f"{path}: file not found (expected a CSV with header year,month,passengers)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the file ({exc})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise DataError(
            f"{path}: the file is empty (expected a CSV with header year,month,passengers)"
        )
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header != HEADER:
        raise DataError(
            f"{path}, line 1: header is {','.join(rows[0])!r}, expected 'year,month,passengers'"
        )
    values = []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank line
        if len(row) != 3:
            raise DataError(
                f"{path}, line {line_number}: expected 3 cells (year,month,passengers), got {len(row)}"
            )
        year, month, passengers = row
        if not year.strip().isdigit():
            raise DataError(f"{path}, line {line_number}: year cell {year!r} is not a number")
        if _parse_month(month) is None:
            raise DataError(
                f"{path}, line {line_number}: month cell {month!r} is not a month name or number 1-12"
            )
        try:
            value = float(passengers)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise DataError(
                f"{path}, line {line_number}: passengers cell {passengers!r} is not a number"
            )
        values.append(value)
    if not values:
        raise DataError(f"{path}: no data rows after the header")
    return np.asarray(values, dtype=np.float64)


class MinMaxScaler:
    """Scale to ``feature_range`` with the min and max seen by :meth:`fit` (like scikit-learn's).

    Works on 1-D arrays (one feature) or 2-D arrays (one min/max per column).
    """

    def __init__(self, feature_range: tuple[float, float] = (-1, 1)):
        low, high = feature_range
        if not low < high:
            raise ValueError(
                f"feature_range must be (low, high) with low < high, got {feature_range}"
            )
        self.feature_range = (float(low), float(high))
        self.data_min_ = self.data_max_ = self.data_range_ = self.scale_ = self.min_ = None

    def fit(self, a) -> MinMaxScaler:
        a = np.asarray(a, dtype=np.float64)
        if a.size == 0:
            raise ValueError("MinMaxScaler.fit needs at least one value")
        self.data_min_ = a.min(axis=0)
        self.data_max_ = a.max(axis=0)
        data_range = self.data_max_ - self.data_min_
        # constant data: range 1, as scikit-learn does
        self.data_range_ = np.where(data_range == 0, 1.0, data_range)
        low, high = self.feature_range
        self.scale_ = (high - low) / self.data_range_
        self.min_ = low - self.data_min_ * self.scale_
        return self

    def _check_fitted(self) -> None:
        if self.scale_ is None:
            raise RuntimeError("MinMaxScaler is not fitted yet: call fit() first")

    def transform(self, a) -> np.ndarray:
        self._check_fitted()
        low, high = self.feature_range
        # (a - min) / range first, so the fitted min and max map exactly onto low and high
        return (np.asarray(a, dtype=np.float64) - self.data_min_) / self.data_range_ * (
            high - low
        ) + low

    def inverse_transform(self, a) -> np.ndarray:
        self._check_fitted()
        low, high = self.feature_range
        return (np.asarray(a, dtype=np.float64) - low) / (
            high - low
        ) * self.data_range_ + self.data_min_

    def fit_transform(self, a) -> np.ndarray:
        return self.fit(a).transform(a)


@dataclasses.dataclass(frozen=True)
class AirlineData:
    series: np.ndarray  # (144,) float64, passengers
    train: np.ndarray  # (132,) float64
    test: np.ndarray  # (12,) float64, the held-out last months
    scaler: MinMaxScaler  # fitted on train only
    train_scaled: np.ndarray  # (132,) float64 in [-1, 1]
    x: np.ndarray  # (120, window, 1) float32
    y: np.ndarray  # (120, 1) float32


def make_windows(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ``window`` consecutive values and the value after it: ``x [n, window, 1]``, ``y [n, 1]``."""
    values = np.asarray(values)
    n = len(values) - window
    if n < 1:
        raise ValueError(
            f"need more than window={window} values to make a training pair, got {len(values)}"
        )
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]
    x = values[idx][..., None].astype(np.float32)
    y = values[window:][:, None].astype(np.float32)
    return x, y


def prepare(
    window: int = 12, test_months: int = 12, path: str | os.PathLike | None = None
) -> AirlineData:
    """Split, scale (fitted on the training part only) and window the series."""
    window, test_months = int(window), int(test_months)
    if window < 1 or test_months < 1:
        raise ValueError(f"window and test_months must be positive, got {window} and {test_months}")
    series = load_passengers(path)
    if len(series) <= test_months + window:
        raise DataError(
            f"{path or DEFAULT_PATH}: {len(series)} values are too few for test_months={test_months} "
            f"and window={window}"
        )
    train, test = series[:-test_months], series[-test_months:]
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(train)
    train_scaled = scaler.transform(train)
    x, y = make_windows(train_scaled, window)
    return AirlineData(series, train, test, scaler, train_scaled, x, y)

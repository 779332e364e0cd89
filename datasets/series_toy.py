"""The toy sequence data of the series-predictor example (the ``SeriesPredictor`` of Nishant
Shukla's Machine Learning with TensorFlow RNN chapter).

Each target is the running sum of two neighbours, ``y_t = x_t + x_{t-1}`` (with
``x_{-1} = 0``); the test sequences' expected outputs are ``TEST_Y``.
"""

from __future__ import annotations

import numpy as np

TRAIN_X = np.array(
    [[[1], [2], [5], [6]], [[5], [7], [7], [8]], [[3], [4], [5], [7]]], dtype=np.float32
)
TRAIN_Y = np.array([[1, 3, 7, 11], [5, 12, 14, 15], [3, 7, 9, 12]], dtype=np.float32)
TEST_X = np.array([[[1], [2], [3], [4]], [[4], [5], [6], [7]]], dtype=np.float32)
TEST_Y = np.array([[1, 3, 5, 7], [4, 9, 11, 13]], dtype=np.float32)

for _array in (TRAIN_X, TRAIN_Y, TEST_X, TEST_Y):
    _array.setflags(write=False)
del _array

"""Pass-through: the example module still holds its harness contract."""

from eager_port.series_predictor import *  # noqa: F403

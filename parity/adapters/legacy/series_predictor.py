"""Pass-through: the example module still holds its harness contract."""

from legacy_graph.series_predictor import *  # noqa: F403

"""Pass-through: the example module still holds its harness contract."""

from legacy_graph.stacked_lstm import *  # noqa: F403

"""Pass-through: the example module still holds its harness contract."""

from legacy_graph.binary_addition_lstm import *  # noqa: F403

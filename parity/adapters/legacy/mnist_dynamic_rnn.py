"""Pass-through: the example module still holds its harness contract."""

from legacy_graph.mnist_dynamic_rnn import *  # noqa: F403

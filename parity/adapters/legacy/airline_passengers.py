"""Pass-through: the example module still holds its harness contract."""

from legacy_graph.airline_passengers import *  # noqa: F403

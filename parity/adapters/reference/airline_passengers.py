"""Pass-through: the example module still holds its harness contract."""

from reference_programs.airline_passengers import *  # noqa: F403

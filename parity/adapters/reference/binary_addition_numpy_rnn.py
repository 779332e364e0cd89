"""Pass-through: the example module still holds its harness contract."""

from reference_programs.binary_addition_numpy_rnn import *  # noqa: F403

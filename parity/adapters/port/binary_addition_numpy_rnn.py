"""Pass-through: the example module still holds its harness contract."""

from eager_port.binary_addition_numpy_rnn import *  # noqa: F403

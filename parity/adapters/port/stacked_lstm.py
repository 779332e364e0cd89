"""Pass-through: the example module still holds its harness contract."""

from eager_port.stacked_lstm import *  # noqa: F403

"""Pass-through: the example module still holds its harness contract."""

from eager_port.mnist_dynamic_rnn import *  # noqa: F403

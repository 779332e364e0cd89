"""Pass-through: the example module still holds its harness contract."""

from eager_port.airline_passengers import *  # noqa: F403

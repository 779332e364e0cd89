"""The examples' hyperparameters under their former name: see :mod:`hyperparams`."""

from hyperparams import *  # noqa: F403
from hyperparams import MAX_SEED  # noqa: F401

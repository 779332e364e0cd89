"""The one error the data loaders raise for bad data or bad data arguments."""

from __future__ import annotations


class DataError(ValueError):
    """A data file is missing, corrupt or malformed, or a data argument is out of range.

    The message names the file (where there is one) and the problem in one line, so a
    command-line tool can print it as is. It subclasses :class:`ValueError`, so code that
    catches ``ValueError`` for bad arguments (as TF1's ``read_data_sets`` raised) still works.
    """

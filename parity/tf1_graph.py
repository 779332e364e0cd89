"""Moved: this module is now :mod:`tf1_migrate.tf1_graph`, part of the migration engine
(``tf1_migrate``, usable without the parity harness). The old name keeps working: it
is the same module object, so attributes set on one are seen through the other.
"""

import sys
import warnings

from tf1_migrate import tf1_graph as _moved

warnings.warn("parity.tf1_graph is now tf1_migrate.tf1_graph", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

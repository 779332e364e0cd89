"""Moved: this module is now :mod:`tf1_migrate.testing`, part of the migration engine
(``tf1_migrate``, usable without the parity harness). The old name keeps working: it
is the same module object, so attributes set on one are seen through the other.
"""

import sys
import warnings

from tf1_migrate import testing as _moved

warnings.warn("parity.testing is now tf1_migrate.testing", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

"""Moved: this module is now :mod:`tf1_migrate.migration_map`, part of the migration engine
(``tf1_migrate``, usable without the parity harness). The old name keeps working: it
is the same module object, so attributes set on one are seen through the other.
"""

import sys
import warnings

from tf1_migrate import migration_map as _moved

warnings.warn("parity.migration_map is now tf1_migrate.migration_map", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved

if __name__ == "__main__":  # python -m parity.migration_map --write, as before
    import runpy

    runpy.run_module("tf1_migrate.migration_map", run_name="__main__")

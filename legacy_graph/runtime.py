"""Former home of the TF1 runtime, kept so that old imports work: see :mod:`tf1_compat.runtime`.

The weight and checkpoint helpers that lived here (``variables_to_numpy``,
``trainable_weights``, ``load_trainable``, ``save_checkpoint``) serve the parity harness
only and are now in ``parity.tf1_weights``.
"""

import warnings

from tf1_compat.runtime import *  # noqa: F403
from tf1_compat.runtime import (  # noqa: F401
              LegacyKerasError,
              ensure_legacy_keras,
              graph_session,
              progress_bar,
              set_seed,
              tf1,
)

warnings.warn("legacy_graph.runtime is now tf1_compat.runtime (weights and checkpoints: "
              "parity.tf1_weights)", DeprecationWarning, stacklevel=2)

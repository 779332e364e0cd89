"""The TF1 -> Keras 3 migration engine: ``parity migrate``'s script analysis
(:mod:`~tf1_migrate.migrate`, :mod:`~tf1_migrate.migration_map`), ``legacy-run --capture``
(:mod:`~tf1_migrate.capture`), the TF1 RNN description and its readers
(:mod:`~tf1_migrate.tf1_rnn`, :mod:`~tf1_migrate.tf1_graph`), the converter and Keras builders
(:mod:`~tf1_migrate.convert`, :mod:`~tf1_migrate.keras_rnn`),
the weight helpers (:mod:`~tf1_migrate.transplant`, :mod:`~tf1_migrate.keras_weights`), the
port writer (:mod:`~tf1_migrate.write_port`; a graph with no RNN cell written out op for op by
:mod:`~tf1_migrate.keras_graph`) and the parity assertions (:mod:`~tf1_migrate.testing`,
:mod:`~tf1_migrate.graph_testing`).

It needs only TensorFlow, Keras 3 and :mod:`tf1_compat` (the TF1 runtime), not the parity
harness. Importing it sets ``TF_USE_LEGACY_KERAS=1`` (unless TensorFlow is already loaded),
so that TF1's cells (for the reference graphs) and Keras 3 can share one process.
"""

import os as _os
import sys as _sys

if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

"""Idiomatic Keras 3 ports of the legacy examples (``import keras``, never ``tf.keras``).

On Keras's PyTorch backend the ports run PyTorch with one OpenMP thread unless
``OMP_NUM_THREADS`` says otherwise, as the parity harness does: ``keras.utils.set_random_seed``
imports TensorFlow too when it is installed, and beside TensorFlow's thread pools PyTorch's
spinning OpenMP threads made these small models' steps about ten times slower on a 2-core
machine (measured: 151 ms against 15 ms per step for ``series_predictor``).
"""

import os as _os

if _os.environ.get("KERAS_BACKEND") == "torch" and "OMP_NUM_THREADS" not in _os.environ:
    _os.environ["OMP_NUM_THREADS"] = "1"  # before torch is imported (keras imports it)
    import sys as _sys

    if "torch" in _sys.modules:  # imported already: set its pool directly
        _sys.modules["torch"].set_num_threads(1)

"""Idiomatic Keras 3 ports of the legacy examples (``import keras``, never ``tf.keras``)."""

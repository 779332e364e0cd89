"""Keras 3 layers of our own that the converted models need, registered with
``keras.saving.register_keras_serializable`` (package ``tf1_migrate``): a ``.keras`` file
that uses one loads after ``import tf1_migrate.keras_layers`` (or with
``custom_objects=tf1_migrate.keras_layers.CUSTOM_OBJECTS``).

- :class:`LengthMask`: TF1's ``sequence_length`` as a Keras mask: ``[sequences, lengths]``
  -> ``[batch, time]`` booleans, true for the steps before each length. Keras RNN layers
  given this mask freeze their state past each length and (``zero_output_for_mask=True``)
  output zeros there, as ``dynamic_rnn``/``static_rnn`` do.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="tf1_migrate")
class LengthMask(keras.layers.Layer):
    """``[sequences, lengths]`` -> the ``[batch, time]`` mask ``step < length``."""

    def call(self, inputs):
        sequences, lengths = inputs
        steps = keras.ops.shape(sequences)[1]
        positions = keras.ops.expand_dims(keras.ops.arange(steps, dtype="int32"), 0)
        return keras.ops.less(positions, keras.ops.expand_dims(keras.ops.cast(lengths, "int32"), 1))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:2])

    def compute_output_spec(self, inputs):
        sequences = inputs[0]
        return keras.KerasTensor(tuple(sequences.shape[:2]), dtype="bool")


CUSTOM_OBJECTS = {"LengthMask": LengthMask}

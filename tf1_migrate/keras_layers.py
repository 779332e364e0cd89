"""Keras 3 layers of our own that the converted models need, registered with
``keras.saving.register_keras_serializable`` (package ``tf1_migrate``): a ``.keras`` file
that uses one loads after ``import tf1_migrate.keras_layers`` (or with
``custom_objects=tf1_migrate.keras_layers.CUSTOM_OBJECTS``).

- :class:`LengthMask`: TF1's ``sequence_length`` as a Keras mask: ``[sequences, lengths]``
  -> ``[batch, time]`` booleans, true for the steps before each length. Keras RNN layers
  given this mask freeze their state past each length and (``zero_output_for_mask=True``)
  output zeros there, as ``dynamic_rnn``/``static_rnn`` do.
- :class:`TF1LSTMCell` (and its named forms :class:`PeepholeLSTMCell`,
  :class:`ProjectionLSTMCell`): TF1's ``LSTMCell`` with peepholes, ``num_proj`` and clipping.
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


@keras.saving.register_keras_serializable(package="tf1_migrate")
class TF1LSTMCell(keras.layers.Layer):
    """TF1's ``LSTMCell`` with what Keras 3's ``LSTMCell`` lacks: peepholes
    (``use_peepholes``: ``w_i_diag``, ``w_f_diag``, ``w_o_diag``), an output projection
    (``num_proj``: ``projection`` [units, num_proj]; the output and ``h`` are projected),
    ``cell_clip`` and ``proj_clip``. Weights in Keras's layout and gate order (i, f, c, o),
    the forget bias folded into ``bias``, as :func:`tf1_migrate.tf1_rnn.cell_to_keras` gives
    them. Run it in ``keras.layers.RNN``; states ``[h, c]`` (``h`` of size ``num_proj``).
    """

    def __init__(self, units, num_proj=None, use_peepholes=False, cell_clip=None, proj_clip=None,
                 activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.num_proj = int(num_proj) if num_proj else None
        self.use_peepholes = bool(use_peepholes)
        self.cell_clip = cell_clip
        self.proj_clip = proj_clip
        self.activation = keras.activations.get(activation)
        self.output_size = self.num_proj or self.units
        self.state_size = [self.output_size, self.units]

    def build(self, input_shape):
        n, u, p = int(input_shape[-1]), self.units, self.output_size
        self.kernel = self.add_weight(shape=(n, 4 * u), name="kernel", initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(shape=(p, 4 * u), name="recurrent_kernel",
                                                initializer="orthogonal")
        self.bias = self.add_weight(shape=(4 * u,), name="bias", initializer="zeros")
        if self.use_peepholes:
            for role in ("w_i_diag", "w_f_diag", "w_o_diag"):
                setattr(self, role, self.add_weight(shape=(u,), name=role, initializer="zeros"))
        if self.num_proj:
            self.projection = self.add_weight(shape=(u, p), name="projection", initializer="glorot_uniform")
        self.built = True

    def call(self, inputs, states, training=False):
        ops = keras.ops
        h, c = states[0], states[1]
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, f, g, o = ops.split(z, 4, axis=-1)
        if self.use_peepholes:
            i = i + self.w_i_diag * c
            f = f + self.w_f_diag * c
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * self.activation(g)
        if self.cell_clip is not None:
            c = ops.clip(c, -self.cell_clip, self.cell_clip)
        if self.use_peepholes:
            o = o + self.w_o_diag * c
        m = ops.sigmoid(o) * self.activation(c)
        if self.num_proj:
            m = ops.matmul(m, self.projection)
            if self.proj_clip is not None:
                m = ops.clip(m, -self.proj_clip, self.proj_clip)
        return m, [m, c]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "num_proj": self.num_proj,
                "use_peepholes": self.use_peepholes, "cell_clip": self.cell_clip,
                "proj_clip": self.proj_clip,
                "activation": keras.activations.serialize(self.activation)}


@keras.saving.register_keras_serializable(package="tf1_migrate")
class PeepholeLSTMCell(TF1LSTMCell):
    """TF1's ``LSTMCell(use_peepholes=True)`` (see :class:`TF1LSTMCell`)."""

    def __init__(self, units, use_peepholes=True, **kwargs):
        super().__init__(units, use_peepholes=use_peepholes, **kwargs)


@keras.saving.register_keras_serializable(package="tf1_migrate")
class ProjectionLSTMCell(TF1LSTMCell):
    """TF1's ``LSTMCell(num_proj=...)`` (see :class:`TF1LSTMCell`)."""

    def __init__(self, units, num_proj, **kwargs):
        super().__init__(units, num_proj=num_proj, **kwargs)


CUSTOM_OBJECTS.update({"TF1LSTMCell": TF1LSTMCell, "PeepholeLSTMCell": PeepholeLSTMCell,
                       "ProjectionLSTMCell": ProjectionLSTMCell})

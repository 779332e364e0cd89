"""The Keras 3 model of an RNN description, written out as readable ``keras.layers`` code.

The same model as :func:`tf1_migrate.keras_rnn.build_model` (the layers in the same order,
with the same names, so that :func:`tf1_migrate.keras_rnn.fill` puts the converted TF1
weights into it), as the text of a function ``build_model()`` that needs only ``keras``:
``parity migrate --write`` puts it into the port it writes.
"""

from __future__ import annotations

from tf1_migrate import keras_rnn, tf1_rnn


class NotWritable(ValueError):
    """The description holds something the code writer does not write (one line: why)."""


def _length_mask_source() -> str:
    """The source of :class:`tf1_migrate.keras_layers.LengthMask`, written into the port as
    it is (the port needs only ``keras``; the class stays one piece of code)."""
    import inspect

    from tf1_migrate import keras_layers

    return "\n\n" + inspect.getsource(keras_layers.LengthMask)


_INITS: dict = {}  # the recorded TF1 initializers of the model being written


def _tf1_kernel_init(cell) -> list:
    """TF1 draws a cell's joint kernel [input + units, gates * units] with glorot_uniform: the
    same uniform limit for Keras's input and recurrent kernels draws them as TF1 does."""
    var = cell.variables.get("kernel")
    spec = _INITS.get(var) or {}
    if cell.kind not in ("lstm", "rnn"):
        return []
    gates = 4 if cell.kind == "lstm" else 1
    limit = (6.0 / (cell.input_size + cell.units + gates * cell.units)) ** 0.5
    if spec.get("kind") == "uniform" and abs(spec["max"] - limit) < 1e-6 * limit + 1e-9 and \
            abs(spec["min"] + limit) < 1e-6 * limit + 1e-9:
        spec = {"kind": "glorot_uniform"}
    if spec.get("kind") != "glorot_uniform":
        return []
    init = f"keras.initializers.RandomUniform(minval={-limit:.6g}, maxval={limit:.6g})"
    return [f"kernel_initializer={init}", f"recurrent_initializer={init}"]


def _cell_args(cell) -> str:
    act = cell.activation or keras_rnn.TF1_DEFAULT_ACTIVATION
    parts = [str(cell.units)] + _tf1_kernel_init(cell)
    if act != "tanh":
        parts.append(f"activation={act!r}")
    if not cell.use_bias:
        parts.append("use_bias=False")
    if cell.kind == "gru":
        parts.append("reset_after=False")  # TF1's GRUCell: the reset gate before the matmul
    return ", ".join(parts)


def _check(cell) -> None:
    if tf1_rnn.needs_own_cell(cell):
        raise NotWritable(f"a {cell.tf1_class or cell.kind} with peepholes, a projection or "
                          f"clipping has no built-in Keras 3 layer (parity convert --emit-model "
                          f"writes it with tf1_migrate.keras_layers.TF1LSTMCell)")
    if cell.residual:
        raise NotWritable("a ResidualWrapper has no Keras 3 layer here")


_LAYER = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}
_CELL = {"lstm": "LSTMCell", "gru": "GRUCell", "rnn": "SimpleRNNCell"}


def _layer(cells, sequences: bool, name: str, go_backwards=False, more: str = "") -> str:
    for c in cells:
        _check(c)
    tail = f"return_sequences={sequences}"
    if go_backwards:
        tail += ", go_backwards=True"
    tail += more + f", name={name!r}"
    if len(cells) > 1:
        inner = ", ".join(f"keras.layers.{_CELL[c.kind]}({_cell_args(c)}, name='{name}_cell_{k}')"
                          for k, c in enumerate(cells))
        return f"keras.layers.RNN([{inner}], {tail})"
    c = cells[0]
    return f"keras.layers.{_LAYER[c.kind]}({_cell_args(c)}, {tail})"


def initializer_code(spec: dict | None) -> str | None:
    """The Keras 3 initializer of a recorded TF1 initializer (None: Keras's default will do)."""
    if not spec:
        return None
    kind = spec["kind"]
    if kind == "normal":
        return f"keras.initializers.RandomNormal(mean={spec['mean']:.7g}, stddev={spec['stddev']:.7g})"
    if kind == "truncated_normal":
        return f"keras.initializers.TruncatedNormal(mean={spec['mean']:.7g}, stddev={spec['stddev']:.7g})"
    if kind == "uniform":
        return f"keras.initializers.RandomUniform(minval={spec['min']:.7g}, maxval={spec['max']:.7g})"
    if kind == "constant":
        return f"keras.initializers.Constant({spec['value']:.7g})"
    return None  # glorot_uniform: Keras's Dense default too


def model_code(model, initializers: dict | None = None) -> tuple[str, list]:
    """``(the text of build_model() and what it needs before it, notes)``."""
    notes = []
    _INITS.clear()
    _INITS.update(initializers or {})
    lines = ["def build_model():",
             '    """The Keras 3 model of the captured TF1 graph:']
    lines += [f"    {line.strip()}" for line in tf1_rnn.describe(model).splitlines()]
    lines += ['    """']
    w = lines.append
    head = model.head
    final_sequence = head is None or head.input == "sequence"
    w(f"    inputs = keras.Input(shape=({model.timesteps}, {model.input_size}), "
      f"dtype={model.dtype!r}, name='inputs')")
    all_inputs, state_outputs = ["inputs"], []
    pre = ""
    if model.state_inputs and (len(model.blocks) != 1 or model.blocks[0].bidirectional):
        raise NotWritable("a carried state with several blocks or directions")
    if model.lengths and len(model.blocks) != 1:
        raise NotWritable("sequence lengths with several blocks")
    if model.time_major:
        notes.append("the TF1 graph is time-major: the Keras model takes [batch, time, features]")
    mask = None
    if model.lengths:
        pre = _length_mask_source()
        w("    lengths = keras.Input(shape=(), dtype='int32', name='lengths')")
        w("    # TF1's sequence_length: outputs are zero past each length and the state stops there")
        w("    mask = LengthMask(name='length_mask')([inputs, lengths])")
        all_inputs.append("lengths")
        mask = "mask"
    w("    x = inputs")
    for b, block in enumerate(model.blocks):
        last_block = b == len(model.blocks) - 1
        tag = f"_{b}" if len(model.blocks) > 1 else ""
        if block.bidirectional:
            sequences = not last_block or final_sequence or head.input == "last"
            # with TF1's sequence_length: each direction runs on the valid steps only (the
            # backward one from each sequence's last valid step), zeros past the length
            more = f", zero_output_for_mask={sequences}" if mask is not None else ""
            fw = _layer(block.fw, sequences, f"forward{tag}", more=more)
            bw = _layer(block.bw, sequences, f"backward{tag}", go_backwards=True, more=more)
            w("    x = keras.layers.Bidirectional(")
            w(f"        {fw},")
            w(f"        backward_layer={bw},")
            w(f"        merge_mode={block.merge!r}, name='bidirectional{tag}')"
              f"(x{', mask=mask' if mask is not None else ''})")
            if last_block and head is not None and head.input == "last":
                w("    x = x[:, -1, :]  # TF1 outputs[-1]: the last step of both directions' sequences")
            continue
        for k, cell in enumerate(block.fw):
            top = last_block and k == len(block.fw) - 1
            kind = tf1_rnn.KERAS_LAYER[cell.kind].lower()
            suffix = f"{tag}_{k}" if len(block.fw) > 1 else tag
            sequences = not top or final_sequence
            more, call = "", ""
            if mask is not None:
                more += f", zero_output_for_mask={sequences}"
                call += ", mask=mask"
            if model.state_inputs:
                names = ("h", "c") if cell.kind == "lstm" else ("h",)
                for n in names:
                    w(f"    state_{n}_{k} = keras.Input(shape=({cell.units},), dtype={model.dtype!r}, "
                      f"name='state_{n}_{k}')")
                    all_inputs.append(f"state_{n}_{k}")
                more += ", return_state=True"
                call += ", initial_state=[" + ", ".join(f"state_{n}_{k}" for n in names) + "]"
            rate_in, rate_out = keras_rnn.dropout_rates(cell)
            if rate_in:
                w(f"    x = keras.layers.Dropout({rate_in:g}, name='dropout_in{suffix}')(x)")
            target = "x" if not model.state_inputs else "x, *states_" + str(k)
            w(f"    {target} = {_layer([cell], sequences, f'{kind}{suffix}', more=more)}(x{call})")
            if model.state_inputs:
                state_outputs.append(f"*states_{k}")
            if rate_out:
                w(f"    x = keras.layers.Dropout({rate_out:g}, name='dropout_out{suffix}')(x)")
            if cell.kind == "lstm":
                notes.append("TF1's LSTM adds forget_bias=%g at run time; Keras's LSTM starts its "
                             "forget-gate bias at 1 (unit_forget_bias) instead" % (cell.forget_bias or 1.0))
    if head is not None:
        act = f", activation={head.activation!r}" if head.activation else ""
        for arg, var in (("kernel_initializer", head.kernel), ("bias_initializer", head.bias)):
            code = initializer_code((initializers or {}).get(var))
            if code:  # TF1's initializer of the variable, as the graph drew it
                act += f",\n        {arg}={code}"
        w(f"    x = keras.layers.Dense({head.units}, use_bias={head.bias is not None}{act}, "
          f"name='head')(x)  # the dense head on the {head.input or 'last'} output")
    outs = "x" if not state_outputs else "[x, " + ", ".join(state_outputs) + "]"
    ins = all_inputs[0] if len(all_inputs) == 1 else "[" + ", ".join(all_inputs) + "]"
    w(f"    return keras.Model({ins}, {outs}, name='port')")
    return pre + "\n\n" + "\n".join(lines) + "\n", sorted(set(notes))

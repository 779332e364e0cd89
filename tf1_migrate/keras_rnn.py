"""The Keras 3 side of the weight-mapping engine: build a model from an RNN description, or
fill a user's own model layer by layer.

Backend-neutral Keras (``keras.layers``, ``keras.ops``); the arithmetic of the mapping is
in :mod:`tf1_migrate.tf1_rnn` (NumPy).

- :func:`build_model`: the Keras 3 model of a :class:`~tf1_migrate.tf1_rnn.RNNModel` (``LSTM``,
  ``GRU(reset_after=False)``, ``SimpleRNN``; ``Bidirectional`` with the TF1 merge; stacks;
  a ``Dense`` head on the last step's output, the final state or every step; TF1's
  ``sequence_length`` as a ``lengths`` input and a mask; a fed ``initial_state`` as state
  inputs and outputs). It uses built-in layers and ops, so the saved ``.keras`` file loads
  with plain ``keras.saving.load_model``; a model with a ``lengths`` input uses
  :class:`tf1_migrate.keras_layers.LengthMask` (import that module first).
- :func:`match` / :func:`fill`: pair the TF1 cells and head with the RNN cells and
  ``Dense`` layers of any Keras model, in order, check kinds and shapes, and assign.
"""

from __future__ import annotations

import numpy as np

from tf1_migrate import tf1_rnn
from tf1_migrate.tf1_rnn import Cell, RNNModel

KERAS_CELL = {"lstm": "LSTMCell", "gru": "GRUCell", "rnn": "SimpleRNNCell"}
TF1_DEFAULT_ACTIVATION = "tanh"


class FillError(ValueError):
    """The Keras model does not fit the TF1 model: ``table`` says where."""

    def __init__(self, message: str, table: str):
        super().__init__(message)
        self.table = table


# ----------------------------------------------------------------------------- build
def _activation(cell: Cell) -> str:
    return cell.activation or TF1_DEFAULT_ACTIVATION


def _own_cell(cell: Cell, name: str):
    from tf1_migrate.keras_layers import TF1LSTMCell

    return TF1LSTMCell(cell.units, num_proj=cell.num_proj, use_peepholes=cell.peepholes,
                       cell_clip=cell.cell_clip, proj_clip=cell.proj_clip,
                       activation=_activation(cell), name=name)


def _cell(cell: Cell, name: str):
    import keras

    if tf1_rnn.needs_own_cell(cell):
        return _own_cell(cell, name)
    kw = dict(activation=_activation(cell), use_bias=cell.use_bias, name=name)
    if cell.kind == "lstm":
        return keras.layers.LSTMCell(cell.units, **kw)
    if cell.kind == "gru":
        return keras.layers.GRUCell(cell.units, reset_after=False, **kw)
    return keras.layers.SimpleRNNCell(cell.units, **kw)


def _layer(cells: list, sequences: bool, name: str, go_backwards: bool = False, **more):
    """One Keras RNN layer running ``cells`` (a stack when there are several)."""
    import keras

    kw = dict(return_sequences=sequences, go_backwards=go_backwards, name=name, **more)
    if len(cells) > 1:
        return keras.layers.RNN([_cell(c, f"{name}_cell_{k}") for k, c in enumerate(cells)], **kw)
    c = cells[0]
    if tf1_rnn.needs_own_cell(c):
        return keras.layers.RNN(_own_cell(c, f"{name}_cell"), **kw)
    common = dict(activation=_activation(c), use_bias=c.use_bias, **kw)
    if c.kind == "lstm":
        return keras.layers.LSTM(c.units, **common)
    if c.kind == "gru":
        return keras.layers.GRU(c.units, reset_after=False, **common)
    return keras.layers.SimpleRNN(c.units, **common)


def dropout_rates(cell: Cell) -> tuple:
    """``(input rate, output rate)`` of a cell's DropoutWrapper that a Keras ``Dropout``
    layer reproduces: constant keep probabilities below 1 (0.0: none)."""
    drop = cell.dropout or {}

    def rate(key):
        keep = drop.get(key, 1.0)
        return 1.0 - keep if isinstance(keep, (int, float)) and keep < 1.0 else 0.0

    return rate("input_keep_prob"), rate("output_keep_prob")


def dropout_rows(model: RNNModel, emitted: bool) -> list:
    """A table row for every DropoutWrapper: what the Keras model keeps of it (a Keras
    ``Dropout`` for each constant input/output keep probability) and what it does not."""
    rows = []
    for slot, cell in model.cells():
        drop = {k: v for k, v in (cell.dropout or {}).items() if v != 1.0}
        if not drop:
            continue
        text = ", ".join(f"{k}={v}" for k, v in drop.items())
        kept, said = [], []
        for key, value in drop.items():
            if isinstance(value, (int, float)):  # a constant: TF1 drops at inference too
                said.append(f"{key}={value:g} is a constant: TF1 drops at inference too (its "
                            f"outputs are random), Keras's Dropout only in training")
            if isinstance(value, (int, float)) and key != "state_keep_prob" and emitted:
                kept.append(f"Dropout({1.0 - value:g})")
            elif isinstance(value, (int, float)):
                said.append(f"{key}: {'state dropout per step has no Keras form (recurrent_dropout keeps one mask for all steps)' if key == 'state_keep_prob' else 'add a Dropout layer'}")
            else:
                said.append(f"{key} is fed at run time ({value}; the probe fed 1.0, as at "
                            f"inference): add Dropout(1 - the training keep probability) to train")
        status = "ok" if not said else "differs: " + "; ".join(said)
        rows.append(("-", f"{slot}: DropoutWrapper({text})", ", ".join(kept) or "-", status))
    return rows


def build_model(model: RNNModel, name: str = "converted"):
    """The Keras 3 model of ``model`` (weights not set: see :func:`fill`).

    Batch-major input ``[batch, time, features]`` (a time-major TF1 graph's inputs need a
    transpose). Bidirectional outputs at the last step (``outputs[-1]`` of
    ``static_bidirectional_rnn``: the backward cell's *first* step) are the last row of the
    bidirectional sequence, not Keras's ``return_sequences=False`` output (the backward
    cell's final state), and are built that way.
    """
    import keras

    tf1_rnn.require(model, for_emit=True)
    inputs = keras.Input((model.timesteps, model.input_size), dtype=model.dtype, name="inputs")
    head = model.head
    final_sequence = head is None or head.input == "sequence"
    x = inputs
    all_inputs, state_outputs, mask = [inputs], [], None
    if model.state_inputs and len(model.blocks) != 1:
        raise tf1_rnn.Unsupported("a carried state: --emit-model builds it for one RNN call "
                                  "(dynamic_rnn, static_rnn, bidirectional_dynamic_rnn)")
    if model.lengths:
        from tf1_migrate.keras_layers import LengthMask

        lengths = keras.Input((), dtype="int32", name="lengths")
        all_inputs.append(lengths)
        mask = LengthMask(name="length_mask")([inputs, lengths])
    for b, block in enumerate(model.blocks):
        last_block = b == len(model.blocks) - 1
        tag = f"_{b}" if len(model.blocks) > 1 else ""
        if block.bidirectional:
            sequences = not last_block or final_sequence or head.input == "last"
            more, call = {}, {}
            if mask is not None:  # zeros past each length; the backward direction starts at
                # each sequence's last valid step (TF1's reverse_sequence)
                more["zero_output_for_mask"], call["mask"] = sequences, mask
            if model.state_inputs:  # forward states, then backward states (h, c per cell)
                states = [keras.Input((c.units,), dtype=model.dtype, name=f"state_{n}_{k}_{d}")
                          for d, cells in (("fw", block.fw), ("bw", block.bw))
                          for k, c in enumerate(cells)
                          for n in (("h", "c") if c.kind == "lstm" else ("h",))]
                all_inputs += states
                more["return_state"], call["initial_state"] = True, states
            fw = _layer(block.fw, sequences, f"forward{tag}", **more)
            bw = _layer(block.bw, sequences, f"backward{tag}", go_backwards=True, **more)
            x = keras.layers.Bidirectional(fw, backward_layer=bw, merge_mode=block.merge,
                                           name=f"bidirectional{tag}")(x, **call)
            if model.state_inputs:
                x, *final = x
                state_outputs += final
            if last_block and head is not None and head.input == "last":
                x = x[:, -1, :]  # the last step of both directions' output sequences
            continue
        for k, cell in enumerate(block.fw):
            top = last_block and k == len(block.fw) - 1
            kind = tf1_rnn.KERAS_LAYER[cell.kind].lower()
            suffix = f"{tag}_{k}" if len(block.fw) > 1 else tag
            more, call = {}, {}
            sequences = not top or final_sequence
            if mask is not None:  # TF1 outputs zeros past each length (the state stays)
                more["zero_output_for_mask"] = sequences  # (else: the last valid output)
                call["mask"] = mask
            if model.state_inputs:
                names = ("h", "c") if cell.kind == "lstm" else ("h",)
                states = [keras.Input((cell.units,), dtype=model.dtype, name=f"state_{n}_{k}")
                          for n in names]
                all_inputs += states
                more["return_state"] = True
                call["initial_state"] = states
            rate_in, rate_out = dropout_rates(cell)
            if rate_in:  # DropoutWrapper(input_keep_prob): per element and step, as TF1
                x = keras.layers.Dropout(rate_in, name=f"dropout_in{suffix}")(x)
            x = _layer([cell], sequences, f"{kind}{suffix}", **more)(x, **call)
            if model.state_inputs:
                x, *final = x
                state_outputs += final
            if rate_out:  # DropoutWrapper(output_keep_prob)
                x = keras.layers.Dropout(rate_out, name=f"dropout_out{suffix}")(x)
    if head is not None:
        x = keras.layers.Dense(head.units, use_bias=head.bias is not None,
                               activation=head.activation, name="head")(x)
    if len(all_inputs) == 1:
        return keras.Model(inputs, x, name=name)
    return keras.Model(all_inputs, [x, *state_outputs] if state_outputs else x, name=name)


# ----------------------------------------------------------------------------- match / fill
def _keras_slots(model):
    """The RNN cells and Dense layers of a Keras model, in layer order:
    ``[("cell", cell, rnn_layer, bidirectional_parent) | ("dense", layer) | ("other", layer)]``."""
    import keras

    slots = []

    def cells_of(layer, parent):
        cell = layer.cell
        cells = cell.cells if isinstance(cell, keras.layers.StackedRNNCells) else [cell]
        slots.extend(("cell", c, layer, parent) for c in cells)

    def visit(layer):
        if isinstance(layer, keras.Model):
            for sub in layer.layers:
                visit(sub)
        elif isinstance(layer, keras.layers.Bidirectional):
            cells_of(layer.forward_layer, layer)
            cells_of(layer.backward_layer, layer)
        elif isinstance(layer, keras.layers.RNN):
            cells_of(layer, None)
        elif isinstance(layer, keras.layers.TimeDistributed) and isinstance(layer.layer, keras.layers.Dense):
            slots.append(("dense", layer.layer))
        elif isinstance(layer, keras.layers.Dense):
            slots.append(("dense", layer))
        elif layer.weights:
            slots.append(("other", layer))

    for layer in model.layers:
        visit(layer)
    return slots


def _act_name(fn) -> str:
    return getattr(fn, "__name__", str(fn))


def _shape(v) -> tuple:
    return tuple(int(d) for d in v.shape)


def _tf1_slots(model: RNNModel):
    slots = []
    for b, block in enumerate(model.blocks):
        for direction in ("fw", "bw") if block.bidirectional else ("fw",):
            for k, cell in enumerate(getattr(block, direction)):
                slots.append(("cell", tf1_rnn._slot_name(model, b, direction, k), cell, block))
    if model.head is not None:
        slots.append(("dense", "head", model.head, None))
    return slots


def _tf1_text(slot) -> str:
    kind, name, obj, _ = slot
    if kind == "dense":
        return f"head {obj.kernel} [{obj.in_features}, {obj.units}]" + ("" if obj.bias else " no bias")
    return f"{name}: {obj.tf1_class or obj.kind}({obj.units}) on {obj.input_size} inputs"


def _keras_text(slot) -> str:
    if slot is None:
        return "-"
    if slot[0] == "cell":
        cell = slot[1]
        return f"{slot[2].name}: {type(cell).__name__}({cell.units}) kernel {_shape(cell.kernel)}"
    layer = slot[1]
    if slot[0] == "dense":
        return f"{layer.name}: Dense kernel {_shape(layer.kernel)}" + ("" if layer.use_bias else " no bias")
    return f"{layer.name}: {type(layer).__name__}"


def _check_cell(cell: Cell, kslot) -> str | None:
    kcell = kslot[1]
    want = KERAS_CELL[cell.kind]
    if tf1_rnn.needs_own_cell(cell):
        from tf1_migrate.keras_layers import TF1LSTMCell

        if not isinstance(kcell, TF1LSTMCell):
            return (f"needs tf1_migrate.keras_layers.TF1LSTMCell (peepholes, num_proj, clipping), "
                    f"got {type(kcell).__name__}")
        mine = (cell.num_proj, cell.peepholes, cell.cell_clip, cell.proj_clip)
        theirs = (kcell.num_proj, kcell.use_peepholes, kcell.cell_clip, kcell.proj_clip)
        if mine != theirs:
            return f"num_proj, use_peepholes, cell_clip, proj_clip {theirs} != TF1's {mine}"
    elif type(kcell).__name__ != want:
        return f"needs a Keras {want}, got {type(kcell).__name__}"
    if cell.kind == "gru" and getattr(kcell, "reset_after", False):
        return ("GRU(reset_after=True) applies the reset gate after the recurrent matmul; "
                "TF1's GRUCell before it: use reset_after=False")
    expected = tf1_rnn.keras_cell_shapes(cell)
    got = {"kernel": _shape(kcell.kernel), "recurrent_kernel": _shape(kcell.recurrent_kernel)}
    if getattr(kcell, "bias", None) is not None:
        got["bias"] = _shape(kcell.bias)
    for role in ("w_i_diag", "w_f_diag", "w_o_diag", "projection"):
        if getattr(kcell, role, None) is not None:
            got[role] = _shape(getattr(kcell, role))
    if got != expected:
        diff = [f"{r} {got.get(r, 'none')} != {expected.get(r, 'none')}"
                for r in sorted(set(got) | set(expected)) if got.get(r) != expected.get(r)]
        return "shape " + ", ".join(diff)
    if cell.activation and _act_name(kcell.activation) != cell.activation:
        return f"activation {_act_name(kcell.activation)} != TF1's {cell.activation}"
    return None


def _check_block(block, kslot) -> str | None:
    parent = kslot[3]
    if block.bidirectional != (parent is not None):
        return ("TF1 runs this cell in a bidirectional RNN: wrap it in keras.layers.Bidirectional"
                if block.bidirectional else "a Keras Bidirectional layer where TF1 runs one direction")
    if parent is not None and block.merge and parent.merge_mode != block.merge:
        return f"merge_mode '{parent.merge_mode}' != TF1's '{block.merge}'"
    return None


def _check_dense(head, kslot) -> str | None:
    layer = kslot[1]
    if _shape(layer.kernel) != (head.in_features, head.units):
        return f"kernel {_shape(layer.kernel)} != {(head.in_features, head.units)}"
    if head.bias and not layer.use_bias:
        return "TF1's head has a bias: use_bias=True"
    if head.activation and _act_name(layer.activation) != head.activation:
        return f"activation {_act_name(layer.activation)} != TF1's {head.activation}"
    return None


def match(keras_model, model: RNNModel):
    """Pair TF1 slots with Keras slots; returns ``(pairs, rows, ok)`` (rows for the table)."""
    tf1_slots, keras_slots = _tf1_slots(model), _keras_slots(keras_model)
    pairs, rows, ok = [], [], True
    for i in range(max(len(tf1_slots), len(keras_slots))):
        t = tf1_slots[i] if i < len(tf1_slots) else None
        k = keras_slots[i] if i < len(keras_slots) else None
        if t is None:
            problem = "Keras layer with weights and nothing in TF1 to fill it"
        elif k is None:
            problem = "nothing in the Keras model for it"
        elif t[0] != k[0]:
            problem = f"needs a Keras {'RNN cell' if t[0] == 'cell' else 'Dense layer'} here"
        elif t[0] == "cell":
            problem = _check_cell(t[2], k) or _check_block(t[3], k)
        else:
            problem = _check_dense(t[2], k)
        rows.append((str(i + 1), _tf1_text(t) if t else "-", _keras_text(k), problem or "ok"))
        ok = ok and problem is None
        if problem is None:
            pairs.append((t, k))
    return pairs, rows, ok


def format_table(rows) -> str:
    header = ("#", "TF1", "Keras", "status")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  status"]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[3])
    return "\n".join(lines)


def ensure_built(keras_model, model: RNNModel) -> None:
    if not keras_model.built or not keras_model.weights:
        keras_model.build((None, model.timesteps, model.input_size))


def fill(keras_model, model: RNNModel, weights: dict, **options) -> list:
    """Assign the TF1 ``weights`` of ``model`` to ``keras_model``; returns the table rows.

    Raises :class:`FillError` (with the table) when the models do not match, and the
    :mod:`tf1_migrate.tf1_rnn` errors for unknowns and unsupported features.
    """
    from tf1_migrate.transplant import check_names

    tf1_rnn.require(model, for_emit=False)
    check_names({n: weights[n] for n in tf1_rnn.tf1_shapes(model) if n in weights},
                tf1_rnn.tf1_shapes(model), "TF1 checkpoint")
    ensure_built(keras_model, model)
    pairs, rows, ok = match(keras_model, model)
    table = format_table(rows)
    if not ok:
        bad = sum(r[3] != "ok" for r in rows)
        raise FillError(f"the Keras model does not match the TF1 model ({bad} of {len(rows)} rows)",
                        table)
    for t, k in pairs:
        if t[0] == "cell":
            arrays = tf1_rnn.cell_to_keras(t[2], weights, **options)
            kcell = k[1]
            _assign(kcell.kernel, arrays["kernel"])
            _assign(kcell.recurrent_kernel, arrays["recurrent_kernel"])
            if getattr(kcell, "bias", None) is not None:
                _assign(kcell.bias, arrays.get("bias", np.zeros(_shape(kcell.bias))))
            for role in ("w_i_diag", "w_f_diag", "w_o_diag", "projection"):
                if role in arrays:
                    _assign(getattr(kcell, role), arrays[role])
        else:
            head, layer = t[2], k[1]
            _assign(layer.kernel, weights[head.kernel])
            if layer.use_bias:
                _assign(layer.bias, weights[head.bias] if head.bias else np.zeros(head.units))
    return rows


def keras_cell_weights(keras_model, model: RNNModel) -> list:
    """``[(tf1 slot, {role: ndarray})]`` of a matching Keras model (for comparisons)."""
    import keras

    pairs, rows, ok = match(keras_model, model)
    if not ok:
        raise FillError("the Keras model does not match the TF1 model", format_table(rows))
    out = []
    for t, k in pairs:
        if t[0] == "cell":
            c = k[1]
            roles = {"kernel": c.kernel, "recurrent_kernel": c.recurrent_kernel}
            if getattr(c, "bias", None) is not None:
                roles["bias"] = c.bias
        else:
            roles = {"kernel": k[1].kernel}
            if k[1].use_bias:
                roles["bias"] = k[1].bias
        out.append((t, {r: keras.ops.convert_to_numpy(v.value) for r, v in roles.items()}))
    return out


def _assign(variable, value) -> None:
    value = np.asarray(value)
    if tuple(value.shape) != _shape(variable):
        raise ValueError(f"{variable.path}: shape {value.shape} != {_shape(variable)}")
    variable.assign(value.astype(variable.dtype))

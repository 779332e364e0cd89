"""The weight-mapping engine: TF1 RNN variables <-> Keras 3 cell weights, for any TF1 RNN model.

A TF1 RNN model is described by an :class:`RNNModel`: a chain of :class:`Block` s (one
direction, or forward + backward), each a stack of :class:`Cell` s, and an optional dense
:class:`Head`. The description comes from ``legacy-run --capture`` (read from the cell
objects and the graph) or from a checkpoint's variable scopes and shapes
(:func:`recognise`); the built-in pairs write theirs by hand (``parity/pairs/*``).

Cells and their TF1 variables (``P`` = the cell's variable scope):

- ``BasicLSTMCell`` / ``LSTMCell`` (``lstm``): ``P/kernel`` [in + u, 4u] applied to
  ``concat([x, h])``, ``P/bias`` [4u], gates (i, j, f, o), ``forget_bias`` added at run time
  (never stored). ``LSTMCell(use_peepholes=True)`` adds ``P/w_f_diag``, ``P/w_i_diag``,
  ``P/w_o_diag`` [u]; ``LSTMCell(num_proj=p)`` adds ``P/projection/kernel`` [u, p] and its
  kernel is [in + p, 4u]. Keras 3 has neither: both are refused with one line.
- ``GRUCell`` (``gru``): ``P/gates/kernel`` [in + u, 2u], ``P/gates/bias`` [2u] (reset r,
  update u), ``P/candidate/kernel`` [in + u, u], ``P/candidate/bias`` [u]. TF1 applies the
  reset gate to the state *before* the recurrent matmul: Keras ``GRU(reset_after=False)``,
  whose weights are ordered (z, r, h) with z = TF1's u.
- ``BasicRNNCell`` (``rnn``): ``P/kernel`` [in + u, u], ``P/bias`` [u]: Keras ``SimpleRNN``.

``MultiRNNCell`` puts cell ``k`` under ``.../multi_rnn_cell/cell_k/``;
``bidirectional_dynamic_rnn`` / ``static_bidirectional_rnn`` under ``.../fw/`` and
``.../bw/``; contrib's ``stack_bidirectional_(dynamic_)rnn`` under
``stack_bidirectional_rnn/cell_k/bidirectional_rnn/{fw,bw}/``; ``OutputProjectionWrapper``
adds ``output_projection_wrapper/{kernel,bias}``, a dense layer on every step's output.

What a checkpoint cannot tell (the forget bias an LSTM was built with, the activation,
``time_major``, how the two directions were merged, which output feeds the head) stays
``None`` until a capture description or an option says it; :func:`require` names the
option. NumPy only: no TensorFlow or Keras import.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np

from tf1_migrate.transplant import check_names, keras_lstm_to_tf1, tf1_lstm_to_keras

FORMAT = "parity-tf1-rnn"
VERSION = 1
KINDS = ("lstm", "gru", "rnn")
MERGES = ("concat", "sum", "mul", "ave")
HEAD_INPUTS = ("last", "state", "sequence")
KERAS_LAYER = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}
# The default variable scope of each TF1 cell class (``LSTMBlockCell`` runs as ``LSTMCell``).
CELL_SCOPES = {
    "basic_lstm_cell": ("lstm", "BasicLSTMCell"),
    "lstm_cell": ("lstm", "LSTMCell"),
    "gru_cell": ("gru", "GRUCell"),
    "basic_rnn_cell": ("rnn", "BasicRNNCell"),
}
TF1_CLASSES = {"BasicLSTMCell": "lstm", "LSTMCell": "lstm", "LSTMBlockCell": "lstm",
               "GRUCell": "gru", "GRUBlockCell": "gru", "GRUBlockCellV2": "gru",
               "BasicRNNCell": "rnn"}
# Optimizer slots and counters are not model weights.
OPTIMIZER_SLOT = re.compile(
    r"(/Adam(_\d+)?$|/Momentum$|/RMSProp(_\d+)?$|/Adagrad$|/Adadelta(_\d+)?$|/Ftrl(_\d+)?$"
    r"|(^|/)beta[12]_power(_\d+)?$|(^|/)global_step$)"
)


class MappingError(ValueError):
    """A checkpoint or description that does not fit, or an unknown the user must state."""


class Unsupported(MappingError):
    """A TF1 feature with no Keras 3 equivalent (projection, peepholes, ...)."""


class NeedsOption(MappingError):
    """Something the checkpoint cannot tell: the message names the option that says it."""

    def __init__(self, message: str, option: str):
        super().__init__(message)
        self.option = option


# ----------------------------------------------------------------------------- description
@dataclass
class Cell:
    kind: str  # lstm | gru | rnn
    units: int
    input_size: int
    variables: dict  # role -> TF1 variable name
    tf1_class: str = ""
    forget_bias: float | None = None  # lstm: added at run time; None: not known
    activation: str | None = None  # None: not known (TF1's default is tanh)
    peepholes: bool = False
    num_proj: int | None = None
    cell_clip: float | None = None
    proj_clip: float | None = None
    # "joint": TF1's kernel on concat([x, h]); "split": separate input and recurrent kernels
    # (hand-written cells, as the NumPy RNN article's synapses).
    layout: str = "joint"
    use_bias: bool = True
    residual: bool = False
    dropout: dict | None = None  # DropoutWrapper keep probabilities, when known
    scope: str = ""

    @property
    def output_size(self) -> int:
        return self.num_proj or self.units


@dataclass
class Block:
    fw: list
    bw: list | None = None
    merge: str | None = None  # bidirectional: concat | sum | mul | ave; None: not known

    @property
    def bidirectional(self) -> bool:
        return self.bw is not None

    def output_size(self, merge: str | None = None) -> int:
        fw = self.fw[-1].output_size
        if not self.bidirectional:
            return fw
        merge = merge or self.merge
        return fw + self.bw[-1].output_size if merge == "concat" else fw


@dataclass
class Head:
    kernel: str
    bias: str | None
    in_features: int
    units: int
    input: str | None = None  # last | state | sequence; None: not known
    activation: str | None = None  # applied after the matmul in the graph, when known
    output: str | None = None  # the graph tensor of the head's output (capture)


@dataclass
class RNNModel:
    name: str  # the variable-scope prefix that holds the model ("" at the top)
    blocks: list
    head: Head | None = None
    input_size: int = 0
    time_major: bool | None = None
    timesteps: int | None = None
    dtype: str = "float32"
    call: str = ""  # the TF1 function that ran it (capture), e.g. "dynamic_rnn"
    notes: list = field(default_factory=list)
    # TF1's sequence_length: the Keras model takes the lengths as a second input (a mask:
    # outputs zero and states frozen past each length, as TF1)
    lengths: bool = False
    # TF1's initial_state fed (a carried state): the Keras model takes each cell's state as
    # inputs and returns the final states after its output
    state_inputs: bool = False

    def cells(self):
        """``(slot name, cell)`` in Keras order: block by block, forward cells then backward."""
        for b, block in enumerate(self.blocks):
            for direction in ("fw", "bw") if block.bidirectional else ("fw",):
                for k, cell in enumerate(getattr(block, direction)):
                    yield _slot_name(self, b, direction, k), cell

    def output_size(self) -> int:
        return self.head.units if self.head else self.blocks[-1].output_size()

    def rnn_output_size(self) -> int:
        return self.blocks[-1].output_size()


def _slot_name(model, b, direction, k) -> str:
    parts = []
    if len(model.blocks) > 1:
        parts.append(f"layer {b}")
    if model.blocks[b].bidirectional:
        parts.append(direction)
    if len(getattr(model.blocks[b], direction)) > 1:
        parts.append(f"cell {k}")
    return " ".join(parts) or "cell"


def tf1_cell(kind: str, scope: str, units: int, input_size: int, **details) -> Cell:
    """A cell under TF1's variable names at ``scope`` (``scope/kernel``, ``scope/bias``, or
    ``scope/gates/...`` and ``scope/candidate/...`` for a GRU)."""
    if kind == "gru":
        roles = {f"{part}_{leaf}": f"{scope}/{part}/{leaf}"
                 for part in ("gates", "candidate") for leaf in ("kernel", "bias")}
    else:
        roles = {"kernel": f"{scope}/kernel", "bias": f"{scope}/bias"}
    details.setdefault("tf1_class", {"lstm": "BasicLSTMCell", "gru": "GRUCell", "rnn": "BasicRNNCell"}[kind])
    return Cell(kind, units, input_size, roles, scope=scope, **details)


def to_dict(model: RNNModel) -> dict:
    return dataclasses.asdict(model)


def from_dict(data: dict) -> RNNModel:
    """An :class:`RNNModel` from :func:`to_dict`'s form (a capture description's ``models``)."""
    try:
        blocks = []
        for b in data["blocks"]:
            fw = [Cell(**c) for c in b["fw"]]
            bw = [Cell(**c) for c in b["bw"]] if b.get("bw") is not None else None
            blocks.append(Block(fw, bw, b.get("merge")))
        head = Head(**data["head"]) if data.get("head") else None
        rest = {k: v for k, v in data.items() if k not in ("blocks", "head")}
        model = RNNModel(blocks=blocks, head=head, **rest)
    except (KeyError, TypeError) as exc:
        raise MappingError(f"not an RNN description ({type(exc).__name__}: {exc})") from None
    for _, cell in model.cells():
        if cell.kind not in KINDS:
            raise MappingError(f"unknown cell kind '{cell.kind}' (expected one of {', '.join(KINDS)})")
    return model


# ----------------------------------------------------------------------------- shapes
def cell_tf1_shapes(cell: Cell) -> dict:
    """``{TF1 variable name: shape}`` of one cell."""
    v, u, n = cell.variables, cell.units, cell.input_size
    if cell.layout == "split":
        shapes = {v["input_kernel"]: (n, _gates(cell) * u), v["recurrent_kernel"]: (u, _gates(cell) * u)}
        if cell.use_bias:
            shapes[v["bias"]] = (_gates(cell) * u,)
        return shapes
    if cell.kind == "gru":
        return {v["gates_kernel"]: (n + u, 2 * u), v["gates_bias"]: (2 * u,),
                v["candidate_kernel"]: (n + u, u), v["candidate_bias"]: (u,)}
    shapes = {v["kernel"]: (n + cell.output_size, _gates(cell) * u), v["bias"]: (_gates(cell) * u,)}
    if cell.peepholes:
        shapes.update({v[r]: (u,) for r in ("w_f_diag", "w_i_diag", "w_o_diag")})
    if cell.num_proj:
        shapes[v["projection"]] = (u, cell.num_proj)
    return shapes


def _gates(cell: Cell) -> int:
    return {"lstm": 4, "gru": 3, "rnn": 1}[cell.kind]


def keras_cell_shapes(cell: Cell) -> dict:
    """``{role: shape}`` of the Keras cell (``kernel``, ``recurrent_kernel``, ``bias``; and
    the peepholes and ``projection`` of :class:`tf1_migrate.keras_layers.TF1LSTMCell`)."""
    g, u = _gates(cell), cell.units
    shapes = {"kernel": (cell.input_size, g * u), "recurrent_kernel": (cell.output_size, g * u)}
    if cell.use_bias:
        shapes["bias"] = (g * u,)
    if cell.peepholes:
        shapes.update({r: (u,) for r in ("w_i_diag", "w_f_diag", "w_o_diag")})
    if cell.num_proj:
        shapes["projection"] = (u, cell.num_proj)
    return shapes


def tf1_shapes(model: RNNModel) -> dict:
    """Every TF1 variable of ``model`` with its shape."""
    shapes = {}
    for _, cell in model.cells():
        shapes.update(cell_tf1_shapes(cell))
    if model.head:
        shapes[model.head.kernel] = (model.head.in_features, model.head.units)
        if model.head.bias:
            shapes[model.head.bias] = (model.head.units,)
    return shapes


# ----------------------------------------------------------------------------- one cell
def needs_own_cell(cell: Cell) -> bool:
    """An LSTM with peepholes, a projection or clipping: Keras 3's ``LSTMCell`` cannot run
    it; :class:`tf1_migrate.keras_layers.TF1LSTMCell` can."""
    return cell.kind == "lstm" and bool(cell.peepholes or cell.num_proj or cell.cell_clip is not None
                                        or cell.proj_clip is not None)


def check_convertible(cell: Cell, where: str = "", own_cells: bool = True) -> None:
    """Raise :class:`Unsupported` for a TF1 feature that Keras 3 cannot express
    (``own_cells``: peepholes, projections and clipping are, by
    :class:`tf1_migrate.keras_layers.TF1LSTMCell`)."""
    name = cell.tf1_class or KERAS_LAYER[cell.kind]
    at = f" ({where})" if where else ""
    if own_cells and cell.layout == "joint":
        return
    if cell.num_proj:
        raise Unsupported(f"{name}(num_proj={cell.num_proj}){at} projects its output with "
                          f"projection/kernel: Keras 3 has no projection LSTM")
    if cell.peepholes:
        raise Unsupported(f"{name}(use_peepholes=True){at} has peephole weights (w_f_diag, w_i_diag, "
                          f"w_o_diag): Keras 3 has no peephole LSTM")
    if cell.cell_clip is not None or cell.proj_clip is not None:
        raise Unsupported(f"{name}(cell_clip/proj_clip){at} clips its state: Keras 3's LSTM does not")


def cell_to_keras(cell: Cell, weights: dict, *, reorder: bool = True,
                  fold_forget_bias: bool = True) -> dict:
    """One TF1 cell's variables -> ``{"kernel", "recurrent_kernel"[, "bias"]: array}`` (Keras).

    ``reorder`` / ``fold_forget_bias`` (LSTM) exist so tests can show each step matters.
    """
    check_convertible(cell)
    v, n, u = cell.variables, cell.input_size, cell.units
    if cell.layout == "split":
        out = {"kernel": _arr(weights[v["input_kernel"]]),
               "recurrent_kernel": _arr(weights[v["recurrent_kernel"]])}
        if cell.use_bias:
            out["bias"] = _arr(weights[v["bias"]])
        return out
    if cell.kind == "lstm":
        forget_bias = cell.forget_bias
        if forget_bias is None and fold_forget_bias:
            raise NeedsOption(
                f"the checkpoint cannot tell the forget_bias the LSTM cell '{cell.scope}' was built "
                f"with (TF1 adds it at run time; BasicLSTMCell and LSTMCell default to 1.0)",
                "--forget-bias")
        k, r, b = tf1_lstm_to_keras(weights[v["kernel"]], weights[v["bias"]], n,
                                    forget_bias or 0.0, reorder=reorder,
                                    fold_forget_bias=fold_forget_bias, num_proj=cell.num_proj)
        out = {"kernel": k, "recurrent_kernel": r, "bias": b}
        for role in ("w_i_diag", "w_f_diag", "w_o_diag", "projection"):
            if role in v:  # peepholes and projection: as they are (TF1LSTMCell)
                out[role] = _arr(weights[v[role]])
        return out
    if cell.kind == "gru":
        gk, gb = _arr(weights[v["gates_kernel"]]), _arr(weights[v["gates_bias"]])
        ck, cb = _arr(weights[v["candidate_kernel"]]), _arr(weights[v["candidate_bias"]])
        reset, update = gk[:, :u], gk[:, u:]  # TF1 (r, u); Keras (z, r, h) with z = u
        return {"kernel": np.concatenate([update[:n], reset[:n], ck[:n]], axis=1),
                "recurrent_kernel": np.concatenate([update[n:], reset[n:], ck[n:]], axis=1),
                "bias": np.concatenate([gb[u:], gb[:u], cb])}
    kernel = _arr(weights[v["kernel"]])
    return {"kernel": kernel[:n], "recurrent_kernel": kernel[n:], "bias": _arr(weights[v["bias"]])}


def keras_to_cell(cell: Cell, keras: dict) -> dict:
    """The inverse of :func:`cell_to_keras`: Keras cell weights -> ``{TF1 name: array}``."""
    check_convertible(cell, own_cells=False)
    v = cell.variables
    k, r = _arr(keras["kernel"]), _arr(keras["recurrent_kernel"])
    b = _arr(keras["bias"]) if "bias" in keras else None
    if cell.layout == "split":
        out = {v["input_kernel"]: k, v["recurrent_kernel"]: r}
        if cell.use_bias:
            out[v["bias"]] = b
        return out
    if cell.kind == "lstm":
        if cell.forget_bias is None:
            raise NeedsOption(f"the forget_bias of the TF1 LSTM cell '{cell.scope}' is not known",
                              "--forget-bias")
        kernel, bias = keras_lstm_to_tf1(k, r, b, cell.forget_bias)
        return {v["kernel"]: kernel, v["bias"]: bias}
    if cell.kind == "gru":
        joint = np.concatenate([k, r], axis=0)
        z, rr, h = np.split(joint, 3, axis=1)
        bz, br, bh = np.split(b, 3)
        return {v["gates_kernel"]: np.concatenate([rr, z], axis=1),
                v["gates_bias"]: np.concatenate([br, bz]),
                v["candidate_kernel"]: h, v["candidate_bias"]: bh}
    return {v["kernel"]: np.concatenate([k, r], axis=0), v["bias"]: b}


def _arr(x) -> np.ndarray:
    return np.array(x, copy=True)


# ----------------------------------------------------------------------------- a whole model
def to_keras_paths(model: RNNModel, weights: dict, cell_paths: list, head_path: str | None = None,
                   what: str = "TF1 weights", **options) -> dict:
    """TF1 ``{name: array}`` -> ``{Keras variable path: array}``.

    ``cell_paths``: one Keras cell path per cell, in :meth:`RNNModel.cells` order (the
    weights go to ``<path>/kernel``, ``<path>/recurrent_kernel``, ``<path>/bias``);
    ``head_path``: the Keras ``Dense`` layer's path. ``options``: ``reorder``,
    ``fold_forget_bias`` (for the tests that show each step matters).
    """
    check_names(weights, tf1_shapes(model), what)
    cells = list(model.cells())
    if len(cell_paths) != len(cells):
        raise MappingError(f"{len(cell_paths)} Keras cell paths for {len(cells)} TF1 cells")
    out = {}
    for path, (_, cell) in zip(cell_paths, cells):
        for role, value in cell_to_keras(cell, weights, **options).items():
            out[f"{path}/{role}"] = value
    if model.head:
        out[f"{head_path}/kernel"] = _arr(weights[model.head.kernel])
        if model.head.bias:
            out[f"{head_path}/bias"] = _arr(weights[model.head.bias])
    return out


def keras_paths_shapes(model: RNNModel, cell_paths: list, head_path: str | None = None) -> dict:
    shapes = {}
    for path, (_, cell) in zip(cell_paths, model.cells()):
        for role, shape in keras_cell_shapes(cell).items():
            shapes[f"{path}/{role}"] = shape
    if model.head:
        shapes[f"{head_path}/kernel"] = (model.head.in_features, model.head.units)
        if model.head.bias:
            shapes[f"{head_path}/bias"] = (model.head.units,)
    return shapes


def from_keras_paths(model: RNNModel, weights: dict, cell_paths: list,
                     head_path: str | None = None, what: str = "Keras weights") -> dict:
    """The inverse of :func:`to_keras_paths`."""
    check_names(weights, keras_paths_shapes(model, cell_paths, head_path), what)
    out = {}
    for path, (_, cell) in zip(cell_paths, model.cells()):
        roles = {r: weights[f"{path}/{r}"] for r in keras_cell_shapes(cell)}
        out.update(keras_to_cell(cell, roles))
    if model.head:
        out[model.head.kernel] = _arr(weights[f"{head_path}/kernel"])
        if model.head.bias:
            out[model.head.bias] = _arr(weights[f"{head_path}/bias"])
    return out


# ----------------------------------------------------------------------------- requirements
def require(model: RNNModel, *, for_emit: bool) -> None:
    """Raise for what conversion needs and nobody said: :class:`Unsupported` for features
    Keras 3 lacks, :class:`NeedsOption` (naming the option) for unknowns.

    ``for_emit``: the Keras model is built from the description, so the bidirectional merge
    and the head's input must be known too (a user's own model says them itself).
    """
    for slot, cell in model.cells():
        check_convertible(cell, f"{model.name or 'model'} {slot}".strip())
        if cell.kind == "lstm" and cell.forget_bias is None:
            raise NeedsOption(
                "the checkpoint cannot tell the forget_bias the LSTM cells were built with "
                "(TF1 adds it at run time, BasicLSTMCell and LSTMCell default to 1.0)",
                "--forget-bias")
    if not for_emit:
        return
    for b, block in enumerate(model.blocks):
        if block.bidirectional and block.merge is None:
            raise NeedsOption(
                f"the checkpoint cannot tell how the forward and backward outputs of "
                f"{_block_name(model, b)} were merged (concat, sum, mul or ave)", "--merge")
    if model.head and model.head.input is None:
        raise NeedsOption(
            f"the checkpoint cannot tell which RNN output feeds the head '{model.head.kernel}': "
            f"the last step's output, the final state, or every step", "--head-input")
    for slot, cell in model.cells():
        if cell.residual:
            raise Unsupported(f"ResidualWrapper ({slot}) adds the cell's input to its output: "
                              f"--emit-model has no Keras 3 layer for it; fill your own model "
                              f"(--model) with an Add layer instead")


def _block_name(model, b) -> str:
    name = f"the bidirectional RNN '{model.name}'" if model.name else "the bidirectional RNN"
    return name + (f" (layer {b})" if len(model.blocks) > 1 else "")


def apply_options(model: RNNModel, *, forget_bias=None, merge=None, head_input=None,
                  activation=None, time_major=None) -> RNNModel:
    """Fill the unknowns with what the user said (a capture's known values are kept)."""
    model = copy.deepcopy(model)
    for _, cell in model.cells():
        if forget_bias is not None and cell.kind == "lstm" and cell.forget_bias is None:
            cell.forget_bias = float(forget_bias)
        if activation is not None and cell.activation is None:
            cell.activation = activation
    for block in model.blocks:
        if block.bidirectional and block.merge is None and merge is not None:
            block.merge = merge
    if model.head and model.head.input is None and head_input is not None:
        model.head.input = head_input
    if model.time_major is None and time_major is not None:
        model.time_major = bool(time_major)
    return model


# ----------------------------------------------------------------------------- recognition
_CELL_K = re.compile(r"^cell_(\d+)$")


def strip_slots(weights: dict) -> dict:
    """The model variables of a checkpoint (optimizer slots and counters left out)."""
    return {n: v for n, v in weights.items() if not OPTIMIZER_SLOT.search(n)}


# The variable names of earlier TF releases, each part as today's (TF 1.3+) name it.
# TF 0.12: RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix (+ Bias), BiRNN/FW/...,
# GRUCell/Gates/Linear/Matrix, LSTMCell/W_0 + B (+ W_F_diag, W_P_0);
# TF 1.0-1.2: .../basic_lstm_cell/weights + biases, fully_connected/weights + biases.
_OLD_PARTS = {"RNN": "rnn", "BiRNN": "bidirectional_rnn", "FW": "fw", "BW": "bw",
              "MultiRNNCell": "multi_rnn_cell", "BasicLSTMCell": "basic_lstm_cell",
              "LSTMCell": "lstm_cell", "GRUCell": "gru_cell", "BasicRNNCell": "basic_rnn_cell",
              "Gates": "gates", "Candidate": "candidate", "W_F_diag": "w_f_diag",
              "W_I_diag": "w_i_diag", "W_O_diag": "w_o_diag"}
_OLD_CELL_K = re.compile(r"^Cell(\d+)$")


def _modern_name(name: str) -> str:
    parts = name.split("/")
    if parts[-2:] == ["Linear", "Matrix"]:
        parts[-2:] = ["kernel"]
    elif parts[-2:] == ["Linear", "Bias"]:
        parts[-2:] = ["bias"]
    elif parts[-1] in ("weights", "W_0"):
        parts[-1] = "kernel"
    elif parts[-1] in ("biases", "B"):
        parts[-1] = "bias"
    elif parts[-1] == "W_P_0":
        parts[-1:] = ["projection", "kernel"]
    out = []
    for part in parts:
        k = _OLD_CELL_K.match(part)
        out.append(f"cell_{k.group(1)}" if k else _OLD_PARTS.get(part, part))
    return "/".join(out)


def modern_names(names) -> dict:
    """``{today's name: the checkpoint's name}`` for names of earlier TF releases (empty when
    every name is today's, or when two would collide)."""
    names = list(names)
    if not any(re.search(r"(^|/)(Linear/(Matrix|Bias)|weights|biases|W_0|B|W_P_0)$", n) for n in names):
        return {}
    renamed = {_modern_name(n): n for n in names}
    return renamed if len(renamed) == len(names) else {}


def _rename(model: RNNModel, back: dict) -> None:
    for _, cell in model.cells():
        cell.variables = {r: back.get(v, v) for r, v in cell.variables.items()}
    if model.head is not None:
        model.head.kernel = back.get(model.head.kernel, model.head.kernel)
        if model.head.bias:
            model.head.bias = back.get(model.head.bias, model.head.bias)


def recognise(weights: dict) -> tuple[list, list]:
    """TF1 RNN models in a checkpoint, by variable scopes and shapes.

    Returns ``(models, leftovers)``: every :class:`RNNModel` found (forget bias, merge
    and head input unknown unless the shapes prove them) and the names that belong to
    none. Raises :class:`MappingError` for cell variables whose shapes do not fit. The
    names of TF 0.12 and TF 1.0-1.2 (``Linear/Matrix``, ``weights``/``biases``) are read
    as today's; the models found name the checkpoint's own variables.
    """
    back = modern_names(weights)
    if back:
        models, leftovers = _recognise({m: weights[o] for m, o in back.items()})
        for model in models:
            _rename(model, back)
            model.notes.append("variable names of an earlier TF release (TF 0.12 / 1.0-1.2) "
                               "read as today's")
        return models, sorted(back.get(n, n) for n in leftovers)
    return _recognise(weights)


def _recognise(weights: dict) -> tuple[list, list]:
    shapes = {n: tuple(np.shape(v)) for n, v in weights.items()}
    claimed: set = set()
    cells: dict = {}  # scope -> Cell
    wrappers: dict = {}  # scope of an OutputProjectionWrapper -> (kernel, bias)

    for name in sorted(shapes):
        if name.endswith("/gates/kernel"):
            scope = name[: -len("/gates/kernel")]
            roles = {"gates_kernel": f"{scope}/gates/kernel", "gates_bias": f"{scope}/gates/bias",
                     "candidate_kernel": f"{scope}/candidate/kernel",
                     "candidate_bias": f"{scope}/candidate/bias"}
            if all(r in shapes for r in roles.values()):
                u = shapes[roles["candidate_bias"]][0]
                cells[scope] = Cell("gru", u, shapes[roles["gates_kernel"]][0] - u, roles,
                                    tf1_class="GRUCell", scope=scope)
                claimed.update(roles.values())
    for name in sorted(shapes):
        if not name.endswith("/kernel") or name in claimed:
            continue
        scope = name[: -len("/kernel")]
        leaf = scope.rsplit("/", 1)[-1]
        if f"{scope}/bias" not in shapes or scope.endswith("/projection"):
            continue
        roles = {"kernel": name, "bias": f"{scope}/bias"}
        peep = {r: f"{scope}/{r}" for r in ("w_f_diag", "w_i_diag", "w_o_diag") if f"{scope}/{r}" in shapes}
        proj = f"{scope}/projection/kernel" if f"{scope}/projection/kernel" in shapes else None
        if leaf == "output_projection_wrapper":
            wrappers[scope] = (name, f"{scope}/bias")
            claimed.update(roles.values())
            continue
        if leaf not in CELL_SCOPES and not peep and not proj:
            continue  # a dense layer or another kernel/bias pair: maybe a head
        kind, cls = CELL_SCOPES.get(leaf, ("lstm", "LSTMCell"))
        cells[scope] = _cell_from_shapes(kind, cls, scope, roles, peep, proj, shapes)
        claimed.update(roles.values(), peep.values(), [proj] if proj else [])

    groups: dict = {}
    for scope, cell in cells.items():
        prefix, b, direction, k, wrapper = _parse_scope(scope)
        groups.setdefault(prefix, {}).setdefault(b, {}).setdefault(direction, {})[k] = cell
        if wrapper:
            groups[prefix].setdefault("wrapper", wrapper)
    models = []
    for prefix in sorted(groups):
        models.append(_assemble(prefix, groups[prefix], wrappers, shapes, claimed))
    _find_heads(models, weights, shapes, claimed)
    leftovers = sorted(set(shapes) - claimed)
    return models, leftovers


def _cell_from_shapes(kind, cls, scope, roles, peep, proj, shapes) -> Cell:
    k_shape, b_shape = shapes[roles["kernel"]], shapes[roles["bias"]]
    if len(k_shape) != 2 or len(b_shape) != 1 or k_shape[1] != b_shape[0]:
        raise MappingError(f"'{scope}' looks like a TF1 {cls} but its kernel {k_shape} and bias "
                           f"{b_shape} do not fit one")
    gates = 4 if kind == "lstm" else 1
    if b_shape[0] % gates:
        raise MappingError(f"'{scope}/bias' {b_shape} is not 4 * units, as a TF1 {cls}'s is")
    units = b_shape[0] // gates
    num_proj = shapes[proj][1] if proj else None
    n_in = k_shape[0] - (num_proj or units)
    if n_in < 1:
        raise MappingError(f"'{scope}/kernel' {k_shape} leaves no room for the input of a "
                           f"{units}-unit {cls}")
    return Cell(kind, units, n_in, {**roles, **peep, **({"projection": proj} if proj else {})},
                tf1_class=cls, peepholes=bool(peep), num_proj=num_proj, scope=scope)


def _parse_scope(scope: str):
    """``a/stack_bidirectional_rnn/cell_1/bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell``
    -> (prefix, block, direction, cell index, wrapper scope)."""
    parts = scope.split("/")[:-1]
    k = 0
    if len(parts) >= 2 and _CELL_K.match(parts[-1]) and parts[-2] == "multi_rnn_cell":
        k = int(_CELL_K.match(parts[-1]).group(1))
        parts = parts[:-2]
    wrapper = None
    if parts and parts[-1] == "output_projection_wrapper":
        wrapper = "/".join(parts)
        parts = parts[:-1]
    direction = "fw"
    if len(parts) >= 2 and parts[-1] in ("fw", "bw"):
        direction = parts[-1]
        parts = parts[:-2]
    b = 0
    if len(parts) >= 2 and _CELL_K.match(parts[-1]) and parts[-2] == "stack_bidirectional_rnn":
        b = int(_CELL_K.match(parts[-1]).group(1))
        parts = parts[:-1]
    return "/".join(parts), b, direction, k, wrapper


def _assemble(prefix, group, wrappers, shapes, claimed) -> RNNModel:
    wrapper = group.pop("wrapper", None)
    blocks = []
    for b in range(len(group)):
        if b not in group:
            raise MappingError(f"the stacked RNN '{prefix}' has layers {sorted(group)}: layer {b} is missing")
        dirs = group[b]
        if set(dirs) == {"bw"}:
            raise MappingError(f"'{prefix}' has backward cells without forward ones")
        stacks = {}
        for d, cells in dirs.items():
            missing = sorted(set(range(len(cells))) - set(cells))
            if missing or max(cells) != len(cells) - 1:
                raise MappingError(f"the MultiRNNCell under '{prefix}' lacks cell_{missing[0] if missing else len(cells)}")
            stacks[d] = [cells[i] for i in range(len(cells))]
        blocks.append(Block(stacks["fw"], stacks.get("bw")))
    model = RNNModel(prefix, blocks, input_size=blocks[0].fw[0].input_size)
    _check_chain(model)
    if wrapper:
        kernel, bias = wrappers[wrapper]
        model.head = Head(kernel, bias, shapes[kernel][0], shapes[kernel][1], input="sequence")
    return model


def _check_chain(model: RNNModel) -> None:
    """Each cell's input is the previous cell's output; a block's, the previous block's
    merged output (an input of fw + bw units proves a concat merge)."""
    for b, block in enumerate(model.blocks):
        for stack in filter(None, (block.fw, block.bw)):
            for lower, upper in zip(stack, stack[1:]):
                if upper.input_size != lower.output_size:
                    raise MappingError(f"'{upper.scope}' takes {upper.input_size} inputs but "
                                       f"'{lower.scope}' gives {lower.output_size}")
        if block.bidirectional and block.fw[0].input_size != block.bw[0].input_size:
            raise MappingError(f"the forward and backward cells of '{model.name}' take "
                               f"{block.fw[0].input_size} and {block.bw[0].input_size} inputs")
        if b == 0:
            continue
        prev, need = model.blocks[b - 1], block.fw[0].input_size
        if prev.bidirectional and need == _concat_size(prev):
            prev.merge = "concat"
        elif need != prev.fw[-1].output_size or (prev.bidirectional and
                                                 prev.fw[-1].output_size != prev.bw[-1].output_size):
            raise MappingError(f"'{block.fw[0].scope}' takes {need} inputs but the layer before "
                               f"gives {prev.output_size('concat')}")


def _concat_size(block) -> int:
    return block.fw[-1].output_size + (block.bw[-1].output_size if block.bw else 0)


def _find_heads(models, weights, shapes, claimed) -> None:
    """A dense head per model: a leftover [F, n] matrix (``dense/kernel``, a plain
    ``tf.Variable``) whose F is the RNN's output size, with its [n] bias if there is one."""
    free = [n for n in sorted(shapes) if n not in claimed]
    for model in models:
        if model.head is not None:
            continue
        last = model.blocks[-1]
        sizes = {last.output_size()}
        if last.bidirectional and last.merge is None:
            sizes = {_concat_size(last), last.fw[-1].output_size}
        candidates = [n for n in free if len(shapes[n]) == 2 and shapes[n][0] in sizes]
        others = [home(m.name) for m in models if m is not model and home(m.name)]
        mine = home(model.name)
        candidates = [n for n in candidates if not any(_inside(n, o) and not _inside(n, mine) for o in others)]
        own = [n for n in candidates if _inside(n, mine)]
        candidates = own or candidates
        if len(candidates) != 1:
            if candidates:
                model.notes.append(f"several candidate head kernels: {', '.join(candidates)}")
            continue
        kernel = candidates[0]
        n_out = shapes[kernel][1]
        scope = kernel.rsplit("/", 1)[0] if "/" in kernel else None
        biases = [n for n in free if n != kernel and shapes[n] == (n_out,)]
        if scope and f"{scope}/bias" in biases:
            bias = f"{scope}/bias"
        else:
            near = [n for n in biases if _inside(n, mine)] or \
                [n for n in biases if not any(_inside(n, o) for o in others)]
            bias = near[0] if len(near) == 1 else None
            if len(near) > 1:
                model.notes.append(f"several candidate head biases: {', '.join(near)}")
        model.head = Head(kernel, bias, shapes[kernel][0], n_out)
        if last.bidirectional and last.merge is None and shapes[kernel][0] == _concat_size(last) \
                and _concat_size(last) != last.fw[-1].output_size:
            last.merge = "concat"
        claimed.update([kernel] + ([bias] if bias else []))
        free = [n for n in free if n not in claimed]


def _inside(name: str, scope: str) -> bool:
    return bool(scope) and (name == scope or name.startswith(scope + "/"))


_RNN_SCOPES = ("rnn", "bidirectional_rnn", "stack_bidirectional_rnn")


def home(name: str) -> str:
    """The user's scope of an RNN: its prefix without the RNN function's own default scope
    (``encoder/rnn`` -> ``encoder``, ``bidirectional_rnn`` -> ``""``)."""
    parent, _, last = name.rpartition("/")
    return parent if last in _RNN_SCOPES else name


def select(models: list, rnn: str | None) -> RNNModel:
    """The one model to convert: the only one, or the one named by ``--rnn``."""
    if not models:
        raise MappingError("no TF1 RNN cell variables found (BasicLSTMCell, LSTMCell, GRUCell, "
                           "BasicRNNCell, under their default scope names)")
    names = [home(m.name) or m.name or "(top level)" for m in models]
    if rnn is None:
        if len(models) > 1:
            raise NeedsOption(f"the checkpoint holds {len(models)} RNNs ({', '.join(names)}): "
                              f"say which", "--rnn")
        return models[0]
    for m in models:
        if rnn in (m.name, home(m.name)) or (rnn in ("", "(top level)") and not home(m.name)):
            return m
    raise MappingError(f"no RNN '{rnn}' in the checkpoint (it holds: {', '.join(names)})")


def describe(model: RNNModel) -> str:
    """One line per block and the head: what was recognised."""
    lines = []
    for b, block in enumerate(model.blocks):
        def stack(cells):
            return " + ".join(f"{c.tf1_class or c.kind}({c.units})" for c in cells)
        text = stack(block.fw)
        if block.bidirectional:
            text = f"bidirectional[fw {text} | bw {stack(block.bw)}] merge={block.merge or '?'}"
        lines.append(f"  layer {b}: {text}" if len(model.blocks) > 1 else f"  rnn: {text}")
    if model.head:
        h = model.head
        lines.append(f"  head: {h.kernel} [{h.in_features}, {h.units}]"
                     f"{' + ' + h.bias if h.bias else ' (no bias)'} on {h.input or '?'}")
    if model.lengths:
        lines.append("  inputs: the sequences and their lengths (TF1's sequence_length: a mask)")
    if model.state_inputs:
        lines.append("  state: each cell's initial state is an input, its final state an output "
                     "(TF1's initial_state, carried from batch to batch)")
    return "\n".join(lines)

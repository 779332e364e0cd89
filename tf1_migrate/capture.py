"""``parity legacy-run --capture DIR``: each TF1 ``Session``'s variables and RNN structure.

Installed in the script's process (after the TF1 shims) by :mod:`tf1_compat.launch`, as
the hook that :mod:`parity.legacy_run` names for ``--capture``.
While the script runs, the TF1 RNN functions (``tf.nn.dynamic_rnn``, ``static_rnn``,
``bidirectional_dynamic_rnn``, ``static_bidirectional_rnn``, contrib's
``stack_bidirectional_(dynamic_)rnn`` and ``legacy_seq2seq.rnn_decoder``) note the cell
objects they were given and the tensors they returned. When a ``Session`` closes (or, for
one never closed, when the script ends), ``DIR/session_NNN/`` gets:

- ``model.ckpt.index`` / ``.data-*``: every global variable of the session's graph, as a
  TF1 checkpoint (the same names; optimizer slots included, ``parity convert`` leaves them out);
- ``structure.json``: for each RNN, read from the cell objects (class, units, forget bias,
  activation, peepholes, projection, clipping, ``state_is_tuple``, dropout/residual
  wrappers, their variables), the call (direction, ``time_major``, dtype, input size,
  steps) and the graph (how a ``bidirectional_dynamic_rnn``'s two outputs are merged, and
  the dense head: the ``MatMul`` on a variable that one of the RNN's outputs feeds, which
  output that is, found by running the graph on random probe inputs);
- ``graph_number`` in ``structure.json``: which graph of the process the session ran
  (sessions on the same graph share it: train and save in one, restore in another);
- ``graph.meta``: the session's graph itself (``tf.train.export_meta_graph``), and in
  ``structure.json``'s ``tensors``, per RNN, the names of what to feed and fetch to run it:
  the inputs (time-major or not), the lengths, the initial-state placeholders (Keras
  order), the keep probabilities, the output (the head's, or the RNN's) and the final
  states. :mod:`tf1_migrate.testing` runs this graph as the TF1 reference;
- ``probe_K.npz``: those probe inputs (batch-major) and the session's outputs on them
  (the head's, or the RNN's), to check a conversion against: also the ``lengths`` fed to a
  ``sequence_length`` (every length from 1 to the steps), the initial states fed to a
  ``initial_state`` (``state_in_K``, Keras order: ``h, c`` per cell) and the final states
  (``state_out_K``); DropoutWrapper keep probabilities fed through placeholders get 1.0.

What the Keras model cannot express becomes a note in ``structure.json`` (``parity convert``
stops on it, naming the option that resolves it). Sessions are numbered after any
``session_NNN`` already in ``DIR`` (the command line refuses such a folder), and a session
is recognised by the object itself, not its ``id()`` (Python reuses the id of a freed one).

The script itself is not changed: a capture that fails says so on stderr and the script
goes on. Only this process is patched, only while it runs.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import json
import os
import shutil
import sys
import weakref

import numpy as np

from tf1_compat.launch import PREFIX
from tf1_migrate import tf1_rnn

CHECKPOINT = "model.ckpt"
GRAPH = "graph.meta"  # the session's graph (tf.train.export_meta_graph)
_RNN_FUNCTIONS = ("dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn")
_CONTRIB = ("stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn")
_WRAPPERS = {"DropoutWrapper", "ResidualWrapper", "DeviceWrapper"}
# an activation that is the only reader of the dense layer's output belongs to the head
_HEAD_ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu"}
_HEAD_MATMULS = {"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"}
_PASS_THROUGH = {"Identity", "ReadVariableOp", "Tile", "ExpandDims", "Reshape", "Enter"}


def _v1():
    import tensorflow.compat.v1 as v1  # the real module, whatever sys.modules["tensorflow"] is

    return v1


class _Recorder:
    def __init__(self, folder: str, script: str):
        self.folder = os.path.abspath(folder)
        self.script = script
        self.depth = 0
        self.internal = False
        self.calls: dict = {}  # id(graph) -> (graph, [call records])
        self.sessions: list = []  # weakrefs of every session opened
        # sessions already captured: weak, so that a later session at a reused address
        # (Python reuses the id() of a freed object) is captured too
        self.done = weakref.WeakSet()
        self.count = _last_session(self.folder)  # new sessions are numbered after old ones
        # graph -> its number (1, 2, ...): sessions on the same graph say so ("graph_number")
        self.graph_numbers, self.graph_count = weakref.WeakKeyDictionary(), 0

    # ------------------------------------------------------------------ hooks
    def wrap(self, name, fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if self.depth:  # called by another RNN function: the outer call is the one
                return fn(*args, **kwargs)
            self.depth += 1
            try:
                result = fn(*args, **kwargs)
            finally:
                self.depth -= 1
            try:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                self._note(name, dict(bound.arguments), result)
            except Exception as exc:  # noqa: BLE001  (never break the script)
                self._warn(f"could not read the {name} call: {type(exc).__name__}: {exc}")
            return result

        wrapper.__parity_capture__ = True
        return wrapper

    def _note(self, name, arguments, result):
        graph = _v1().get_default_graph()
        self.calls.setdefault(id(graph), (graph, []))[1].append(
            {"call": name, "args": arguments, "result": result})

    def session_opened(self, sess):
        if not self.internal:
            self.sessions.append(weakref.ref(sess))

    def session_closing(self, sess):
        if self.internal or sess in self.done or getattr(sess, "_closed", False):
            return
        self.done.add(sess)
        try:
            self._capture(sess)
        except Exception as exc:  # noqa: BLE001
            self._warn(f"capture of a session failed: {type(exc).__name__}: {exc}")

    def finish(self):
        for ref in self.sessions:
            sess = ref()
            if sess is not None:
                self.session_closing(sess)

    def _warn(self, message):
        print(f"{PREFIX}: capture: {message}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ one session
    def _capture(self, sess):
        graph = sess.graph
        variables = graph.get_collection("variables")
        if not variables:
            return
        values = sess.run(variables)
        names = [v.op.name for v in variables]
        records = self.calls.get(id(graph), (graph, []))[1]
        models, probes, notes = [], [], []
        seen = set()
        for record in records:
            try:
                model, tensors = _describe(record)
            except _NotDescribed as exc:
                notes.append(str(exc))
                continue
            key = tuple(sorted(tf1_rnn.tf1_shapes(model)))
            if key in seen:  # the same cells run again (reuse): one model
                continue
            seen.add(key)
            models.append((model, tensors))
        self.count += 1
        target = os.path.join(self.folder, f"session_{self.count:03d}")
        tmp = os.path.join(self.folder, f".tmp-{os.getpid()}-session_{self.count:03d}")
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        try:
            _find_heads(sess, models, set(names))
            for k, (model, tensors) in enumerate(models):
                probe = _probe(sess, model, tensors)
                if isinstance(probe, str):
                    model.notes.append(f"no probe: {probe}")
                    continue
                np.savez(os.path.join(tmp, f"probe_{k}.npz"), **probe)
                probes.append({"model": k, "file": f"probe_{k}.npz",
                               "output": "head" if model.head else "rnn"})
            self._write_checkpoint(os.path.join(tmp, CHECKPOINT), names, values)
            graph_file = self._write_graph(graph, os.path.join(tmp, GRAPH))
            initial = getattr(getattr(self, "training", None), "initial", {}).get(id(graph))
            if initial:  # the variables as the first optimizer step found them
                from tf1_migrate.graph_training import INITIAL_CHECKPOINT

                self._write_checkpoint(os.path.join(tmp, INITIAL_CHECKPOINT), list(initial),
                                       list(initial.values()))
            description = {
                "format": tf1_rnn.FORMAT, "version": tf1_rnn.VERSION,
                "script": self.script, "session": self.count, "checkpoint": CHECKPOINT,
                "graph": graph_file,
                "graph_number": self._graph_number(graph),
                "variables": {n: list(np.shape(v)) for n, v in zip(names, values)},
                "models": [tf1_rnn.to_dict(m) for m, _ in models],
                # per model: the captured graph's tensors to feed and fetch (None: the
                # graph cannot be run from the RNN's inputs alone, see the model's notes)
                "tensors": [_graph_spec(m, t) if graph_file else None for m, t in models],
                "probes": probes, "notes": notes,
                "training": self._training(sess, models),
            }
            with open(os.path.join(tmp, "structure.json"), "w") as f:
                json.dump(description, f, indent=1)
            if os.path.exists(target):
                old = target + f".old-{os.getpid()}"
                os.replace(target, old)
                shutil.rmtree(old, ignore_errors=True)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        rnns = ", ".join(tf1_rnn.home(m.name) or m.name or "(top level)" for m, _ in models) or "none"
        print(f"{PREFIX}: captured session {self.count} ({len(names)} variables; RNNs: {rnns}) "
              f"-> {target}", file=sys.stderr, flush=True)

    def _graph_number(self, graph) -> int:
        if graph not in self.graph_numbers:
            self.graph_count += 1
            self.graph_numbers[graph] = self.graph_count
        return self.graph_numbers[graph]

    def _write_graph(self, graph, path):
        """The session's graph as a meta graph (``graph.meta``), or None when it cannot be
        exported (the reason on stderr: the references then rebuild the RNN instead)."""
        try:
            _v1().train.export_meta_graph(filename=path, graph=graph, clear_devices=True)
        except Exception as exc:  # noqa: BLE001  (never break the script)
            self._warn(f"the session's graph could not be saved ({type(exc).__name__}: {exc})")
            return None
        return GRAPH

    def _training(self, sess, models):
        """What the graph says about training (:mod:`tf1_migrate.graph_training`)."""
        from tf1_migrate import graph_training

        try:
            return graph_training.describe(sess, models, self.training)
        except Exception as exc:  # noqa: BLE001
            return {"unknown": f"not recorded: {type(exc).__name__}: {exc}"}

    def _write_checkpoint(self, prefix, names, values):
        v1 = _v1()
        self.internal = True
        try:
            graph = v1.Graph()
            with graph.as_default():
                holders = [v1.placeholder(np.asarray(v).dtype, np.shape(v)) for v in values]
                save = v1.raw_ops.SaveV2(prefix=prefix, tensor_names=names,
                                         shape_and_slices=[""] * len(names), tensors=holders)
                with v1.Session(graph=graph) as s:
                    s.run(save, dict(zip(holders, values)))
        finally:
            self.internal = False


class _NotDescribed(Exception):
    pass


_KEEP_TENSORS: list = []  # the DropoutWrapper keep probabilities of the call being described


def _last_session(folder: str) -> int:
    """The highest ``session_NNN`` number already in ``folder`` (0 when none)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    numbers = [int(n[8:]) for n in names if n.startswith("session_") and n[8:].isdigit()]
    return max(numbers, default=0)


# ----------------------------------------------------------------------------- cells
def _unwrap(cell):
    """(the cell inside its wrappers, {"dropout": .., "residual": ..})."""
    details = {"dropout": None, "residual": False}
    while type(cell).__name__ in _WRAPPERS:
        kind = type(cell).__name__
        if kind == "DropoutWrapper":
            keep = {k: getattr(cell, f"_{k}", 1.0) for k in
                    ("input_keep_prob", "output_keep_prob", "state_keep_prob")}
            details["dropout"] = {k: _plain(v) for k, v in keep.items()}
            # keep probabilities fed at run time: the probe feeds them 1.0 (inference)
            _KEEP_TENSORS.extend(v for v in keep.values() if hasattr(v, "graph"))
        elif kind == "ResidualWrapper":
            details["residual"] = True
        cell = cell.cell
    return cell, details


def _plain(value):
    if isinstance(value, (int, float)):
        return float(value)
    name = getattr(value, "name", None)
    return f"tensor {name}" if name else str(value)


def _flatten(cell):
    """A stack of cells, and an OutputProjectionWrapper around it when there is one."""
    projection = None
    cell, outer = _unwrap(cell)
    if type(cell).__name__ == "OutputProjectionWrapper":
        projection = cell
        cell, outer = _unwrap(cell._cell)
    if type(cell).__name__ == "MultiRNNCell":
        stack = [_unwrap(c) for c in cell._cells]
    else:
        stack = [(cell, outer)]
    return stack, projection


_ROLES = (("/projection/kernel", "projection"), ("/gates/kernel", "gates_kernel"),
          ("/gates/bias", "gates_bias"), ("/candidate/kernel", "candidate_kernel"),
          ("/candidate/bias", "candidate_bias"), ("/w_f_diag", "w_f_diag"),
          ("/w_i_diag", "w_i_diag"), ("/w_o_diag", "w_o_diag"), ("/kernel", "kernel"),
          ("/bias", "bias"))


def _cell(cell, details) -> tf1_rnn.Cell:
    cls = type(cell).__name__
    kind = tf1_rnn.TF1_CLASSES.get(cls)
    if kind is None:
        own = "" if type(cell).__module__.startswith(("tensorflow", "tf_keras", "keras")) else (
            " (the script's own RNNCell subclass: its call() is "
            "not translated; write it as a Keras cell, a keras.layers.Layer with state_size, "
            "run by keras.layers.RNN)")
        raise _NotDescribed(f"cell class {cls} has no Keras 3 mapping here{own}")
    roles, scope, shapes = {}, "", {}
    for var in cell.weights:
        name = var.op.name
        role = next((r for suffix, r in _ROLES if name.endswith(suffix)), None)
        if role is None:
            raise _NotDescribed(f"unexpected variable {name} in a {cls}")
        roles[role] = name
        shapes[role] = var.shape.as_list()
        if role in ("kernel", "gates_kernel"):
            scope = name.rsplit("/", 2 if role == "gates_kernel" else 1)[0]
    units = int(cell._num_units)
    if not getattr(cell, "_state_is_tuple", True):
        details.setdefault("notes", []).append(
            f"{cls}(state_is_tuple=False): its state is concat([c, h]); Keras returns [h, c]")
    num_proj = getattr(cell, "_num_proj", None)
    kernel = shapes.get("kernel") or shapes.get("gates_kernel")
    activation = getattr(cell, "_activation", None)
    return tf1_rnn.Cell(
        kind, units, int(kernel[0]) - (num_proj or units), roles, tf1_class=cls,
        forget_bias=float(cell._forget_bias) if kind == "lstm" else None,
        activation=getattr(activation, "__name__", None) if activation else "tanh",
        peepholes=bool(getattr(cell, "_use_peepholes", False)), num_proj=num_proj,
        cell_clip=getattr(cell, "_cell_clip", None), proj_clip=getattr(cell, "_proj_clip", None),
        residual=details["residual"], dropout=details["dropout"], scope=scope), details.get("notes", [])


def _take(described, notes):
    cell, more = described
    notes.extend(n for n in more if n not in notes)
    return cell


def _describe(record):
    """An :class:`RNNModel` and the tensors to probe it with, from one RNN call."""
    call, args, result = record["call"], record["args"], record["result"]
    _KEEP_TENSORS.clear()
    notes = []
    if call in ("dynamic_rnn", "static_rnn", "rnn_decoder"):
        stacks = {"fw": _flatten(args["cell"])}
    elif call in ("bidirectional_dynamic_rnn", "static_bidirectional_rnn"):
        stacks = {"fw": _flatten(args["cell_fw"]), "bw": _flatten(args["cell_bw"])}
    else:  # the contrib stacks of bidirectional layers
        stacks = {"layers": [(_flatten(f), _flatten(b)) for f, b in zip(args["cells_fw"], args["cells_bw"])]}
    if call == "rnn_decoder" and args.get("loop_function") is not None:
        raise _NotDescribed("rnn_decoder with a loop_function feeds each output back: not an RNN layer")
    inputs = args.get("inputs", args.get("decoder_inputs"))
    static = isinstance(inputs, (list, tuple))
    first = inputs[0] if static else inputs
    time_major = bool(args.get("time_major") or False) and not static
    shape = first.shape.as_list()
    input_size = shape[-1]
    timesteps = len(inputs) if static else shape[0 if time_major else 1]
    single = call in ("dynamic_rnn", "static_rnn")
    # sequence_length: a lengths input and a mask (a bidirectional RNN's backward direction
    # reverses only each sequence's valid steps, tf.reverse_sequence, as Keras's
    # Bidirectional does under a mask: the probe checks it)
    lengths = args.get("sequence_length") is not None
    initial_state = args.get("initial_state") is not None and call != "rnn_decoder"
    both = [k for k in ("initial_state_fw", "initial_state_bw", "initial_states_fw", "initial_states_bw")
            if args.get(k) is not None]
    # both directions' states of one bidirectional_dynamic_rnn: Keras's Bidirectional takes them
    both_states = call == "bidirectional_dynamic_rnn" and both == ["initial_state_fw", "initial_state_bw"]

    def cells_of(flat):
        stack, projection = flat
        if projection is not None:
            raise _NotDescribed("an OutputProjectionWrapper inside a bidirectional RNN is not supported")
        return [_take(_cell(c, d), notes) for c, d in stack]

    head = None
    if "layers" in stacks:
        blocks = [tf1_rnn.Block(cells_of(f), cells_of(b), "concat") for f, b in stacks["layers"]]
    else:
        (fw_stack, projection) = stacks["fw"]
        fw = [_take(_cell(c, d), notes) for c, d in fw_stack]
        if "bw" in stacks:
            merge = "concat" if call == "static_bidirectional_rnn" else None
            blocks = [tf1_rnn.Block(fw, cells_of(stacks["bw"]), merge)]
        else:
            blocks = [tf1_rnn.Block(fw)]
            if projection is not None:
                head = tf1_rnn.Head(projection._kernel.op.name, projection._bias.op.name,
                                    fw[-1].output_size, int(projection._size), input="sequence",
                                    activation=getattr(projection._activation, "__name__", None))
    prefix = tf1_rnn._parse_scope(blocks[0].fw[0].scope)[0]
    dtype = args.get("dtype") or first.dtype
    model = tf1_rnn.RNNModel(prefix, blocks, head, input_size=int(input_size),
                             time_major=time_major, timesteps=timesteps,
                             dtype=getattr(dtype, "name", str(dtype)), call=call, notes=notes)
    if lengths:
        model.lengths = True  # the Keras model takes the lengths too (a mask)
    tensors = _tensors(call, result, model, inputs, time_major)
    tensors["keep"] = [_fed_source(t) for t in _KEEP_TENSORS]
    if lengths:
        tensors["lengths"] = _fed_source(args["sequence_length"])
    if single and initial_state:
        state_cells = [c for c in blocks[0].fw]
        flat = _state_leaves(args["initial_state"], state_cells)
        if flat is None:
            notes.append("initial_state: the TF1 call starts from a given state that is not one "
                         "(h) or (c, h) per cell; the Keras model starts from zeros")
        else:
            model.state_inputs = True  # the Keras model takes and returns the states
            tensors["state_in"] = flat
            tensors["state_out"] = _state_leaves(result[1], state_cells)
    flat = None
    if both_states:
        fw_in = _state_leaves(args["initial_state_fw"], blocks[0].fw)
        bw_in = _state_leaves(args["initial_state_bw"], blocks[0].bw)
        if fw_in is not None and bw_in is not None:
            flat = fw_in + bw_in
            model.state_inputs = True  # forward states, then backward states
            tensors["state_in"] = flat
            tensors["state_out"] = (_state_leaves(result[1][0], blocks[0].fw)
                                    + _state_leaves(result[1][1], blocks[0].bw))
    if both and flat is None:
        notes.append(f"initial_state: the bidirectional TF1 call starts from given states "
                     f"({', '.join(both)}); the Keras model from zeros")
    if call == "bidirectional_dynamic_rnn":
        blocks[0].merge = _graph_merge(*tensors["fw_bw"])
    return model, tensors


def _tensors(call, result, model, inputs, time_major):
    """The tensors a probe feeds and fetches: inputs, the output sequence (or fw/bw
    sequences), the final output state(s)."""
    t = {"inputs": inputs, "time_major": time_major}
    if call in ("dynamic_rnn", "static_rnn", "rnn_decoder"):
        outputs, state = result
        t["sequence"], t["state"] = outputs, _h(state)
    elif call == "bidirectional_dynamic_rnn":
        (fw, bw), (s_fw, s_bw) = result
        t["fw_bw"] = (fw, bw)
        t["states"] = (_h(s_fw), _h(s_bw))
    elif call == "static_bidirectional_rnn":
        outputs, s_fw, s_bw = result
        t["sequence"], t["states"] = outputs, (_h(s_fw), _h(s_bw))
    else:
        outputs, states_fw, states_bw = result
        t["sequence"], t["states"] = outputs, (_h(states_fw[-1]), _h(states_bw[-1]))
    return t


def _fed_source(tensor):
    """The tensor to feed for ``tensor``: the placeholder it is cast or copied from, when
    there is one (so that the rest of the graph, e.g. a gather by lengths, sees it too)."""
    op = tensor.op
    for _ in range(8):
        if op.type in ("Placeholder", "PlaceholderWithDefault"):
            return op.outputs[0]
        if op.type not in ("Identity", "Cast") or not op.inputs:
            break
        op = op.inputs[0].op
    return tensor


def _state_leaves(state, cells):
    """The state tensors in the Keras model's order (per cell: LSTM ``h, c``; others ``h``),
    or None for a state of another shape (``state_is_tuple=False``, projections)."""
    parts = list(state) if len(cells) > 1 else [state]
    if len(parts) != len(cells):
        return None
    leaves = []
    for part, cell in zip(parts, cells):
        if cell.kind == "lstm":
            if not hasattr(part, "h") or cell.num_proj:
                return None
            leaves += [part.h, part.c]
        elif hasattr(part, "shape"):
            leaves.append(part)
        else:
            return None
    return leaves


def _h(state):
    if isinstance(state, tuple) and not hasattr(state, "h"):
        state = state[-1]
    return state.h if hasattr(state, "h") else state


def _graph_merge(fw, bw):
    """How the graph combines a bidirectional_dynamic_rnn's two output sequences."""
    for op in fw.consumers():
        if bw in list(op.inputs):
            if op.type == "ConcatV2" and list(op.inputs).index(fw) < list(op.inputs).index(bw):
                return "concat"
            if op.type in ("Add", "AddV2"):
                after = [c.type for c in op.outputs[0].consumers()]
                return "ave" if after and all(t in ("Mul", "RealDiv") for t in after) else "sum"
            if op.type == "Mul":
                return "mul"
    return None


# ----------------------------------------------------------------------------- graph
def _graph_spec(model, tensors) -> dict:
    """What to feed and fetch to run ``model`` in the captured graph (tensor names): the
    inputs (one tensor, or one per step for a static RNN) and whether they are time-major,
    the lengths, the initial and final states (Keras order: ``h, c`` per cell), the keep
    probabilities (fed 1.0) and the output: the head's, or the RNN's sequence(s)."""
    def names(values):
        return [t.name for t in values]

    inputs = tensors["inputs"]
    static = isinstance(inputs, (list, tuple))
    spec = {"inputs": names(inputs) if static else [inputs.name], "static": static,
            "time_major": bool(tensors["time_major"]),
            "lengths": tensors["lengths"].name if "lengths" in tensors else None,
            "state_in": names(tensors.get("state_in") or []),
            "state_out": names(tensors.get("state_out") or []),
            "keep": names(tensors.get("keep") or [])}
    head = model.head
    if head is not None and head.output:
        spec["output"], spec["form"] = [head.output], "head_" + (head.input or "last")
    elif "fw_bw" in tensors:
        spec["output"], spec["form"] = names(tensors["fw_bw"]), "fw_bw"
        spec["merge"] = model.blocks[-1].merge
    else:
        seq = tensors["sequence"]
        spec["output"] = names(seq) if isinstance(seq, (list, tuple)) else [seq.name]
        spec["form"] = "steps" if isinstance(seq, (list, tuple)) else "sequence"
    return spec


# ----------------------------------------------------------------------------- probe and head
def _probe_inputs(model, tensors):
    first = tensors["inputs"][0] if isinstance(tensors["inputs"], (list, tuple)) else tensors["inputs"]
    shape = first.shape.as_list()
    batch = shape[1 if tensors["time_major"] else 0] if len(shape) == 3 else shape[0]
    batch = batch or 3
    steps = model.timesteps or 6
    rng = np.random.RandomState(0)
    x = rng.normal(size=(batch, steps, model.input_size)).astype(model.dtype)
    extra = {}
    if "lengths" in tensors:  # every length from 1 to steps, the full one first
        lengths = steps - (np.arange(batch) % steps)
        extra["lengths"] = lengths.astype(tensors["lengths"].dtype.as_numpy_dtype)
    if "state_in" in tensors:
        extra["state_in"] = [rng.normal(scale=0.5, size=(batch, int(t.shape[-1]))).astype(model.dtype)
                             for t in tensors["state_in"]]
    tensors["probe_extra"] = extra
    return x


def _feed(tensors, x):
    inputs = tensors["inputs"]
    if isinstance(inputs, (list, tuple)):
        feed = {t: x[:, i, :] for i, t in enumerate(inputs)}
    else:
        feed = {inputs: np.transpose(x, (1, 0, 2)) if tensors["time_major"] else x}
    for t in tensors.get("keep", []):  # dropout off, as at inference
        feed[t] = np.ones(t.shape.as_list() or (), t.dtype.as_numpy_dtype) if t.shape.is_fully_defined() \
            else np.asarray(1.0, t.dtype.as_numpy_dtype)
    extra = tensors.get("probe_extra", {})
    if "lengths" in extra:
        feed[tensors["lengths"]] = extra["lengths"]
    for t, value in zip(tensors.get("state_in", []), extra.get("state_in", [])):
        feed[t] = value
    return feed


def _as_batch_major(value, time_major):
    if isinstance(value, list):
        return np.stack(value, axis=1)
    return np.transpose(value, (1, 0, 2)) if time_major else value


def _run_rnn(sess, model, tensors, x, extra=()):
    """Fetch the RNN's outputs on ``x``: {"fw", "bw" (bidirectional), "sequence",
    "state(s)"} batch-major, plus ``extra`` tensors."""
    fetch = {"extra": list(extra)}
    if "fw_bw" in tensors:
        fetch["fw_bw"] = list(tensors["fw_bw"])
    else:
        fetch["sequence"] = tensors["sequence"]
    fetch["states"] = list(tensors["states"]) if "states" in tensors else [tensors["state"]]
    if "state_out" in tensors:
        fetch["state_out"] = list(tensors["state_out"])
    got = sess.run(fetch, _feed(tensors, x))
    tm = tensors["time_major"]
    units = model.blocks[-1].fw[-1].units
    lstm = model.blocks[-1].fw[-1].kind == "lstm"  # state_is_tuple=False: concat([c, h])
    states = [s[..., units:] if lstm and s.shape[-1] == 2 * units else s for s in got["states"]]
    values = {"extra": got["extra"], "states": states, "state_out": got.get("state_out", [])}
    if "fw_bw" in got:
        values["fw"], values["bw"] = (_as_batch_major(v, tm) for v in got["fw_bw"])
    else:
        seq = _as_batch_major(got["sequence"], tm)
        if model.blocks[-1].bidirectional:  # the concatenated directions
            u = model.blocks[-1].fw[-1].output_size
            values["fw"], values["bw"] = seq[..., :u], seq[..., u:]
        values["sequence"] = seq
    return values


def _merged(values, merge):
    fw, bw = values["fw"], values["bw"]
    return {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw,
            "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2}[merge]()


def _candidates(model, values):
    """{(head input, merge): array} of what could feed a head."""
    last = model.blocks[-1]
    out = {}
    if last.bidirectional:
        for merge in ([last.merge] if last.merge else tf1_rnn.MERGES):
            seq = _merged(values, merge)
            s_fw, s_bw = values["states"]
            state = _merged({"fw": s_fw, "bw": s_bw}, merge)
            out.update({("last", merge): seq[:, -1], ("state", merge): state,
                        ("sequence", merge): seq})
    else:
        seq = values["sequence"]
        out.update({("last", None): seq[:, -1], ("state", None): values["states"][0],
                    ("sequence", None): seq})
    return out


def _source_variable(tensor, cell_variables):
    """The variable a MatMul operand reads (through reads, tiles, reshapes), or None."""
    op = tensor.op
    for _ in range(8):
        if op.type in ("VariableV2", "VarHandleOp", "Variable"):
            name = op.name
            return None if name in cell_variables else name
        if op.type not in _PASS_THROUGH or not op.inputs:
            return None
        op = op.inputs[0].op
    return None


def _heads_in_graph(graph, cell_variables):
    """[(matmul input tensor, kernel variable, bias variable or None, head output tensor)]."""
    found = []
    for op in graph.get_operations():
        if op.type not in _HEAD_MATMULS or any(p.startswith("gradients") for p in op.name.split("/")):
            continue
        if op.get_attr("transpose_a" if op.type == "MatMul" else "adj_x") or \
                op.get_attr("transpose_b" if op.type == "MatMul" else "adj_y"):
            continue
        kernel = _source_variable(op.inputs[1], cell_variables)
        if kernel is None:
            continue
        out, bias, activation = op.outputs[0], None, None
        for _ in range(4):  # tensordot's reshape, the bias, an activation, a reshape
            consumers = [c for c in out.consumers()
                         if not any(p.startswith("gradients") for p in c.name.split("/"))]
            adds = [c for c in consumers if c.type in ("BiasAdd", "Add", "AddV2")]
            if adds and bias is None and activation is None:
                other = [t for t in adds[0].inputs if t is not out][0]
                bias = _source_variable(other, cell_variables)
                if bias is None:
                    break
                out = adds[0].outputs[0]
                continue
            acts = [c for c in consumers if c.type in _HEAD_ACTIVATIONS]
            if len(consumers) == 1 and acts and activation is None:
                activation = _HEAD_ACTIVATIONS[acts[0].type]
                out = acts[0].outputs[0]
                continue
            reshapes = [c for c in consumers if c.type == "Reshape"]
            if not reshapes or bias is not None and activation is None:
                break  # the bias's output is the head's, unless an activation follows
            out = reshapes[0].outputs[0]
        found.append((op.inputs[0], kernel, bias, out, activation))
    return found


def _find_heads(sess, models, variable_names):
    """Give each RNN the dense head that one of its outputs feeds (checked on probe inputs)."""
    if not models:
        return
    cell_variables = set()
    for model, _ in models:
        cell_variables.update(tf1_rnn.tf1_shapes(model))
        if model.head:
            cell_variables.update(filter(None, (model.head.kernel, model.head.bias)))
    graph = sess.graph
    heads = _heads_in_graph(graph, cell_variables)
    if not heads:
        return
    for model, tensors in models:
        if model.head is not None:
            continue
        x = _probe_inputs(model, tensors)
        try:
            values = _run_rnn(sess, model, tensors, x)
        except Exception as exc:  # noqa: BLE001
            model.notes.append(f"head not identified: the graph needs more than the RNN's "
                               f"inputs ({_first_line(exc)})")
            continue
        values["extra"], unreached = [], []
        for head in heads:  # one by one: another model's head may need other inputs
            try:
                values["extra"].append(sess.run(head[0], _feed(tensors, x)))
            except Exception as exc:  # noqa: BLE001
                values["extra"].append(np.zeros(0))
                unreached.append(f"{head[1]} ({_first_line(exc)})")
        candidates = _candidates(model, values)
        if model.time_major:  # every step's output as the time-major graph holds it: [time, batch]
            candidates = {key: np.swapaxes(arr, 0, 1) if key[0] == "sequence" else arr
                          for key, arr in candidates.items()}
        for (_fed_by, kernel, bias, out, activation), fed in zip(heads, values["extra"]):
            fed = np.asarray(fed)
            matches = [key for key, arr in candidates.items()
                       if arr.size == fed.size and arr.shape[-1] == fed.shape[-1]
                       and np.allclose(arr.reshape(fed.shape), fed, rtol=1e-6, atol=1e-6)]
            if not matches:
                continue
            order = {"last": 0, "state": 1, "sequence": 2}
            kind, merge = min(matches, key=lambda k: order[k[0]])
            if kind == "sequence" and fed.ndim == 2 and fed.shape[0] != x.shape[0] * x.shape[1]:
                continue
            shape = graph.get_operation_by_name(kernel).outputs[0].shape.as_list()
            model.head = tf1_rnn.Head(kernel, bias, int(shape[0]), int(shape[1]), input=kind,
                                      activation=activation, output=out.name)
            if merge and model.blocks[-1].merge is None:
                model.blocks[-1].merge = merge
            break
        if model.head is None and unreached:  # a dense layer the probe could not reach
            model.notes.append("head not identified: the graph needs more than the RNN's inputs "
                               "to reach the dense layer(s) " + "; ".join(unreached))
        elif model.head is None:  # a dense layer on the RNN's outputs that none of them equals
            fed = [h[1] for h in heads if _reads(h[0], _outputs_of(tensors))]
            if fed:
                model.notes.append("head not identified: the dense layer(s) " + ", ".join(fed)
                                   + " read the RNN's outputs through other operations (not the "
                                   "last step, the final state or every step as they are)")


def _outputs_of(tensors) -> set:
    """The ops of the RNN's output tensors (sequences and final states)."""
    found = []
    for key in ("sequence", "fw_bw", "state", "states"):
        value = tensors.get(key)
        stack = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, (list, tuple)):
                stack.extend(v)
            elif hasattr(v, "op"):
                found.append(v.op)
    return set(found)


def _reads(tensor, ops, limit=5000) -> bool:
    """Whether ``tensor`` is computed from one of ``ops`` (a bounded walk up the graph)."""
    seen, stack = set(), [tensor.op]
    while stack and len(seen) < limit:
        op = stack.pop()
        if op in ops:
            return True
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
    return False


def _first_line(exc) -> str:
    text = str(exc).strip()
    import re

    fed = re.search(r"must feed a value for placeholder tensor '([^']+)'", text)
    if fed:
        return f"it reads the placeholder '{fed.group(1)}'"
    return text.splitlines()[0] if text else type(exc).__name__


def _probe(sess, model, tensors):
    """Probe inputs and the session's outputs on them, or why there are none."""
    x = _probe_inputs(model, tensors)
    try:
        if model.head is not None and model.head.output:
            extra = [sess.graph.get_tensor_by_name(model.head.output)]
            values = _run_rnn(sess, model, tensors, x, extra=extra)
            out = np.asarray(values["extra"][0])
            if model.head.input == "sequence" and tensors["time_major"]:  # [time(, batch)]
                out = np.swapaxes(out.reshape(x.shape[1], x.shape[0], -1), 0, 1)
            elif model.head.input == "sequence":
                out = out.reshape(x.shape[0], x.shape[1], -1)
        else:
            values = _run_rnn(sess, model, tensors, x)
            if model.head is not None:  # an OutputProjectionWrapper: the RNN's outputs are the head's
                out = values["sequence"]
            elif model.blocks[-1].bidirectional:
                if model.blocks[-1].merge is None:
                    return "the merge of the two directions is not known"
                out = _merged(values, model.blocks[-1].merge)
            else:
                out = values["sequence"]
    except Exception as exc:  # noqa: BLE001
        return f"the graph needs more than the RNN's inputs ({_first_line(exc)})"
    probe = {"inputs": x, "outputs": out}
    extra = tensors.get("probe_extra", {})
    if "lengths" in extra:
        probe["lengths"] = extra["lengths"]
    for k, value in enumerate(extra.get("state_in", [])):
        probe[f"state_in_{k}"] = value
    for k, value in enumerate(values["state_out"]):
        probe[f"state_out_{k}"] = value
    return probe


# ----------------------------------------------------------------------------- install
def install(folder: str, script: str) -> _Recorder:
    """Patch this process's TF1 RNN functions and ``Session`` for the capture."""
    import tensorflow.python.ops.rnn as rnn_module

    v1 = _v1()
    recorder = _Recorder(folder, script)
    for name in _RNN_FUNCTIONS:
        original = getattr(v1.nn, name)
        wrapped = recorder.wrap(name, original)
        setattr(v1.nn, name, wrapped)
        if getattr(rnn_module, name, None) is original:
            setattr(rnn_module, name, wrapped)
    contrib_rnn = sys.modules.get("tensorflow.contrib.rnn")
    if contrib_rnn is not None:
        for name in _CONTRIB:
            setattr(contrib_rnn, name, recorder.wrap(name, getattr(contrib_rnn, name)))
    seq2seq = sys.modules.get("tensorflow.contrib.legacy_seq2seq")
    if seq2seq is not None:
        seq2seq.rnn_decoder = recorder.wrap("rnn_decoder", seq2seq.rnn_decoder)

    session = v1.Session
    base = session.__mro__[1]  # BaseSession: close() lives there
    original_init, original_close = base.__init__, base.close

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        recorder.session_opened(self)

    def close(self):
        recorder.session_closing(self)
        original_close(self)

    base.__init__, base.close = __init__, close
    from tf1_migrate import graph_training

    graph_training.install(recorder, script)  # the optimizer, loss and Session.run calls
    atexit.register(recorder.finish)
    return recorder


def check_folder(folder: str) -> str:
    """Create the capture folder (with its parents); one-line ``ValueError`` when it cannot be."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"--capture {folder}: exists and is not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--capture {folder}: cannot create it ({exc.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise ValueError(f"--capture {folder}: not writable")
    if _last_session(folder):
        raise ValueError(f"--capture {folder}: already holds the capture of an earlier run "
                         f"(session_NNN folders); give a new folder")
    return os.path.abspath(folder)

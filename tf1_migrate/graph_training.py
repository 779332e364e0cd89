"""What a captured TF1 graph says about training: optimizer, loss, the ``Session.run`` calls.

Installed by :mod:`tf1_migrate.capture` (``legacy-run --capture DIR``) in the script's
process: ``Optimizer.minimize`` / ``apply_gradients`` note the optimizer object, the loss
and the train op they return; ``Session.run`` notes, per line of the script that calls it,
what it fetched and fed (names, shapes, dtypes) and how often. When the session is
captured, :func:`describe` turns that into the ``"training"`` entry of ``structure.json``:

- ``optimizer``: the TF1 class and its hyperparameters (learning rate, betas, epsilon,
  momentum, Nesterov, decay), and the Keras 3 optimizer that takes the same steps, TF1's
  defaults written out where Keras's differ (:func:`keras_optimizer`);
- ``loss``: which loss the graph computes, told by the op under the reduction
  (softmax / sparse-softmax / sigmoid cross-entropy with logits, a square) and by its value
  on the last training batch (the mean or the sum of those per-element values), as one of
  the names :mod:`tf1_migrate.testing` knows, and its Keras 3 form (:func:`keras_loss`);
- ``steps`` (the ``Session.run`` calls that ran the train op), ``batch_size``, and
  ``runs``: each call site (script line; for a ``sess.make_callable`` callable, the line
  that calls it, and ``callable_line`` the one that made it) with the role of each fetch (``train``, ``loss``,
  ``accuracy``, ``streaming_accuracy``, ``output``, ``state_out``, ``init``) and of each feed
  (``x``, ``y``, ``lengths``, ``state``, ``keep``), with the line that made each tensor
  (``unused``: a fed tensor that nothing fetched is computed from);
- per run, ``here``: its calls in this Session (``steps_here``: this Session's train steps;
  the other counts are the graph's, over all its Sessions); a fetch of unknown role that
  computes the model's output on the script's feed and on a random one is ``output`` (e.g.
  the model rebuilt on the same variables) or ``output_squeezed`` (``tf.squeeze`` of it);
- ``checkpoints``: the graph's ``tf.train.Saver`` ``save`` / ``restore`` calls (line,
  absolute path; a restore's ``written_here``: a checkpoint this process saved);
- ``input``: the ops between the fed input and the RNN (``Reshape``, ``OneHot``, ``Cast``,
  ``Unpack``), which a Keras port does with NumPy.

What is not recognised is recorded as ``{"unknown": reason}``: the port generator turns it
into a ``TODO(migrate)``, never a guess.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
import weakref

import numpy as np

INITIAL_CHECKPOINT = "initial.ckpt"  # the variables before the first optimizer step
_ADAM_DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _v1():
    import tensorflow.compat.v1 as v1

    return v1


class Recorder:
    """The optimizers and ``Session.run`` calls of one script's process."""

    def __init__(self, script: str):
        self.script = os.path.realpath(script) if script else ""
        self.optimizers: list = []  # [{"graph", "optimizer", "loss", "train"}]
        self.runs: dict = {}  # (id(graph), line) -> record
        self.initial: dict = {}  # id(graph) -> {variable: value} before the first train step
        self.depth = 0
        # tf.train.Saver save / restore calls: {"op", "line", "path", "graph", "session",
        # "written_here"} (a restore's checkpoint written by this process, after it started)
        self.checkpoints: list = []
        self.started = time.time()

    # ------------------------------------------------------------------ optimizer
    def noted(self, optimizer, loss, train_op, grads=None, global_step=None):
        graph = train_op.graph if hasattr(train_op, "graph") else _v1().get_default_graph()
        if loss is None and grads:
            loss = _loss_of_gradients(grads)
        self.optimizers.append({"graph": graph, "optimizer": optimizer, "loss": loss,
                                "train": train_op, "clipped": _clipped(grads),
                                "global_step": global_step})

    # ------------------------------------------------------------------ runs
    def line(self) -> int | None:
        frame = sys._getframe(2)  # the caller of Session.run: the script itself, or not noted
        if os.path.realpath(frame.f_code.co_filename) == self.script:
            return frame.f_lineno
        return None

    def before_run(self, sess, fetches):
        """The variables' values before the graph's first optimizer step (the TF1 start)."""
        graph = sess.graph
        if id(graph) in self.initial:
            return
        trains = {_name(o["train"]) for o in self.optimizers if o["graph"] is graph}
        if not trains or not any(_name(x) in trains for x in _leaves(fetches)):
            return
        variables = graph.get_collection("variables")
        self.initial[id(graph)] = dict(zip([v.op.name for v in variables], sess.run(variables)))

    def ran(self, sess, fetches, feed_dict, line, made=None):
        """``made``: for a ``sess.make_callable`` callable, the line that made it."""
        key = (id(sess.graph), line)
        record = self.runs.get(key)
        if record is None:
            record = self.runs[key] = {"graph": sess.graph, "line": line, "count": 0,
                                       "fetches": fetches, "feed": None, "shapes": {},
                                       "callable_line": made,
                                       "sessions": weakref.WeakKeyDictionary()}
        record["count"] += 1
        record["sessions"][sess] = record["sessions"].get(sess, 0) + 1  # calls per Session
        if feed_dict:
            record["feed"] = dict(feed_dict)  # the last one: values kept for the loss check
            for k, v in feed_dict.items():
                for t, value in zip(_leaves(k), _leaves(v)):
                    shape = list(np.shape(value))
                    record["shapes"].setdefault(_name(t), {"shape": shape,
                                                           "dtype": str(np.asarray(value).dtype),
                                                           "batch": set()})
                    if shape:
                        record["shapes"][_name(t)]["batch"].add(shape[0])

    def checkpoint(self, op, sess, path, line):
        """A ``tf.train.Saver`` ``save`` / ``restore`` of ``sess`` at ``path`` (script line)."""
        path = os.path.abspath(os.fspath(path)) if path is not None else None
        entry = {"op": op, "line": line, "path": path, "graph": sess.graph,
                 "session": weakref.ref(sess)}
        if op == "restore":  # written by this program: saved here, after the process started
            index = f"{path}.index" if path else ""
            entry["written_here"] = bool(path) and any(c["op"] == "save" for c in self.checkpoints) \
                and os.path.exists(index) and os.path.getmtime(index) >= self.started - 1
        self.checkpoints.append(entry)


def install(recorder_owner, script: str) -> Recorder:
    """Patch ``Optimizer.minimize`` / ``apply_gradients`` and ``Session.run`` of this process."""
    v1 = _v1()
    rec = Recorder(script)
    recorder_owner.training = rec
    optimizer_cls = v1.train.Optimizer
    minimize, apply = optimizer_cls.minimize, optimizer_cls.apply_gradients

    @functools.wraps(minimize)
    def _minimize(self, loss, *args, **kwargs):
        rec.depth += 1
        try:
            op = minimize(self, loss, *args, **kwargs)
        finally:
            rec.depth -= 1
        _safe(rec.noted, self, loss, op, None, kwargs.get("global_step", args[0] if args else None))
        return op

    @functools.wraps(apply)
    def _apply(self, grads_and_vars, *args, **kwargs):
        grads_and_vars = list(grads_and_vars)
        op = apply(self, grads_and_vars, *args, **kwargs)
        if not rec.depth:
            _safe(rec.noted, self, None, op, [g for g, _ in grads_and_vars],
                  kwargs.get("global_step", args[0] if args else None))
        return op

    optimizer_cls.minimize, optimizer_cls.apply_gradients = _minimize, _apply

    base = v1.Session.__mro__[1]
    run = base.run

    @functools.wraps(run)
    def _run(self, fetches, feed_dict=None, *args, **kwargs):
        line = rec.line() if not getattr(recorder_owner, "internal", False) else None
        if line is not None:
            _safe(rec.before_run, self, fetches)
            _safe(rec.ran, self, fetches, feed_dict, line)
        return run(self, fetches, feed_dict, *args, **kwargs)

    base.run = _run
    make_callable = base.make_callable

    @functools.wraps(make_callable)
    def _make_callable(self, fetches, feed_list=None, accept_options=False):
        fn = make_callable(self, fetches, feed_list, accept_options)
        made = rec.line() if not getattr(recorder_owner, "internal", False) else None
        if made is None:
            return fn
        feeds = list(feed_list or [])

        def call(*args, **kwargs):  # noted as the sess.run it stands for, at the caller's line
            line = rec.line()
            if line is not None:
                _safe(rec.before_run, self, fetches)
                _safe(rec.ran, self, fetches, dict(zip(feeds, args)), line, made)
            return fn(*args, **kwargs)

        return call

    base.make_callable = _make_callable
    saver_cls = v1.train.Saver
    save, restore = saver_cls.save, saver_cls.restore

    @functools.wraps(save)
    def _save(self, sess, save_path, *args, **kwargs):
        line = rec.line() if not getattr(recorder_owner, "internal", False) else None
        written = save(self, sess, save_path, *args, **kwargs)
        if line is not None:
            _safe(rec.checkpoint, "save", sess, written, line)
        return written

    @functools.wraps(restore)
    def _restore(self, sess, save_path, *args, **kwargs):
        line = rec.line() if not getattr(recorder_owner, "internal", False) else None
        if line is not None:
            _safe(rec.checkpoint, "restore", sess, save_path, line)
        return restore(self, sess, save_path, *args, **kwargs)

    saver_cls.save, saver_cls.restore = _save, _restore
    return rec


def _safe(fn, *args):
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001  (never break the script)
        print(f"parity legacy-run: capture: training not recorded: {type(exc).__name__}: {exc}",
              file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- helpers
def _leaves(value) -> list:
    """The tensors/ops/values of a (nested) fetch or feed key, in order."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    return [value]


def _name(t) -> str:
    return getattr(t, "name", None) or str(t)


def _structure(value, roles):
    """A fetch as JSON: nested lists of ``{"name", "role"}``."""
    if isinstance(value, dict):
        return {str(k): _structure(v, roles) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        names = [_name(t) for t in _leaves(value)]
        for role, group in roles.get("groups", {}).items():
            if names == group:
                return {"name": names, "role": role}
        return [_structure(v, roles) for v in value]
    name = _name(value)
    return {"name": name, "role": roles["of"].get(name) or _role_by_graph(value, roles)}


def _origin_line(t, script) -> int | None:
    """The outermost line of the script in the traceback that made ``t`` (its statement)."""
    op = getattr(t, "op", t)
    try:
        frames = op.traceback
    except Exception:  # noqa: BLE001
        return None
    for frame in frames:  # outermost first
        filename = frame[0] if isinstance(frame, tuple) else frame.filename
        lineno = frame[1] if isinstance(frame, tuple) else frame.lineno
        if os.path.realpath(filename) == script:
            return int(lineno)
    return None


def _ancestors(tensor, limit=4000) -> dict:
    """{op: distance} of the ops ``tensor`` is computed from (breadth first, bounded)."""
    from collections import deque

    seen, queue = {}, deque([(tensor.op, 0)])
    while queue and len(seen) < limit:
        op, d = queue.popleft()
        if op in seen:
            continue
        seen[op] = d
        for t in op.inputs:
            queue.append((t.op, d + 1))
    return seen


def _fed_and_read(fetches, limit=50000):
    """The names of the placeholders the fetches are computed from (inputs and control
    inputs), or None when the graph is too large to walk."""
    seen, stack = set(), [getattr(f, "op", f) for f in _leaves(fetches) if hasattr(f, "graph")]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if len(seen) > limit:
            return None
        stack += [t.op for t in op.inputs] + list(op.control_inputs)
    return {op.outputs[0].name for op in seen if op.type == "Placeholder"}


def _placeholders(tensor) -> set:
    return {op.outputs[0].name for op in _ancestors(tensor) if op.type == "Placeholder"}


def _loss_of_gradients(grads):
    """The loss that ``tf.gradients(loss, ...)`` differentiated (its ``gradients/Shape`` input)."""
    for g in grads:
        if g is None:
            continue
        for op in _ancestors(g, 3000):
            if op.type == "Fill" and op.name.endswith("grad_ys_0"):
                shape = op.inputs[0].op
                if shape.type == "Shape":
                    return shape.inputs[0]
                # a loss of static shape: its gradient op consumes grad_ys_0 ("<scope>gradients/<loss op>_grad/...")
                for consumer in op.outputs[0].consumers():
                    m = re.match(r"^(?:.*/)?gradients(?:_\d+)?/(.+?)_grad/", consumer.name)
                    if m:
                        try:
                            return op.graph.get_operation_by_name(m.group(1)).outputs[0]
                        except (KeyError, ValueError, IndexError):
                            pass
    return None


_RAW_GRADIENT = re.compile(r"(^|/)gradients(_\d+)?/")


def _clipped(grads) -> dict | None:
    """How the gradients given to ``apply_gradients`` were changed after ``tf.gradients``:
    None (not at all), ``{"global_norm": clip_norm}`` (one ``tf.clip_by_global_norm`` of
    them all), or ``{"unknown": why}``."""
    grads = [g for g in grads or [] if g is not None]
    if not grads:
        return None
    scales, raw = set(), []
    for g in grads:
        op = g.op
        if _RAW_GRADIENT.search(op.name) and "clip_by_global_norm" not in op.name:
            continue  # as tf.gradients / compute_gradients made it
        if op.type == "Identity" and "clip_by_global_norm" in op.name:
            mul = op.inputs[0].op
            if mul.type == "Mul" and len(mul.inputs) == 2:
                raw.append(mul.inputs[0])
                scales.add(mul.inputs[1].op)
                continue
        return {"unknown": f"the gradients are changed ({op.type} {op.name}) between tf.gradients "
                           f"and apply_gradients: not translated"}
    if not scales:
        return None
    if len(scales) > 1 or len(raw) != len(grads):
        return {"unknown": "tf.clip_by_global_norm clips some of the gradients, or several groups of "
                           "them apart: Keras's global_clipnorm clips them all together"}
    scale = next(iter(scales))  # clip_norm * min(1 / global_norm, 1 / clip_norm) (+ 0 * global_norm)
    mul = scale.inputs[0].op if scale.type in ("Add", "AddV2") else scale
    clip = _const(mul.inputs[0]) if mul.type == "Mul" else None
    norms = [op for op in _ancestors(scale.outputs[0], 400) if op.type == "L2Loss"]
    if clip is None or np.size(clip) != 1:
        return {"unknown": "tf.clip_by_global_norm's clip_norm is not a constant: not translated"}
    if len(norms) != len(grads):
        return {"unknown": f"tf.clip_by_global_norm's global norm is of {len(norms)} tensors, "
                           f"{len(grads)} gradients are applied: Keras's global_clipnorm takes the "
                           f"norm of the gradients it applies"}
    return {"global_norm": float(np.asarray(clip).reshape(()))}


def _role_by_graph(t, roles) -> str:
    op = getattr(t, "op", t)
    if op.type == "NoOp" or op.name.startswith("init") or op.type == "Assign" and "init" in op.name:
        return "init"
    if op.name.endswith("update_op") and "accuracy" in op.name:
        return "streaming_accuracy"
    if hasattr(t, "op") and _is_accuracy(t):
        return "accuracy"
    return "unknown"


def _is_accuracy(t) -> bool:
    """``mean(cast(equal(argmax(a), argmax(b))))``."""
    op = t.op
    if op.type != "Mean":
        return False
    op = op.inputs[0].op
    if op.type != "Cast":
        return False
    op = op.inputs[0].op
    return op.type == "Equal" and all(i.op.type == "ArgMax" for i in op.inputs)


# ----------------------------------------------------------------------------- describe
_PER_ELEMENT = (("SoftmaxCrossEntropyWithLogits", "softmax_cross_entropy"),
                ("SparseSoftmaxCrossEntropyWithLogits", "sparse_softmax_cross_entropy"),
                ("SquaredDifference", "square"), ("Square", "square"))


def describe(sess, models: list, rec: Recorder) -> dict:
    """The ``"training"`` entry of ``structure.json`` for ``sess`` (see the module docstring)."""
    graph = sess.graph
    mine = [o for o in rec.optimizers if o["graph"] is graph]
    runs = sorted((r for r in rec.runs.values() if r["graph"] is graph), key=lambda r: r["line"])
    out = {"steps": 0, "batch_size": None, "runs": [], "notes": []}
    if not mine:
        out["optimizer"] = {"unknown": "no tf.train optimizer's minimize/apply_gradients ran in this graph"}
        out["loss"] = {"unknown": "no optimizer: the loss it minimises is not known"}
    if len(mine) > 1:
        out["notes"].append(f"{len(mine)} optimizers in one graph: the first is described")
    opt = mine[0] if mine else None
    roles = _roles(models, opt)
    train_runs = [r for r in runs if opt is not None and
                  any(_name(x) == _name(opt["train"]) for x in _leaves(r["fetches"]))]
    if opt is not None:
        out["optimizer"] = _optimizer(sess, opt)
        last = train_runs[-1]["feed"] if train_runs else None
        out["loss"] = _loss(sess, opt["loss"], last, roles)
        if models and "scale" in out["loss"]:
            out["loss"] = {"unknown": f"the loss ({out['loss']['tensor']}) is {out['loss']['name']} "
                                      f"times {out['loss']['scale']!r}: not one of the losses "
                                      f"tf1_migrate.testing checks"}
    out["steps"] = sum(r["count"] for r in train_runs)
    schedule = (out.get("optimizer") or {}).get("schedule")
    if schedule:  # Keras counts from 0, one per step: so must the global step have
        try:
            var = graph.get_operation_by_name(schedule["global_step"]).outputs[0]
            now = int(sess.run(var if var.dtype.name != "resource" else
                               graph.get_tensor_by_name(schedule["global_step"] + "/Read/ReadVariableOp:0")))
        except Exception:  # noqa: BLE001
            now = None
        if now != out["steps"]:
            out["optimizer"] = {"class": out["optimizer"]["class"],
                                "unknown": f"the learning rate decays with {schedule['global_step']}, "
                                           f"which is {now} after {out['steps']} train steps (Keras's "
                                           f"schedule counts the optimizer's steps from 0)"}
    x_name = roles.get("x_name")
    for r in runs:
        feeds = []
        read = _fed_and_read(r["fetches"]) if r["feed"] else None
        for k in (r["feed"] or {}):
            names = [_name(t) for t in _leaves(k)]
            role = _feed_role(names, roles)
            entry = {"name": names[0] if len(names) == 1 else names, "role": role,
                     "line": _origin_line(_leaves(k)[0], rec.script)}
            if read is not None and not set(names) & read:
                entry["unused"] = True  # nothing fetched is computed from it
            shapes = [r["shapes"].get(n) for n in names]
            if shapes and shapes[0]:
                entry["shape"], entry["dtype"] = shapes[0]["shape"], shapes[0]["dtype"]
            feeds.append(entry)
        fetches = _structure(r["fetches"], roles)
        if r["feed"]:  # a fetch that computes the model's output another way (rebuilt with
            fetches = _output_by_value(sess, fetches, r, roles)  # the same variables, squeezed)
        lines = {_name(t): _origin_line(t, rec.script) for t in _leaves(r["fetches"])
                 if hasattr(t, "graph")}
        out["runs"].append({"line": r["line"], "count": r["count"], "fetches": fetches,
                            "feed": feeds, "origins": lines,
                            "train": r in train_runs})
        if r.get("callable_line") is not None:  # a sess.make_callable's callable, made there
            out["runs"][-1]["callable_line"] = r["callable_line"]
        out["runs"][-1]["here"] = _safe_count(r, sess)  # the calls made in this Session
        if r in train_runs and x_name in r["shapes"]:
            batches = r["shapes"][x_name]["batch"]
            shape = r["shapes"][x_name]["shape"]
            if roles.get("time_major_feed") and len(shape) > 1:  # fed [time, batch, ...]
                out["batch_size"] = shape[1]
            elif batches:
                out["batch_size"] = max(batches)
    out["steps_here"] = sum(_safe_count(r, sess) for r in train_runs)
    out["checkpoints"] = [{"op": c["op"], "line": c["line"], "path": c["path"],
                           "session": c["session"]() is sess,
                           **({"written_here": c["written_here"]} if c["op"] == "restore" else {})}
                          for c in rec.checkpoints if c["graph"] is graph]
    out["initializers"] = _initializers(graph)
    if id(graph) in rec.initial:
        out["initial_checkpoint"] = INITIAL_CHECKPOINT
    out["output_shape"] = roles.get("output_shape")
    out["state_shapes"] = roles.get("state_shapes")
    out["input"] = roles.get("input", {"unknown": "the RNN's input was not found"})
    if not models and roles.get("output") is not None:  # no RNN cell: the forward graph itself
        out["forward"] = forward_graph(sess, roles["output"])
    return out


def _safe_count(record, sess) -> int:
    try:
        return int(record.get("sessions", {}).get(sess, 0))
    except TypeError:
        return 0


def _output_by_value(sess, fetches, record, roles):
    """Fetches of unknown role that compute what the model's output computes, on the feed the
    script gave and on a random one of its shape: ``output`` (the same values: e.g. the
    model rebuilt on the same variables) or ``output_squeezed`` (``tf.squeeze`` of them)."""
    names = [n for n, r in roles["of"].items() if r == "output"]
    if not names or roles.get("x_name") is None:
        return fetches
    graph = sess.graph
    feed = dict(record["feed"])
    x = next((k for k in feed if _name(k) == roles["x_name"]), None)
    if x is None:
        return fetches
    rng = np.random.RandomState(0)
    value = np.asarray(feed[x])
    other = dict(feed)
    other[x] = rng.normal(size=value.shape).astype(value.dtype) if value.dtype.kind == "f" else value

    def role(entry):
        if isinstance(entry, list):
            return [role(e) for e in entry]
        if not (isinstance(entry, dict) and entry.get("role") == "unknown"
                and isinstance(entry.get("name"), str)):
            return entry
        try:
            fetched = graph.get_tensor_by_name(entry["name"])
            output = graph.get_tensor_by_name(names[0])
            got = [sess.run([fetched, output], f) for f in (feed, other)]
        except Exception:  # noqa: BLE001  (not computable from the feed: stays unknown)
            return entry
        for found in ("output", "output_squeezed"):
            same = all(np.shape(a) == np.shape(b if found == "output" else np.squeeze(b))
                       and np.allclose(a, b if found == "output" else np.squeeze(b),
                                       rtol=1e-5, atol=1e-6)
                       for a, b in got)
            if same and np.std(got[1][1]) > 0:
                return {**entry, "role": found}
        return entry

    return role(fetches)


def _initializer(value) -> dict | None:
    """How a variable's initial value was drawn: normal / truncated normal (mean, stddev),
    uniform (min, max), glorot uniform, or a constant; None when not recognised."""
    op = value.op
    name = op.name
    if "glorot_uniform" in name:
        return {"kind": "glorot_uniform"}
    c = _const(value)
    if c is not None:
        c = np.asarray(c)
        if c.size and np.all(c == c.flat[0]):
            return {"kind": "constant", "value": float(c.flat[0])}
        return None
    if op.type in ("Add", "AddV2") and op.inputs[0].op.type == "Mul":
        mul, offset = op.inputs[0].op, _folded(op.inputs[1])
        draw = mul.inputs[0].op
        scale = _folded(mul.inputs[1])
        if offset is None or scale is None:
            return None
        kinds = {"RandomStandardNormal": "normal", "TruncatedNormal": "truncated_normal"}
        if draw.type in kinds:
            return {"kind": kinds[draw.type], "mean": float(offset), "stddev": float(scale)}
        if draw.type == "RandomUniform":
            return {"kind": "uniform", "min": float(offset), "max": float(offset + scale)}
    return None


def _folded(t):
    """A constant, or the difference of two (``random_uniform``'s ``max - min``)."""
    c = _const(t)
    if c is None and t.op.type == "Sub":
        a, b = _const(t.op.inputs[0]), _const(t.op.inputs[1])
        c = None if a is None or b is None else np.asarray(a) - np.asarray(b)
    return None if c is None or np.size(c) != 1 else float(np.asarray(c).reshape(()))


def _initializers(graph) -> dict:
    out = {}
    for v in graph.get_collection("variables"):
        try:
            init = v.initializer
            value = init.inputs[1]
            found = _initializer(value)
        except Exception:  # noqa: BLE001
            found = None
        if found is not None:
            out[v.op.name] = found
    return out


def _roles(models, opt) -> dict:
    """Which graph tensors are the input, labels, lengths, states, output, loss, train op."""
    roles = {"of": {}, "groups": {}, "feeds": {}}
    if opt is not None:
        roles["of"][_name(opt["train"])] = "train"
        if opt["loss"] is not None:
            roles["of"][opt["loss"].name] = "loss"
    if not models:
        return _graph_roles(roles, opt)
    model, tensors = models[0]
    graph = opt["graph"] if opt else None
    inputs = tensors["inputs"]
    first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    chain, source = _input_chain(first)
    if source is not None:
        roles["feeds"][source.name] = "x"
        roles["x_name"] = source.name
        roles["input"] = {"ops": chain, "placeholder": source.name,
                          "dtype": source.dtype.name, "shape": source.shape.as_list()}
        roles["time_major_feed"] = bool(model.time_major) and not any(
            c.get("op") == "Transpose" for c in chain)
    else:
        roles["input"] = {"unknown": f"the RNN's input is computed by ops the port does not "
                                     f"translate ({', '.join(chain)})"}
    if "lengths" in tensors:
        roles["feeds"][tensors["lengths"].name] = "lengths"
    for t in tensors.get("keep", []):
        roles["feeds"][t.name] = "keep"
    if tensors.get("state_in"):
        roles["state_in"] = [t.name for t in tensors["state_in"]]
        roles["groups"]["state_in"] = roles["state_in"]
        roles["groups"]["state_in_tf1"] = [n for k in range(0, len(roles["state_in"]), 2)
                                           for n in roles["state_in"][k:k + 2][::-1]]
        roles["state_shapes"] = [t.shape.as_list() for t in tensors["state_in"]]
    if tensors.get("state_out"):
        out_names = [t.name for t in tensors["state_out"]]
        roles["groups"]["state_out"] = out_names
        # TF1's LSTMStateTuple is (c, h); the capture lists h, c
        swapped = []
        for k in range(0, len(out_names), 2):
            swapped += out_names[k:k + 2][::-1]
        roles["groups"]["state_out_tf1"] = swapped
    output = None
    if model.head is not None and model.head.output and graph is not None:
        output = graph.get_tensor_by_name(model.head.output)
    elif "sequence" in tensors and not isinstance(tensors["sequence"], (list, tuple)):
        output = tensors["sequence"]
    if output is not None:
        roles["of"][output.name] = "output"
        roles["output_shape"] = output.shape.as_list()
        if opt is not None and opt["loss"] is not None:
            labels = _placeholders(opt["loss"]) - _placeholders(output)
            for name in labels:
                roles["feeds"].setdefault(name, "y")
    return roles


def _feed_role(names, roles) -> str:
    if len(names) == 1 and names[0] in roles["feeds"]:
        return roles["feeds"][names[0]]
    state_in = set(roles.get("state_in", []))
    if state_in and set(names) == state_in:
        return "state"
    return "unknown"


_CHAIN_OPS = {"Reshape", "OneHot", "Cast", "Unpack", "Identity", "Transpose"}
_GATHERS = {"GatherV2", "ResourceGather", "Gather"}


def _input_chain(tensor):
    """(the op types from the fed placeholder to the RNN's input, the placeholder or None)."""
    chain, op = [], tensor.op
    for _ in range(12):
        if op.type in ("Placeholder", "PlaceholderWithDefault"):
            return chain[::-1], op.outputs[0]
        entry = {"op": op.type}
        if op.type == "OneHot":
            entry["depth"] = int(_const(op.inputs[1]))
        elif op.type == "Cast":
            entry["dtype"] = op.outputs[0].dtype.name
        elif op.type == "Reshape":
            entry["shape"] = op.outputs[0].shape.as_list()
        elif op.type == "Transpose":
            perm = _const(op.inputs[1])
            entry["perm"] = None if perm is None else [int(p) for p in np.ravel(perm)]
        elif op.type in _GATHERS:  # tf.nn.embedding_lookup(variable, ids)
            var = _variable_of(op.inputs[0])
            axis = _const(op.inputs[2]) if op.type == "GatherV2" else 0
            if var is None or axis is None or int(np.asarray(axis)) != 0:
                chain.append(entry)
                return [c if isinstance(c, str) else c["op"] for c in chain], None
            trainable = {v.op.name for v in op.graph.get_collection("trainable_variables")}
            shape = op.inputs[0].shape.as_list()
            chain.append({"op": "Embedding", "variable": var.name, "shape": shape,
                          "trainable": var.name in trainable})
            op = op.inputs[1].op
            continue
        elif op.type not in _CHAIN_OPS:
            chain.append(op.type)
            return [c if isinstance(c, str) else c["op"] for c in chain], None
        chain.append(entry)
        op = op.inputs[0].op
    return ["(too deep)"], None


def _const(t):
    from tensorflow.python.framework import tensor_util

    return tensor_util.constant_value(t)


def _value(sess, v):
    """A hyperparameter: a number, or a constant / variable's value now, or None."""
    if isinstance(v, (int, float, np.floating, np.integer)):
        return float(v), None
    if v is None:
        return None, None
    if callable(v):
        return None, "a callable"
    t = getattr(v, "value", None)
    t = v if hasattr(v, "op") else t
    c = _const(v) if hasattr(v, "op") else None
    if c is not None:
        return float(c), None
    kinds = {op.type for op in _ancestors(v if hasattr(v, "op") else v.value(), 200)}
    if any("Placeholder" in k for k in kinds) or any(k in kinds for k in ("Pow", "FloorDiv", "Cos")):
        return None, f"a schedule or fed value ({getattr(v, 'name', v)})"
    try:
        return float(sess.run(v)), f"a variable ({getattr(v, 'name', v)}): its value when the session closed"
    except Exception as exc:  # noqa: BLE001
        return None, f"cannot read it ({type(exc).__name__})"


_HYPER = {
    "AdamOptimizer": ("adam", {"learning_rate": "_lr", "beta1": "_beta1", "beta2": "_beta2",
                               "epsilon": "_epsilon"}),
    "GradientDescentOptimizer": ("sgd", {"learning_rate": "_learning_rate"}),
    "MomentumOptimizer": ("momentum", {"learning_rate": "_learning_rate", "momentum": "_momentum"}),
    "RMSPropOptimizer": ("rmsprop", {"learning_rate": "_learning_rate", "decay": "_decay",
                                     "momentum": "_momentum", "epsilon": "_epsilon"}),
    "AdagradOptimizer": ("adagrad", {"learning_rate": "_learning_rate",
                                     "initial_accumulator_value": "_initial_accumulator_value"}),
}


def _optimizer(sess, opt) -> dict:
    o = opt["optimizer"]
    cls = type(o).__name__
    if cls not in _HYPER:
        return {"class": cls, "unknown": f"tf.train.{cls} has no Keras 3 form here"}
    name, attrs = _HYPER[cls]
    out = {"class": cls, "name": name, "notes": []}
    for key, attr in attrs.items():
        if key == "learning_rate":
            schedule = _schedule(sess, getattr(o, attr, None), opt.get("global_step"))
            if schedule is not None and "unknown" in schedule:
                return {"class": cls, "unknown": schedule["unknown"]}
            if schedule is not None and cls == "MomentumOptimizer":
                return {"class": cls, "unknown": f"tf.train.{schedule['kind']} with a "
                        f"MomentumOptimizer: TF1 multiplies the accumulated gradients by the "
                        f"rate of this step (var -= lr_t * accum), Keras's SGD folds each step's "
                        f"rate into its momentum (m = momentum * m - lr_t * g): the steps differ "
                        f"once the rate changes"}
            if schedule is not None:
                out["schedule"] = schedule
                out[key] = schedule.get("initial_learning_rate", schedule.get("values", [None])[0])
                continue
        value, note = _value(sess, getattr(o, attr, None))
        if value is None:
            return {"class": cls, "unknown": f"{cls}'s {key} is {note or 'not readable'}"}
        out[key] = value
        if note:
            out["notes"].append(f"{key}: {note}")
    if cls == "MomentumOptimizer":
        out["nesterov"] = bool(getattr(o, "_use_nesterov", False))
    if cls == "RMSPropOptimizer":
        out["centered"] = bool(getattr(o, "_centered", False))
    clipped = opt.get("clipped") or {}
    if "unknown" in clipped:
        return {"class": cls, "unknown": clipped["unknown"]}
    if "global_norm" in clipped:
        out["global_clipnorm"] = clipped["global_norm"]
    return out


def _variable_of(t):
    """The variable op a tensor reads (through casts, reads and identities), or None."""
    op = t.op
    for _ in range(6):
        if op.type in ("VarHandleOp", "VariableV2", "Variable"):
            return op
        if op.type not in ("Cast", "ReadVariableOp", "Identity") or not op.inputs:
            return None
        op = op.inputs[0].op
    return None


_SCHEDULES = {  # the name scope tf.train.<schedule> gives its ops -> the schedule
    "ExponentialDecay": "exponential_decay", "PiecewiseConstant": "piecewise_constant",
    "InverseTimeDecay": "inverse_time_decay", "PolynomialDecay": "polynomial_decay",
    "CosineDecay": "cosine_decay",
}
_VARIABLE_OPS = ("VarHandleOp", "VariableV2", "Variable")


def _number(c):
    """A float32 / int constant as it was written (0.7, not 0.699999988)."""
    c = np.asarray(c).reshape(())
    if np.issubdtype(c.dtype, np.integer):
        return int(c)
    value = float(str(c.astype(np.float32)))
    return int(value) if value.is_integer() else value


def _static(sess, t):
    """The value of a tensor computed from constants only, or None (a variable, a fed value)."""
    if t is None:
        return None
    c = _const(t)
    if c is not None:
        return c
    ops = _ancestors(t, 200)
    if len(ops) >= 200 or any(op.type in _VARIABLE_OPS or "Placeholder" in op.type or
                              op.type == "ReadVariableOp" for op in ops):
        return None
    try:
        return sess.run(t)
    except Exception:  # noqa: BLE001
        return None


def _keras_rate(kind, a, steps):
    """Keras 3's schedule for ``kind`` with arguments ``a`` at ``steps``, as Keras computes
    it (float32; keras/src/optimizers/schedules/learning_rate_schedule.py)."""
    f = np.float32
    s = np.asarray(steps, np.float32)
    if kind == "piecewise_constant":
        b, v = a["boundaries"], a["values"]
        out = np.full(s.shape, f(v[-1]))
        for i in range(len(b) - 1, -1, -1):
            out = np.where(s <= b[i], f(v[i]), out)
        return out
    lr0 = f(a["initial_learning_rate"])
    if kind in ("exponential_decay", "natural_exp_decay", "inverse_time_decay"):
        p = s / f(a["decay_steps"])
        p = np.floor(p) if a["staircase"] else p
        if kind == "inverse_time_decay":
            return lr0 / (f(1) + f(a["decay_rate"]) * p)
        return lr0 * np.power(f(a["decay_rate"]), p)
    if kind == "polynomial_decay":
        end, ds = f(a["end_learning_rate"]), f(a["decay_steps"])
        if a["cycle"]:
            ds = ds * np.where(s == 0, f(1), np.ceil(s / ds))
        else:
            s = np.minimum(s, ds)
        return (lr0 - end) * np.power(f(1) - s / ds, f(a["power"])) + end
    ds, alpha = f(a["decay_steps"]), f(a["alpha"])
    cosine = f(0.5) * (f(1) + np.cos(f(np.pi) * (np.minimum(s, ds) / ds)))
    return lr0 * ((f(1) - alpha) * cosine + alpha)


def _schedule(sess, lr, global_step) -> dict | None:
    """A learning rate from ``tf.train.exponential_decay``, ``natural_exp_decay``,
    ``piecewise_constant``, ``inverse_time_decay``, ``polynomial_decay`` or ``cosine_decay``
    of the global step: ``{"kind", its arguments, "global_step", "rates"}``; ``{"unknown":
    why}`` when it cannot be the Keras 3 schedule; None when ``lr`` is no such tensor.

    The arguments are read from the graph's ops, then checked: the graph's rate, computed by
    TF at steps 0, 1, around each decay step / boundary and far beyond, must be Keras's
    schedule's (``_keras_rate``) at every one of them, or it stays a TODO."""
    if not hasattr(lr, "op"):
        return None
    scope = next((part for part in lr.op.name.split("/")
                  if re.sub(r"_\d+$", "", part) in _SCHEDULES), None)
    if scope is None:
        return None
    kind = _SCHEDULES[re.sub(r"_\d+$", "", scope)]
    prefix = lr.op.name[:lr.op.name.index(scope) + len(scope)]
    ancestors = _ancestors(lr, 2000)
    inside = [op for op in ancestors if op.name == prefix or op.name.startswith(prefix + "/")]
    types = {op.type for op in inside}
    variables = [op for op in ancestors if op.type in _VARIABLE_OPS]
    name = f"tf.train.{kind} ({lr.name})"
    if any("Placeholder" in op.type for op in ancestors) or len(variables) != 1:
        return {"unknown": f"{name} with arguments that are not constants (a fed value or a "
                           f"variable besides the global step): not translated"}
    step_var = variables[0]
    given = _variable_of(global_step) if hasattr(global_step, "op") else None
    if given is None or given is not step_var:
        return {"unknown": f"{name} decays with {step_var.name}, which the train op does not "
                           f"increment (minimize / apply_gradients(global_step=...)): Keras's "
                           f"schedule counts the optimizer's own steps"}
    reads = [op.outputs[0] for op in ancestors if op.type in ("Identity", "ReadVariableOp")
             and op.inputs and op.inputs[0].op is step_var]

    def first(types_, where=lambda op: True):
        return next((op for op in sorted(inside, key=lambda o: o.name)
                     if op.type in types_ and where(op)), None)

    def value(t):
        v = _static(sess, t)
        if v is None:
            raise ValueError("not a constant")
        return _number(v)

    def steps_div():  # global_step / decay_steps: decay_steps
        op = first(("RealDiv", "Div", "TrueDiv"),
                   lambda o: step_var in _ancestors(o.inputs[0], 50) and
                   _static(sess, o.inputs[1]) is not None)
        return value(op.inputs[1])

    a = {}
    try:
        if kind == "exponential_decay":
            power = lr.op.inputs[1].op
            if lr.op.type != "Mul" or power.type != "Pow":
                raise ValueError("not lr0 * rate ** p")
            a["initial_learning_rate"] = float(value(lr.op.inputs[0]))
            rate = power.inputs[0]
            if rate.op.type == "Exp":  # natural_exp_decay: exponential_decay at exp(-rate)
                kind, name = "natural_exp_decay", f"tf.train.natural_exp_decay ({lr.name})"
                a["natural_decay_rate"] = -value(rate.op.inputs[0])
                a["decay_rate"] = float(np.asarray(_static(sess, rate), np.float32))
            else:
                a["decay_rate"] = value(rate)
            a["decay_steps"], a["staircase"] = steps_div(), "Floor" in types
        elif kind == "inverse_time_decay":
            add = lr.op.inputs[1].op
            mul = next(t.op for t in add.inputs if t.op.type == "Mul")
            a["initial_learning_rate"] = float(value(lr.op.inputs[0]))
            a["decay_rate"] = value(next(t for t in mul.inputs if step_var not in _ancestors(t, 50)))
            a["decay_steps"], a["staircase"] = steps_div(), "Floor" in types
        elif kind == "polynomial_decay":
            mul = next(t.op for t in lr.op.inputs if t.op.type == "Mul")
            end = next(t for t in lr.op.inputs if t.op is not mul)
            sub = next(t.op for t in mul.inputs if t.op.type == "Sub")
            pow_ = next(t.op for t in mul.inputs if t.op.type == "Pow")
            a["initial_learning_rate"] = float(value(sub.inputs[0]))
            a["end_learning_rate"] = float(value(end))
            a["power"] = float(value(pow_.inputs[1]))
            a["decay_steps"], a["cycle"] = steps_div(), "Ceil" in types
        elif kind == "cosine_decay":
            add = lr.op.inputs[1].op
            a["initial_learning_rate"] = float(value(lr.op.inputs[0]))
            a["decay_steps"] = value(first(("Minimum",)).inputs[1])
            a["alpha"] = float(value(next(t for t in add.inputs if t.op.type != "Mul")))
        else:  # piecewise_constant: the boundaries it compares the step with; the values read
            bounds = {value(op.inputs[1]) for op in inside if op.type in ("LessEqual", "Greater")
                      and op.inputs[0].name in {r.name for r in reads}}
            a["boundaries"] = sorted(int(b) if float(b).is_integer() else b for b in bounds)
    except (ValueError, IndexError, AttributeError, StopIteration, TypeError) as exc:
        return {"unknown": f"{name}: its arguments could not be read from the graph "
                           f"({'not constants' if 'constant' in str(exc) else 'an unknown form'}): "
                           f"not translated"}

    def rates(at):
        out = []
        for s in at:
            out.append(float(sess.run(lr, {r: np.asarray(s, r.dtype.as_numpy_dtype) for r in reads})))
        return out

    try:
        if kind == "piecewise_constant":
            if not a["boundaries"]:
                raise ValueError("no boundaries")
            a["values"] = [_number(v) for v in rates([*a["boundaries"], a["boundaries"][-1] + 1])]
        ds = a.get("decay_steps", max(a.get("boundaries") or [1]))
        at = sorted({0, 1, 2, *(int(b) + d for b in a.get("boundaries", []) for d in (-1, 0, 1)),
                     *(int(m * ds) + d for m in (1, 2, 3) for d in (-1, 0, 1)), int(10 * ds) + 3,
                     100000} - {-1})
        if a.get("staircase") or a.get("cycle"):  # floor / ceil of step / decay_steps: TF may
            # divide by multiplying with 1 / decay_steps, one rounding off at an exact multiple
            at = sorted(set(at) | {int(m * ds) for m in range(1, 1001)})
        at = [s for s in at if s < 2 ** 31]  # an int32 global step holds them
        tf1 = rates(at)
    except Exception as exc:  # noqa: BLE001
        return {"unknown": f"{name}: the graph's rate could not be computed at a given step "
                           f"({type(exc).__name__}): not translated"}
    keras = _keras_rate(kind, a, at)
    wrong = [(s, t, float(k)) for s, t, k in zip(at, tf1, keras)
             if not np.isclose(t, k, rtol=1e-5, atol=1e-9)]
    if wrong:
        s, t, k = wrong[0]
        why = ""
        if a.get("staircase") or a.get("cycle"):
            why = (f" (TF computes step / decay_steps as step * (1 / decay_steps): at step {s} "
                   f"its {'floor' if a.get('staircase') else 'ceil'} is off by one)")
        return {"unknown": f"{name}: the graph's rate at step {s} is {t:.6g}, Keras 3's schedule "
                           f"with the arguments read from it gives {k:.6g}{why}: not translated"}
    return {"kind": kind, **a, "global_step": step_var.name,
            "rates": {str(s): t for s, t in zip(at, tf1)}}


def _loss(sess, loss, feed, roles) -> dict:
    if loss is None:
        return {"unknown": "the loss behind apply_gradients was not found"}
    if feed is None:
        return {"unknown": "the train op never ran: the loss's reduction cannot be checked"}
    found = None
    for op, _ in sorted(_ancestors(loss, 3000).items(), key=lambda kv: kv[1]):
        if op.name.split("/")[-1] == "logistic_loss" and op.type in ("Add", "AddV2"):
            found = (op, "sigmoid_cross_entropy")
            break
        kind = dict(_PER_ELEMENT).get(op.type)
        if kind:
            found = (op, kind)
            break
    if found is None:
        return {"unknown": f"the loss {loss.name} is none of the cross-entropies or squares known here"}
    op, kind = found
    try:
        value, per = sess.run([loss, op.outputs[0]], feed)
    except Exception as exc:  # noqa: BLE001
        return {"unknown": f"the loss could not be evaluated ({type(exc).__name__})"}
    per = np.asarray(per, np.float64)
    value = float(value)
    tol = dict(rtol=1e-4, atol=1e-6)
    lengths = next((np.asarray(v) for k, v in feed.items()
                    if roles["feeds"].get(_name(k)) == "lengths"), None)
    scale = _loss_scale(loss)  # 0.5 * reduce_sum(...), reduce_mean(...) / 2
    if np.isclose(value, per.mean(), **tol):
        reduction = "mean"
    elif np.isclose(value, per.sum(), **tol):
        reduction = "sum"
    elif scale != 1.0 and kind == "square" and np.isclose(value, scale * per.mean(), **tol):
        reduction = "mean"
    elif scale != 1.0 and kind == "square" and np.isclose(value, scale * per.sum(), **tol):
        reduction = "sum"
    elif kind == "sparse_softmax_cross_entropy" and lengths is not None and lengths.ndim == 1 \
            and per.ndim in (1, 2) and lengths.size and per.size % lengths.size == 0:
        # tf.contrib.seq2seq.sequence_loss(logits, targets, tf.sequence_mask(lengths)): the
        # mean over each sequence's valid steps (its cross-entropy flattened to [batch * time])
        per = per.reshape(lengths.size, -1)
        mask = np.arange(per.shape[1])[None, :] < lengths[:, None]
        if mask.any() and np.isclose(value, (per * mask).sum() / mask.sum(), **tol):
            return {"name": "sequence_loss", "reduction": "mean over the valid steps",
                    "tensor": loss.name, "per_element": op.type}
        return {"unknown": f"the loss ({loss.name}) is {kind} reduced neither by a mean, a sum "
                           f"nor a mean over the sequences' valid steps (weights?)"}
    else:
        return {"unknown": f"the loss ({loss.name}) is {kind} reduced neither by a mean nor a sum "
                           f"of its elements (weights?)"}
    name = {"square": "mean_square" if reduction == "mean" else "sum_square"}.get(kind, kind)
    if kind != "square" and reduction == "sum":
        return {"unknown": f"a summed {kind}: not one of the losses tf1_migrate.testing checks"}
    found = {"name": name, "reduction": reduction, "tensor": loss.name, "per_element": op.type}
    if scale != 1.0 and not np.isclose(value, per.mean() if reduction == "mean" else per.sum(), **tol):
        found["scale"] = scale  # a constant factor: 0.5 * reduce_sum(tf.square(y - out))
    return found


def _loss_scale(loss) -> float:
    """The constant factor over the loss's reduction (``0.5 * tf.reduce_sum(...)``,
    ``tf.reduce_mean(...) / 2``): 1.0 when none."""
    scale, op = 1.0, loss.op
    for _ in range(4):
        if op.type == "Mul" and len(op.inputs) == 2:
            consts = [(k, _const(t)) for k, t in enumerate(op.inputs)]
            k, c = next(((k, c) for k, c in consts if c is not None and np.size(c) == 1), (None, None))
            if c is None:
                break
            scale *= float(np.asarray(c).reshape(()))
            op = op.inputs[1 - k].op
        elif op.type in ("RealDiv", "Div", "TrueDiv") and _const(op.inputs[1]) is not None \
                and np.size(_const(op.inputs[1])) == 1:
            scale /= float(np.asarray(_const(op.inputs[1])).reshape(()))
            op = op.inputs[0].op
        elif op.type == "Identity":
            op = op.inputs[0].op
        else:
            break
    return scale


# ----------------------------------------------------------------------------- no RNN cell
_VARIABLE_OPS = {"VarHandleOp", "VariableV2", "Variable"}
_FORWARD_LIMIT = 5000  # ops: a larger forward graph is not written out


def _from_variables(t) -> bool:
    return any(op.type in _VARIABLE_OPS for op in _ancestors(t, 3000))


def _prediction(loss):
    """The model's output a loss is computed from (the operand of its square or the logits of
    its cross-entropy that variables compute), or None."""
    for op, _ in sorted(_ancestors(loss, 3000).items(), key=lambda kv: kv[1]):
        if op.type == "Square":
            inner = op.inputs[0].op
            candidates = list(inner.inputs) if inner.type == "Sub" else []
        elif op.type == "SquaredDifference":
            candidates = list(op.inputs)
        elif op.type in ("SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits"):
            logits = op.inputs[0]  # through the op's own flattening of the logits to 2-D
            while logits.op.type == "Reshape" and logits.op.name.startswith(op.name + "/"):
                logits = logits.op.inputs[0]
            candidates = [logits]
        else:
            continue
        found = [t for t in candidates if _from_variables(t)]
        return found[0] if len(found) == 1 else None
    return None


def _graph_roles(roles, opt) -> dict:
    """A graph without an RNN cell (its recurrence, if any, written out in ops): the output is
    what the loss compares with the labels, the input the placeholders it is computed from."""
    if opt is None or opt["loss"] is None:
        return roles
    output = _prediction(opt["loss"])
    if output is None:
        return roles
    roles["output"] = output
    roles["of"][output.name] = "output"
    for consumer in output.consumers():  # tf.nn.softmax(logits) / tf.sigmoid(logits), fetched
        if consumer.type in ("Softmax", "Sigmoid"):
            roles["of"][consumer.outputs[0].name] = f"output_{consumer.type.lower()}"
    roles["output_shape"] = output.shape.as_list() if output.shape.rank is not None else None
    fed = sorted(_placeholders(output))
    if len(fed) == 1:
        source = output.graph.get_tensor_by_name(fed[0])
        roles["feeds"][source.name] = "x"
        roles["x_name"] = source.name
        roles["input"] = {"ops": [], "placeholder": source.name, "dtype": source.dtype.name,
                          "shape": source.shape.as_list() if source.shape.rank is not None else None}
    else:
        roles["input"] = {"unknown": f"the output {output.name} is computed from "
                                     f"{len(fed)} placeholders ({', '.join(fed)}): one input is translated"}
    for name in _placeholders(opt["loss"]) - set(fed):
        roles["feeds"].setdefault(name, "y")
    return roles


def _shape(t):
    return t.shape.as_list() if t.shape.rank is not None else None


def _attr_value(v):
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "as_datatype_enum"):  # a tf.DType
        return v.name
    if isinstance(v, (list, tuple)):
        items = [_attr_value(x) for x in v]
        return None if any(x is None for x in items) else items
    return None


def _attrs(op) -> dict:
    out = {}
    for key in op.node_def.attr:
        if key.startswith("_") or key == "value":
            continue
        try:
            value = _attr_value(op.get_attr(key))
        except Exception:  # noqa: BLE001
            value = None
        if value is not None:
            out[key] = value
    return out


def forward_graph(sess, output, batch: int = 3) -> dict:
    """The ops from the input placeholders and the variables to ``output``, in the graph's
    order (each input before the ops that read it), as JSON: ``ops`` (name, type, input
    tensor names, output tensors' dtypes and shapes, simple attributes, a constant's value),
    ``output`` and ``probe`` (random inputs and the session's output on them)."""
    order, seen, stack = [], set(), [(output.op, False)]
    while stack:
        op, expanded = stack.pop()
        if expanded:
            order.append(op)
            continue
        if op in seen:
            continue
        seen.add(op)
        if len(seen) > _FORWARD_LIMIT:
            return {"unknown": f"the forward graph of {output.name} holds more than "
                               f"{_FORWARD_LIMIT} ops: not written out"}
        stack.append((op, True))
        if op.type in _VARIABLE_OPS or op.type.startswith("Placeholder"):
            continue
        stack += [(t.op, False) for t in reversed(list(op.inputs))]
    position = {op: k for k, op in enumerate(output.graph.get_operations())}
    order.sort(key=lambda op: position.get(op, len(position)))  # the order the script made them
    ops = []
    for op in order:
        entry = {"name": op.name, "type": op.type, "inputs": [t.name for t in op.inputs],
                 "outputs": [{"name": t.name, "dtype": t.dtype.base_dtype.name, "shape": _shape(t)}
                             for t in op.outputs],
                 "attrs": _attrs(op)}
        if op.type == "Const":
            value = _const(op.outputs[0])
            if value is not None and np.size(value) <= 10000:
                entry["value"] = np.asarray(value).tolist()
        ops.append(entry)
    rng = np.random.RandomState(0)
    feed = {}
    for op in order:
        if op.type == "Placeholder":
            t = op.outputs[0]
            shape = [batch if d is None else d for d in (_shape(t) or [batch])]
            if t.dtype.is_floating:
                feed[t] = rng.uniform(-1, 1, size=shape).astype(t.dtype.as_numpy_dtype)
            elif t.dtype.is_integer:
                feed[t] = rng.randint(0, 2, size=shape).astype(t.dtype.as_numpy_dtype)
    out = {"ops": ops, "output": output.name}
    try:
        value = sess.run(output, feed)
        out["probe"] = {"inputs": {t.name: v.tolist() for t, v in feed.items()},
                        "output": np.asarray(value).tolist()}
    except Exception as exc:  # noqa: BLE001
        out["probe"] = {"unknown": f"the output could not be computed from random inputs "
                                   f"({type(exc).__name__})"}
    return out


# ----------------------------------------------------------------------------- Keras forms
class _Code(str):
    """Code written as it is where a number's repr would go."""

    def __repr__(self):
        return str(self)


def keras_optimizer(opt: dict) -> tuple[str, list]:
    """``(Keras 3 code, comment lines)`` for an ``optimizer`` entry."""
    name, lr = opt["name"], opt["learning_rate"]
    schedule = opt.get("schedule")
    if schedule:  # tf.train.<schedule> of the global step: its Keras 3 schedule
        lr = _Code(keras_schedule(schedule))
    if name == "adam":
        code = (f"keras.optimizers.Adam(learning_rate={lr!r}, beta_1={opt['beta1']!r}, "
                f"beta_2={opt['beta2']!r}, epsilon={opt['epsilon']!r})")
        why = ["TF1 AdamOptimizer: epsilon 1e-8 by default (Keras 3's Adam: 1e-7), written out"]
    elif name == "sgd":
        code, why = f"keras.optimizers.SGD(learning_rate={lr!r})", ["TF1 GradientDescentOptimizer"]
    elif name == "momentum":
        code = (f"keras.optimizers.SGD(learning_rate={lr!r}, momentum={opt['momentum']!r}, "
                f"nesterov={opt['nesterov']!r})")
        why = ["TF1 MomentumOptimizer: accum = m * accum + g; var -= lr * accum (the same steps "
               "as Keras's SGD with momentum at a constant learning rate)"]
    elif name == "rmsprop":
        code = (f"keras.optimizers.RMSprop(learning_rate={lr!r}, rho={opt['decay']!r}, "
                f"momentum={opt['momentum']!r}, epsilon={opt['epsilon']!r}, "
                f"centered={opt['centered']!r})")
        why = ["TF1 RMSPropOptimizer: decay -> rho, epsilon 1e-10 by default (Keras 1e-7), written out;",
               "DIFFERS: TF1 starts the mean square at 1.0, Keras at 0.0, so the first steps "
               "are larger in Keras"]
    else:  # adagrad
        code = (f"keras.optimizers.Adagrad(learning_rate={lr!r}, initial_accumulator_value="
                f"{opt['initial_accumulator_value']!r}, epsilon=1e-30)")
        why = ["TF1 AdagradOptimizer: no epsilon (Keras adds 1e-7; written as ~0)"]
    if schedule:
        why.append(schedule_comment(schedule))
    if opt.get("global_clipnorm") is not None:
        code = code[:-1] + f", global_clipnorm={opt['global_clipnorm']!r})"
        why.append("tf.clip_by_global_norm(gradients, clip_norm) before apply_gradients: Keras's "
                   "global_clipnorm clips the gradients of all the weights together, by their "
                   "global norm, before the update, as TF1 did")
    return code, why + [f"note: {n}" for n in opt.get("notes", [])]


_KERAS_SCHEDULE = {
    "exponential_decay": ("ExponentialDecay", ("initial_learning_rate", "decay_steps",
                                               "decay_rate", "staircase")),
    "natural_exp_decay": ("ExponentialDecay", ("initial_learning_rate", "decay_steps",
                                               "decay_rate", "staircase")),
    "inverse_time_decay": ("InverseTimeDecay", ("initial_learning_rate", "decay_steps",
                                                "decay_rate", "staircase")),
    "polynomial_decay": ("PolynomialDecay", ("initial_learning_rate", "decay_steps",
                                             "end_learning_rate", "power", "cycle")),
    "cosine_decay": ("CosineDecay", ("initial_learning_rate", "decay_steps", "alpha")),
    "piecewise_constant": ("PiecewiseConstantDecay", ("boundaries", "values")),
}


def keras_schedule(schedule: dict) -> str:
    """The Keras 3 code of a ``schedule`` entry (graph_training's ``_schedule``)."""
    cls, args = _KERAS_SCHEDULE[schedule["kind"]]
    return (f"keras.optimizers.schedules.{cls}("
            + ", ".join(f"{a}={schedule[a]!r}" for a in args) + ")")


def schedule_comment(schedule: dict) -> str:
    """Why the Keras 3 schedule is the TF1 one."""
    kind = schedule["kind"]
    cls = _KERAS_SCHEDULE[kind][0]
    more = {"natural_exp_decay": f": lr0 * exp(-{schedule.get('natural_decay_rate')} * p) is "
                                 f"ExponentialDecay with decay_rate exp(-"
                                 f"{schedule.get('natural_decay_rate')}) (float32, as TF computes it)",
            "polynomial_decay": ": power and cycle as in TF1 (cycle: the decay steps times "
                                "ceil(step / decay_steps), 1 at step 0, in both)",
            "cosine_decay": ": lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / "
                            "decay_steps)) + alpha in both",
            "piecewise_constant": ": values[i] while step <= boundaries[i], in both"}.get(kind, "")
    return (f"tf.train.{kind}(..., global_step, ...) with the global step incremented by each "
            f"train step: Keras's {cls} of the optimizer's iterations (0 at the first step, as "
            f"the global step was){more}; the rates checked equal to the graph's at steps "
            f"0 to {max(int(k) for k in schedule.get('rates', {'0': 0}))}")


def keras_loss(loss: dict) -> tuple[str, str]:
    """``(Keras 3 code, comment)`` for a ``loss`` entry."""
    name = loss["name"]
    if name == "softmax_cross_entropy":
        return ("keras.losses.CategoricalCrossentropy(from_logits=True)",
                "TF1 softmax_cross_entropy_with_logits, averaged: the model outputs logits")
    if name == "sparse_softmax_cross_entropy":
        return ("keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
                "TF1 sparse_softmax_cross_entropy_with_logits, averaged over every element")
    if name == "sigmoid_cross_entropy":
        return ("keras.losses.BinaryCrossentropy(from_logits=True)",
                "TF1 sigmoid_cross_entropy_with_logits, averaged")
    if loss.get("scale") is not None:
        form = "sum" if loss["reduction"] == "sum" else "mean"
        return ("square_loss", f"TF1 {loss['scale']!r} * reduce_{form}(square(labels - pred)): "
                               f"no Keras loss is that, square_loss above is")
    if name == "mean_square":
        return ("keras.losses.MeanSquaredError()", "TF1 reduce_mean(square(pred - labels))")
    if name == "sequence_loss":
        return ("keras.losses.SparseCategoricalCrossentropy(from_logits=True, "
                "reduction='mean_with_sample_weight')",
                "TF1 seq2seq.sequence_loss(logits, targets, sequence_mask(lengths)): the mean over "
                "the valid steps (port_run gives the mask as the sample weights)")
    return ("sum_of_squares", "TF1 reduce_sum(square(pred - labels)): a sum, not a mean")

"""``parity migrate SCRIPT.py --write port.py``: a runnable Keras 3 program from a TF1 script.

What the port is made of:

- the model: the captured graph's RNN (``legacy-run --capture``: cells, stacking,
  directions, lengths, carried state, the dense head), written out as ``keras.layers`` code
  by :mod:`tf1_migrate.keras_code` and checked, before anything is written, against the
  capture's probe with the converted TF1 weights; a graph with no RNN cell (its recurrence
  or layers written out in TF ops) as its forward graph, op for op, in a Keras layer
  (:mod:`tf1_migrate.keras_graph`), checked against the capture's probe of that graph;
- the loss and optimizer the graph trained with (:mod:`tf1_migrate.graph_training`), TF1's
  defaults written out where Keras's differ, a learning rate of the global step
  (``exponential_decay``, ``natural_exp_decay``, ``piecewise_constant``,
  ``inverse_time_decay``, ``polynomial_decay``, ``cosine_decay``, constant arguments, its
  rates checked equal to the graph's) as a Keras schedule, ``clip_by_global_norm`` as
  ``global_clipnorm``;
- the script's own code: imports, functions and statements that do not use TensorFlow are
  carried over as they are (``# from SCRIPT line N``); ``input_data`` becomes the suite's
  offline MNIST loader; ``tf.set_random_seed`` ``keras.utils.set_random_seed``; the TF1
  graph statements are replaced by the model;
- the ``Session`` part: each ``sess.run(fetches, feed_dict)`` becomes
  ``port_run(roles, feed)``, where ``roles`` say what the capture saw each fetched tensor be
  (``"train"``: one ``train_on_batch``; ``"loss"``, ``"accuracy"``, ``"output"``,
  ``"state_out"``) and the feed's keys are the roles of the placeholders (``"x"``, ``"y"``,
  ``"lengths"``, ``"state"``); the input ops between placeholder and RNN (reshape, one-hot,
  cast, a time-major feed's transpose) are NumPy in ``prepare_x``; a time-major graph with
  an output per step gets its labels as ``[batch, time]`` and its outputs back as ``[time,
  batch]`` (``TIME_MAJOR_STEPS``, ``batch_major_labels``); an embedding lookup of a
  variable is a ``keras.layers.Embedding`` in ``build_model()`` before the RNN model
  (``build_rnn_model()``). The loop around them stays the script's: the same
  number of optimizer steps and batches;
- ``PARITY_METRIC name=value``: the last loss or accuracy the program computed, printed
  last (what ``parity check`` compares).

Whatever is not translated becomes ``# TODO(migrate): <reason>`` and a
``raise NotImplementedError`` at that point: the program stops there rather than doing
something else. Beside the port: ``<stem>.init.weights.h5`` (the TF1 weights converted; the
port takes ``--init-from FILE``) and ``test_port_parity.py`` (:mod:`tf1_migrate.testing`:
the outputs and one optimizer step from the same weights, as TF1 computes them).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

TODO = "TODO(migrate)"
_RECOGNISED = {"train", "loss", "accuracy", "streaming_accuracy", "output", "output_squeezed",
               "output_softmax", "output_sigmoid", "state_out",
               "state_out_tf1", "state_in", "state_in_tf1", "init"}
_FEED_ROLES = {"x", "y", "lengths", "state"}


class WriteError(ValueError):
    """Bad input (a one-line reason: exit 2)."""


@dataclass
class Written:
    port: Path
    test: Path | None = None
    weights: Path | None = None
    start: Path | None = None  # the TF1 variables before the script's first optimizer step
    capture: str = ""
    todos: list = field(default_factory=list)
    notes: list = field(default_factory=list)


# ----------------------------------------------------------------------------- capture
def _sessions(folder: Path) -> list:
    if (folder / "structure.json").is_file():
        return [folder]
    return sorted(p for p in folder.glob("session_*") if (p / "structure.json").is_file())


CAPTURE_HOOK = "tf1_migrate.capture:install"  # what `parity legacy-run --capture` installs


def capture_script(script: Path, folder: Path, args=(), cwd=None) -> None:
    """Run ``script`` under ``legacy-run --capture`` into ``folder`` (replaced only on
    success); ``cwd``: the folder it runs in (default: this process's)."""
    from tf1_compat import run as tf1_run
    from tf1_compat.launch import hook_entry

    tmp = Path(tempfile.mkdtemp(prefix=".capture-", dir=folder.parent))
    try:  # legacy-run --capture: the capture hook installed in the script's process
        hooks = [hook_entry(CAPTURE_HOOK, str((tmp / "c").absolute()))]
        done = tf1_run.run_script(str(script.absolute()), list(args), hooks=hooks, cwd=cwd,
                                  env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        if done.returncode != 0:
            last = [line for line in (done.stderr or "").splitlines() if line.strip()]
            raise WriteError(f"{script} failed under parity legacy-run (exit {done.returncode}): "
                             f"{last[-1] if last else 'no message'}")
        if not _sessions(tmp / "c"):
            raise WriteError(f"{script} opened no TF1 Session with variables: nothing to port")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp / "c", folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _choose_session(folder: Path) -> tuple[Path, dict, list]:
    sessions = _sessions(folder)
    if not sessions:
        raise WriteError(f"--capture {folder}: no session_NNN/structure.json of parity legacy-run --capture")
    todos, chosen = [], []
    for s in sessions:
        data = json.loads((s / "structure.json").read_text())
        if data.get("models") and (data.get("training") or {}).get("steps"):
            chosen.append((s, data))
    if not chosen:
        for s in sessions:
            data = json.loads((s / "structure.json").read_text())
            if data.get("models"):
                chosen.append((s, data))
    if not chosen:  # no RNN cell: the forward graph the capture recorded, trained
        for s in sessions:
            data = json.loads((s / "structure.json").read_text())
            if _forward_of(data) is not None and (data.get("training") or {}).get("steps"):
                chosen.append((s, data))
    if not chosen:  # an RNN the capture could not describe (its notes say why), trained
        for s in sessions:
            data = json.loads((s / "structure.json").read_text())
            if data.get("notes") and (data.get("training") or {}).get("steps"):
                return s, data, [f"the model: {n}" for n in data["notes"]]
    if not chosen:
        for s in sessions:  # a forward graph the capture could not write out: why
            data = json.loads((s / "structure.json").read_text())
            forward = (data.get("training") or {}).get("forward") or {}
            if "unknown" in forward:
                raise WriteError(f"the capture in {folder} holds no RNN cell, and its forward graph "
                                 f"is not written out: {forward['unknown']}")
        raise WriteError(f"the capture in {folder} holds no RNN (its notes: "
                         + "; ".join(n for s in sessions for n in
                                     json.loads((s / 'structure.json').read_text()).get('notes', []))
                         + ")")
    graphs = [c[1].get("graph_number") for c in chosen]
    if len(chosen) > 1 and None not in graphs and len(set(graphs)) == 1:
        return _one_graph(sessions, chosen) + (todos,)  # Sessions on one graph: one model
    if len(chosen) > 1:
        count = len(set(graphs)) if None not in graphs else len(chosen)
        todos.append(f"the script trains {count} graphs, each in its own Session "
                     f"({', '.join(c[0].name for c in chosen)}): one port holds one model; the "
                     f"port's model is the first's, and the training of the others is not "
                     f"translated (port each graph from a script of its own)")
    return chosen[0][0], chosen[0][1], todos


def _one_graph(sessions: list, chosen: list) -> tuple[Path, dict]:
    """Several Sessions on the same graph (train and save in one, restore and predict in
    another): one model. The session that trained gives the model, its weights and start;
    the sess.run calls and Saver calls are those of every Session on the graph (the
    capture records them per graph: a later session's record holds the earlier ones')."""
    number = chosen[0][1]["graph_number"]
    same = [(s, json.loads((s / "structure.json").read_text())) for s in sessions]
    same = [(s, d) for s, d in same if d.get("graph_number") == number]
    trained = next((c for c in chosen if (c[1].get("training") or {}).get("steps_here")), chosen[0])
    data = copy.deepcopy(trained[1])
    training = data.setdefault("training", {})
    runs = {}
    for _, d in same:  # later sessions' records win (theirs count every Session's calls)
        for r in (d.get("training") or {}).get("runs", []):
            runs[(r["line"], r.get("callable_line"))] = r
    training["runs"] = sorted(runs.values(), key=lambda r: r["line"])
    training["checkpoints"] = (same[-1][1].get("training") or {}).get("checkpoints", [])
    data["sessions_on_graph"] = [s.name for s, _ in same]
    return trained[0], data


# ----------------------------------------------------------------------------- the script
def _is_tf_module(name: str | None) -> bool:
    return bool(name) and (name == "tensorflow" or name.startswith("tensorflow."))


def _names(node) -> set:
    """The names a statement reads from outside (a function's or class's free names)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return _free_names(node)
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _free_names(fn) -> set:
    args = fn.args
    params = {a.arg for a in args.args + args.kwonlyargs + getattr(args, "posonlyargs", [])}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    declared = {n for node in ast.walk(fn) if isinstance(node, (ast.Global, ast.Nonlocal))
                for n in node.names}
    body = fn.body if isinstance(fn.body, list) else [fn.body]
    stored = {n.id for b in body for n in ast.walk(b)
              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - declared
    loaded = {n.id for b in body for n in ast.walk(b) if isinstance(n, ast.Name)}
    defaults = {n.id for d in args.defaults + [d for d in args.kw_defaults if d is not None]
                for n in ast.walk(d) if isinstance(n, ast.Name)}
    decorators = {n.id for d in getattr(fn, "decorator_list", []) for n in ast.walk(d)
                  if isinstance(n, ast.Name)}
    return (loaded - params - stored) | defaults | decorators


def _assigned(stmt) -> set:
    out = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    targets = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.For, ast.With)):
        targets = [stmt.target] if isinstance(stmt, ast.For) else \
            [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    for t in targets:
        out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    return out


# tf1_compat.runtime (the TF1 runtime of legacy-run programs): its module, and what it gives
_RUNTIME_MODULES = {"tf1_compat.runtime", "legacy_graph.runtime"}
_RUNTIME_TF = "__tf1__"  # what a call of runtime.tf1() (the tensorflow.compat.v1 module) becomes
_RUNTIME_SESSION = "graph_session"  # runtime.graph_session(seed): a Graph and its Session


def _session_call(node, tf_names) -> bool:
    """``tf.Session(...)`` / ``tf.InteractiveSession(...)`` / ``tf.compat.v1.Session(...)``,
    or ``graph_session(...)`` of the TF1 runtime (tf1_compat.runtime)."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Name) and f.id == _RUNTIME_SESSION and f.id in tf_names:
        return True
    if isinstance(f, ast.Attribute) and f.attr in ("Session", "InteractiveSession"):
        return bool(_names(f) & tf_names)
    return False


def _seed_call(stmt, tf_names):
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        f = stmt.value.func
        if isinstance(f, ast.Attribute) and f.attr in ("set_random_seed", "set_seed") and \
                _names(f) & tf_names and len(stmt.value.args) == 1:
            return stmt.value.args[0]
    return None


def _is_ipython_call(stmt) -> bool:
    """``get_ipython().run_line_magic(...)``, ``.system(...)`` and the like, as a statement."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    while isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
        call = call.func.value
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
        call.func.id == "get_ipython" and stmt.value is not call


class _Script:
    def __init__(self, path: Path):
        self.path = path
        self.source = path.read_text()
        try:
            self.tree = ast.parse(self.source, filename=str(path))
        except SyntaxError as exc:
            raise WriteError(f"{path}: not Python ({exc.msg}, line {exc.lineno})") from None
        # a notebook exported as a script (nbconvert, Colab): its magics and shell lines are
        # get_ipython() calls, which legacy-run answers and a port (plain Python) would not
        self.ipython_lines = [s.lineno for s in self.tree.body if _is_ipython_call(s)]
        self.tree.body = [s for s in self.tree.body if not _is_ipython_call(s)] or [ast.Pass()]
        self.tf = set()
        self.runtime_names = self._runtime_api()
        for stmt in self.tree.body:  # tf = runtime.tf1(): TensorFlow's name
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and \
                    stmt.value.id == _RUNTIME_TF:
                self.tf |= _assigned(stmt)
        for stmt in ast.walk(self.tree):
            if isinstance(stmt, ast.Import):
                self.tf |= {(a.asname or a.name).split(".")[0] for a in stmt.names if _is_tf_module(a.name)}
            elif isinstance(stmt, ast.ImportFrom) and _is_tf_module(stmt.module):
                self.tf |= {a.asname or a.name for a in stmt.names if a.name != "input_data"}
        body = self.tree.body
        start = next((i for i, s in enumerate(body) if self._opens_session(s)), len(body))
        self.prelude, self.session_part = body[:start], body[start:]
        self.find_graph()
        self.assign_at = {}  # line -> the Name assigned by a module-level statement there
        for stmt in self.prelude:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                for line in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1):
                    self.assign_at[line] = stmt.targets[0].id

    def find_graph(self, keep=()) -> None:
        """The names the TF1 graph defines (dropped with it); ``keep``: definitions that use it
        but are translated (a class whose methods open Sessions), not dropped."""
        self.graph = set(self.tf)
        changed = True
        while changed:
            changed = False
            for stmt in self.prelude:
                if _seed_call(stmt, self.tf) is not None or self._is_input_data_import(stmt):
                    continue
                if getattr(stmt, "name", None) in keep:
                    continue
                if _names(stmt) & self.graph:
                    new = _assigned(stmt) - self.graph
                    if new:
                        self.graph |= new
                        changed = True

    def _runtime_api(self) -> set:
        """The TF1 runtime's names the script imports (tf1_compat.runtime): ``runtime.tf1()``
        becomes the TensorFlow module's name, ``runtime.X`` ``X``; returns the names used."""
        modules, functions = set(), set()
        for stmt in self.tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module in _RUNTIME_MODULES:
                functions |= {a.asname or a.name for a in stmt.names if a.name == (a.asname or a.name)}
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and any(
                    f"{stmt.module}.{a.name}" in _RUNTIME_MODULES for a in stmt.names):
                modules |= {a.asname or a.name for a in stmt.names
                            if f"{stmt.module}.{a.name}" in _RUNTIME_MODULES}
            elif isinstance(stmt, ast.Import):
                modules |= {a.asname for a in stmt.names if a.name in _RUNTIME_MODULES and a.asname}
        if not modules and not functions:
            return set()
        used = set()

        class Rewrite(ast.NodeTransformer):
            def visit_Attribute(self, node):
                node = self.generic_visit(node)
                if isinstance(node.value, ast.Name) and node.value.id in modules:
                    used.add(node.attr)
                    return ast.copy_location(ast.Name(node.attr, node.ctx), node)
                return node

            def visit_Call(self, node):
                node = self.generic_visit(node)
                if isinstance(node.func, ast.Name) and node.func.id == "tf1" and not node.args:
                    return ast.copy_location(ast.Name(_RUNTIME_TF, ast.Load()), node)
                return node

        Rewrite().visit(self.tree)
        ast.fix_missing_locations(self.tree)
        used |= functions
        self.tf |= {_RUNTIME_TF} | ({_RUNTIME_SESSION} & used)
        self.rewritten = True
        return used

    def _opens_session(self, stmt) -> bool:
        if isinstance(stmt, ast.With):
            return any(_session_call(i.context_expr, self.tf) for i in stmt.items)
        if isinstance(stmt, ast.Assign):
            return _session_call(stmt.value, self.tf)
        return False

    @staticmethod
    def _is_input_data_import(stmt) -> bool:
        return isinstance(stmt, ast.ImportFrom) and _is_tf_module(stmt.module) and \
            any(a.name == "input_data" for a in stmt.names)

    def segment(self, node) -> str:
        text = ast.get_source_segment(self.source, node) or ast.unparse(node)
        if getattr(self, "rewritten", False):  # the source, unless the runtime's names changed it
            try:
                same = ast.dump(ast.parse(text).body[0]) == ast.dump(node)
            except SyntaxError:
                same = False
            return text if same else ast.unparse(node)
        return text


# ----------------------------------------------------------------------------- sess.run
def _roles_literal(fetch):
    """A recorded fetch structure -> (a literal of role strings, [unknown names])."""
    if isinstance(fetch, dict) and "role" in fetch:
        role = fetch["role"]
        role = {"state_out_tf1": "state_out", "state_in_tf1": "state_in"}.get(role, role)
        if role not in _RECOGNISED:
            names = fetch["name"] if isinstance(fetch["name"], list) else [fetch["name"]]
            return role, names
        return role, []
    if isinstance(fetch, list):
        parts = [_roles_literal(f) for f in fetch]
        return [p[0] for p in parts], [n for p in parts for n in p[1]]
    return "unknown", ["(a dict of fetches)"]


class _Session(ast.NodeTransformer):
    """Rewrites one statement of the Session part; ``todos`` says why it cannot be."""

    def __init__(self, script: _Script, runs: list, feed_names: dict, sess_names: set,
                 calls: dict | None = None):
        self.script, self.runs, self.feed_names, self.sess = script, runs, feed_names, sess_names
        self.calls = calls or {}  # session function -> the parameters it loses (Session, graph)
        self.todos: list = []
        self.drop = False

    def _run_at(self, node):
        inside = [r for r in self.runs if node.lineno <= r["line"] <= (node.end_lineno or node.lineno)
                  and "callable_line" not in r]
        return inside[0] if inside else None

    def _callable(self, node):
        """``sess.make_callable(fetches, feed_list)`` -> a function of the feeds, by role."""
        made = [r for r in self.runs if node.lineno <= r.get("callable_line", 0) <= (node.end_lineno or node.lineno)]
        if not made:
            self.todos.append(f"line {node.lineno}: the callable of this sess.make_callable was not "
                              f"called while the script was captured: what it fetches is not known")
            return node
        roles, unknown = _roles_literal(made[0]["fetches"])
        bad = [f["role"] for f in made[0]["feed"] if f["role"] not in _FEED_ROLES and not f.get("unused")]
        if unknown or bad:
            self.todos.append(f"line {node.lineno}: sess.make_callable fetches or feeds what is not "
                              f"the train op, the loss, an accuracy, the output, the input or labels "
                              f"({', '.join(map(str, unknown + bad))})")
            return node
        feed_roles = [None if f.get("unused") else f["role"] for f in made[0]["feed"]]
        return ast.parse(f"lambda *feed: port_run({roles!r}, {{role: value for role, value in "
                         f"zip({feed_roles!r}, feed) if role}})", mode="eval").body

    def _feed_by_position(self, feed, run):
        """A feed_dict literal whose keys are not plain names (``model.x``, ``g["x"]``): its
        keys are the recorded feeds, in order."""
        if not isinstance(feed, ast.Dict) or None in feed.keys or len(feed.keys) != len(run["feed"]) \
                or all(isinstance(k, ast.Name) and k.id in self.feed_names for k in feed.keys):
            return None
        keys, values = [], []
        for v, f in zip(feed.values, run["feed"]):
            if f.get("unused"):
                continue
            keys.append(ast.Constant(f["role"]))
            values.append(self.visit(v))
        return ast.Dict(keys=keys, values=values)

    def _checkpoint(self, node, op, line, path, keywords=()):
        """``saver.save(sess, path)`` -> ``port_save(path)``; ``saver.restore(sess, path)`` ->
        ``port_restore(path)``, unless the checkpoint restored was not this program's."""
        bad = getattr(self.script, "bad_restores", {})
        found = [n for n in (line if isinstance(line, range) else [line]) if n in bad]
        if op == "restore" and found:
            self.todos.append(f"line {node.lineno}: restores a checkpoint this program did not "
                              f"write ({bad[found[0]]}): a pre-trained model. Write the port with "
                              f"--init-from {bad[found[0]]} (its weights converted into "
                              f"PORT.init.weights.h5) and run it with --init-from "
                              f"PORT.init.weights.h5 instead of this restore")
            return node
        return ast.Call(ast.Name(f"port_{op}", ast.Load()), [self.visit(path)],
                        [self.visit(k) for k in keywords])

    def visit_Call(self, node):
        f = node.func
        helper = getattr(self.script, "helpers", {}).get(f.id) if isinstance(f, ast.Name) else None
        if helper is not None:  # the script's function around saver.save / saver.restore
            given = dict(zip(helper["params"], node.args))
            given.update({k.arg: k.value for k in node.keywords if k.arg})
            sess = given.get(helper["sess"])
            rest = [v for p, v in given.items() if p not in (helper["saver"], helper["sess"])]
            if isinstance(sess, ast.Name) and sess.id in self.sess and len(rest) == 1:
                return self._checkpoint(node, helper["op"], helper["line"], rest[0])
            self.todos.append(f"line {node.lineno}: {f.id}(...) saves or restores a TF1 checkpoint "
                              f"with other arguments than the Saver, the Session and a path")
            return node
        if isinstance(f, ast.Attribute) and f.attr in ("save", "restore") and node.args and \
                isinstance(node.args[0], ast.Name) and node.args[0].id in self.sess:
            path = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "save_path"), None)
            step = [k for k in node.keywords if k.arg == "global_step"]
            if path is not None and len(node.args) <= 2 and all(
                    k.arg in ("save_path", "global_step", "write_meta_graph", "write_state")
                    for k in node.keywords):
                return self._checkpoint(node, f.attr, range(node.lineno, (node.end_lineno or node.lineno) + 1),
                                        path, step if f.attr == "save" else ())
            self.todos.append(f"line {node.lineno}: saver.{f.attr}(...) with arguments the port "
                              f"does not translate")
            return node
        if isinstance(f, ast.Attribute) and f.attr == "latest_checkpoint" and _names(f) & self.script.tf \
                and len(node.args) == 1 and not node.keywords:
            return ast.Call(ast.Name("port_latest_checkpoint", ast.Load()), [self.visit(node.args[0])], [])
        if isinstance(f, ast.Name) and f.id in self.calls:  # a session function: no Session, no graph
            params, positions = self.calls[f.id]
            node.args = [a for i, a in enumerate(node.args) if i not in positions]
            node.keywords = [k for k in node.keywords if k.arg not in params]
            return self.generic_visit(node)
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in self.sess:
            if f.attr in ("close", "finalize"):  # nothing to do in Keras
                self.drop = True
                return node
            if f.attr == "make_callable":
                return self._callable(node)
            if f.attr != "run":
                self.todos.append(f"line {node.lineno}: sess.{f.attr}(...) has no Keras form here")
                return node
            run = self._run_at(node)
            if run is None:
                self.todos.append(f"line {node.lineno}: this sess.run did not run while the script "
                                  f"was captured: what it fetches is not known")
                return node
            roles, unknown = _roles_literal(run["fetches"])
            if unknown:
                self.todos.append(f"line {node.lineno}: sess.run fetches {', '.join(map(str, unknown))}"
                                  f", which is not the train op, the loss, an accuracy, the model's "
                                  f"output or its final state")
                return node
            flat = roles if isinstance(roles, list) else [roles]
            if all(r == "init" for r in flat):
                self.drop = True
                return node
            if "init" in flat:
                self.todos.append(f"line {node.lineno}: sess.run mixes an initializer with other fetches")
                return node
            bad = [f["role"] for f in run["feed"] if f["role"] not in _FEED_ROLES and not f.get("unused")]
            if bad:
                self.todos.append(f"line {node.lineno}: sess.run feeds a tensor that is none of the "
                                  f"input, labels, lengths or state ({', '.join(bad)})")
                return node
            feed = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "feed_dict"), ast.Dict(keys=[], values=[]))
            feed = self._feed_by_position(feed, run) or self.visit(feed)
            return ast.Call(func=ast.Name("port_run", ast.Load()),
                            args=[ast.parse(repr(roles), mode="eval").body, feed], keywords=[])
        return self.generic_visit(node)

    def visit_Dict(self, node):
        keys = [k for k in node.keys if k is not None]
        names = [k.id for k in keys if isinstance(k, ast.Name)]
        if keys and len(names) == len(keys) and set(names) & self.script.graph:
            missing = [n for n in names if n not in self.feed_names]
            if missing:
                self.todos.append(f"line {node.lineno}: feeds {', '.join(missing)}, which the capture "
                                  f"did not see fed as the input, labels, lengths or state")
                return node
            node.keys = [ast.Constant(self.feed_names[n]) for n in names]
            node.values = [self.visit(v) for v in node.values]
            return node
        return self.generic_visit(node)

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            return node
        if node.id in self.sess:
            self.todos.append(f"line {node.lineno}: uses the TF1 Session '{node.id}' other than "
                              f"through sess.run")
        elif node.id in self.script.graph:
            what = "TensorFlow" if node.id in self.script.tf else f"the TF1 graph's '{node.id}'"
            self.todos.append(f"line {node.lineno}: uses {what}")
        return node


_REASONS: list = []  # the TODO reasons of the port being written, by marker number


def _marker(name: str, value) -> ast.Expr:
    """A statement that ast.unparse writes as ``name(N)``, replaced by a comment afterwards."""
    return ast.Expr(ast.Call(ast.Name(name, ast.Load()), [ast.Constant(value)], []))


def _todo_nodes(reasons: list, line: int):
    nodes = []
    for r in reasons:
        _REASONS.append(r)
        nodes.append(_marker("__parity_todo__", len(_REASONS) - 1))
    message = f"{TODO}: " + "; ".join(reasons)
    nodes.append(ast.Raise(exc=ast.Call(ast.Name("NotImplementedError", ast.Load()),
                                        [ast.Constant(message)], []), cause=None))
    return nodes


def _graph_block(stmt, script, sess) -> bool:
    """A ``with graph.as_default(), tf.variable_scope(...):`` block on a graph the script
    already has, whose statements only build more of it (no Session used)."""
    graph = script.graph | script.tf
    if not all(_names(i.context_expr) & graph for i in stmt.items):
        return False
    if any(isinstance(n, ast.Name) and n.id in sess for n in ast.walk(stmt)):
        return False
    return all(isinstance(s, (ast.Assign, ast.Expr)) and _names(s.value) & graph for s in stmt.body)


_INITIALIZERS = {"global_variables_initializer", "initialize_all_variables",
                 "local_variables_initializer", "initialize_local_variables"}


def _initializer_run(stmt) -> bool:
    """``tf.global_variables_initializer().run()`` (an initializer's Operation.run)."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    f = stmt.value.func
    return isinstance(f, ast.Attribute) and f.attr == "run" and isinstance(f.value, ast.Call) and \
        isinstance(f.value.func, ast.Attribute) and f.value.func.attr in _INITIALIZERS


def _translate(stmts, script, runs, feed_names, sess, todos, calls=None) -> list:
    out = []
    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.While, ast.If)):
            header = copy.deepcopy(stmt.iter if isinstance(stmt, ast.For) else stmt.test)
            t = _Session(script, runs, feed_names, sess, calls)
            header = t.visit(header)
            if t.todos:
                todos += t.todos
                out += _todo_nodes(t.todos, stmt.lineno)
                continue
            new = copy.copy(stmt)
            if isinstance(stmt, ast.For):
                new.iter = header
            else:
                new.test = header
            new.body = _translate(stmt.body, script, runs, feed_names, sess, todos, calls) or [ast.Pass()]
            new.orelse = _translate(stmt.orelse, script, runs, feed_names, sess, todos, calls)
            out.append(new)
            continue
        if isinstance(stmt, ast.With) and any(_session_call(i.context_expr, script.tf) for i in stmt.items):
            reason = [f"line {stmt.lineno}: a second TF1 Session in the Session part"]
            todos += reason
            out += _todo_nodes(reason, stmt.lineno)
            continue
        if isinstance(stmt, ast.With) and any(
                isinstance(i.context_expr, ast.Call) and isinstance(i.context_expr.func, ast.Attribute)
                and i.context_expr.func.attr == "as_default" for i in stmt.items):
            opens = any(_session_call(n, script.tf) for n in ast.walk(stmt))
            if not opens and _graph_block(stmt, script, sess):  # more ops on the Session's graph
                script.graph |= {n for s in stmt.body for n in _assigned(s)}  # (e.g. its model
                continue  # rebuilt on the same variables): what sess.run fetches of them is known
            reason = [f"line {stmt.lineno}: a second TF1 graph (lines {stmt.lineno}-{stmt.end_lineno}"
                      + (", with a Session of its own" if opens else "") + "): one port holds one "
                      "model; the second graph is not translated (port it from a script of its own)"]
            todos += reason
            out += _todo_nodes(reason, stmt.lineno)
            continue
        if _initializer_run(stmt):  # tf.global_variables_initializer().run(): build_model() did it
            continue
        if isinstance(stmt, (ast.With, ast.Try, ast.FunctionDef, ast.ClassDef)) and \
                not (_names(stmt) & (script.graph | sess)):
            out.append(stmt)
            continue
        if isinstance(stmt, ast.Assign) and _names(stmt.value) & script.tf and \
                not any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                        and n.value.id in sess for n in ast.walk(stmt.value)) and \
                not any(isinstance(n, ast.Attribute) and n.attr == "latest_checkpoint"
                        for n in ast.walk(stmt.value)):
            script.graph |= _assigned(stmt)  # more of the TF1 graph (e.g. an init op)
            if isinstance(stmt.value, ast.Name) and stmt.value.id in script.tf:
                script.tf |= _assigned(stmt)  # tf = runtime.tf1(): TensorFlow's name
            continue
        t = _Session(script, runs, feed_names, sess, calls)
        new = t.visit(copy.deepcopy(stmt))
        if t.todos:
            todos += t.todos
            out += _todo_nodes(t.todos, stmt.lineno)
        elif t.drop and isinstance(stmt, ast.Expr):
            continue
        else:
            out.append(new)
    return out


# ----------------------------------------------------------------------------- Sessions in functions
def _opened_sessions(fn, tf_names) -> set:
    """The names a function binds to a TF1 Session it opens (``with ... as sess``,
    ``with graph_session() as (graph, sess)``, ``sess = tf.Session()``)."""
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.With):
            for item in node.items:
                if _session_call(item.context_expr, tf_names) and item.optional_vars is not None:
                    names |= {n.id for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Assign) and _session_call(node.value, tf_names):
            names |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _session_functions(script: _Script, methods: dict | None = None) -> dict:
    """The module's functions that hold a TF1 Session: those that open one, and those it is
    passed to. name -> {"sess": its Session names, "graph": its names of the TF1 graph
    (what a graph-building function returned, and parameters given it), "drop": the
    parameters the port takes away (the Session's and the graph's)}."""
    defs = {s.name: s for s in script.tree.body if isinstance(s, ast.FunctionDef)}
    helpers = getattr(script, "helpers", {})
    nodes = {**defs, **(methods or {})}  # methods: "Class.method" -> the method (self.X rewritten)
    found = {}
    for name, fn in nodes.items():
        opened = _opened_sessions(fn, script.tf) if name not in helpers else set()
        if opened:
            found[name] = {"sess": opened, "graph": set(), "drop": set()}
    builders = {n for n, fn in defs.items() if n not in found and n not in helpers
                and _names(fn) & script.graph}
    todo = list(found)
    while todo:
        name = todo.pop()
        info = found[name]
        for node in ast.walk(nodes[name]):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    isinstance(node.value.func, ast.Name) and node.value.func.id in builders:
                info["graph"] |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        for node in ast.walk(nodes[name]):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in defs and node.func.id not in builders
                    and node.func.id not in helpers):
                continue
            callee = defs[node.func.id]
            params = [a.arg for a in callee.args.args]
            given = [(params[i], a) for i, a in enumerate(node.args) if i < len(params)]
            given += [(k.arg, k.value) for k in node.keywords if k.arg]
            sess = {p for p, a in given if isinstance(a, ast.Name) and a.id in info["sess"]}
            graph = {p for p, a in given if isinstance(a, ast.Name) and a.id in info["graph"]}
            if not sess:
                continue
            other = found.setdefault(callee.name, {"sess": set(), "graph": set(), "drop": set()})
            if not (sess <= other["sess"] and graph <= other["graph"]):
                other["sess"] |= sess
                other["graph"] |= graph
                other["drop"] |= sess | graph
                todo.append(callee.name)
    return found


def _checkpoint_helpers(script: _Script) -> dict:
    """The script's functions around one ``saver.save(sess, ...)`` or ``saver.restore(sess,
    ...)`` of a Saver and a Session they are given (and use the Session for nothing else):
    name -> {"op", "saver", "sess" (their parameters), "params", "line" (of the call)}."""
    found = {}
    for fn in script.tree.body:
        if not isinstance(fn, ast.FunctionDef) or _opened_sessions(fn, script.tf):
            continue
        params = [a.arg for a in fn.args.args]
        ops = [n for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr in ("save", "restore") and isinstance(n.func.value, ast.Name)
               and n.func.value.id in params and n.args and isinstance(n.args[0], ast.Name)
               and n.args[0].id in params and n.args[0].id != n.func.value.id]
        if len(ops) != 1:
            continue
        sess = ops[0].args[0].id
        uses = sum(isinstance(n, ast.Name) and n.id == sess for n in ast.walk(fn))
        if uses == 1:
            found[fn.name] = {"op": ops[0].func.attr, "saver": ops[0].func.value.id, "sess": sess,
                              "params": params,
                              "line": range(ops[0].lineno, (ops[0].end_lineno or ops[0].lineno) + 1)}
    return found


def _self_attrs(node) -> set:
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}


class _SelfGraph(ast.NodeTransformer):
    """``self.X`` of the TF1 graph (a placeholder, the train op, the Saver, the method that
    builds the model) -> a name ``self.X`` (written out the same), which the Session part's
    translation knows as the graph's."""

    def __init__(self, attrs):
        self.attrs = attrs

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.attrs:
            return ast.copy_location(ast.Name(f"self.{node.attr}", node.ctx), node)
        return self.generic_visit(node)


def _graph_attrs(stmts, in_graph, script, attrs) -> None:
    """Add to ``attrs`` the ``self.X`` that ``stmts`` assign from the TF1 graph (TensorFlow,
    or graph attributes already known, or inside a ``with graph.as_default()`` block)."""
    for stmt in stmts:
        if isinstance(stmt, ast.With) and not any(
                _session_call(i.context_expr, script.tf) for i in stmt.items):
            graph = any(_names(i.context_expr) & script.tf or _self_attrs(i.context_expr) & attrs
                        for i in stmt.items)
            _graph_attrs(stmt.body, in_graph or graph, script, attrs)
        elif isinstance(stmt, ast.Assign):
            if in_graph or _names(stmt.value) & script.tf or _self_attrs(stmt.value) & attrs:
                attrs.update(t.attr for t in stmt.targets if isinstance(t, ast.Attribute)
                             and isinstance(t.value, ast.Name) and t.value.id == "self")


def _session_classes(script: _Script) -> dict:
    """The module's classes with methods that open a TF1 Session (a model class that builds
    its graph in ``__init__`` and trains, saves, restores and predicts in its methods):
    name -> {"attrs": the attributes and methods of the TF1 graph, "methods": the methods
    holding a Session, "Class.method" -> that method with ``self.X`` rewritten}."""
    found = {}
    for cls in script.tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        methods = [m for m in cls.body if isinstance(m, ast.FunctionDef)]
        opening = {m.name for m in methods if _opened_sessions(m, script.tf)}
        if not opening:
            continue
        attrs = set()
        changed = True
        while changed:
            before = set(attrs)
            for m in methods:
                if m.name not in opening and m.name != "__init__" and _names(m) & script.tf:
                    attrs.add(m.name)  # builds graph ops: part of build_model()
                _graph_attrs(m.body, False, script, attrs)
            changed = attrs != before
        found[cls.name] = {"attrs": attrs, "methods": {
            f"{cls.name}.{m.name}": _SelfGraph(attrs).visit(copy.deepcopy(m))
            for m in methods if m.name not in attrs}}
    return found


def _translate_class(cls, cinfo, functions, script, runs, calls, todos):
    """The class with its Session methods translated (:func:`_translate_function`), the
    methods that build the TF1 graph left out, and the graph's statements of the others
    (``__init__``) dropped: the model is built where a Session is opened (start_port)."""
    attrs = cinfo["attrs"]
    own = {f"self.{a}" for a in attrs}
    new = copy.deepcopy(cls)
    body = []
    for item in cls.body:
        if not isinstance(item, ast.FunctionDef):
            if not _names(item) & (script.graph | script.tf):
                body.append(copy.deepcopy(item))
            continue
        key = f"{cls.name}.{item.name}"
        if item.name in attrs:
            continue  # builds the TF1 graph: build_model()
        method = cinfo["methods"][key]
        if key in functions:
            info = functions[key]
            info["graph"] |= own
            body.append(_translate_function(method, info, script, runs, calls, todos))
            continue
        graph = script.graph | script.tf | own
        method.body = [s for s in method.body if not _names(s) & graph] or [ast.Pass()]
        body.append(method)
    new.body = body or [ast.Pass()]
    return new


def _session_with(stmt, script):
    """``with tf.Session() as sess:`` / ``with graph_session(seed) as (graph, sess):`` -> the
    seed expression (None for none), or False when ``stmt`` opens no Session."""
    if not isinstance(stmt, ast.With):
        return False
    for item in stmt.items:
        call = item.context_expr
        if _session_call(call, script.tf):
            if isinstance(call.func, ast.Name) and call.func.id == _RUNTIME_SESSION:
                seed = call.args[0] if call.args else next(
                    (k.value for k in call.keywords if k.arg == "seed"), None)
                return seed
            return None
    return False


def _translate_function(fn, info, script, runs, calls, todos):
    """A function that holds a Session, with its Session part translated: the Session's
    opening becomes ``start_port(seed)`` (the Keras model, compiled), what builds the TF1
    graph goes, ``sess.run`` becomes ``port_run``."""
    saved, saved_tf = set(script.graph), set(script.tf)
    script.graph |= info["graph"] | {_RUNTIME_SESSION}
    builders = {n for n in saved if n not in calls} - set(getattr(script, "helpers", {}))

    def body(stmts):
        out = []
        for stmt in stmts:
            seed = _session_with(stmt, script)
            if seed is not False:
                out.append(ast.Expr(ast.Call(ast.Name("start_port", ast.Load()),
                                             [seed] if seed is not None else [], [])))
                out += body(stmt.body)
                continue
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and \
                    isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in builders:
                continue  # the TF1 graph: build_model()
            if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With, ast.Try)) and \
                    any(_session_with(s, script) is not False for s in ast.walk(stmt) if s is not stmt):
                new = copy.copy(stmt)
                new.body = body(stmt.body) or [ast.Pass()]
                if hasattr(stmt, "orelse"):
                    new.orelse = body(stmt.orelse)
                out.append(new)
                continue
            out += _translate([stmt], script, runs, {}, info["sess"], todos, calls)
        return out

    new = copy.deepcopy(fn)
    args = new.args
    first_default = len(args.args) - len(args.defaults)
    keep = [(i, a) for i, a in enumerate(args.args) if a.arg not in info["drop"]]
    args.defaults = [args.defaults[i - first_default] for i, _ in keep if i >= first_default]
    args.args = [a for _, a in keep]
    new.body = body(fn.body) or [ast.Pass()]
    script.graph, script.tf = saved, saved_tf
    return new


# ----------------------------------------------------------------------------- writing
_HEADER = '''"""Keras 3 port of {script}, written by `parity migrate {script} --write {port}`.

Runs on every Keras 3 backend (KERAS_BACKEND=tensorflow | jax | torch):

    python {port} [--init-from {start}] {usage}

--init-from starts from the TF1 weights: {start} holds the TF1 script's variables as its
first optimizer step found them (the same start: parity check compares the runs step for
step), {weights} those of the captured session at its end.

The model, loss and optimizer come from the TF1 graph as `parity legacy-run --capture` saw it
run; the script's own data code is carried over (each piece says from which line); every
sess.run became port_run(what the TF1 fetches were, the feed by role). The last line printed
is `PARITY_METRIC name=value`, the last loss or accuracy computed (see `parity check`).
"""
'''

_RUNTIME = r'''

def prepare_x(x):
    """The TF1 graph's ops between the input placeholder and the RNN, in NumPy."""
{prepare}


def model_inputs(feed):
    """The Keras model's inputs from a feed by role ("x", "lengths", "state")."""
    x = prepare_x(feed["x"])
    parts = [x]
{lengths}{state}    return parts[0] if len(parts) == 1 else parts


_METRIC = {{}}
_STREAMING = [0, 0]  # tf.metrics.accuracy's running counts: correct, total


def _accuracy(output, labels):
    predicted = np.asarray(output).argmax(-1)
    labels = np.asarray(labels)
    truth = labels.argmax(-1) if labels.ndim == predicted.ndim + 1 else labels
    return predicted, truth


def port_run(fetches, feed):
    """What the TF1 script's sess.run(fetches, feed_dict) computed, with the Keras model.

    fetches: what the capture saw each fetched tensor be: "train" (one optimizer step on the
    batch: train_on_batch), "loss", "accuracy" (mean of argmax matches), "streaming_accuracy"
    (tf.metrics.accuracy: over every batch so far), "output" (the model's output, in the TF1
    tensor's shape; "output_squeezed": tf.squeeze of it; "output_softmax" / "output_sigmoid":
    tf.nn.softmax / tf.sigmoid of it), "state_out" (the final states, fed back as
    feed["state"]). As in TF1, everything is computed with the weights from before the step.
    """
    wanted = fetches if isinstance(fetches, list) else [fetches]
    inputs = model_inputs(feed) if feed else None
    labels = feed.get("y")
    if TIME_MAJOR_STEPS and labels is not None:
        labels = batch_major_labels(labels)
    weights = {{}}
    if LOSS_NAME == "sequence_loss" and "lengths" in feed:  # weights: tf.sequence_mask(lengths)
        steps = np.shape(labels)[1] if labels is not None else 0
        weights["sample_weight"] = (np.arange(steps)[None, :] <
                                    np.asarray(feed["lengths"])[:, None]).astype("float32")
    output, states, train_loss = None, [], None
    if any(f not in ("train", "loss", "state_in") or (f == "loss" and "train" not in wanted)
           for f in wanted):
        got = model(inputs, training=False)
        got = [keras.ops.convert_to_numpy(g) for g in (got if isinstance(got, (list, tuple)) else [got])]
        output, states = got[0], got[1:]
    if "train" in wanted:
        train_loss = float(np.asarray(train_model.train_on_batch(inputs, np.asarray(labels),
                                                                 **weights)))
    values = []
    for f in wanted:
        if f == "train":
            values.append(None)
        elif f == "loss":
            value = train_loss if train_loss is not None else float(
                keras.ops.convert_to_numpy(LOSS(np.asarray(labels), output, **weights)))
            _METRIC.update(name="loss", value=value)
            values.append(value)
        elif f == "accuracy":
            predicted, truth = _accuracy(output, labels)
            value = float(np.mean(predicted == truth))
            _METRIC.update(name="accuracy", value=value)
            values.append(value)
        elif f == "streaming_accuracy":
            predicted, truth = _accuracy(output, labels)
            _STREAMING[0] += int(np.sum(predicted == truth))
            _STREAMING[1] += int(predicted.size)
            value = _STREAMING[0] / _STREAMING[1]
            _METRIC.update(name="accuracy", value=value)
            values.append(value)
        elif f in ("output", "output_squeezed", "output_softmax", "output_sigmoid"):
            shape = OUTPUT_SHAPE[1:]
            value = np.swapaxes(output, 0, 1) if TIME_MAJOR_STEPS else output  # TF1's layout
            value = value.reshape((-1, *shape)) if None not in shape else value
            if f in ("output_softmax", "output_sigmoid"):  # tf.nn.softmax / tf.sigmoid of the
                # model's output (its logits)
                value = keras.ops.convert_to_numpy(getattr(keras.ops, f[len("output_"):])(value))
            values.append(np.squeeze(value) if f == "output_squeezed" else value)
        elif f == "state_out":
            values.append(states)
        elif f == "state_in":  # the TF1 zero_state: zeros, Keras order (h, c per cell)
            values.append([np.zeros(shape, "float32") for shape in STATE_SHAPES])
    return values if isinstance(fetches, list) else values[0]


def batch_major_labels(labels):
    """Labels fed as the time-major TF1 graph took them, [time, batch, ...] or flattened
    [time * batch, ...], laid out as the Keras model's per-step output: [batch, time, ...]."""
    labels = np.asarray(labels)
    full = 2 if LOSS_NAME == "sparse_softmax_cross_entropy" else 3  # [time, batch(, units)]
    if labels.ndim == full - 1:  # flattened, time first (tf.reshape(y, [-1, ...]))
        labels = labels.reshape((TIME_MAJOR_STEPS, -1, *labels.shape[1:]))
    if labels.ndim != full or labels.shape[0] != TIME_MAJOR_STEPS:
        raise ValueError(f"labels of shape {{labels.shape}}: not [time={{TIME_MAJOR_STEPS}}, batch, ...]")
    return np.swapaxes(labels, 0, 1)


class _Printed:
    """Standard output, kept: the metric reported is the one the script printed last."""

    def __init__(self, stream):
        self.stream, self.text = stream, []

    def write(self, text):
        self.text.append(text)
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
_WORDS = {{"accuracy": r"acc(?:uracy)?", "loss": r"(?:loss|cost)"}}
_NEXT = r"[^0-9\n-]{{0,30}}?" + _NUMBER + r"(?![\d.]|\s*[x\u00d7]\s*\d)"
_AFTER_SIGN = r"[^\n:=]{{0,60}}?[:=]\s*" + _NUMBER


def report_metric():
    """The line `parity check` reads: PARITY_METRIC name=value, the last accuracy or loss
    the program printed (as parity check reads the TF1 script's output), else the last one
    port_run computed."""
    import re

    text = "".join(getattr(sys.stdout, "text", []))
    found = None
    for name, word in _WORDS.items():
        for w in re.finditer(word + r"\b", text, re.I):  # as parity check reads it
            m = re.match(_NEXT, text[w.end():]) or re.match(_AFTER_SIGN, text[w.end():])
            if m and (found is None or w.start() > found[2]):
                found = (name, float(m.group(1)), w.start())
    if found is None and _METRIC:
        found = (_METRIC["name"], _METRIC["value"], 0)
    if found is not None:
        print(f"PARITY_METRIC {{found[0]}}={{found[1]:.6g}}", flush=True)
'''


_DENSE_GRADIENTS = '''def dense_gradients(optimizer):
    """The optimizer, given dense gradients: Keras 3 on TensorFlow updates an embedding from
    the slices of its sparse gradient (tf.IndexedSlices, a repeated row's slices one by one);
    TF1's AdamOptimizer moves every row, its AdagradOptimizer adds a repeated row's slices up
    before it squares them, as a dense gradient does."""
    apply = optimizer.apply

    def dense(g):  # tf.IndexedSlices -> the dense gradient (repeated rows add up)
        if hasattr(g, "indices") and hasattr(g, "dense_shape"):
            return keras.ops.scatter(keras.ops.expand_dims(g.indices, -1), g.values, g.dense_shape)
        return g

    def dense_apply(grads, trainable_variables=None):
        return apply([dense(g) for g in grads], trainable_variables)

    optimizer.apply = dense_apply
    return optimizer


'''


def _forward_of(data: dict) -> dict | None:
    """The recorded forward graph of a session without an RNN cell, or None."""
    forward = (data.get("training") or {}).get("forward")
    if data.get("models") or data.get("notes") or not isinstance(forward, dict) or "ops" not in forward:
        return None  # an RNN the capture saw (described, or not: its notes say why) is no such graph
    return forward


_SPARSE_ONLY = {  # what TF1's sparse apply of an embedding's gradient keeps from a dense one
    "momentum": "accum[rows] = momentum * accum[rows] + g; var[rows] -= lr * accum[rows]",
    "rmsprop": "ms[rows] = decay * ms[rows] + (1 - decay) * g ** 2, and mom[rows] likewise",
}


def _embedding_of(training: dict) -> dict | None:
    """The ``tf.nn.embedding_lookup`` of a variable between the fed ids and the RNN, or None."""
    ops = (training.get("input") or {}).get("ops") or []
    return next((op for op in ops if op.get("op") == "Embedding"), None)


def _embedding_code(embedding: dict, model, initializers: dict) -> str:
    from tf1_migrate import keras_code

    vocab, dim = embedding["shape"]
    spec = initializers.get(embedding["variable"]) or {}
    init = ("keras.initializers.GlorotUniform()" if spec.get("kind") == "glorot_uniform"
            else keras_code.initializer_code(spec))
    more = f"embeddings_initializer={init}, " if init else ""
    if not embedding.get("trainable", True):
        more += "trainable=False, "
    return f'''

def build_model():
    """tf.nn.embedding_lookup({embedding["variable"]} [{vocab}, {dim}], ids) before the RNN
    model: keras.layers.Embedding with the TF1 variable's weights, trained with it."""
    rnn = build_rnn_model()
    ids = keras.Input(shape=({model.timesteps},), dtype='int32', name='ids')
    more = [keras.Input(shape=t.shape[1:], dtype=t.dtype) for t in rnn.inputs[1:]]
    embedded = keras.layers.Embedding({vocab}, {dim}, {more}name='embedding')(ids)
    return keras.Model([ids, *more] if more else ids, rnn([embedded, *more] if more else embedded),
                       name='port_with_embedding')
'''
_START_PORT = '''
def start_port(seed=None):
    """Where the TF1 script opened its Session (its graph built, its variables initialised):
    the Keras model, compiled with the TF1 loss and optimizer, seeded as the graph was. A
    TF1 Session's variables start anew (initialised, or restored from a checkpoint), and so
    does the model here: a later Session gets the trained weights back by port_restore."""
    global model, train_model, LOSS
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if os.environ.get("PARITY_SEED"):  # parity check --seed
        keras.utils.set_random_seed(int(os.environ["PARITY_SEED"]))
    model = build_model()
    train_model = model if len(model.outputs) == 1 else keras.Model(model.inputs, model.outputs[0])
    if INIT_FROM:
        model.load_weights(INIT_FROM)
    LOSS = build_loss()
    train_model.compile(optimizer=build_optimizer(), loss=LOSS)
'''

_PROGRESS_BAR = '''
def progress_bar(total, verbose=True):
    """The TF1 runtime's progress bar (tf1_compat.runtime.progress_bar), Keras 3's Progbar."""
    return keras.utils.Progbar(total, stateful_metrics=["loss", "acc"]) if verbose else None
'''


def _is_main_guard(stmt) -> bool:
    """``if __name__ == "__main__":``"""
    return isinstance(stmt, ast.If) and not stmt.orelse and isinstance(stmt.test, ast.Compare) \
        and isinstance(stmt.test.left, ast.Name) and stmt.test.left.id == "__name__" \
        and len(stmt.test.comparators) == 1 and isinstance(stmt.test.comparators[0], ast.Constant) \
        and stmt.test.comparators[0].value == "__main__"


def _unparse_marked(node, script_path) -> str:
    return ast.unparse(node)


def _marked_text(text: str) -> str:
    """The markers of ast.unparse'd code (``__parity_todo__(N)``) as comments."""
    return re.sub(r"^(\s*)__parity_todo__\((\d+)\)$",
                  lambda m: f"{m.group(1)}# {TODO}: {_REASONS[int(m.group(2))]}", text, flags=re.M)


def _prepare_code(inp: dict, model) -> tuple[list, list]:
    if "unknown" in inp:
        return [f"    # {TODO}: {inp['unknown']}",
                f"    raise NotImplementedError({(TODO + ': ' + inp['unknown'])!r})"], [inp["unknown"]]
    if _time_major_steps(model) and (model.lengths or model.state_inputs):
        return _todo_lines("the TF1 graph is time-major, its output is per step and it takes "
                           "sequence lengths or initial states: not translated")
    lines = ["    x = np.asarray(x)"]
    ops = inp.get("ops", [])
    kinds = [op["op"] for op in ops]
    if "Embedding" in kinds:  # ids: only casts before the lookup, no reshaping after it
        at = kinds.index("Embedding")
        if kinds.count("Embedding") > 1 or set(kinds[:at]) - {"Identity", "Cast"} or \
                set(kinds[at + 1:]) - {"Identity", "Unpack", "Transpose"}:
            return _todo_lines(f"the input's ops around tf.nn.embedding_lookup ({', '.join(kinds)}) "
                               f"are not translated")
        ops = [op for op in ops if op["op"] == "Transpose"]
        if model.time_major and not ops:
            lines.append("    x = np.transpose(x)  # the ids fed time-major [time, batch] "
                         "(dynamic_rnn time_major=True): Keras takes [batch, time]")
        elif ops and not (model.time_major and ops[0].get("perm") == [1, 0, 2]):
            return _todo_lines("the embedded input is transposed other than to time-major")
        lines.append("    return x.astype('int32')  # token ids: the model's Embedding looks them up")
        return lines, []
    for op in ops:
        kind = op["op"]
        if kind == "Reshape":
            lines.append(f"    x = x.reshape((-1, {model.timesteps}, {model.input_size}))  # tf.reshape of the placeholder")
        elif kind == "OneHot":
            lines.append(f"    x = np.eye({op['depth']}, dtype={model.dtype!r})[x]  # tf.one_hot(ids, {op['depth']})")
        elif kind == "Cast":
            lines.append(f"    x = x.astype({op['dtype']!r})  # tf.cast")
        elif kind == "Transpose":
            if not (model.time_major and op.get("perm") == [1, 0, 2]):
                return _todo_lines(f"the graph transposes the input with perm {op.get('perm')}, "
                                   f"which is not batch-major to time-major: not translated")
            lines.append("    # tf.transpose(x, [1, 0, 2]) made the TF1 graph time-major: the "
                         "Keras model takes x batch-major as it is")
    if model.time_major and not any(op["op"] == "Transpose" for op in inp.get("ops", [])):
        lines.append("    x = np.transpose(x, (1, 0) + tuple(range(2, x.ndim)))  # fed time-major "
                     "[time, batch, ...] (dynamic_rnn time_major=True): Keras takes [batch, time, ...]")
    lines.append(f"    return x.astype({model.dtype!r})")
    return lines, []


def _time_major_steps(model):
    """The number of steps of a time-major graph whose output is per step (the labels the
    script feeds and the outputs it reads are [time, batch, ...] or those flattened), else
    None."""
    if model.time_major and (model.head is None or model.head.input == "sequence"):
        return model.timesteps
    return None


def _todo_lines(reason: str) -> tuple[list, list]:
    return [f"    # {TODO}: {reason}", f"    raise NotImplementedError({(TODO + ': ' + reason)!r})"], [reason]


def _carried_imports(script: _Script) -> tuple[list, list]:
    """(import lines, TODO reasons) of the prelude, TensorFlow's left out."""
    lines = []
    for stmt in script.prelude:
        if isinstance(stmt, ast.ImportFrom) and (stmt.module in _RUNTIME_MODULES or stmt.module and any(
                f"{stmt.module}.{a.name}" in _RUNTIME_MODULES for a in stmt.names)) or \
                isinstance(stmt, ast.Import) and any(a.name in _RUNTIME_MODULES for a in stmt.names):
            continue  # the TF1 runtime: what the port needs of it is written out below
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            continue  # first in the port
        if script._is_input_data_import(stmt):
            lines.append("from datasets import mnist as input_data  # the suite's offline MNIST "
                         f"loader (never downloads); from {script.path.name} line {stmt.lineno}")
        elif isinstance(stmt, ast.Import):
            keep = [a for a in stmt.names if not _is_tf_module(a.name)]
            if keep:
                lines.append(ast.unparse(ast.Import(names=keep)))
        elif isinstance(stmt, ast.ImportFrom) and not _is_tf_module(stmt.module):
            lines.append(script.segment(stmt))
    return lines, []


def generate(script_path: Path, port_path: Path, session: Path, data: dict, extra_todos: list,
             weights_name: str) -> tuple[str, list, list, object]:
    """(the port's text, TODO reasons, notes, the RNN description)."""
    from tf1_migrate import convert, graph_training, keras_code, keras_graph

    _REASONS.clear()
    script = _Script(script_path)
    training = data.get("training") or {}
    todos, notes = list(extra_todos), []
    if script.ipython_lines:
        notes.append("left out the notebook's magics and shell lines (get_ipython() calls; "
                     "what a shell line fetched or installed, do before running the port): "
                     + "; ".join(f"{script_path.name} line {n}" for n in script.ipython_lines))
    forward = _forward_of(data)
    if forward is not None:  # no RNN cell: the forward graph, op for op (keras_graph)
        model = keras_graph.describe(forward, training)
        model_text, graph_todos = keras_graph.model_code(forward, model, training.get("initializers"))
        todos += graph_todos
    else:
        model = convert.describe_models(data)[0]
    try:
        if forward is None:
            model_text, model_notes = keras_code.model_code(
                model, (data.get("training") or {}).get("initializers"))
            notes += model_notes
    except keras_code.NotWritable as exc:
        todos.append(str(exc))
        model_text = ("\n\ndef build_model():\n"
                      f"    # {TODO}: {exc}\n    raise NotImplementedError({(TODO + ': ' + str(exc))!r})\n")
    embedding = _embedding_of(training)
    if embedding is not None and "raise NotImplementedError" not in model_text:
        model_text = model_text.replace("\ndef build_model():", "\ndef build_rnn_model():", 1) + \
            _embedding_code(embedding, model, training.get("initializers") or {})
    for note in data.get("notes", []) + model.notes:
        todos.append(f"capture: {note}")
    if "unknown" in training:
        todos.append(f"training: {training['unknown']}")
        training = {}
    opt, loss = training.get("optimizer") or {}, training.get("loss") or {}

    parts = [_HEADER.format(script=script_path.name, port=port_path.name, weights=weights_name,
                            start=weights_name.replace(".init.", ".start."),
                            usage="[the script's own arguments]"),
             *[script.segment(s) + "\n" for s in script.prelude
               if isinstance(s, ast.ImportFrom) and s.module == "__future__"],
             "import os", "import sys", "",
             'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TensorFlow start-up log',
             *(['os.environ.setdefault("JAX_ENABLE_X64", "1")  # float64, as the TF1 graph (JAX '
                'computes in float32 without it)'] if getattr(model, "float64", False) else []), "",
             "import numpy as np", "import keras"]
    imports, _ = _carried_imports(script)
    parts += [line for line in dict.fromkeys(imports) if line not in parts]
    # the functions and classes of the script that do not use TensorFlow
    defs, body = [], []
    # the Session opened in a function or a class's method (and passed to others): those
    # functions and classes, translated; the script's functions around a Saver call
    classes = _session_classes(script) if not script.session_part else {}
    if classes:  # a class whose methods open Sessions is translated, not dropped with the graph
        script.find_graph(keep=set(classes))
    script.helpers = _checkpoint_helpers(script)
    script.bad_restores = {}
    for c in training.get("checkpoints", []):
        if c["op"] == "restore" and not c.get("written_here"):
            script.bad_restores[c["line"]] = c["path"]
    methods = {k: m for c in classes.values() for k, m in c["methods"].items()}
    functions = _session_functions(script, methods) if not script.session_part else {}
    runs = training.get("runs", [])
    calls = {}
    for name, info in functions.items():
        if name in methods:
            continue
        fn = next(s for s in script.tree.body if isinstance(s, ast.FunctionDef) and s.name == name)
        calls[name] = (info["drop"], {i for i, a in enumerate(fn.args.args) if a.arg in info["drop"]})
    session_todos: list = []
    for k, stmt in enumerate(script.prelude):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if k == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                and isinstance(stmt.value.value, str):
            continue  # the script's docstring
        if isinstance(stmt, ast.FunctionDef) and stmt.name in functions:
            new = _translate_function(stmt, functions[stmt.name], script, runs, calls, session_todos)
            defs.append(f"# from {script_path.name} line {stmt.lineno} (its TF1 Session part translated)\n"
                        + _unparse_marked(new, script_path))
            continue
        if isinstance(stmt, ast.FunctionDef) and stmt.name in script.helpers:
            continue  # TF1 checkpoint code around a Saver: its calls are port_save / port_restore
        if isinstance(stmt, ast.ClassDef) and stmt.name in classes:
            new = _translate_class(stmt, classes[stmt.name], functions, script, runs, calls,
                                   session_todos)
            defs.append(f"# from {script_path.name} line {stmt.lineno} (the TF1 graph its __init__ "
                        f"builds is build_model(); its methods' Session parts translated)\n"
                        + _unparse_marked(new, script_path))
            continue
        if (functions or classes) and _is_main_guard(stmt):
            body += [f"# from {script_path.name} line {s.lineno}\n{script.segment(s)}" for s in stmt.body]
            continue
        if _names(stmt) & script.graph and _seed_call(stmt, script.tf) is None:
            continue  # the TF1 graph: build_model() below
        seed = _seed_call(stmt, script.tf)
        where = f"# from {script_path.name} line {stmt.lineno}"
        if seed is not None:
            body.append(f"{where} (tf.set_random_seed)\nkeras.utils.set_random_seed({ast.unparse(seed)})")
        elif isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            defs.append(f"{where}\n{script.segment(stmt)}")
        elif functions:  # module-level, in order: the functions may read it (a default value)
            defs.append(f"{where}\n{script.segment(stmt)}")
        else:
            body.append(f"{where}\n{script.segment(stmt)}")
    graph_lines = sorted({s.lineno for s in script.prelude if _names(s) & script.graph
                          and not isinstance(s, (ast.Import, ast.ImportFrom))
                          and _seed_call(s, script.tf) is None
                          and not (isinstance(s, ast.FunctionDef) and s.name in functions)})
    parts.append(model_text)
    # training: the optimizer and loss
    parts.append("")
    if embedding is not None and opt and "unknown" not in opt and opt.get("name") in _SPARSE_ONLY:
        opt = {"unknown": f"tf.train.{opt.get('class')} updates only the looked-up rows of the "
                          f"embedding {embedding['variable']} (a sparse update: "
                          f"{_SPARSE_ONLY[opt['name']]}); Keras 3 applies a dense update on JAX "
                          f"and PyTorch, in which the rows not looked up "
                          f"{'move on with their momentum' if opt['name'] == 'momentum' else 'have their mean square decay'}: "
                          f"not translated"}
    if "unknown" in opt or not opt:
        why = opt.get("unknown", "no optimizer was recorded")
        todos.append(f"optimizer: {why}")
        parts += ["def build_optimizer():", f"    # {TODO}: {why}",
                  f"    raise NotImplementedError({(TODO + ': ' + why)!r})"]
    else:
        code, why = graph_training.keras_optimizer(opt)
        if embedding is not None and opt["name"] == "adam":
            parts += [_DENSE_GRADIENTS]
            why.append(f"TF1's AdamOptimizer moves every row of the embedding {embedding['variable']} "
                       f"(its moments decay everywhere), not only the rows looked up: dense gradients")
            code = f"dense_gradients({code})"
        elif embedding is not None and opt["name"] == "adagrad":
            parts += [_DENSE_GRADIENTS]
            why.append(f"TF1's AdagradOptimizer updates the looked-up rows of the embedding "
                       f"{embedding['variable']} from their summed gradient (a row not looked up "
                       f"has a zero gradient: unchanged, as in a dense update): dense gradients "
                       f"on every backend")
            code = f"dense_gradients({code})"
        parts += ["def build_optimizer():"] + [f"    # {w}" for w in why] + [f"    return {code}"]
    parts += ["", ""]
    if "unknown" in loss or not loss:
        why = loss.get("unknown", "no loss was recorded")
        todos.append(f"loss: {why}")
        parts += ["def build_loss():", f"    # {TODO}: {why}",
                  f"    raise NotImplementedError({(TODO + ': ' + why)!r})"]
    else:
        code, why = graph_training.keras_loss(loss)
        if code == "sum_of_squares":
            parts += ["def sum_of_squares(labels, outputs):",
                      "    return keras.ops.sum(keras.ops.square(outputs - labels))", "", ""]
        elif code == "square_loss":
            reduce = "sum" if loss["reduction"] == "sum" else "mean"
            parts += ["def square_loss(labels, outputs):",
                      f'    """TF1: {loss["scale"]!r} * tf.reduce_{reduce}(tf.square(labels - outputs)), '
                      f'over every element."""',
                      "    labels = keras.ops.cast(labels, outputs.dtype)",
                      f"    return {loss['scale']!r} * keras.ops.{reduce}(keras.ops.square(labels - outputs))",
                      "", ""]
        parts += ["def build_loss():", f"    # {why}", f"    return {code}"]
    test_opt = {k: opt.get(k) for k in ("name", "learning_rate", "momentum") if k in opt}
    parts += ["", "", f"LOSS_NAME = {loss.get('name')!r}  # tf1_migrate.testing's name of the TF1 loss",
              f"OPTIMIZER = {test_opt!r}  # the TF1 optimizer, as the capture recorded it",
              f"OUTPUT_SHAPE = {training.get('output_shape')!r}  # the TF1 output tensor's shape",
              f"STATE_SHAPES = {training.get('state_shapes')!r}  # the TF1 initial state's tensors",
              f"TIME_MAJOR_STEPS = {_time_major_steps(model)!r}  # the TF1 labels and per-step "
              f"outputs laid out [time, batch] (dynamic_rnn time_major=True): the steps, else None",
              f"TRAIN_STEPS, BATCH_SIZE = {training.get('steps')!r}, {training.get('batch_size')!r}"
              f"  # as the captured run did them"]
    prepare, why = _prepare_code(training.get("input") or {"unknown": "the input was not recorded"}, model)
    todos += [f"input: {w}" for w in why]
    lengths = '    parts.append(np.asarray(feed["lengths"], "int32"))\n' if model.lengths else ""
    state = ""
    if model.state_inputs:
        sizes = [c.units for c in model.blocks[0].fw for _ in (("h", "c") if c.kind == "lstm" else ("h",))]
        state = (f'    state = feed.get("state")  # Keras order: h, c per cell (TF1 zero_state when not fed)\n'
                 f'    parts += ([np.asarray(s, "float32") for s in state] if state is not None else\n'
                 f'              [np.zeros((len(x), n), "float32") for n in {sizes!r}])\n')
    parts.append(_RUNTIME.format(prepare="\n".join(prepare), lengths=lengths, state=state))
    if "progress_bar" in script.runtime_names:
        parts.append(_PROGRESS_BAR)
    if "set_seed" in script.runtime_names:
        parts.append(_SET_SEED)
    parts += defs

    # the Session part
    feed_names = {}
    for run in runs:
        for f in run["feed"]:
            name = script.assign_at.get(f.get("line"))
            if name and f["role"] in _FEED_ROLES:
                feed_names[name] = f["role"]
    first = script.session_part[0] if script.session_part else None
    sess_names, stmts = set(), []
    if isinstance(first, ast.With):
        for item in first.items:
            if isinstance(item.optional_vars, ast.Name):
                sess_names.add(item.optional_vars.id)
        stmts = list(first.body) + script.session_part[1:]
    elif first is not None:
        sess_names = {t.id for t in first.targets if isinstance(t, ast.Name)}
        stmts = script.session_part[1:]
    translated = _translate(stmts, script, runs, feed_names, sess_names, session_todos)
    stop = [t for t in extra_todos if t.startswith("the script trains")]
    if first is None:  # the Session is opened inside a loop, function or block (a function
        # whose Session part was translated above is not such a place)
        nested = next((s for s in script.prelude
                       if not (isinstance(s, ast.FunctionDef) and s.name in functions)
                       and not (isinstance(s, ast.ClassDef) and s.name in classes)
                       and any(_session_call(n, script.tf) for n in ast.walk(s))), None)
        if nested is not None:
            where = next(n.lineno for n in ast.walk(nested) if _session_call(n, script.tf))
            kind = {"For": "a for loop", "While": "a while loop", "With": "a with block",
                    "If": "an if block", "Try": "a try block"}.get(
                type(nested).__name__, f"'{getattr(nested, 'name', '')}'")
            stop.append(f"line {where}: the TF1 Session is opened inside {kind} (lines "
                        f"{nested.lineno}-{nested.end_lineno}), not at the script's top level: "
                        f"the training around it is not translated")
    if stop:  # the program stops before the Session part: it would do something else
        translated = _todo_nodes(stop, 0) + translated
        session_todos += [t for t in stop if t not in todos]
    todos += session_todos
    marked = []
    for stmt in translated:
        if hasattr(stmt, "lineno") and stmt.lineno:
            marked.append(_marker("__parity_from__", stmt.lineno))
        marked.append(stmt)
    session_text = ast.unparse(ast.Module(body=marked, type_ignores=[])) if marked else "pass"
    session_text = re.sub(r"^(\s*)__parity_todo__\((\d+)\)$",
                          lambda m: f"{m.group(1)}# {TODO}: {_REASONS[int(m.group(2))]}", session_text, flags=re.M)
    session_text = re.sub(r"^(\s*)__parity_from__\((\d+)\)$",
                          lambda m: f"{m.group(1)}# from {script_path.name} line {m.group(2)}",
                          session_text, flags=re.M)

    main = ['', '', 'if __name__ == "__main__":',
            '    INIT_FROM = None  # --init-from FILE.weights.h5: start from the converted TF1 weights',
            '    if "--init-from" in sys.argv[1:-1]:',
            '        at = sys.argv.index("--init-from")',
            '        INIT_FROM = sys.argv[at + 1]',
            '        del sys.argv[at:at + 2]']
    inner = []
    if graph_lines:
        inner.append(f"# the TF1 graph ({script_path.name} lines {graph_lines[0]}-{graph_lines[-1]}) "
                     f"is build_model(), build_loss() and build_optimizer()")
    inner += ["sys.stdout = _Printed(sys.stdout)  # for report_metric()"] + body
    if functions:  # the model is built where the script opens its Session: start_port()
        main += ["\n".join("    " + line if line.strip() else "" for line in block.splitlines())
                 for block in inner + ["report_metric()"]]
        parts.insert(parts.index(defs[0]) if defs else len(parts), _START_PORT)
        text = "\n".join(parts + main) + "\n"
        text = _marked_text(text)
        return _with_checkpoints(text), todos, notes, model
    inner += ['if os.environ.get("PARITY_SEED"):  # parity check --seed',
              '    keras.utils.set_random_seed(int(os.environ["PARITY_SEED"]))',
              'model = build_model()',
              'train_model = model if len(model.outputs) == 1 else keras.Model(model.inputs, model.outputs[0])',
              'if INIT_FROM:',
              '    model.load_weights(INIT_FROM)',
              'LOSS = build_loss()',
              'train_model.compile(optimizer=build_optimizer(), loss=LOSS)',
              f'# the Session part of {script_path.name}']
    inner.append(session_text)
    inner.append("report_metric()")
    main += ["\n".join("    " + line if line.strip() else "" for line in block.splitlines())
             for block in inner]
    parts += main
    text = "\n".join(parts) + "\n"
    return _with_checkpoints(text), todos, notes, model


_CHECKPOINTS = '''

def port_save(path, global_step=None):
    """saver.save(sess, path[, global_step]): the model's weights (and its optimizer's
    slots, which a TF1 Saver saves too) to PATH.weights.h5 (PATH-STEP with a global step,
    as TF1 names it), written to a temporary file and renamed into place; the folder's
    latest checkpoint noted for port_latest_checkpoint. Returns the path, as saver.save."""
    import json

    path = os.fspath(path) + (f"-{int(global_step)}" if global_step is not None else "")
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{name}.weights.h5")
    try:
        train_model.save_weights(tmp)
        os.replace(tmp, path + ".weights.h5")
        with open(tmp, "w") as f:
            json.dump({"latest": name}, f)
        os.replace(tmp, os.path.join(folder, "checkpoint.port.json"))
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def port_restore(path):
    """saver.restore(sess, path): the weights port_save wrote for PATH, into the model of
    this Session (start_port). The program restores what it saved itself: loading the file
    (rather than keeping the trained model in memory) keeps its behaviour, also when the
    restoring part runs on its own, and the optimizer's slots come back as TF1's do."""
    file = f"{os.fspath(path)}.weights.h5" if path is not None else None
    if file is None or not os.path.exists(file):
        raise SystemExit(f"no saved weights at {file} (port_save, the port of saver.save, "
                         f"writes them)")
    if not train_model.optimizer.built:  # its slots are in the file: load them too
        train_model.optimizer.build(train_model.trainable_variables)
    train_model.load_weights(file)


def port_latest_checkpoint(folder):
    """tf.train.latest_checkpoint(folder): the path port_save wrote there last, or None."""
    import json

    state = os.path.join(os.fspath(folder), "checkpoint.port.json")
    if not os.path.exists(state):
        return None
    with open(state) as f:
        return os.path.join(os.fspath(folder), json.load(f)["latest"])
'''

_SET_SEED = '''
def set_seed(seed):
    """The TF1 runtime's set_seed (tf1_compat.runtime): Python's, NumPy's and Keras's generators."""
    keras.utils.set_random_seed(seed)
'''


def _with_checkpoints(text: str) -> str:
    """The port's text with port_save / port_restore / port_latest_checkpoint (the ports of
    a tf.train.Saver and tf.train.latest_checkpoint) where it uses them."""
    if not re.search(r"\bport_(save|restore|latest_checkpoint)\(", text):
        return text
    at = text.index('\n\nif __name__ == "__main__":')
    return text[:at] + _CHECKPOINTS + text[at:]


# both generated tests: the capture and the weights beside the port, and the port as a module
_PORT_FIXTURE = '''HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURE = os.path.join(HERE, {capture!r})
WEIGHTS = os.path.join(HERE, {weights!r})


@pytest.fixture(scope="module")
def port():
    spec = importlib.util.spec_from_file_location("port_under_test", os.path.join(HERE, {port!r}))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
'''

_TEST = '''"""The parity of {port} with {script}, written by `parity migrate --write`.

Run with pytest: the model of {port}, started from the TF1 weights ({weights}), computes what
the captured TF1 graph computes{step_doc}. Uses tf1_migrate.testing (the TF1 side
rebuilt from the capture in {capture}).
"""
import importlib.util
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF1 cells for the reference graph
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TensorFlow start-up log

import numpy as np
import pytest

from tf1_migrate import convert
from tf1_migrate.testing import assert_same_outputs, assert_same_step

''' + _PORT_FIXTURE + '''

@pytest.fixture(scope="module")
def probe():
    data, _ = convert.load_description(CAPTURE)
    model = convert.describe_models(data)[0]
    found, _ = convert._capture_probe(CAPTURE, CAPTURE, model)
    return found


def _model(port):
    model = port.build_model()
    model.load_weights(WEIGHTS)
    return model{inner}


def test_outputs_as_tf1(port, probe):
    model = _model(port)
{outputs_test}
'''

_STEP_TEST = '''

def test_one_step_as_tf1(port, probe):
    model = _model(port)
    x = probe["inputs"]
    rng = np.random.RandomState(0)
    shape = probe["outputs"].shape
{targets}
    assert_same_step(CAPTURE, model, x, y, loss=port.LOSS_NAME, optimizer={optimizer!r},
                     learning_rate={lr!r}{momentum}, keras_optimizer=port.build_optimizer(){extras})
'''


_UNPORTED = '''"""Keras 3 port of {script}, written by `parity migrate {script} --write {port}`:
not written. The TF1 model is not one the port generator translates (below); the program
stops rather than train something else.
"""

{todos}
raise NotImplementedError({message!r})
'''


def _test_text(port_path, script_path, capture_rel, weights_name, model, training) -> tuple[str, list]:
    notes = []
    loss = (training.get("loss") or {}).get("name")
    opt = training.get("optimizer") or {}
    step = ""
    # the probe's lengths (not all full) and initial states (not zeros): a port that drops
    # them, or feeds them in another order, steps differently
    extras = ""
    if model.lengths:
        extras += ', lengths=probe["lengths"]'
    if model.state_inputs:
        count = sum(2 if c.kind == "lstm" else 1 for b in model.blocks for c in b.fw + (b.bw or []))
        extras += f', states=[probe[f"state_in_{{k}}"] for k in range({count})]'

    outputs_test = '    assert_same_outputs(CAPTURE, model, probe["inputs"]' + \
        extras.replace(", ", ",\n                        ", 1) + ")"
    if opt.get("name") not in ("adam", "sgd", "momentum"):
        notes.append(f"test_port_parity.py: no one-step test for the optimizer {opt.get('class')}")
    elif loss is None:
        notes.append("test_port_parity.py: no one-step test (the loss is not known)")
    else:
        if loss == "softmax_cross_entropy":
            targets = '    y = np.eye(shape[-1], dtype="float32")[rng.randint(0, shape[-1], size=shape[:-1])]'
        elif loss in ("sparse_softmax_cross_entropy", "sequence_loss"):
            targets = '    y = rng.randint(0, shape[-1], size=shape[:-1]).astype("int32")'
        elif loss == "sigmoid_cross_entropy":
            targets = '    y = (rng.rand(*shape) > 0.5).astype("float32")'
        else:
            targets = '    y = rng.normal(size=shape).astype("float32")'
        momentum = f", momentum={opt['momentum']!r}" if opt.get("name") == "momentum" else ""
        if loss == "sequence_loss":  # its weights: the probe's lengths as tf.sequence_mask
            momentum += (',\n                     weights=(np.arange(shape[1])[None, :] < '
                         'probe["lengths"][:, None]).astype("float32")')
        if opt.get("global_clipnorm") is not None:  # tf.clip_by_global_norm before the step
            momentum += f",\n                     clip_norm={opt['global_clipnorm']!r}"
        step = _STEP_TEST.format(targets=targets, optimizer=opt["name"], lr=opt["learning_rate"],
                                 momentum=momentum,
                                 extras=extras.replace(", ", ",\n                     ", 1))
    inner = ""
    if _embedding_of(training):
        inner = ('.get_layer("port")  # the RNN model after the embedding lookup (the '
                 'checks start\n    # from the embedded inputs: the TF1 graph\'s RNN input)')
    text = _TEST.format(port=port_path.name, script=script_path.name, weights=weights_name,
                        capture=capture_rel, outputs_test=outputs_test, inner=inner,
                        step_doc=", and one optimizer step moves its weights as TF1's step" if step else "")
    return text + step, notes


_GRAPH_TEST = '''"""The parity of {port} with {script}, written by `parity migrate --write`.

Run with pytest: the model of {port} (the TF1 forward graph written out op for op), started
from the TF1 weights ({weights}), computes what the captured TF1 graph computes, and one
optimizer step moves its weights as one run of the script's train op. Uses
tf1_migrate.graph_testing (the TF1 graph of the capture in {capture}).
"""
import importlib.util
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF1 for the reference graph
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TensorFlow start-up log
{x64}
import numpy as np
import pytest

from tf1_migrate.graph_testing import assert_same_graph_outputs, assert_same_graph_step, probe_inputs

''' + _PORT_FIXTURE + '''

def _model(port):
    model = port.build_model()
    model.load_weights(WEIGHTS)
    return model


def test_outputs_as_tf1(port):
    assert_same_graph_outputs(CAPTURE, _model(port))


def test_one_step_as_tf1(port):
    import keras

    model = _model(port)
    x = probe_inputs(CAPTURE)
    shape = np.shape(keras.ops.convert_to_numpy(model(x)))
    rng = np.random.RandomState(0)
{targets}
    assert_same_graph_step(CAPTURE, model, y, loss=port.build_loss(), optimizer=port.build_optimizer())
'''


def _graph_test_text(port_path, script_path, capture_rel, weights_name, training) -> tuple[str, list]:
    loss = (training.get("loss") or {}).get("name")
    dtype = (training.get("input") or {}).get("dtype", "float32")
    if loss == "softmax_cross_entropy":
        targets = f'    y = np.eye(shape[-1], dtype={dtype!r})[rng.randint(0, shape[-1], size=shape[:-1])]'
    elif loss == "sparse_softmax_cross_entropy":
        targets = '    y = rng.randint(0, shape[-1], size=shape[:-1]).astype("int32")'
    else:
        targets = f'    y = rng.uniform(size=shape).astype({dtype!r})'
    x64 = ('os.environ.setdefault("JAX_ENABLE_X64", "1")  # float64, as the TF1 graph\n'
           if dtype == "float64" else "")
    text = _GRAPH_TEST.format(port=port_path.name, script=script_path.name, weights=weights_name,
                              capture=capture_rel, targets=targets, x64=x64)
    return text, []


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _weights(port_text: str, model, session: Path, data: dict, init_from, out: Path) -> str | None:
    """Build the port's model, fill it with the TF1 weights, check it on the capture's probe
    and save the weights; why not, or None."""
    import numpy as np

    from tf1_migrate import convert, keras_rnn
    from tf1_migrate.keras_weights import save_weights

    namespace: dict = {}
    embedding = _embedding_of(data.get("training") or {})
    start = port_text.index("\ndef build_rnn_model():" if embedding else "\ndef build_model():")
    pre = port_text.index("\nclass LengthMask") if "\nclass LengthMask" in port_text else start
    exec("import keras\nimport numpy as np\n" + port_text[pre:port_text.index("\ndef build_optimizer")],
         namespace)
    keras_model = namespace["build_model"]()
    rnn_model = keras_model.get_layer("port") if embedding else keras_model
    checkpoint = init_from or str(session / data.get("checkpoint", "model.ckpt"))
    values = convert.read_checkpoint(checkpoint)
    keras_rnn.fill(rnn_model, model, values)
    if embedding:
        if embedding["variable"] not in values:
            return f"the checkpoint has no embedding variable {embedding['variable']}"
        keras_model.get_layer("embedding").set_weights([np.asarray(values[embedding["variable"]])])
    if init_from is None:
        probe, _ = convert._capture_probe(session, session, model)
        if probe is not None:
            problem = convert.compare_with_probe(rnn_model, probe)
            if problem:
                return f"the written model does not compute what the captured graph computes: {problem}"
    save_weights(keras_model, str(out))
    return None


def _graph_weights(port_text: str, forward: dict, session: Path, data: dict, init_from,
                   out: Path) -> str | None:
    """The forward graph's model (keras_graph) with the TF1 weights, checked on the capture's
    probe and saved; why not, or None."""
    import numpy as np

    from tf1_migrate import convert, keras_graph
    from tf1_migrate.keras_weights import save_weights

    namespace: dict = {}
    start = port_text.index("\nclass TF1Graph(")
    exec("import keras\nimport numpy as np\n" + port_text[start:port_text.index("\ndef build_optimizer")],
         namespace)
    try:
        keras_model = namespace["build_model"]()
        checkpoint = init_from or str(session / data.get("checkpoint", "model.ckpt"))
        keras_graph.fill(keras_model, convert.read_checkpoint(checkpoint))
    except (convert.ConversionError, KeyError, ValueError) as exc:
        return f"the TF1 weights could not be converted: {exc}"
    probe = forward.get("probe") or {}
    if init_from is None:
        if "unknown" in probe or not probe:
            return f"the written model could not be checked: {probe.get('unknown', 'no probe')}"
        x = np.asarray(next(iter(probe["inputs"].values())))
        got = np.asarray(keras_model.predict(x, verbose=0))
        expected = np.asarray(probe["output"])
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
            worst = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else None
            return (f"the written model does not compute what the captured graph computes "
                    f"(shape {got.shape} vs {expected.shape}, largest difference {worst})")
    save_weights(keras_model, str(out))
    return None


def notebook_as_script(notebook: Path) -> tuple[str, list]:
    """A notebook's code cells, in order, as one Python script, as ``jupyter nbconvert --to
    script`` writes it: magics and shell lines become ``get_ipython()`` calls, which
    ``legacy-run`` answers (a ``!wget`` of the data runs; ``!pip install tensorflow==1.15``
    does not replace this environment's). Also, for each line of the script, the
    ``(cell, line)`` of the notebook it comes from (``(0, 0)``: none)."""
    import json

    from tf1_compat.ipython_script import python_of_cell

    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise WriteError(f"{notebook}: cannot read as a Jupyter notebook ({exc})") from None
    lines = [f"# the code cells of {notebook.name}, as parity migrate --write ran them"]
    origin = [(0, 0)]
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        try:
            python = python_of_cell(text)
        except SyntaxError:  # left to the run to report, as the kernel would
            python = text
        cell_lines = python.splitlines()
        lines += cell_lines
        # line for line where the transform keeps the lines (a cell magic takes the cell to one)
        origin += [(number, min(k, max(1, len(text.splitlines()))))
                   for k in range(1, len(cell_lines) + 1)]
    return "\n".join(lines) + "\n", origin


def write_port(script, out, *, capture=None, init_from=None, args=()) -> Written:
    """Write ``out`` (the port), its weights and ``test_port_parity.py`` (see the module docstring).

    ``script`` may be a notebook (``.ipynb``): its code cells run as one script
    (:func:`notebook_as_script`) in the notebook's folder, as its kernel would, and the port
    is written from that run; its comments and notes name the notebook's cells and lines."""
    from tf1_compat import run as tf1_run

    script = Path(script)
    if not script.is_file():
        raise WriteError(f"no script '{script}'")
    try:
        kind = tf1_run.script_kind(script)
    except tf1_run.ScriptError as exc:
        raise WriteError(str(exc)) from None
    if kind != "notebook":
        return _write_port(script, out, capture=capture, init_from=init_from, args=args)
    if args:
        raise WriteError(f"a notebook takes no arguments (got {' '.join(map(str, args))})")
    out = Path(out)
    if not out.parent.is_dir():
        raise WriteError(f"--write {out}: folder '{out.parent}' does not exist")
    with tempfile.TemporaryDirectory(prefix=".notebook-", dir=out.parent) as tmp:
        as_script = Path(tmp) / f"{script.stem}.py"
        source, origin = notebook_as_script(script)
        as_script.write_text(source)
        try:
            done = _write_port(as_script, out, capture=capture, init_from=init_from,
                               cwd=script.resolve().parent)
        except WriteError as exc:
            raise WriteError(str(exc).replace(str(as_script), str(script))) from None
    for path in (done.port, done.test):
        if path is not None and Path(path).is_file():
            _write_atomic(Path(path), _cells_not_lines(Path(path).read_text(), script, origin))
    done.notes = [_cells_not_lines(note, script, origin) for note in done.notes]
    done.todos = [_cells_not_lines(todo, script, origin) for todo in done.todos]
    return done


def _cells_not_lines(text: str, notebook: Path, origin: list) -> str:
    """A port written from a notebook's code: its ``NB.py line N`` references become the
    notebook's ``cell C, line L``, and the script's name the notebook's."""
    name = re.escape(notebook.stem) + r"\.py"

    def at(n: str) -> str:
        n = int(n)
        cell, line = origin[n - 1] if 0 < n <= len(origin) else (None, None)
        return f"cell {cell}, line {line}" if cell else f"line {n}"

    text = re.sub(rf"\b{name} lines (\d+)-(\d+)",
                  lambda m: f"{notebook.name} {at(m[1])} to {at(m[2])}", text)
    text = re.sub(rf"\b{name} line (\d+)", lambda m: f"{notebook.name} {at(m[1])}", text)
    return re.sub(rf"\b{name}\b", notebook.name, text)


def _write_port(script: Path, out, *, capture=None, init_from=None, args=(), cwd=None) -> Written:
    from tf1_migrate import convert, keras_code, keras_rnn, tf1_rnn

    out = Path(out)
    if not out.name.endswith(".py"):
        raise WriteError(f"--write {out}: the port's file name must end in .py")
    if not out.parent.is_dir():
        raise WriteError(f"--write {out}: folder '{out.parent}' does not exist")
    if out.resolve() == script.resolve():
        raise WriteError("--write names the script itself: give the port another file name")
    if init_from is not None:
        try:
            convert.resolve_prefix(init_from)
        except convert.ConversionError as exc:
            raise WriteError(f"--init-from: {exc}") from None
    if capture is None:
        folder = out.parent / f"{out.stem}_capture"
        if folder.exists() and (not folder.is_dir() or any(
                not p.name.startswith("session_") for p in folder.iterdir())):
            raise WriteError(f"'{folder}' exists and is not a capture of an earlier --write: "
                             f"move it, or pass it as --capture")
        capture_script(script, folder, args, cwd=cwd)
    else:
        folder = Path(capture)
        if not folder.is_dir():
            raise WriteError(f"--capture {folder}: not a folder")
    session, data, extra = _choose_session(folder)
    forward = _forward_of(data)
    if not data.get("models") and forward is None:  # nothing the port can be built around: it only says why
        _write_atomic(out, _UNPORTED.format(script=script.name, port=out.name,
                                            todos="\n".join(f"# {TODO}: {t}" for t in extra),
                                            message=f"{TODO}: " + "; ".join(extra)))
        return Written(port=out, capture=str(session), todos=extra)
    weights = out.with_name(f"{out.stem}.init.weights.h5")
    text, todos, notes, model = generate(script, out, session, data, extra, weights.name)
    done = Written(port=out, capture=str(session), notes=notes)
    model_written = f"def build_model():\n    # {TODO}" not in text
    if model_written and forward is not None and "        raise NotImplementedError(" not in text.split(
            "\ndef build_model():")[0]:  # the layer's call written out
        why = _graph_weights(text, forward, session, data, init_from, weights)
        if why:
            todos.append(why)
            text = text.replace("    LOSS = build_loss()\n", f"    # {TODO}: {why}\n    raise "
                                f"NotImplementedError({(TODO + ': ' + why)!r})\n    LOSS = build_loss()\n", 1)
        else:
            done.weights = weights
            initial = (data.get("training") or {}).get("initial_checkpoint")
            if initial and (session / f"{initial}.index").exists():
                start = out.with_name(f"{out.stem}.start.weights.h5")
                if _graph_weights(text, forward, session, data, str(session / initial), start) is None:
                    done.start = start
    elif model_written and forward is None and not any("build_model" in t or "capture:" in t for t in todos):
        try:
            why = _weights(text, model, session, data, init_from, weights)
        except (convert.ConversionError, keras_rnn.FillError, tf1_rnn.MappingError,
                keras_code.NotWritable) as exc:
            why = f"the TF1 weights could not be converted: {exc}"
        if why:
            todos.append(why)
            text = text.replace("    model = build_model()\n",
                                f"    # {TODO}: {why}\n    raise NotImplementedError({(TODO + ': ' + why)!r})\n"
                                "    model = build_model()\n", 1)
        else:
            done.weights = weights
            initial = (data.get("training") or {}).get("initial_checkpoint")
            if initial and (session / f"{initial}.index").exists():
                start = out.with_name(f"{out.stem}.start.weights.h5")
                if _weights(text, model, session, data, str(session / initial), start) is None:
                    done.start = start
    _write_atomic(out, text)
    try:
        capture_rel = os.path.relpath(session, out.parent)
    except ValueError:
        capture_rel = str(session.resolve())
    test_path = out.with_name("test_port_parity.py")
    if forward is not None:
        test_text, test_notes = _graph_test_text(out, script, capture_rel, weights.name,
                                                 data.get("training") or {})
    else:
        test_text, test_notes = _test_text(out, script, capture_rel, weights.name, model,
                                           data.get("training") or {})
    if done.weights is not None:
        _write_atomic(test_path, test_text)
        done.test = test_path
    done.notes += test_notes
    done.todos = list(dict.fromkeys(todos))  # one line per reason (a statement may repeat one)
    return done


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(write_port(*sys.argv[1:3]).__dict__, default=str, indent=1))

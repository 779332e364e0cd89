"""``parity migrate SCRIPT``: what a TF1 script needs to become Keras 3, line by line.

Static analysis only (the script is parsed, never imported or run). Every use of a TF1 API
is found in the syntax tree, whatever the script calls TensorFlow (``import tensorflow as
tf``, ``tensorflow.compat.v1``, ``from tensorflow.contrib import rnn``, ``from
tensorflow.python.ops import rnn_cell``, ...), and reported with its line, the Keras 3 form
(:mod:`tf1_migrate.migration_map`, the table of MIGRATION.md), the traps that apply on that line
(read from the call's arguments: the forget bias, ``zero_state`` with a fixed batch,
``time_major``, keep probabilities, initialiser scales, optimizer epsilons, ...) and, for a
removed API that ``legacy-run`` does not provide, the replacement it would name.
"""

from __future__ import annotations

import ast
import html
import os
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from tf1_migrate import migration_map
from tf1_migrate.migration_map import TRAPS


class MigrateError(Exception):
    """A script that cannot be read or parsed: one line, exit code 2."""


@dataclass
class Finding:
    line: int
    api: str  # the TF1 name as the script reaches it, canonical (tf.nn.rnn_cell.LSTMCell)
    entry: str | None  # the MIGRATION.md row (Mapping.tf1), or None
    keras: str  # the Keras 3 form
    note: str = ""  # the row's gotcha
    traps: list = field(default_factory=list)
    cannot_run: str | None = None  # legacy-run stops here: the replacement it names
    code: str = ""
    cell: int | None = None  # a notebook's cell (1-based, in notebook order); line is in it

    @property
    def where(self) -> str:
        return f"cell {self.cell}, line {self.line}" if self.cell else f"line {self.line}"


@dataclass
class Report:
    path: str
    findings: list

    @property
    def traps(self) -> int:
        return sum(len(f.traps) for f in self.findings)

    @property
    def not_runnable(self) -> int:
        return sum(f.cannot_run is not None for f in self.findings)


# ----------------------------------------------------------------------------- names
_INTERNAL = {  # TensorFlow's own modules that TF 0.x/1.x scripts import, as TF1 spells them
    "tf.python.ops.rnn": "tf.nn", "tf.python.ops.rnn_cell": "tf.nn.rnn_cell",
    "tf.python.ops.rnn_cell_impl": "tf.nn.rnn_cell", "tf.python.ops.array_ops": "tf",
    "tf.python.ops.math_ops": "tf", "tf.compat.v1": "tf", "tf.compat.v1.nn": "tf.nn",
}


def canonical(dotted: str) -> str:
    """``tensorflow.compat.v1.nn.x`` -> ``tf.nn.x``; TensorFlow's internal modules -> their TF1 names."""
    if dotted == "tensorflow" or dotted.startswith("tensorflow."):
        dotted = "tf" + dotted[len("tensorflow"):]
    for internal, spelled in sorted(_INTERNAL.items(), key=lambda kv: -len(kv[0])):
        if dotted == internal or dotted.startswith(internal + "."):
            return spelled + dotted[len(internal):]
    return dotted


def _dotted(node) -> list | None:
    """``a.b.c`` -> ["a", "b", "c"]; ``tf1().nn`` -> ["<tf1()>", "nn"]; else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call) and _is_tf1_call(node):
        parts.append("<tf1()>")
    else:
        return None
    return parts[::-1]


def _is_tf1_call(node) -> bool:
    """``tf1()`` / ``runtime.tf1()``: this project's legacy modules get TensorFlow so."""
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "tf1") or (isinstance(f, ast.Attribute) and f.attr == "tf1")


class _Aliases(ast.NodeVisitor):
    """Which local names are TensorFlow (or a part of it), from imports and assignments."""

    def __init__(self):
        self.names: dict = {}

    def visit_Import(self, node):
        for a in node.names:
            if a.name == "tensorflow" or a.name.startswith("tensorflow."):
                if a.asname:
                    self.names[a.asname] = canonical(a.name)
                else:
                    self.names["tensorflow"] = "tf"

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if node.level == 0 and (module == "tensorflow" or module.startswith("tensorflow.")):
            for a in node.names:
                self.names[a.asname or a.name] = canonical(f"{module}.{a.name}")

    def visit_Assign(self, node):
        value = node.value
        resolved = None
        if isinstance(value, ast.Call) and _is_tf1_call(value):
            resolved = "tf"
        else:
            parts = _dotted(value)
            if parts and parts[0] in self.names:
                resolved = canonical(".".join([self.names[parts[0]], *parts[1:]]))
        if resolved:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.names[target.id] = resolved
        self.generic_visit(node)


# ----------------------------------------------------------------------------- matching
def _entries():
    """(matcher kind, key) -> mapping, for every matcher of every row."""
    table = {}
    for m in migration_map.MAPPINGS:
        for spec in m.match:
            if spec.startswith("import:"):
                kind, key = "import", spec[len("import:"):]
            elif spec.endswith("="):
                kind, key = "keyword", spec[:-1]
            elif spec.startswith("."):
                kind, key = "method", spec[1:]
            elif spec.startswith("tf."):
                kind, key = "name", spec
            elif "." in spec and "(" not in spec:
                kind, key = "receiver", spec
            else:
                kind, key = "leaf", spec
            table.setdefault((kind, key), m)
    return table


def _provided_contrib() -> dict:
    """``{module: names}`` of the ``tf.contrib`` modules legacy-run provides (its shim modules,
    read without TensorFlow)."""
    from tf1_compat import contrib, modules

    return {modules.dotted(m.__name__): set(m.__dict__["_resolvers"])
            for m in contrib.build_modules().values()}


def cannot_run(api: str, provided: dict) -> str | None:
    """The replacement legacy-run names when the script reaches ``api``, or None."""
    from tf1_compat.replacements import REPLACEMENTS, explain

    parts = api.split(".")
    if api.startswith("tf.contrib"):
        for k in range(len(parts), 1, -1):  # the longest provided module, then its attribute
            module = ".".join(parts[:k])
            if module in provided:
                if k == len(parts) or parts[k] in provided[module]:
                    return None
                return explain(".".join(parts[:k + 1]))
        return explain(api)
    if api.startswith(("tf.models", "tf.examples.tutorials.mnist.mnist")) or api in REPLACEMENTS:
        prefix = next((".".join(parts[:k]) for k in range(len(parts), 1, -1)
                       if ".".join(parts[:k]) in REPLACEMENTS), api)
        return explain(prefix)
    return None


def _tf0_names() -> dict:
    """``{TF 0.x name: (its TF 1.0 name, Keras 3 form)}`` (legacy-run's aliases)."""
    from tf1_compat.aliases import ALIASES

    keras = {}
    for row in migration_map.TF0_NAMES:
        for name in row.tf0.split(" / "):
            keras[name.strip()] = row.keras
    return {old: (new, keras.get(old, "")) for old, new in ALIASES.items()}


# ----------------------------------------------------------------------------- traps
def _kw(call, name):
    for k in call.keywords if isinstance(call, ast.Call) else ():
        if k.arg == name:
            return k.value
    return None


def _arg(call, index, name):
    if not isinstance(call, ast.Call):
        return None
    value = _kw(call, name)
    if value is None and len(call.args) > index:
        value = call.args[index]
    return value


def _src(node) -> str:
    return ast.unparse(node) if node is not None else ""


def _const(node):
    return node.value if isinstance(node, ast.Constant) else None


def _traps(leaf: str, api: str, call, constants: dict) -> list:
    """The traps of one TF1 API use, from the call's arguments."""
    t = []

    def say(key, **values):
        t.append(TRAPS[key].format(**values))

    if leaf in ("BasicLSTMCell", "LSTMCell", "LSTMBlockCell"):
        fb = _arg(call, 1, "forget_bias")
        say("forget_bias", value=_src(fb) if fb is not None else "1.0 (the default)")
        say("lstm_layout")
        if _const(_kw(call, "use_peepholes")) is True:
            say("no_keras", feature="peepholes (use_peepholes=True)")
        if _kw(call, "num_proj") is not None and _const(_kw(call, "num_proj")) is not None:
            say("no_keras", feature=f"projection (num_proj={_src(_kw(call, 'num_proj'))})")
        if _kw(call, "cell_clip") is not None and _const(_kw(call, "cell_clip")) is not None:
            say("no_keras", feature="cell clipping (cell_clip)")
        if _const(_kw(call, "state_is_tuple")) is False:
            say("state_is_tuple")
    elif leaf in ("GRUCell", "GRUBlockCell", "GRUBlockCellV2"):
        say("gru_layout")
    elif leaf == "BasicRNNCell":
        say("rnn_layout")
    elif leaf == "MultiRNNCell":
        if _const(_kw(call, "state_is_tuple")) is False:
            say("state_is_tuple")
    elif leaf == "zero_state":
        batch = _arg(call, 0, "batch_size")
        src = _src(batch)
        dynamic = batch is not None and "shape" in src
        if batch is not None and not dynamic:
            value = _const(batch) if _const(batch) is not None else constants.get(src)
            certainty = "" if isinstance(value, int) else f"(if {src} is a Python int) "
            say("zero_state", value=src, certainty=certainty)
    elif api.startswith("tf.metrics."):
        say("streaming_metric")
    elif leaf in ("random_normal", "truncated_normal", "random_normal_initializer",
                  "truncated_normal_initializer"):
        stddev = _kw(call, "stddev")
        if stddev is None and isinstance(call, ast.Call):
            index = 1 if leaf.endswith("initializer") else 2
            stddev = call.args[index] if len(call.args) > index else None
        shape = _arg(call, 0, "shape") if not leaf.endswith("initializer") else None
        if isinstance(shape, (ast.List, ast.Tuple)) and len(shape.elts) == 1:  # a [n] bias
            value = _src(stddev) if stddev is not None else "1.0"
            say("random_normal_bias", name=f"tf.{leaf}", shape=_src(shape), value=value)
        elif stddev is None or (_const(stddev) is not None and float(_const(stddev)) >= 0.5):
            say("random_normal", name=f"tf.{leaf}", stddev=_src(stddev) if stddev is not None else "1.0",
                value=_src(stddev) if stddev is not None else "1.0 (its default)")
    elif leaf == "AdamOptimizer":
        eps = _arg(call, 3, "epsilon")
        say("adam_epsilon", value=_src(eps) if eps is not None else "1e-8")
    elif leaf == "RMSPropOptimizer":
        eps = _arg(call, 3, "epsilon")
        say("rmsprop", value=_src(eps) if eps is not None else "1e-10")
    elif leaf == "AdagradOptimizer":
        say("adagrad")
    elif leaf == "DropoutWrapper":
        for name in ("input_keep_prob", "output_keep_prob", "state_keep_prob"):
            value = _kw(call, name)
            if value is None:
                continue
            if _const(value) is not None:
                if float(_const(value)) < 1.0:
                    say("dropout_const", value=f"{name}={_src(value)}")
            else:
                say("dropout_fed", value=f"{name}={_src(value)}")
    elif api == "tf.nn.dropout":
        keep = _arg(call, 1, "keep_prob")
        rate = _kw(call, "rate")
        value = keep if keep is not None else rate
        if value is not None:
            key = "dropout_const" if _const(value) is not None else "dropout_fed"
            say(key, value=_src(value))
    elif api == "tf.layers.dropout":
        training = _kw(call, "training")
        say("layers_dropout", value=_src(training) if training is not None else "False (the default)")
    elif leaf in ("dynamic_rnn", "bidirectional_dynamic_rnn", "stack_bidirectional_dynamic_rnn"):
        tm = _kw(call, "time_major")
        if tm is not None and _const(tm) is not False:
            say("time_major", value=_src(tm))
    if leaf in ("dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn",
                "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn") and call is not None:
        lengths = _kw(call, "sequence_length")
        if lengths is not None and not (isinstance(lengths, ast.Constant) and lengths.value is None):
            say("sequence_length", value=_src(lengths))
        for name in ("initial_state", "initial_state_fw", "initial_states_fw"):
            state = _kw(call, name)
            if state is not None and not (isinstance(state, ast.Constant) and state.value is None):
                say("initial_state", value=_src(state))
    if leaf == "reduce_sum" and isinstance(call, ast.Call) and call.args and \
            isinstance(call.args[0], ast.Call) and _src(call.args[0].func).endswith("square"):
        say("reduce_sum_loss")
    if leaf == "static_bidirectional_rnn":
        say("bidirectional_last")
    return t


# ----------------------------------------------------------------------------- analysis
def _int_constants(tree) -> dict:
    """``NAME = 64`` anywhere in the file: names bound to int literals."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, int) and not isinstance(node.value.value, bool):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value.value
    return out


def read_source(path) -> str:
    p = Path(path)
    if p.is_dir():
        raise MigrateError(f"{path} is a folder, not a script (give one .py file)")
    if not p.is_file():
        raise MigrateError(f"no such file: {path}")
    try:
        with tokenize.open(p) as f:  # honours a coding cookie
            return f.read()
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise MigrateError(f"{path}: cannot read as Python source ({exc})") from None
    except OSError as exc:
        raise MigrateError(f"{path}: cannot read ({exc.strerror})") from None


def _notebook_source(path) -> tuple[str, list]:
    """A notebook's code cells as one source (IPython magics and shell lines blanked), and
    for each of its lines the ``(cell, line in the cell)`` it comes from."""
    import json

    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise MigrateError(f"{path}: cannot read as a Jupyter notebook ({exc})") from None
    lines, origin = [], []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        for k, line in enumerate(text.splitlines(), 1):
            magic = line.lstrip().startswith(("%", "!"))
            lines.append("" if magic else line)
            origin.append((number, k))
    return "\n".join(lines) + "\n", origin


def analyse(path) -> Report:
    """The :class:`Report` of one script, or of a notebook's code cells (``.ipynb``: each
    finding says its cell and its line in that cell)."""
    if str(path).endswith(".ipynb"):
        if not Path(path).is_file():
            raise MigrateError(f"no such file: {path}")
        source, origin = _notebook_source(path)
        try:
            tree = ast.parse(source, filename=str(path))
        except SyntaxError as exc:
            cell, line = origin[exc.lineno - 1] if exc.lineno and exc.lineno <= len(origin) else (None, exc.lineno)
            raise MigrateError(f"{path}: cell {cell}, line {line}: cannot parse ({exc.msg}); parity "
                               f"migrate reads Python 3 source") from None
        findings = _find(tree, source.splitlines())
        for f in findings:
            f.cell, f.line = origin[f.line - 1]
        return Report(str(path), findings)
    source = read_source(path)
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        if "null bytes" in str(exc.msg) or exc.lineno is None:
            raise MigrateError(f"{path}: cannot parse ({exc.msg}): not a Python script") from None
        raise MigrateError(f"{path}:{exc.lineno}: cannot parse ({exc.msg}); parity migrate reads "
                           f"Python 3 source") from None
    except ValueError as exc:  # null bytes
        raise MigrateError(f"{path}: cannot parse ({exc})") from None
    return Report(str(path), _find(tree, source.splitlines()))


def _find(tree, lines) -> list:
    aliases = _Aliases()
    aliases.visit(tree)
    names = dict(aliases.names)
    names.setdefault("tf", "tf")  # the convention, when a script gets TensorFlow another way
    table = _entries()
    provided = _provided_contrib()
    constants = _int_constants(tree)
    tf0 = _tf0_names()
    findings: dict = {}  # (line, entry or api) -> Finding

    def add(line, api, entry, call=None, leaf=None):
        key = (line, entry.tf1 if entry else api)
        if key in findings:
            return
        stop = cannot_run(api, provided)
        traps = _traps(leaf or api.rsplit(".", 1)[-1], api, call, constants)
        keras = entry.keras if entry else migration_map.OPS.get(api.rsplit(".", 1)[-1], "")
        if api in tf0:  # a TF 0.x name: legacy-run runs it as TF 1.0's
            keras = entry.keras if entry else tf0[api][1]
            traps.insert(0, TRAPS["tf0_name"].format(name=api, tf1=tf0[api][0]))
        if not keras and stop:
            from tf1_compat.replacements import lookup

            hit = lookup(api)
            keras = hit[1] if hit and hit[1] else "no direct replacement"
        keras = keras or "(not in the migration map; tf.compat.v1 still has it)"
        if (leaf or api.rsplit(".", 1)[-1]) == "fully_connected" and isinstance(call, ast.Call):
            act = _kw(call, "activation_fn")
            if isinstance(act, ast.Constant) and act.value is None:
                keras = "keras.layers.Dense(units) (activation_fn=None: linear, Dense's default)"
            elif act is not None:
                keras = f"keras.layers.Dense(units, activation={_src(act)})"
        first, last = line, line
        if isinstance(call, ast.Call):  # a call over several lines is shown whole
            first, last = min(call.lineno, line), max(call.end_lineno or line, line)
        code = " ".join(text.strip() for text in lines[first - 1:last]) if 0 < line <= len(lines) else ""
        findings[key] = Finding(
            line, api, entry.tf1 if entry else None, keras, entry.gotcha if entry else "",
            traps, stop, code)

    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def resolve(node):
        parts = _dotted(node)
        if not parts:
            return None
        head = "tf" if parts[0] == "<tf1()>" else names.get(parts[0])
        if head is None:
            return None
        return canonical(".".join([head, *parts[1:]]))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                       [f"{node.module}.{a.name}" for a in node.names] if node.level == 0 and node.module else [])
            for module in modules:
                api = canonical(module)
                if not api.startswith("tf."):
                    continue
                entry = next((m for (kind, key), m in table.items() if kind == "import"
                              and (api == canonical(key) or api.startswith(canonical(key) + "."))), None)
                if entry or cannot_run(api, provided):
                    add(node.lineno, api, entry)
            continue
        if isinstance(node, ast.keyword) and node.arg and ("keyword", node.arg) in table:
            add(node.value.lineno, f"{node.arg}=", table[("keyword", node.arg)])
            continue
        if isinstance(node, ast.Name) and ("keyword", node.id) in table:
            add(node.lineno, node.id, table[("keyword", node.id)])
        if not isinstance(node, (ast.Attribute, ast.Name)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute):
            continue  # only the longest chain: tf.nn.rnn_cell.LSTMCell, not tf.nn
        call = parent if isinstance(parent, ast.Call) and parent.func is node else None
        line = node.end_lineno if isinstance(node, ast.Attribute) else node.lineno
        api = resolve(node)
        if api is not None and api.startswith("tf"):
            if api == "tf" or (isinstance(node, ast.Name) and node.id in ("tf", "tensorflow")):
                continue
            leaf = api.rsplit(".", 1)[-1]
            entry = table.get(("name", api)) or table.get(("leaf", leaf))
            if entry is None:
                for (kind, key), m in table.items():  # tf.metrics.accuracy, tf.gfile.GFile, ...
                    if kind == "name" and api.startswith(key + "."):
                        entry = m
                        break
            if entry is None and leaf == "reduce_mean" and call is not None and call.args:
                inner = resolve(call.args[0].func) if isinstance(call.args[0], ast.Call) else None
                if inner and inner.endswith(".square"):
                    entry = table.get(("leaf", "reduce_mean(square)"))
            if entry is None:
                entry = table.get(("method", leaf))
            add(line, api, entry, call, leaf)
            continue
        if isinstance(node, ast.Attribute):  # methods: cell.zero_state(...), sess.run(...)
            receiver = (node.value.id if isinstance(node.value, ast.Name)  # saver.save, and
                        else node.value.attr if isinstance(node.value, ast.Attribute)  # model.saver.save
                        else None)
            entry = table.get(("method", node.attr))
            if entry is None and receiver is not None:
                entry = table.get(("receiver", f"{receiver}.{node.attr}"))
            if entry is not None:
                add(line, f"{receiver or ''}.{node.attr}", entry, call, node.attr)
    return sorted(findings.values(), key=lambda f: (f.line, f.api))


# ----------------------------------------------------------------------------- output
def format_text(report: Report) -> str:
    out = [f"{report.path}: {len(report.findings)} TF1 API uses, {report.traps} traps, "
           f"{report.not_runnable} that legacy-run cannot run"]
    for f in report.findings:
        out.append("")
        out.append(f"{f.where}: {f.api}" + (f"  [{f.entry}]" if f.entry else ""))
        out.append(f"    {f.code}")
        out.append(f"    Keras 3: {f.keras}")
        if f.note:
            out.append(f"    note: {f.note}")
        for trap in f.traps:
            out.append(f"    trap: {trap}")
        if f.cannot_run:
            out.append(f"    legacy-run cannot run this: {f.cannot_run}")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(report: Report) -> str:
    out = [f"# Migrating `{os.path.basename(report.path)}` to Keras 3", "",
           f"{len(report.findings)} TF1 API uses, {report.traps} traps, "
           f"{report.not_runnable} that `parity legacy-run` cannot run "
           f"(`parity migrate`; the table of MIGRATION.md).", "",
           "| line | TF1 | Keras 3 | traps |", "|---|---|---|---|"]
    for f in report.findings:
        traps = "<br>".join(_md(t) for t in f.traps)
        if f.cannot_run:
            traps = (traps + "<br>" if traps else "") + "**legacy-run cannot run this:** " + _md(f.cannot_run)
        note = f"<br>{_md(f.note)}" if f.note else ""
        out.append(f"| {f.where} | `{_md(f.code)}`<br>{_md(f.api)} | {_md(f.keras)}{note} | {traps} |")
    return "\n".join(out) + "\n"


def format_html(report: Report) -> str:
    e = html.escape
    rows = []
    for f in report.findings:
        traps = "".join(f"<li>{e(t)}</li>" for t in f.traps)
        if f.cannot_run:
            traps += f"<li class=stop>legacy-run cannot run this: {e(f.cannot_run)}</li>"
        rows.append(f"<tr><td>{e(f.where)}</td><td><code>{e(f.code)}</code><br><small>{e(f.api)}</small></td>"
                    f"<td><code>{e(f.keras)}</code><br><small>{e(f.note)}</small></td>"
                    f"<td><ul>{traps}</ul></td></tr>")
    name = e(os.path.basename(report.path))
    return ("<!doctype html><html><head><meta charset=utf-8>"
            f"<title>Migrating {name} to Keras 3</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
            "code{white-space:pre-wrap}.stop{color:#b00}small{color:#555}</style></head><body>"
            f"<h1>Migrating <code>{name}</code> to Keras 3</h1>"
            f"<p>{len(report.findings)} TF1 API uses, {report.traps} traps, {report.not_runnable} "
            "that <code>parity legacy-run</code> cannot run.</p>"
            "<table><tr><th>line</th><th>TF1</th><th>Keras 3</th><th>traps</th></tr>"
            + "".join(rows) + "</table></body></html>\n")


def write_atomic(path, text: str) -> Path:
    path = Path(path)
    if not path.parent.exists():
        raise MigrateError(f"output folder '{path.parent}' does not exist")
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise MigrateError(f"cannot write '{path}': {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path

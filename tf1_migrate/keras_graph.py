"""A TF1 forward graph without an RNN cell, written out as a Keras 3 layer, op for op.

Scripts that write their recurrence by hand (``tf.matmul`` and ``tf.sigmoid`` in a Python
loop, their own cell functions) or models of plain matmul/activation layers have no RNN
cell for :mod:`tf1_migrate.capture` to describe. ``legacy-run --capture`` then records the
forward graph itself (:func:`tf1_migrate.graph_training.forward_graph`: the ops from the
input placeholder and the variables to the output the loss compares with the labels), and
:func:`model_code` writes it as a ``keras.layers.Layer``: ``build`` makes one weight per
TF1 variable (its shape, dtype and, where the capture recognised it, its initializer; the
TF1 name in the weight's name and a comment), ``call`` is the op graph written out with
``keras.ops``, one line per op, in the graph's order, each named after its TF1 op. Pure
``keras`` / ``keras.ops``: it runs on every Keras 3 backend.

An op that is not in :data:`OPS` is not guessed: the layer's ``call`` gets a
``TODO(migrate): op <type> (<name>) has no Keras translation`` and raises there.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

TODO = "TODO(migrate)"
_VARIABLES = {"VarHandleOp", "VariableV2", "Variable"}
_READS = {"ReadVariableOp", "Identity"}
_WHILE = {"Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond", "While", "StatelessWhile"}
_BINARY = {"Add": "+", "AddV2": "+", "BiasAdd": "+", "Sub": "-", "Mul": "*", "RealDiv": "/",
           "Div": "/", "TrueDiv": "/"}
_FUNCTIONS = {"Maximum": "maximum", "Minimum": "minimum", "Pow": "power",
              "SquaredDifference": None}
_UNARY = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu", "Relu6": "relu6", "Elu": "elu",
          "Selu": "selu", "Softplus": "softplus", "Softsign": "softsign", "Exp": "exp",
          "Log": "log", "Square": "square", "Sqrt": "sqrt", "Abs": "abs", "Neg": "negative",
          "Softmax": "softmax", "LogSoftmax": "log_softmax"}
_REDUCTIONS = {"Sum": "sum", "Mean": "mean", "Max": "max", "Min": "min", "Prod": "prod"}
OPS = sorted({"Placeholder", "Const", "Identity", "ReadVariableOp", "MatMul", "BatchMatMulV2",
              "StridedSlice", "ConcatV2", "Pack", "Unpack", "Reshape", "ExpandDims", "Squeeze",
              "Transpose", "Fill", "ZerosLike", "OnesLike", "Shape", "Cast"}
             | set(_VARIABLES) | set(_BINARY) | set(_FUNCTIONS) | set(_UNARY) | set(_REDUCTIONS))


class NotTranslated(Exception):
    pass


@dataclass
class GraphModel:
    """What write_port needs of the model (the RNN description's fields it reads)."""

    input_name: str
    input_shape: list
    dtype: str
    output_name: str
    variables: list  # [{"name", "attr", "weight", "shape", "dtype"}] in build order
    notes: list = field(default_factory=list)
    time_major: bool = False
    head: object = None
    lengths: bool = False
    state_inputs: bool = False
    timesteps: int | None = None
    input_size: int | None = None
    float64: bool = False


def _identifier(name: str, taken: set) -> str:
    base = re.sub(r"[^0-9a-zA-Z_]+", "_", name.split(":")[0]).strip("_").lower() or "t"
    if base[0].isdigit() or keyword.iskeyword(base) or base in {"self", "keras", "np"}:
        base = f"t_{base}"
    out, k = base, 1
    while out in taken:
        out, k = f"{base}_{k}", k + 1
    taken.add(out)
    return out


def _slice(value: dict, begin, end, strides) -> str:
    """A StridedSlice's index expression (``x[:, 3]``) from its constant arguments."""
    a = value["attrs"]
    masks = {k: a.get(f"{k}_mask", 0) for k in ("begin", "end", "ellipsis", "new_axis", "shrink_axis")}
    parts = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if masks["ellipsis"] & bit:
            parts.append("...")
        elif masks["new_axis"] & bit:
            parts.append("None")
        elif masks["shrink_axis"] & bit:
            parts.append(str(b))
        else:
            text = ("" if masks["begin"] & bit else str(b)) + ":" + ("" if masks["end"] & bit else str(e))
            parts.append(text + (f":{s}" if s != 1 else ""))
    while len(parts) > 1 and parts[-1] == ":":
        parts.pop()
    return ", ".join(parts)


_INLINE = 64  # elements: a larger constant is not written into the code


def _literal(value, dtype: str = "") -> str:
    """A constant as Python code: a float32 number as it was written (0.1, not 0.100000001)."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, dtype) for v in value) + "]"
    if dtype == "float32" and isinstance(value, float):
        import numpy as np

        return str(np.float32(value))
    return repr(value)


def _size(value) -> int:
    return sum(_size(v) for v in value) if isinstance(value, list) else 1


class _Writer:
    def __init__(self, forward: dict):
        self.forward = forward
        self.ops = forward["ops"]
        self.by_tensor = {o["name"]: op for op in self.ops for o in op["outputs"]}
        self.taken: set = set()
        self.expr: dict = {}  # tensor name -> Python expression
        self.kind: dict = {}  # tensor name -> "tensor" | "shape" | "int" | "const"
        self.const: dict = {}  # tensor name -> constant value
        self.lines: list = []
        self.variables: list = []
        self.placeholders: list = []

    def _in(self, op, k) -> str:
        expr = self.expr[op["inputs"][k]]
        if expr is None:
            raise NotTranslated(f"op {op['type']} ({op['name']}) reads a constant of more than "
                                f"{_INLINE} elements ({op['inputs'][k]}), which is not written into the port")
        return expr

    def _const_in(self, op, k, what):
        name = op["inputs"][k]
        if name not in self.const:
            raise NotTranslated(f"op {op['type']} ({op['name']}): its {what} is not a constant")
        return self.const[name]

    def _set(self, op, code: str, kind: str = "tensor", comment: str = ""):
        var = _identifier(op["name"], self.taken)
        self.lines.append(f"{var} = {code}" + (f"  # {comment}" if comment else ""))
        self.expr[op["outputs"][0]["name"]] = var
        self.kind[op["outputs"][0]["name"]] = kind

    def _dtype(self, op, k=0) -> str:
        return op["outputs"][k]["dtype"]

    def write(self):
        loop = next((op for op in self.ops if op["type"] in _WHILE), None)
        if loop is not None:
            raise NotTranslated(f"op {loop['type']} ({loop['name']}) has no Keras translation: a "
                                f"tf.while_loop in the forward graph is not written out")
        for op in self.ops:
            t = op["type"]
            out = op["outputs"][0]["name"] if op["outputs"] else None
            if t == "Placeholder":
                var = _identifier(op["name"], self.taken)
                self.placeholders.append((op, var))
                self.expr[out], self.kind[out] = var, "tensor"
            elif t in _VARIABLES:
                attr = _identifier(op["name"], self.taken)
                shape = op["attrs"].get("shape") or op["outputs"][0]["shape"]
                self.variables.append({"name": op["name"], "attr": attr,
                                       "weight": op["name"].replace("/", "_"),
                                       "shape": shape, "dtype": op["attrs"].get("dtype", self._dtype(op))})
                self.expr[out], self.kind[out] = f"self.{attr}", "tensor"
            elif t in _READS and self.kind.get(op["inputs"][0]) is not None:
                self.expr[out], self.kind[out] = self.expr[op["inputs"][0]], self.kind[op["inputs"][0]]
                if op["inputs"][0] in self.const:
                    self.const[out] = self.const[op["inputs"][0]]
            elif t == "Const":
                if "value" not in op:
                    raise NotTranslated(f"op Const ({op['name']}): its value was not recorded")
                self.const[out] = op["value"]
                value, dtype = op["value"], self._dtype(op)
                if _size(value) > _INLINE:  # used as a tensor: not written into the code
                    self.expr[out] = None
                elif isinstance(value, list):
                    self.expr[out] = f"keras.ops.convert_to_tensor({_literal(value, dtype)}, dtype={dtype!r})"
                else:
                    self.expr[out] = _literal(value, dtype)
                self.kind[out] = "const"
            else:
                self._op(op, t)
        return self

    def _op(self, op, t):
        name = op["name"]
        if t == "MatMul":
            a, b = self._in(op, 0), self._in(op, 1)
            if op["attrs"].get("transpose_a"):
                a = f"keras.ops.transpose({a})"
            if op["attrs"].get("transpose_b"):
                b = f"keras.ops.transpose({b})"
            self._set(op, f"keras.ops.matmul({a}, {b})")
        elif t == "BatchMatMulV2":
            if op["attrs"].get("adj_x") or op["attrs"].get("adj_y"):
                raise NotTranslated(f"op {t} ({name}) with adj_x / adj_y has no Keras translation")
            self._set(op, f"keras.ops.matmul({self._in(op, 0)}, {self._in(op, 1)})")
        elif t in _BINARY:
            if t == "BiasAdd" and op["attrs"].get("data_format", "NHWC") != "NHWC":
                raise NotTranslated(f"op BiasAdd ({name}) with data_format "
                                    f"{op['attrs']['data_format']} has no Keras translation")
            self._set(op, f"{self._in(op, 0)} {_BINARY[t]} {self._in(op, 1)}")
        elif t == "SquaredDifference":
            self._set(op, f"keras.ops.square({self._in(op, 0)} - {self._in(op, 1)})")
        elif t in _FUNCTIONS:
            self._set(op, f"keras.ops.{_FUNCTIONS[t]}({self._in(op, 0)}, {self._in(op, 1)})")
        elif t in _UNARY:
            self._set(op, f"keras.ops.{_UNARY[t]}({self._in(op, 0)})")
        elif t in _REDUCTIONS:
            axis = self._const_in(op, 1, "axis")
            axis = tuple(axis) if isinstance(axis, list) else axis
            keep = ", keepdims=True" if op["attrs"].get("keep_dims") else ""
            self._set(op, f"keras.ops.{_REDUCTIONS[t]}({self._in(op, 0)}, axis={axis!r}{keep})")
        elif t == "Identity":
            self._set(op, self._in(op, 0), self.kind[op["inputs"][0]])
        elif t == "Cast":
            self._set(op, f"keras.ops.cast({self._in(op, 0)}, {op['attrs'].get('DstT', self._dtype(op))!r})")
        elif t == "Shape":
            self._set(op, f"keras.ops.shape({self._in(op, 0)})", "shape")
        elif t == "StridedSlice":
            begin, end = self._const_in(op, 1, "begin"), self._const_in(op, 2, "end")
            strides = self._const_in(op, 3, "strides")
            index = _slice(op, begin, end, strides)
            source = op["inputs"][0]
            if self.kind.get(source) == "shape":
                if not (op["attrs"].get("shrink_axis_mask") == 1 and len(begin) == 1):
                    raise NotTranslated(f"op StridedSlice ({name}) of a shape other than one "
                                        f"dimension has no Keras translation")
                self._set(op, f"{self._in(op, 0)}[{begin[0]}]", "int",
                          comment="tf.shape(...)[k]")
            elif self.kind.get(source) == "const":
                raise NotTranslated(f"op StridedSlice ({name}) of a constant has no Keras translation")
            else:
                self._set(op, f"{self._in(op, 0)}[{index}]")
        elif t == "Pack":
            items = [self._in(op, k) for k in range(len(op["inputs"]))]
            kinds = {self.kind.get(i) for i in op["inputs"]}
            if kinds <= {"int", "const"} and op["attrs"].get("axis", 0) == 0 and \
                    len(op["outputs"][0]["shape"] or [0]) == 1:  # a shape: a tuple of sizes
                self._set(op, "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", "shape")
            else:
                self._set(op, f"keras.ops.stack([{', '.join(items)}], axis={op['attrs'].get('axis', 0)})")
        elif t == "Unpack":
            var = _identifier(name, self.taken)
            self.lines.append(f"{var} = keras.ops.unstack({self._in(op, 0)}, "
                              f"num={op['attrs'].get('num')}, axis={op['attrs'].get('axis', 0)})")
            for k, o in enumerate(op["outputs"]):
                self.expr[o["name"]], self.kind[o["name"]] = f"{var}[{k}]", "tensor"
        elif t == "ConcatV2":
            axis = self._const_in(op, len(op["inputs"]) - 1, "axis")
            items = ", ".join(self._in(op, k) for k in range(len(op["inputs"]) - 1))
            self._set(op, f"keras.ops.concatenate([{items}], axis={axis})")
        elif t == "Reshape":
            shape = self._shape_in(op, 1)
            self._set(op, f"keras.ops.reshape({self._in(op, 0)}, {shape})")
        elif t == "ExpandDims":
            self._set(op, f"keras.ops.expand_dims({self._in(op, 0)}, {self._const_in(op, 1, 'axis')})")
        elif t == "Squeeze":
            dims = op["attrs"].get("squeeze_dims") or None
            axis = f", axis={tuple(dims)!r}" if dims else ""
            self._set(op, f"keras.ops.squeeze({self._in(op, 0)}{axis})")
        elif t == "Transpose":
            perm = self._const_in(op, 1, "perm")
            self._set(op, f"keras.ops.transpose({self._in(op, 0)}, {tuple(perm)!r})")
        elif t == "Fill":
            shape = self._shape_in(op, 0)
            value = self._const_in(op, 1, "value")
            dtype = self._dtype(op)
            if value == 0:
                self._set(op, f"keras.ops.zeros({shape}, dtype={dtype!r})")
            else:
                self._set(op, f"keras.ops.full({shape}, {_literal(value, dtype)}, dtype={dtype!r})")
        elif t in ("ZerosLike", "OnesLike"):
            self._set(op, f"keras.ops.{'zeros' if t == 'ZerosLike' else 'ones'}_like({self._in(op, 0)})")
        else:
            raise NotTranslated(f"op {t} ({name}) has no Keras translation")

    def _shape_in(self, op, k) -> str:
        source = op["inputs"][k]
        if source in self.const:
            value = self.const[source]
            return repr(tuple(value) if isinstance(value, list) else (value,))
        if self.kind.get(source) == "shape":
            return self.expr[source]
        raise NotTranslated(f"op {op['type']} ({op['name']}): its shape is computed by ops "
                            f"that have no Keras translation")


def describe(forward: dict, training: dict) -> GraphModel:
    """The :class:`GraphModel` of a recorded forward graph (its ops written out)."""
    writer = _Writer(forward)
    try:
        writer.write()
    except NotTranslated:
        pass
    holder = next((op for op in forward["ops"] if op["type"] == "Placeholder"), None)
    shape = (holder["outputs"][0]["shape"] if holder else None) or [None]
    dtype = holder["attrs"].get("dtype", "float32") if holder else "float32"
    variables = writer.variables
    out_dtype = forward["ops"][-1]["outputs"][0]["dtype"] if forward["ops"] else dtype
    return GraphModel(input_name=holder["name"] if holder else "", input_shape=shape,
                      dtype=dtype, output_name=forward["output"], variables=variables,
                      float64="float64" in {dtype, out_dtype, *(v["dtype"] for v in variables)})


_FLOAT64 = '''

def use_float64():
    """The TF1 graph computes in float64: so does Keras (its floatx), or the program stops
    with one line where the backend would compute in float32 (JAX unless JAX_ENABLE_X64=1 is
    set before it is imported; Keras's PyTorch backend, whose matmul returns float32)."""
    keras.config.set_floatx("float64")
    x = keras.ops.convert_to_tensor(np.full((2, 2), 1 / 3), dtype="float64")
    if keras.backend.standardize_dtype(keras.ops.matmul(x, x).dtype) != "float64":
        why = ("JAX needs JAX_ENABLE_X64=1 set before it is imported"
               if keras.backend.backend() == "jax" else
               f"Keras's {keras.backend.backend()} backend computes a float64 matmul in float32")
        raise SystemExit(f"this port computes in float64 as the TF1 graph did: {why}")
'''


def model_code(forward: dict, model: GraphModel, initializers: dict | None = None) -> tuple[str, list]:
    """``(the text of the layer and build_model(), TODO reasons)``."""
    from tf1_migrate import keras_code

    todos = []
    writer = _Writer(forward)
    try:
        writer.write()
        if forward["output"] not in writer.expr:
            raise NotTranslated(f"the output {forward['output']} was not reached")
        if len(writer.placeholders) != 1:
            raise NotTranslated(f"the output is computed from {len(writer.placeholders)} "
                                f"placeholders: one input is translated")
    except NotTranslated as exc:
        todos.append(str(exc))
    holder = writer.placeholders[0] if writer.placeholders else None
    arg = holder[1] if holder else "x"
    types = sorted({op["type"] for op in forward["ops"]} - {"Const", "Placeholder"})
    lines = ["", "", "class TF1Graph(keras.layers.Layer):",
             f'    """The TF1 graph from {model.input_name}:0 to {model.output_name}, op for op (no RNN '
             f'cell in it:',
             "    its ops written out with keras.ops, each line named after its TF1 op; the TF1",
             f'    ops: {", ".join(types)})."""',
             "", "    # the TF1 variable of each weight",
             "    TF1_VARIABLES = {" + ", ".join(f"{v['attr']!r}: {v['name']!r}" for v in writer.variables) + "}",
             "", "    def build(self, input_shape):"]
    for v in writer.variables:
        spec = (initializers or {}).get(v["name"])
        init = keras_code.initializer_code(spec) if spec and spec.get("kind") != "glorot_uniform" else None
        if init is None and spec:
            init = "'glorot_uniform'"
        comment = f"TF1 variable {v['name']} {v['shape']} {v['dtype']}"
        if init is None:
            init = "'glorot_uniform'"
            comment += (": its initial value is no initializer the capture recognised (a NumPy "
                        "array?); --init-from starts from the TF1 values")
        lines += [f"        # {comment}",
                  f"        self.{v['attr']} = self.add_weight(shape={tuple(v['shape'])!r}, "
                  f"dtype={v['dtype']!r}, initializer={init}, name={v['weight']!r})"]
    if not writer.variables:
        lines.append("        pass")
    lines += ["", f"    def call(self, {arg}):"]
    if todos:
        lines += [f"        # {TODO}: {todos[0]}",
                  f"        raise NotImplementedError({(TODO + ': ' + todos[0])!r})"]
    else:
        lines += [f"        {line}" for line in writer.lines]
        lines.append(f"        return {writer.expr[forward['output']]}")
    shape = tuple(model.input_shape[1:])
    lines += ["", ""]
    if model.float64:
        lines += _FLOAT64.strip("\n").splitlines() + ["", ""]
    lines += ["def build_model():",
              f'    """The Keras 3 model of the captured TF1 graph: {model.input_name} '
              f'{model.input_shape} -> TF1Graph -> {model.output_name}."""']
    if model.float64:
        lines.append("    use_float64()")
    lines += [f"    {arg} = keras.Input(shape={shape!r}, dtype={model.dtype!r}, name={arg!r})",
              f"    return keras.Model({arg}, TF1Graph(name='graph')({arg}), name='port')", ""]
    return "\n".join(lines), todos


def fill(keras_model, values: dict) -> None:
    """The TF1 variables' values (a checkpoint's, by name) into the port's model."""
    import numpy as np

    layer = keras_model.get_layer("graph")
    for attr, name in layer.TF1_VARIABLES.items():
        if name not in values:
            raise KeyError(f"the checkpoint has no variable {name}")
        weight = getattr(layer, attr)
        weight.assign(np.asarray(values[name]).astype(weight.dtype))

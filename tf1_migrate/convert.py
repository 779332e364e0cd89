"""``parity convert CHECKPOINT``: any TF1 RNN checkpoint -> Keras 3 weights or a Keras 3 model.

:func:`convert_any`: the RNN cells, stacks, directions and dense head are recognised
(:mod:`tf1_migrate.tf1_rnn`: from a ``legacy-run --capture`` description, or from the
variable scopes and shapes), then either fill the user's own Keras model
(``--model module:function``, layer by layer, shapes checked) or build one
(``--emit-model FILE.keras``). (The built-in examples' own conversion, ``--example ID``,
is the harness's: ``parity.convert``.)

From a capture, nothing is written unless the model computes what the captured graph
computed: every capture note the model does not express is a table row, not "ok", and
:class:`Incomplete` (exit 2, naming the option) unless ``allow_incomplete``; the model is
run on the capture's probe (:func:`compare_with_probe`) before anything is written.

The checkpoint's model variables are used (optimizer slots such as ``.../Adam`` and
``beta1_power`` are left out). Every file is written to a temporary name and renamed: a
failed conversion never leaves a half-written file, and never replaces a good one.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tf1_migrate.tf1_rnn import OPTIMIZER_SLOT

DESCRIPTION = "structure.json"  # what legacy-run --capture writes beside each checkpoint


class ConversionError(Exception):
    """A checkpoint that cannot be read or does not belong to the example."""


class Incomplete(ConversionError):
    """The converted model would not compute what the captured graph computes: ``table``
    has a row, not "ok", for each reason (nothing was written)."""

    def __init__(self, message: str, table: str):
        super().__init__(message)
        self.table = table


# what resolves a capture's note, by the note's start (None: only --allow-incomplete)
NOTE_FLAGS = (("head not identified", "--head KERNEL[,BIAS] --head-input last|state|sequence"),
              ("sequence_length", None), ("initial_state", None), ("no probe", None))
PROBE_RTOL = 1e-5  # of each element, plus PROBE_ATOL times the reference's largest magnitude (>= 1)
PROBE_ATOL = 1e-5


def resolve_prefix(path) -> str:
    """A checkpoint prefix (``model.ckpt``), a file of it, or a folder with a ``checkpoint`` file."""
    p = Path(path)
    if p.is_dir():
        state = p / "checkpoint"
        if state.exists():
            m = re.search(r'model_checkpoint_path:\s*"([^"]+)"', state.read_text())
            if m:
                prefix = Path(m.group(1))
                return str(prefix if prefix.is_absolute() else p / prefix)
        indexes = sorted(p.glob("*.index"))
        if len(indexes) == 1:
            return str(indexes[0].with_suffix(""))
        raise ConversionError(f"no TF1 checkpoint found in folder '{path}' (no 'checkpoint' file, "
                              f"{len(indexes)} .index files)")
    for suffix in (".index", ".meta"):
        if p.name.endswith(suffix):
            p = p.with_name(p.name[: -len(suffix)])
    if re.search(r"\.data-\d+-of-\d+$", p.name):
        p = p.with_name(re.sub(r"\.data-\d+-of-\d+$", "", p.name))
    if not Path(str(p) + ".index").exists():
        raise ConversionError(f"checkpoint '{path}' not found (expected {p}.index and its .data files)")
    return str(p)


def read_checkpoint(path, include_optimizer: bool = False) -> dict:
    """The variables of a TF1 checkpoint as ``{name: ndarray}``."""
    prefix = resolve_prefix(path)
    import tensorflow as tf

    try:
        reader = tf.train.load_checkpoint(prefix)
        names = sorted(reader.get_variable_to_shape_map())
        values = {n: reader.get_tensor(n) for n in names
                  if include_optimizer or not OPTIMIZER_SLOT.search(n)}
    except Exception as exc:  # OpError, ValueError, IndexError ("Read less bytes"): damaged files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConversionError(f"cannot read checkpoint '{prefix}': {first}") from None
    if not values:
        raise ConversionError(f"checkpoint '{prefix}' holds no model variables")
    return values


# ----------------------------------------------------------------------------- any TF1 RNN
@dataclass
class Converted:
    """What :func:`convert_any` did: the files written, the model, the match table, notes."""

    written: list = field(default_factory=list)
    model: object = None  # the tf1_rnn.RNNModel converted
    table: str = ""
    notes: list = field(default_factory=list)
    description: str = ""


def load_description(path) -> tuple[dict, str | None]:
    """A capture description (``structure.json``, or a folder holding one) and the checkpoint
    prefix it names (``None`` when it names none)."""
    p = Path(path)
    file = p / DESCRIPTION if p.is_dir() else p
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError:
        raise ConversionError(f"no capture description '{file}'") from None
    except (OSError, ValueError) as exc:
        raise ConversionError(f"cannot read capture description '{file}': {exc}") from None
    if not isinstance(data, dict) or data.get("format") != "parity-tf1-rnn":
        raise ConversionError(f"'{file}' is not a capture description of parity legacy-run --capture")
    ckpt = data.get("checkpoint")
    return data, (str(file.parent / ckpt) if ckpt else None)


def describe_models(data: dict) -> list:
    from tf1_migrate import tf1_rnn

    try:
        return [tf1_rnn.from_dict(m) for m in data.get("models", [])]
    except tf1_rnn.MappingError as exc:
        raise ConversionError(f"capture description: {exc}") from None


def _description_for(checkpoint, capture):
    """The capture description to use: ``--capture``, or the one beside the checkpoint."""
    if capture is not None:
        return load_description(capture)
    p = Path(checkpoint)
    folder = p if p.is_dir() else p.parent
    if (folder / DESCRIPTION).is_file():
        return load_description(folder)
    return None, None


def recognise_checkpoint(checkpoint, *, capture=None, rnn=None, forget_bias=None, merge=None,
                         head_input=None, head=None, activation=None, time_major=None):
    """The :class:`~tf1_migrate.tf1_rnn.RNNModel` of a checkpoint, its weights and notes."""
    from tf1_migrate import tf1_rnn

    data, described_ckpt = _description_for(checkpoint, capture)
    notes = []
    if data is not None and Path(checkpoint).is_dir() and described_ckpt:
        checkpoint = described_ckpt
    weights = read_checkpoint(checkpoint)
    if data is not None:
        models = describe_models(data)
        leftovers = []
        notes.append("structure: from the capture description")
    else:
        try:
            models, leftovers = tf1_rnn.recognise(weights)
        except tf1_rnn.MappingError as exc:
            raise ConversionError(str(exc)) from None
        notes.append("structure: from the checkpoint's variable scopes and shapes")
    model = tf1_rnn.select(models, rnn)
    if head is not None:
        model = _explicit_head(model, head, weights)
        leftovers = [n for n in leftovers if n not in head.split(",")]
    model = tf1_rnn.apply_options(model, forget_bias=forget_bias, merge=merge,
                                  head_input=head_input, activation=activation,
                                  time_major=time_major)
    for note in model.notes:
        if note.startswith("several candidate head"):
            raise tf1_rnn.NeedsOption(f"{note}: say which is the head", "--head")
    others = [tf1_rnn.home(m.name) for m in models if m is not model]
    unknown = [n for n in leftovers if not any(tf1_rnn._inside(n, o) for o in others)]
    if unknown:
        notes.append("left out (neither an RNN cell nor its dense head): "
                     + ", ".join(f"{n} {list(weights[n].shape)}" for n in unknown))
    return model, weights, notes


def _explicit_head(model, spec: str, weights: dict):
    import copy

    from tf1_migrate import tf1_rnn

    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not 1 <= len(names) <= 2 or any(n not in weights for n in names):
        missing = [n for n in names if n not in weights]
        raise ConversionError("--head takes KERNEL[,BIAS] variable names of the checkpoint"
                              + (f"; not in it: {', '.join(missing)}" if missing else ""))
    kernel = weights[names[0]]
    if kernel.ndim != 2:
        raise ConversionError(f"--head kernel '{names[0]}' has shape {list(kernel.shape)}, not [features, units]")
    model = copy.deepcopy(model)
    old = model.head
    model.head = tf1_rnn.Head(names[0], names[1] if len(names) > 1 else None, kernel.shape[0],
                              kernel.shape[1], input=old.input if old else None)
    model.notes = [n for n in model.notes if not n.startswith("several candidate head")]
    return model


def load_user_model(spec: str):
    """``module:function`` -> the Keras model the function returns (module looked up from
    the current folder first)."""
    module_name, _, func_name = spec.partition(":")
    if not module_name or not func_name:
        raise ConversionError(f"--model takes MODULE:FUNCTION (e.g. mymodel:build_model), got '{spec}'")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001  (the user's module: report it in one line)
        raise ConversionError(f"cannot import '{module_name}': {type(exc).__name__}: {exc}") from None
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ConversionError(f"module '{module_name}' has no function '{func_name}'")
    try:
        model = func()
    except Exception as exc:  # noqa: BLE001
        raise ConversionError(f"{spec}() failed: {type(exc).__name__}: {exc}") from None
    import keras

    if not isinstance(model, keras.Model):
        raise ConversionError(f"{spec}() returned {type(model).__name__}, not a Keras 3 model")
    return model


def _check_out(path, suffix: str, what: str) -> Path:
    p = Path(path)
    if not p.name.endswith(suffix):
        raise ConversionError(f"{what} '{p}' must end in {suffix}")
    if not p.parent.exists():
        raise ConversionError(f"output folder '{p.parent}' does not exist")
    return p


def _save_model(model, path: Path) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")  # Keras insists on the .keras suffix
    try:
        model.save(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _capture_probe(checkpoint, capture, model):
    """``(probe arrays or None, capture-level notes)`` of ``model`` in its capture (``(None, None)``
    for a bare checkpoint)."""
    import numpy as np

    data, _ = _description_for(checkpoint, capture)
    if data is None:
        return None, None
    p = Path(capture if capture is not None else checkpoint)
    folder = p if p.is_dir() else p.parent
    names = [m.get("name") for m in data.get("models", [])]
    index = names.index(model.name) if model.name in names else None
    for entry in data.get("probes", []):
        if entry.get("model") == index:
            try:
                with np.load(folder / entry["file"]) as f:
                    return {k: f[k] for k in f.files}, list(data.get("notes", []))
            except (OSError, ValueError, KeyError) as exc:
                raise ConversionError(f"cannot read the capture's probe '{folder / entry['file']}': "
                                      f"{exc}") from None
    return None, list(data.get("notes", []))


def probe_inputs(probe: dict) -> list:
    """The Keras model's inputs on a capture probe: sequences, lengths, states (in order)."""
    inputs = [probe["inputs"]]
    if "lengths" in probe:
        inputs.append(probe["lengths"])
    k = 0
    while f"state_in_{k}" in probe:
        inputs.append(probe[f"state_in_{k}"])
        k += 1
    return inputs


def probe_outputs(probe: dict) -> list:
    outputs, k = [probe["outputs"]], 0
    while f"state_out_{k}" in probe:
        outputs.append(probe[f"state_out_{k}"])
        k += 1
    return outputs


def compare_with_probe(keras_model, probe: dict):
    """``None`` when ``keras_model`` gives the probe's outputs on its inputs (elementwise
    within ``PROBE_RTOL`` of the value plus ``PROBE_ATOL`` times the largest reference value,
    at least 1: float32 rounding grows with the outputs' magnitude), else why not."""
    import keras
    import numpy as np

    inputs = probe_inputs(probe)
    try:
        got = keras_model(inputs[0] if len(inputs) == 1 else inputs, training=False)
    except Exception as exc:  # noqa: BLE001  (a model that does not take these inputs)
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"the model does not run on the probe's {len(inputs)} input(s): {text}"
    got = [keras.ops.convert_to_numpy(g) for g in (got if isinstance(got, (list, tuple)) else [got])]
    want = probe_outputs(probe)
    if len(got) != len(want):
        return f"the model gives {len(got)} output(s), the captured graph {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        what = "output" if k == 0 else f"final state {k - 1}"
        if g.shape != w.shape:
            return f"{what}: shape {list(g.shape)} != the captured graph's {list(w.shape)}"
        scale = max(1.0, float(np.max(np.abs(w))) if w.size else 1.0)
        err = np.abs(g.astype(np.float64) - w)
        if not np.all(err <= PROBE_RTOL * np.abs(w) + PROBE_ATOL * scale):
            return f"{what} differs from the captured graph's by up to {float(np.max(err)):.3g}"
    return None


def _blocking_rows(notes: list, model, probe, probe_problem):
    """Table rows (not "ok") for what the model does not express, and the flags that resolve them."""
    rows, flags = [], []
    for note in notes:
        flag = next((f for start, f in NOTE_FLAGS if note.startswith(start)), None)
        rows.append(("-", f"capture note: {note}", "-", "not in the model"
                     + (f" (pass {flag})" if flag else "")))
        if flag and flag not in flags:
            flags.append(flag)
    if probe_problem:
        rows.append(("-", "the captured graph's outputs on its probe inputs", "the model's",
                     probe_problem))
    return rows, flags


def convert_any(checkpoint, *, out=None, model=None, emit_model=None, **options) -> Converted:
    """Convert any TF1 RNN checkpoint (see the module docstring).

    ``out``: a ``.weights.h5`` file; ``model``: ``"module:function"`` returning the user's
    Keras model to fill; ``emit_model``: a ``.keras`` file for a model built from the
    structure. ``options``: ``capture``, ``rnn``, ``forget_bias``, ``merge``,
    ``head_input``, ``head``, ``activation`` (see :func:`recognise_checkpoint`).
    Raises :class:`ConversionError`, or :class:`tf1_migrate.tf1_rnn.NeedsOption` /
    :class:`tf1_migrate.tf1_rnn.Unsupported` / :class:`tf1_migrate.keras_rnn.FillError`.
    """
    from tf1_migrate import keras_rnn, tf1_rnn

    if out is None and emit_model is None:
        raise ConversionError("say where to write: --out FILE.weights.h5 and/or --emit-model FILE.keras")
    out = _check_out(out, ".weights.h5", "output") if out is not None else None
    emit = _check_out(emit_model, ".keras", "--emit-model") if emit_model is not None else None
    allow_incomplete = bool(options.pop("allow_incomplete", None))
    rnn_model, weights, notes = recognise_checkpoint(checkpoint, **options)
    probe, capture_notes = _capture_probe(checkpoint, options.get("capture"), rnn_model)
    done = Converted(model=rnn_model, notes=notes, description=tf1_rnn.describe(rnn_model))
    if model is not None:
        if out is None:
            raise ConversionError("--model fills your model: say where its weights go with --out FILE.weights.h5")
        if emit is not None:
            raise ConversionError("--model and --emit-model exclude each other")
        keras_model = load_user_model(model)
    else:
        keras_model = keras_rnn.build_model(rnn_model)
        unknown = sorted({c.scope or s for s, c in rnn_model.cells() if c.activation is None})
        if unknown:
            notes.append("activation: tanh, TF1's default (the checkpoint cannot tell; a --capture "
                         "description records it, --activation says it)")
        if rnn_model.time_major:
            notes.append("the TF1 graph was time-major: the Keras model takes [batch, time, "
                         "features] (transpose time-major inputs)")
    rows = keras_rnn.fill(keras_model, rnn_model, weights)
    # every note of the capture that the model does not express, and the probe check: the
    # model is written only when it computes what the captured graph computed
    if capture_notes is None:  # a bare checkpoint: what was assumed is printed, options asked
        pending = []
        notes += [n for n in rnn_model.notes if n.startswith("variable names")]
    else:
        pending = [n for n in rnn_model.notes + capture_notes
                   if not (options.get("head") and n.startswith("head not identified"))]
    problem = compare_with_probe(keras_model, probe) if probe is not None else None
    extra, flags = _blocking_rows(pending, rnn_model, probe, problem)
    if probe is not None and problem is None:
        extra.append(("-", "the captured graph's outputs on its probe inputs", "the model's", "ok"))
    done.table = keras_rnn.format_table(rows + keras_rnn.dropout_rows(rnn_model, model is None) + extra)
    bad = [r for r in extra if r[3] != "ok"]
    if bad and not allow_incomplete:
        how = (f"pass {' / '.join(flags)}, or " if flags else "") + \
            "--allow-incomplete to write it as it is"
        raise Incomplete(f"the converted model does not compute what the captured graph computes "
                         f"({len(bad)} row(s) not ok; nothing written): {how}", done.table)
    if emit is not None:
        _save_model(keras_model, emit)
        done.written.append(emit)
    if out is not None:
        from tf1_migrate.keras_weights import save_weights

        save_weights(keras_model, out)
        done.written.append(out)
    return done

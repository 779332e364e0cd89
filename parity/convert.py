"""``parity convert``: a TF1 ``Saver`` checkpoint of a legacy example -> Keras weights (or PyTorch).

The checkpoint's model variables (optimizer slots such as ``.../Adam`` and
``beta1_power`` are left out) go through the example's weight transplant
(``parity/pairs/<id>.py``) into a freshly built port model, which is saved with
``model.save_weights`` to a temporary file and renamed: a failed conversion never
leaves a half-written file, and never replaces a good one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

OPTIMIZER_SLOT = re.compile(
    r"(/Adam(_\d+)?$|/Momentum$|/RMSProp(_\d+)?$|/Adagrad$|^beta[12]_power(_\d+)?$|^global_step$)"
)


class ConversionError(Exception):
    """A checkpoint that cannot be read or does not belong to the example."""


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


def _tmp_name(out: Path) -> Path:
    # Keras insists on the .weights.h5 suffix, so the temporary name keeps it.
    return out.with_name(f".tmp-{os.getpid()}-{out.name}")


def check_output(out) -> Path:
    """Refuse, before any work, an output that cannot be written: a wrong suffix, a missing
    or read-only folder, a folder in its place, or ``.pt`` without PyTorch installed."""
    out = Path(out)
    if not (out.name.endswith(".weights.h5") or out.suffix == ".pt"):
        raise ConversionError(f"output '{out}' must end in .weights.h5 (Keras) or .pt (PyTorch)")
    folder = out.parent
    if not folder.exists():
        raise ConversionError(f"output folder '{folder}' does not exist")
    if not folder.is_dir():
        raise ConversionError(f"'{folder}' is not a folder")
    if out.is_dir():
        raise ConversionError(f"output '{out}' is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConversionError(f"output folder '{folder}' is not writable")
    if out.suffix == ".pt":
        try:
            import torch  # noqa: F401
        except ImportError:
            from parity.runner import TORCH_HINT

            raise ConversionError(TORCH_HINT) from None
    return out


def convert(checkpoint, example, out, config=None) -> Path:
    """Convert ``checkpoint`` of ``example`` to ``out`` (``*.weights.h5`` or ``*.pt``)."""
    out = check_output(out)
    config = config or example.config()
    legacy = read_checkpoint(checkpoint)
    pairs = example.pairs()
    try:
        port_weights = pairs.legacy_to_port(legacy, config)
    except (ValueError, KeyError) as exc:
        raise ConversionError(
            f"checkpoint does not match example '{example.id}': {exc}".replace("\n", " ")
        ) from None
    tmp = _tmp_name(out)
    try:
        if out.suffix == ".pt":
            if not hasattr(pairs, "port_to_torch"):
                raise ConversionError(f"example '{example.id}' has no PyTorch mapping")
            import torch

            state = {k: torch.from_numpy(v.copy()) for k, v in
                     pairs.port_to_torch(port_weights, config).items()}
            with open(tmp, "wb") as f:  # an unwritable place fails here, as an OSError
                torch.save(state, f)
        else:
            from parity.keras_weights import set_weights

            model = example.module("port").build_model(config)
            set_weights(model, port_weights, f"converted weights of '{example.id}'")
            model.save_weights(str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out

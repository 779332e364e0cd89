"""``parity convert``: a TF1 ``Saver`` checkpoint -> Keras 3 weights, a Keras 3 model (or PyTorch).

Two ways in:

- ``--example ID`` (:func:`convert`, here): a checkpoint of one of the built-in examples
  goes through the example's weight transplant (``parity/pairs/<id>.py``) into its port.
- any TF1 RNN checkpoint: :func:`tf1_migrate.convert.convert_any`, the migration engine's
  (its names are re-exported here, so ``parity.convert.convert_any`` keeps working).

Every file is written to a temporary name and renamed: a failed conversion never leaves a
half-written file, and never replaces a good one.
"""

from __future__ import annotations

import os
from pathlib import Path

from tf1_migrate.convert import *  # noqa: F403  (the generic converter moved to tf1_migrate)
from tf1_migrate.convert import (  # noqa: F401
    DESCRIPTION,
    ConversionError,
    Converted,
    _check_out,
    _description_for,
    _explicit_head,
    _save_model,
    convert_any,
    describe_models,
    load_description,
    load_user_model,
    read_checkpoint,
    recognise_checkpoint,
    resolve_prefix,
)


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
    from tf1_migrate import tf1_rnn
    from tf1_migrate.transplant import check_names

    rnn_model = pairs.legacy_model(config)  # the example's TF1 model, for the generic engine
    try:
        check_names(legacy, tf1_rnn.tf1_shapes(rnn_model), "legacy weights")
    except ValueError as exc:
        raise ConversionError(
            f"checkpoint does not match example '{example.id}': {exc}".replace("\n", " ")
        ) from None
    tmp = _tmp_name(out)
    try:
        if out.suffix == ".pt":
            if not hasattr(pairs, "port_to_torch"):
                raise ConversionError(f"example '{example.id}' has no PyTorch mapping")
            import torch

            port_weights = pairs.legacy_to_port(legacy, config)
            state = {k: torch.from_numpy(v.copy()) for k, v in
                     pairs.port_to_torch(port_weights, config).items()}
            with open(tmp, "wb") as f:  # an unwritable place fails here, as an OSError
                torch.save(state, f)
        else:
            from tf1_migrate import keras_rnn

            model = example.module("port").build_model(config)
            try:  # the same engine as any checkpoint: the port is filled layer by layer
                keras_rnn.fill(model, rnn_model, legacy)
            except keras_rnn.FillError as exc:
                raise ConversionError(f"the port of '{example.id}' does not match its legacy "
                                      f"model: {exc}\n{exc.table}") from None
            model.save_weights(str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out

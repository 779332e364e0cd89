"""What every run of every implementation returns: :class:`RunResult` (no TensorFlow import)."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import platform
from typing import Any

IMPLS = ("legacy", "port", "numpy", "torch")


def library_versions(*extra: str) -> dict[str, str]:
    """Versions of the libraries a run depends on (those installed), plus Python's."""
    names = ("tensorflow", "tf-keras", "keras", "numpy", *extra)
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


@dataclasses.dataclass
class RunResult:
    """One implementation's training run.

    ``loss_history`` is a list of ``(step, loss)`` pairs in the example's own unit
    (steps, iterations or epochs); ``weights`` maps variable names to final NumPy arrays
    in the implementation's own layout; ``extras`` holds example-specific outputs
    (predictions, forecasts, the article's printed metrics).
    """

    example: str
    impl: str
    metric: str
    value: float
    higher_is_better: bool
    steps: int
    seconds: float
    loss_history: list = dataclasses.field(default_factory=list)
    weights: dict = dataclasses.field(default_factory=dict, repr=False)
    versions: dict = dataclasses.field(default_factory=library_versions)
    extras: dict = dataclasses.field(default_factory=dict)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (weights left out: they go to weight files, not reports)."""
        d = dataclasses.asdict(self)
        d.pop("weights")
        d["steps_per_second"] = self.steps_per_second
        d["loss_history"] = [[int(s), float(v)] for s, v in self.loss_history]
        d["extras"] = _jsonable(self.extras)
        return d


def _jsonable(obj):
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj

"""Hyperparameters of the seven examples: one definition, shared by both sides.

Defaults are the articles' (each config names its article; ``parity.registry.ARTICLES``
cites them); tests and the harness budgets (``parity.registry``) override them with
``dataclasses.replace(config, steps=...)``. ``steps`` is in each example's own unit.
"""

from __future__ import annotations

import dataclasses

# The seeds every implementation accepts: NumPy takes seeds below 2**32 and the MNIST loaders
# seed their batch shuffles with seed + 1 and seed + 2; TensorFlow's graph and op seeds,
# Keras 3 and PyTorch take 64-bit values. The signed 32-bit range fits them all.
MAX_SEED = 2**31 - 1
# The largest budget accepted (in each example's own unit): about a day of training at a
# millisecond per step; more is a typing slip (``--steps 1e23``), not a run that could end.
MAX_STEPS = 100_000_000
MAX_STEPS_NOTE = "about a day of training at a millisecond per step"


@dataclasses.dataclass(frozen=True)
class BinaryAdditionLSTMConfig:
    binary_dim: int = 8
    batch_size: int = 64
    lstm_size: int = 20
    lstm_layers: int = 2
    steps: int = 1000  # training steps; the article says ~3,000 give 99%
    learning_rate: float = 0.001  # AdamOptimizer() default
    use_dropout: bool = False  # the article's DropoutWrapper was built but never used
    keep_prob: float = 0.5
    log_every: int = 100
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class BinaryAdditionNumpyRNNConfig:
    binary_dim: int = 8
    input_dim: int = 2
    hidden_dim: int = 16
    output_dim: int = 1
    alpha: float = 0.1
    steps: int = 10000  # iterations, one example each (the article shows 1,000)
    log_every: int = 1000
    seed: int = 0  # np.random.seed(0)


@dataclasses.dataclass(frozen=True)
class MnistStaticRNNConfig:
    num_input: int = 28
    timesteps: int = 28
    num_hidden: int = 128
    num_classes: int = 10
    batch_size: int = 128
    learning_rate: float = 0.001
    steps: int = 10000
    display_step: int = 100
    seed: int = 0
    data_dir: str | None = None  # None: the shipped sample (or $PARITY_MNIST_DIR)


@dataclasses.dataclass(frozen=True)
class MnistDynamicRNNConfig:
    time_step: int = 28
    input_size: int = 28
    num_units: int = 64
    num_classes: int = 10
    batch_size: int = 64
    learning_rate: float = 0.01
    steps: int = 1200
    eval_every: int = 50
    eval_size: int = 2000  # the article tests on the first 2,000 test images
    seed: int = 1  # tf.set_random_seed(1); np.random.seed(1)
    data_dir: str | None = None


@dataclasses.dataclass(frozen=True)
class StackedLSTMConfig:
    time_step: int = 28
    input_size: int = 28
    units: tuple = (128, 256)
    num_classes: int = 10
    batch_size: int = 64
    learning_rate: float = 0.01
    steps: int = 1200
    eval_every: int = 50
    eval_size: int = 2000
    seed: int = 1
    data_dir: str | None = None


@dataclasses.dataclass(frozen=True)
class SeriesPredictorConfig:
    input_dim: int = 1
    seq_size: int = 4
    hidden_dim: int = 10
    steps: int = 1000  # iterations on the whole training set
    log_every: int = 100
    seed: int = 0
    checkpoint_dir: str | None = None  # None: a fresh temporary directory


@dataclasses.dataclass(frozen=True)
class AirlinePassengersConfig:
    window: int = 12
    test_months: int = 12
    hidden_size: int = 100
    learning_rate: float = 0.001
    steps: int = 300  # epochs over the 120 windows, batch of one
    log_every: int = 25
    seed: int = 0
    # initial weights: "framework" = each framework's own default initialisers (the
    # faithful choice); "torch" = PyTorch's default init drawn once with the seed and
    # transplanted to every implementation (parity/pairs/airline_passengers.py)
    init: str = "framework"

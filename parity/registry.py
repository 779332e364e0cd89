"""The example registry: ids, the article each comes from, modules, budgets and tolerances.

Adding an example is one module on each side (``legacy_graph/<id>.py``,
``eager_port/<id>.py``), their harness adapters (``parity/adapters/{legacy,port}/<id>.py``),
one weight-mapping module (``parity/pairs/<id>.py``), a config dataclass in
:mod:`hyperparams` and one entry here (CONTRIBUTING.md).
"""

from __future__ import annotations

import dataclasses
import importlib

import hyperparams as configs

UNITS = ("steps", "iterations", "epochs")


@dataclasses.dataclass(frozen=True)
class Example:
    id: str
    article: str  # the article it reproduces, cited (ARTICLES)
    title: str
    config_cls: type
    unit: str  # what --steps counts: steps, iterations or epochs
    metric: str
    higher_is_better: bool
    tolerance: float  # outcome parity: largest allowed |legacy - port| of the metric
    tolerance_note: str  # where the tolerance comes from
    modules: dict  # impl -> the harness adapter's module name (parity.adapters.<side>.<id>)
    # The one source of the harness's budgets, in the example's unit: "quick" <= "default"
    # <= "full" (checked by `budget_problems`); `parity run` and `parity all` take the same
    # numbers for the same mode. "full" is what the article says the model needs; the default
    # is it except the airline example (100 of 300 epochs), so that `parity all` takes about
    # 8 minutes on 2 cores; --quick about 2. Where quick equals default (series_predictor,
    # binary_addition_numpy_rnn), a shorter budget breaks the tolerance measured for it.
    # A config's own `steps` is the article's program as written (the module run alone).
    budgets: dict
    saves_checkpoint: bool = True
    float64: bool = False  # the port computes in float64 (JAX needs JAX_ENABLE_X64=1 for it)

    @property
    def impls(self) -> tuple:
        return tuple(self.modules)

    def module(self, impl: str):
        if impl not in self.modules:
            raise KeyError(f"{self.id} has no '{impl}' implementation (it has: {', '.join(self.impls)})")
        return importlib.import_module(self.modules[impl])

    def source(self, impl: str) -> str:
        """The example program's module (what ``parity diff`` shows), not its adapter."""
        side = self.modules[impl].split(".")[-2]
        return f"{SOURCE_PACKAGES[side]}.{self.id}"

    def pairs(self):
        return importlib.import_module(f"parity.pairs.{self.id}")

    def config(self, steps: int | None = None, seed: int | None = None, **overrides):
        cfg = self.config_cls()
        if steps is not None:
            overrides["steps"] = steps
        if seed is not None:
            overrides["seed"] = seed
        return dataclasses.replace(cfg, **overrides) if overrides else cfg

    def steps_for(self, budget: str) -> int:
        """The steps of budget ``quick``, ``default`` or ``full`` (in :attr:`unit`)."""
        if budget not in BUDGETS:
            raise ValueError(f"unknown budget '{budget}' (one of: {', '.join(BUDGETS)})")
        return self.budgets[budget]

    def budget_text(self) -> str:
        """The three budgets as one phrase, e.g. ``quick 1,500 / default 3,000 / full 3,000 steps``."""
        return " / ".join(f"{b} {self.budgets[b]:,}" for b in BUDGETS) + f" {self.unit}"


BUDGETS = ("quick", "default", "full")


def budget_problems(example: Example) -> list[str]:
    """What is wrong with an example's budgets (empty when quick <= default <= full)."""
    missing = [b for b in BUDGETS if not isinstance(example.budgets.get(b), int)
               or example.budgets[b] < 1]
    if missing:
        return [f"{example.id}: budget(s) {', '.join(missing)} missing or not a positive whole number"]
    q, d, f = (example.budgets[b] for b in BUDGETS)
    return ([f"{example.id}: quick {q} > default {d}"] if q > d else []) + (
        [f"{example.id}: default {d} > full {f}"] if d > f else [])


SOURCE_PACKAGES = {"legacy": "legacy_graph", "port": "eager_port", "reference": "reference_programs"}


def _both(id_: str, *references: str) -> dict:
    """The adapters of the legacy side, the port and the article's own non-TensorFlow
    program (``references``: its impl name, ``numpy`` or ``torch``)."""
    return {"legacy": f"parity.adapters.legacy.{id_}", "port": f"parity.adapters.port.{id_}",
            **{impl: f"parity.adapters.reference.{id_}" for impl in references}}

# The five articles the examples come from, cited by title (original, then an English gloss),
# author or site and year where known, and what the examples take from each.
ARTICLES = {
    "lstm_intro": (
        "\u201c机器学习：第一讲 LSTM神经网络简单入门\u201d (\u201cMachine learning, lecture 1: a simple "
        "introduction to LSTM neural networks\u201d), a Chinese blog post written for TensorFlow 2.1 "
        "(about 2020); taken: 8-bit binary addition with a two-layer LSTM, 1,000 training steps "
        "and the claim that about 3,000 give 99%"),
    "rnn_lstm_mnist": (
        "a Chinese blog post on RNNs and LSTMs (sections \u201cRNN原理和使用步骤\u201d, \u201cLSTM的代码和"
        "相关使用\u201d: \u201chow RNNs work and how to use them\u201d, \u201cLSTM code and its use\u201d) "
        "quoting MorvanZhou's TensorFlow 1.1 tutorial (2017); taken: the MNIST-rows LSTM with "
        "static_rnn, the dynamic_rnn program and the closing stacked-cells snippet"),
    "numpy_rnn": (
        "a Chinese lab write-up (微信公众号, a WeChat public account) reposting Andrew Trask's "
        "\u201cAnyone Can Learn To Code an LSTM-RNN in Python (Part 1: RNN)\u201d (iamtrask.github.io, "
        "2015); taken: the NumPy RNN with hand-written backpropagation that learns binary addition"),
    "series_predictor": (
        "\u201c送机器学习电子书——(TensorFlow)RNN入门\u201d (\u201cA free machine-learning e-book: getting "
        "started with RNNs in TensorFlow\u201d), Alibaba Cloud Yunqi community, a translation of the "
        "RNN chapter of Nishant Shukla's Machine Learning with TensorFlow (Manning, 2017); taken: "
        "the SeriesPredictor class, its toy series and its tf.train.Saver"),
    "airline": (
        "\u201c最简单的LSTM讲解，多图展示，源码实践，建议收藏\u201d (\u201cThe simplest LSTM explanation, with "
        "many figures and source code\u201d), a Chinese blog post on the Alibaba Cloud developer "
        "community; taken: the PyTorch LSTM(100) forecaster of the airline-passengers series"),
}


EXAMPLES: dict[str, Example] = {
    e.id: e
    for e in [
        Example(
            id="binary_addition_lstm",
            article=ARTICLES["lstm_intro"],
            title="LSTM binary addition in TF1 graph mode (MultiRNNCell of BasicLSTMCell)",
            config_cls=configs.BinaryAdditionLSTMConfig,
            unit="steps",
            metric="exact_sum_accuracy",
            higher_is_better=True,
            tolerance=0.03,
            tolerance_note="the same model from different initial weights and batches: both sides within 3 points of exact-sum accuracy at 1,500 steps of batch 64",
            modules=_both("binary_addition_lstm"),
            budgets={"quick": 1500, "default": 3000, "full": 3000},
        ),
        Example(
            id="binary_addition_numpy_rnn",
            article=ARTICLES["numpy_rnn"],
            title="NumPy RNN with hand-written backpropagation, binary addition",
            config_cls=configs.BinaryAdditionNumpyRNNConfig,
            unit="iterations",
            metric="exact_sum_accuracy",
            higher_is_better=True,
            tolerance=1e-9,
            tolerance_note="float64 trajectory equivalence: the three runs reach the same accuracy",
            modules=_both("binary_addition_numpy_rnn", "numpy"),
            budgets={"quick": 10000, "default": 10000, "full": 10000},
            float64=True,
        ),
        Example(
            id="mnist_static_rnn",
            article=ARTICLES["rnn_lstm_mnist"],
            title="MNIST rows through BasicLSTMCell(128) + static_rnn",
            config_cls=configs.MnistStaticRNNConfig,
            unit="steps",
            metric="test_accuracy",
            higher_is_better=True,
            tolerance=0.03,
            tolerance_note="the same model from different initial weights and batches: legacy and port within 3 points of test accuracy on the sample's 2,000-image test split",
            modules=_both("mnist_static_rnn"),
            budgets={"quick": 300, "default": 10000, "full": 10000},
        ),
        Example(
            id="mnist_dynamic_rnn",
            article=ARTICLES["rnn_lstm_mnist"],
            title="MNIST with LSTMCell(64) + dynamic_rnn, tf.layers.dense, tf.metrics.accuracy",
            config_cls=configs.MnistDynamicRNNConfig,
            unit="steps",
            metric="test_accuracy",
            higher_is_better=True,
            tolerance=0.03,
            tolerance_note="the same model from different initial weights and batches: legacy and port within 3 points of test accuracy on the sample's 2,000-image test split",
            modules=_both("mnist_dynamic_rnn"),
            budgets={"quick": 300, "default": 1200, "full": 1200},
        ),
        Example(
            id="stacked_lstm",
            article=ARTICLES["rnn_lstm_mnist"],
            title="MultiRNNCell([BasicLSTMCell(128), BasicLSTMCell(256)]) vs keras.layers.RNN([LSTMCell, LSTMCell])",
            config_cls=configs.StackedLSTMConfig,
            unit="steps",
            metric="test_accuracy",
            higher_is_better=True,
            tolerance=0.03,
            tolerance_note="the same model from different initial weights and batches: legacy and port within 3 points of test accuracy on the sample's 2,000-image test split",
            modules=_both("stacked_lstm"),
            budgets={"quick": 300, "default": 1200, "full": 1200},
        ),
        Example(
            id="series_predictor",
            article=ARTICLES["series_predictor"],
            title="SeriesPredictor: BasicLSTMCell + dynamic_rnn with a tf.train.Saver",
            config_cls=configs.SeriesPredictorConfig,
            unit="iterations",
            metric="test_mse",
            higher_is_better=False,
            tolerance=0.5,
            tolerance_note="both sides must predict within 1.0 of the targets; MSEs within 0.5",
            modules=_both("series_predictor"),
            budgets={"quick": 1000, "default": 1000, "full": 1000},
        ),
        Example(
            id="airline_passengers",
            article=ARTICLES["airline"],
            title="Airline passengers: LSTM(100) forecaster (PyTorch reference, TF1, Keras)",
            config_cls=configs.AirlinePassengersConfig,
            unit="epochs",
            metric="forecast_rmse",
            higher_is_better=False,
            tolerance=80.0,
            tolerance_note="2.5 x the seed-to-seed spread of the legacy-port RMSE difference at 20 epochs (5 seeds: std 26 and 18 passengers)",
            modules=_both("airline_passengers", "torch"),
            budgets={"quick": 20, "default": 100, "full": 300},
        ),
    ]
}


class UnknownExample(KeyError):
    def __str__(self):
        return (
            f"unknown example '{self.args[0]}'; known: {', '.join(EXAMPLES)} "
            "(see `python -m parity list`)"
        )


def get(example_id: str) -> Example:
    try:
        return EXAMPLES[example_id]
    except KeyError:
        raise UnknownExample(example_id) from None

"""Small fixed inputs per example, for plots, reports and the equivalence checks."""

from __future__ import annotations

import numpy as np

MNIST_IDS = ("mnist_static_rnn", "mnist_dynamic_rnn", "stacked_lstm")


def sample_inputs(example_id: str, n: int | None = None):
    """Inputs each implementation's ``predict`` accepts for this example."""
    if example_id.startswith("binary_addition"):
        from datasets import binary_addition

        x = binary_addition.evaluation_set()[0][::41]
        x = x.astype(np.float64) if example_id.endswith("numpy_rnn") else x
    elif example_id in MNIST_IDS:
        from datasets import mnist

        x = mnist.read_data_sets().test.images[:200]
    elif example_id == "series_predictor":
        from datasets import series_toy

        x = series_toy.TEST_X
    elif example_id == "airline_passengers":
        from datasets import airline

        x = airline.prepare().x[:24]
    else:
        raise KeyError(example_id)
    return x if n is None else x[:n]


def sample_extras(example_id: str, module, weights: dict, config) -> dict:
    """What the report draws from a trained model: predicted digits or sums."""
    if example_id in MNIST_IDS:
        logits = module.predict(weights, sample_inputs(example_id, 16), config)
        return {"sample_predictions": np.argmax(logits, axis=-1).astype(int).tolist()}
    if example_id.startswith("binary_addition"):
        from datasets import binary_addition

        x, _, a, b = binary_addition.evaluation_set()
        idx = np.random.RandomState(0).choice(len(x), 8, replace=False)
        out = np.asarray(module.predict(weights, x[idx].astype(np.float64 if example_id.endswith("numpy_rnn") else np.float32), config))
        predicted = binary_addition.bits_to_int(np.round(out.reshape(len(idx), -1)))
        return {"sample_sums": [{"a": int(a[i]), "b": int(b[i]), "predicted": int(p)}
                                for i, p in zip(idx, predicted)]}
    return {}

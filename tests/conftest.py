"""Shared test set-up: the legacy Keras routing must be in place before TensorFlow loads."""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import legacy_graph  # noqa: E402,F401  (sets TF_USE_LEGACY_KERAS before any TF import)


def pytest_report_header(config):
    """Which Keras backend the port tests run on (only when KERAS_BACKEND chooses one)."""
    if os.environ.get("KERAS_BACKEND"):
        import keras

        return f"keras backend: {keras.backend.backend()}"
    return None

"""Shared test set-up: the legacy Keras routing must be in place before TensorFlow loads."""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import legacy_graph  # noqa: E402,F401  (sets TF_USE_LEGACY_KERAS before any TF import)

"""Shared data and loaders for both sides. NumPy only: this package never imports TensorFlow."""

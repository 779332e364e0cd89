"""Adapters of the reference side (see :mod:`parity.adapters`)."""

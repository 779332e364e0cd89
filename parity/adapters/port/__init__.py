"""Adapters of the port side (see :mod:`parity.adapters`)."""

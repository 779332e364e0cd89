"""Adapters of the legacy side (see :mod:`parity.adapters`)."""

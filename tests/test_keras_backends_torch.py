"""The port tests on Keras's PyTorch backend, in a Python process of their own (see
tests/test_keras_backends.py, which runs them on JAX: this run is a file of its own so that
pytest-xdist, which hands out whole files, can run it beside the JAX runs)."""

import pytest
from test_keras_backends import TORCH_RUN, check_backend


@pytest.mark.port
@pytest.mark.backend
def test_port_tests_pass_on_the_torch_backend(tmp_path):
    check_backend(*TORCH_RUN, tmp_path)

"""The TF1 runtime: legacy Keras routing, per-example graphs and sessions, seeding."""

import os
import subprocess
import sys

import numpy as np
import pytest

from parity import tf1_weights
from tf1_compat import runtime

pytestmark = pytest.mark.legacy


def _python(code: str, **env):
    full_env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, timeout=300)


def test_import_sets_the_legacy_keras_switch_before_tensorflow():
    proc = _python(
        "import os, legacy_graph, tf1_compat.runtime, sys; assert 'tensorflow' not in sys.modules;"
        "print(os.environ['TF_USE_LEGACY_KERAS']);"
        "tf = tf1_compat.runtime.tf1(); print(type(tf.nn.rnn_cell.BasicLSTMCell(3)).__module__)"
    )
    assert proc.returncode == 0, proc.stderr
    first, module = proc.stdout.split()
    assert first == "1"
    assert module.startswith("tf_keras")


def test_tensorflow_loads_without_jax_and_jax_still_loads_after():
    """tf1_compat.lean_import: TensorFlow Lite's `from jax import jit` is refused (TensorFlow
    falls back to None), and only that import: JAX and Keras on JAX load afterwards as usual;
    PARITY_TFLITE_JAX=1 leaves TensorFlow's import as it was."""
    code = ("import {first}, tensorflow, sys; print('jax' in sys.modules);"
            "import jax.numpy as jnp; print(float(jnp.sum(jnp.ones(3))));"
            "import keras; print(keras.backend.backend(), float(keras.ops.sum(keras.ops.ones(2))))")
    proc = _python(code.format(first="tf1_compat.runtime"), KERAS_BACKEND="jax")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "3.0", "jax", "2.0"]
    proc = _python(code.format(first="parity"), KERAS_BACKEND="jax", PARITY_TFLITE_JAX="1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "3.0", "jax", "2.0"]


def test_tensorflow_imported_first_gives_a_clear_error():
    proc = _python("import tensorflow\nimport legacy_graph")
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "LegacyKerasError" in last
    assert "TF_USE_LEGACY_KERAS=1" in last and "import legacy_graph" in last


def test_all_packages_import_together():
    proc = _python("import datasets, legacy_graph, eager_port, parity; print('ok')")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def _initial_kernel(seed):
    tf = runtime.tf1()
    with runtime.graph_session(seed=seed) as (graph, sess):
        x = tf.placeholder(tf.float32, [None, 3, 2])
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(4), x, dtype=tf.float32)
        sess.run(tf.global_variables_initializer())
        weights = tf1_weights.variables_to_numpy(sess)
        assert tf.get_default_graph() is graph
    return graph, weights


def test_each_example_gets_its_own_graph_and_the_same_seed_gives_the_same_weights():
    g1, w1 = _initial_kernel(7)
    g2, w2 = _initial_kernel(7)
    _, w3 = _initial_kernel(8)
    assert g1 is not g2
    assert sorted(w1) == ["rnn/basic_lstm_cell/bias", "rnn/basic_lstm_cell/kernel"]
    np.testing.assert_array_equal(w1["rnn/basic_lstm_cell/kernel"], w2["rnn/basic_lstm_cell/kernel"])
    assert not np.allclose(w1["rnn/basic_lstm_cell/kernel"], w3["rnn/basic_lstm_cell/kernel"])


def test_graph_mode_does_not_leak_into_the_process():
    import tensorflow as tf

    _initial_kernel(1)
    assert tf.executing_eagerly()


def test_set_seed_seeds_numpy_and_keras3_layers():
    import keras

    def draw():
        runtime.set_seed(3)
        layer = keras.layers.Dense(5)
        layer.build((None, 4))
        return np.random.rand(3), layer.kernel.numpy()

    (n1, k1), (n2, k2) = draw(), draw()
    np.testing.assert_array_equal(n1, n2)
    np.testing.assert_array_equal(k1, k2)
    runtime.set_seed(4)
    layer = keras.layers.Dense(5)
    layer.build((None, 4))
    assert not np.allclose(layer.kernel.numpy(), k1)

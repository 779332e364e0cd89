"""`parity convert` on any TF1 RNN checkpoint (no --example): the generic weight-mapping engine.

The matrix: every TF1 cell type (BasicLSTMCell, LSTMCell, GRUCell, BasicRNNCell), alone and
in a 2-layer MultiRNNCell, one direction and bidirectional_dynamic_rnn, with and without a
dense head (tf.layers.dense or a plain tf.Variable matmul). Each TF1 graph is trained for a
few Adam steps, saved with tf.train.Saver, converted both into a Keras model written the
way a user would write it and into the model --emit-model builds (saved, then loaded with
plain keras.saving.load_model), and must give the TF1 graph's outputs on random inputs
(float32, rtol 1e-6, atol 1e-5).
"""

import hashlib
import itertools
import os
import subprocess
import sys
from pathlib import Path

import inprocess
import numpy as np
import pytest
import session_cache

from parity import convert, keras_rnn, tf1_rnn

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]
T, F, N_OUT = 5, 3, 3  # time steps, input features, head units
UNITS = (4, 5)  # layer 0, layer 1: different, so that a mixed-up layer shows
FORGET_BIAS = {"BasicLSTMCell": 1.0, "LSTMCell": 0.7}  # 0.7: not TF1's default, on purpose
KIND = {"BasicLSTMCell": "lstm", "LSTMCell": "lstm", "GRUCell": "gru", "BasicRNNCell": "rnn"}
CELLS = tuple(KIND)
MATRIX = list(itertools.product(CELLS, (1, 2), (False, True), (False, True)))


def combo_id(combo):
    cell, layers, bi, head = combo
    return f"{cell}-{layers}layer-{'bi' if bi else 'uni'}-{'head' if head else 'nohead'}"


def tf1_outputs_of(combo, x_value, prefix, seed=0, steps=3):
    """Build the TF1 graph of ``combo``, train it ``steps`` Adam steps, save it at ``prefix``;
    return its outputs on ``x_value``. TensorFlow alone: done once per test session
    (tests/session_cache.py) and the checkpoint copied to ``prefix``."""
    import shutil
    import tempfile

    x_value = np.asarray(x_value)
    key = (f"convert_any tf1 {combo} seed {seed} steps {steps} {x_value.dtype}{x_value.shape} "
           + hashlib.sha256(np.ascontiguousarray(x_value).tobytes()).hexdigest())

    def run(folder):
        return _tf1_train_and_save(combo, x_value, folder / "model.ckpt", seed, steps), folder

    fallback = Path(tempfile.mkdtemp(prefix="tf1-graph-"))
    outputs, folder = session_cache.once(key, run, fallback)
    prefix = Path(prefix)
    for part in folder.glob("model.ckpt.*"):
        shutil.copyfile(part, prefix.with_name(prefix.name + part.name[len("model.ckpt"):]))
    (prefix.parent / "checkpoint").write_text(  # tf.train.Saver's state file, as save() writes it
        f'model_checkpoint_path: "{prefix.name}"\nall_model_checkpoint_paths: "{prefix.name}"\n')
    shutil.rmtree(fallback, ignore_errors=True)  # used only outside a session
    return outputs


def _tf1_train_and_save(combo, x_value, prefix, seed, steps):
    import tensorflow as tf

    v1 = tf.compat.v1
    cell_name, layers, bidirectional, head = combo
    rnn_cell = v1.nn.rnn_cell

    def make(units):
        if cell_name == "BasicLSTMCell":
            return rnn_cell.BasicLSTMCell(units, forget_bias=FORGET_BIAS[cell_name])
        if cell_name == "LSTMCell":
            return rnn_cell.LSTMCell(units, forget_bias=FORGET_BIAS[cell_name])
        return getattr(rnn_cell, cell_name)(units)

    def stack():
        cells = [make(UNITS[k]) for k in range(layers)]
        return cells[0] if layers == 1 else rnn_cell.MultiRNNCell(cells)

    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        x = v1.placeholder(tf.float32, [None, T, F])
        if bidirectional:
            (fw, bw), _ = v1.nn.bidirectional_dynamic_rnn(stack(), stack(), x, dtype=tf.float32)
            outputs = tf.concat([fw, bw], 2)
        else:
            outputs, _ = v1.nn.dynamic_rnn(stack(), x, dtype=tf.float32)
        if head and cell_name in ("LSTMCell", "GRUCell"):
            y = v1.layers.dense(outputs[:, -1, :], N_OUT)
        elif head:  # the tutorials' plain variables
            w = tf.Variable(v1.random_normal([outputs.shape[-1], N_OUT], seed=seed))
            b = tf.Variable(v1.random_normal([N_OUT], seed=seed + 1))
            y = tf.matmul(outputs[:, -1, :], w) + b
        else:
            y = outputs
        target = np.random.RandomState(seed).normal(size=(8, *y.shape.as_list()[1:])).astype(np.float32)
        loss = tf.reduce_mean(tf.square(y - target))
        train = v1.train.AdamOptimizer(0.05).minimize(loss)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            batch = np.random.RandomState(seed + 1).normal(size=(8, T, F)).astype(np.float32)
            for _ in range(steps):
                sess.run(train, {x: batch})
            saver.save(sess, str(prefix))
            return sess.run(y, {x: x_value})


def user_model(combo):
    """The Keras 3 model a user would write for ``combo`` (nothing of parity in it)."""
    import keras

    cell_name, layers, bidirectional, head = combo
    kind = KIND[cell_name]

    def layer(units, sequences):
        if kind == "lstm":
            return keras.layers.LSTM(units, return_sequences=sequences)
        if kind == "gru":
            return keras.layers.GRU(units, reset_after=False, return_sequences=sequences)
        return keras.layers.SimpleRNN(units, return_sequences=sequences)

    def cell(units):
        if kind == "gru":
            return keras.layers.GRUCell(units, reset_after=False)
        return {"lstm": keras.layers.LSTMCell, "rnn": keras.layers.SimpleRNNCell}[kind](units)

    inputs = keras.Input((T, F))
    x = inputs
    if bidirectional:
        rnn = (layer(UNITS[0], True) if layers == 1 else
               keras.layers.RNN([cell(u) for u in UNITS[:layers]], return_sequences=True))
        x = keras.layers.Bidirectional(rnn)(x)
        if head:
            x = x[:, -1, :]  # outputs[:, -1, :] of the concatenated directions
    else:
        for k in range(layers):
            x = layer(UNITS[k], sequences=(k < layers - 1) or not head)(x)
    if head:
        x = keras.layers.Dense(N_OUT)(x)
    return keras.Model(inputs, x)


def options_for(combo):
    """What the checkpoint cannot tell, as a user would say it on the command line."""
    cell_name, layers, bidirectional, head = combo
    opts = {}
    if KIND[cell_name] == "lstm":
        opts["forget_bias"] = FORGET_BIAS[cell_name]
    if bidirectional:
        opts["merge"] = "concat"
    if head:
        opts["head_input"] = "last"
    return opts


@pytest.fixture(scope="module")
def inputs():
    return np.random.RandomState(42).normal(size=(6, T, F)).astype(np.float32)


@pytest.mark.parametrize("combo", MATRIX, ids=combo_id)
def test_any_checkpoint_to_user_model_and_emitted_model(combo, inputs, tmp_path):
    import keras

    prefix = tmp_path / "model.ckpt"
    expected = tf1_outputs_of(combo, inputs, prefix)

    # 1. the user's own model, filled layer by layer
    rnn_model, weights, _ = convert.recognise_checkpoint(prefix, **options_for(combo))
    mine = user_model(combo)
    keras_rnn.fill(mine, rnn_model, weights)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(mine(inputs)), expected,
                               rtol=1e-6, atol=1e-5)

    # 2. --emit-model: a model built from the structure, loaded with plain load_model
    emitted = tmp_path / "emitted.keras"
    done = convert.convert_any(prefix, emit_model=emitted, out=tmp_path / "w.weights.h5",
                               **options_for(combo))
    assert [p.name for p in done.written] == ["emitted.keras", "w.weights.h5"]
    loaded = keras.saving.load_model(emitted)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(inputs)), expected,
                               rtol=1e-6, atol=1e-5)
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("combo", [("LSTMCell", 2, True, True), ("GRUCell", 1, False, True)],
                         ids=combo_id)
def test_what_the_checkpoint_says(combo, tmp_path):
    """Recognised from scopes and shapes: cell kinds, units, inputs, stack, direction, head."""
    prefix = tmp_path / "model.ckpt"
    tf1_outputs_of(combo, np.zeros((1, T, F), np.float32), prefix, steps=1)
    models, leftovers = tf1_rnn.recognise(convert.read_checkpoint(prefix))
    assert leftovers == [] and len(models) == 1
    m = models[0]
    cell_name, layers, bidirectional, _ = combo
    assert [b.bidirectional for b in m.blocks] == [bidirectional]
    assert [(c.kind, c.units, c.input_size) for _, c in m.cells()] == \
        [(KIND[cell_name], UNITS[k], F if k == 0 else UNITS[k - 1])
         for _ in range(2 if bidirectional else 1) for k in range(layers)]
    assert m.head.units == N_OUT and m.head.bias is not None
    if bidirectional:  # the head's 2 * 5 inputs prove that the directions were concatenated
        assert m.blocks[0].merge == "concat"
    assert m.head.input is None  # which output feeds the head: not in a checkpoint


def test_each_unknown_names_its_option(tmp_path):
    combo = ("LSTMCell", 1, True, True)
    prefix = tmp_path / "model.ckpt"
    tf1_outputs_of(combo, np.zeros((1, T, F), np.float32), prefix, steps=1)
    with pytest.raises(tf1_rnn.NeedsOption) as err:
        convert.convert_any(prefix, emit_model=tmp_path / "m.keras")
    assert err.value.option == "--forget-bias"
    with pytest.raises(tf1_rnn.NeedsOption) as err:
        convert.convert_any(prefix, emit_model=tmp_path / "m.keras", forget_bias=0.7)
    assert err.value.option == "--head-input"
    assert not (tmp_path / "m.keras").exists()
    # a wrong forget bias is a different model: the outputs move
    x = np.random.RandomState(0).normal(size=(4, T, F)).astype(np.float32)
    expected = tf1_outputs_of(combo, x, tmp_path / "again.ckpt", steps=1)
    import keras

    for fb, same in ((0.7, True), (1.0, False)):
        convert.convert_any(tmp_path / "again.ckpt", emit_model=tmp_path / "m.keras",
                            forget_bias=fb, head_input="last")
        got = keras.ops.convert_to_numpy(keras.saving.load_model(tmp_path / "m.keras")(x))
        assert np.allclose(got, expected, rtol=1e-6, atol=1e-5) == same


def _graph_with(cell_fn, prefix):
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [None, T, F])
        v1.nn.dynamic_rnn(cell_fn(v1.nn.rnn_cell), x, dtype=tf.float32)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, str(prefix))


def parity_cmd(*args, cwd=ROOT):
    """`parity ARGS` in this process (tests/inprocess.py): these tests convert many
    checkpoints, and a `python -m parity convert` process would load TensorFlow again for each."""
    return inprocess.parity(*args, cwd=cwd)


def error_lines(proc):
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]


@pytest.mark.parametrize("feature,make", [
    ("projection", lambda R: R.LSTMCell(4, num_proj=2)),
    ("peepholes", lambda R: R.LSTMCell(4, use_peepholes=True)),
])
def test_features_keras_lacks_convert_to_our_own_cell(feature, make, tmp_path):
    """Peepholes and projections emit tf1_migrate.keras_layers.TF1LSTMCell (exactness:
    tests/test_migration_cells.py); a user's plain Keras LSTM is refused with a row."""
    prefix = tmp_path / "model.ckpt"
    _graph_with(make, prefix)
    proc = parity_cmd("convert", str(prefix), "--emit-model", str(tmp_path / "m.keras"),
                      "--forget-bias", "1")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "m.keras").exists()
    (tmp_path / "plain.py").write_text(
        "import keras\n\n\ndef build():\n"
        f"    inputs = keras.Input(({T}, {F}))\n"
        "    return keras.Model(inputs, keras.layers.LSTM(4, return_sequences=True)(inputs))\n")
    proc = parity_cmd("convert", str(prefix), "--model", "plain:build", "--out",
                      str(tmp_path / "w.weights.h5"), "--forget-bias", "1", cwd=tmp_path)
    assert proc.returncode == 2 and "TF1LSTMCell" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_model_option_fills_the_users_model_and_shows_the_table(tmp_path, inputs):
    import keras

    combo = ("LSTMCell", 2, False, True)
    prefix = tmp_path / "model.ckpt"
    expected = tf1_outputs_of(combo, inputs, prefix)
    (tmp_path / "mymodel.py").write_text(
        "import keras\n\n\n"
        "def build():\n"
        f"    inputs = keras.Input(({T}, {F}))\n"
        f"    x = keras.layers.LSTM({UNITS[0]}, return_sequences=True)(inputs)\n"
        f"    x = keras.layers.LSTM({UNITS[1]})(x)\n"
        f"    return keras.Model(inputs, keras.layers.Dense({N_OUT})(x))\n\n\n"
        "def wrong():\n"
        f"    inputs = keras.Input(({T}, {F}))\n"
        f"    x = keras.layers.LSTM({UNITS[1]})(inputs)\n"
        f"    return keras.Model(inputs, keras.layers.Dense({N_OUT})(x))\n")
    out = tmp_path / "mine.weights.h5"
    proc = parity_cmd("convert", str(prefix), "--model", "mymodel:build", "--out", str(out),
                      "--forget-bias", "0.7", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "LSTMCell(5) on 4 inputs" in proc.stdout and "ok" in proc.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        import mymodel
    finally:
        sys.path.remove(str(tmp_path))
    model = mymodel.build()
    model.load_weights(str(out))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(inputs)), expected,
                               rtol=1e-6, atol=1e-5)

    out.write_bytes(b"previous")
    proc = parity_cmd("convert", str(prefix), "--model", "mymodel:wrong", "--out", str(out),
                      "--forget-bias", "0.7", cwd=tmp_path)
    assert proc.returncode == 2
    assert "does not match" in error_lines(proc)[0]
    assert "nothing in the Keras model for it" in proc.stderr  # the table, row by row
    assert "kernel (3, 20) != (3, 16)" in proc.stderr  # units 5 where TF1 has 4
    assert out.read_bytes() == b"previous"


def test_gru_reset_after_true_is_refused_with_the_reason(tmp_path):
    import keras

    combo = ("GRUCell", 1, False, False)
    prefix = tmp_path / "model.ckpt"
    tf1_outputs_of(combo, np.zeros((1, T, F), np.float32), prefix, steps=1)
    rnn_model, weights, _ = convert.recognise_checkpoint(prefix)
    inputs = keras.Input((T, F))
    model = keras.Model(inputs, keras.layers.GRU(UNITS[0], return_sequences=True)(inputs))
    with pytest.raises(keras_rnn.FillError) as err:
        keras_rnn.fill(model, rnn_model, weights)
    assert "reset_after=False" in err.value.table


def test_several_rnns_need_rnn_option_and_a_static_bidirectional_rnn(tmp_path, inputs):
    """Two models in one checkpoint (as the bidirectional tutorial builds them), one of them
    static_bidirectional_rnn with a plain tf.Variable head on outputs[-1]."""
    import keras
    import tensorflow as tf

    v1 = tf.compat.v1
    R = v1.nn.rnn_cell
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(3)
        x = v1.placeholder(tf.float32, [None, T, F])
        w = tf.Variable(v1.random_normal([8, N_OUT]))
        b = tf.Variable(v1.random_normal([N_OUT]))
        with v1.variable_scope("static"):
            outs, _, _ = v1.nn.static_bidirectional_rnn(R.BasicLSTMCell(4), R.BasicLSTMCell(4),
                                                        tf.unstack(x, T, 1), dtype=tf.float32)
            y1 = tf.matmul(outs[-1], w) + b
        with v1.variable_scope("other"):
            o2, _ = v1.nn.dynamic_rnn(R.GRUCell(3), x, dtype=tf.float32)
            y2 = v1.layers.dense(o2[:, -1], 2)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            v1.train.Saver().save(sess, str(tmp_path / "two.ckpt"))
            want1, want2 = sess.run([y1, y2], {x: inputs})
    with pytest.raises(tf1_rnn.NeedsOption) as err:
        convert.convert_any(tmp_path / "two.ckpt", emit_model=tmp_path / "m.keras")
    assert err.value.option == "--rnn" and "static" in str(err.value) and "other" in str(err.value)
    convert.convert_any(tmp_path / "two.ckpt", emit_model=tmp_path / "a.keras", rnn="static",
                        forget_bias=1.0, head_input="last")
    got = keras.saving.load_model(tmp_path / "a.keras")(inputs)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got), want1, rtol=1e-6, atol=1e-5)
    # the final states of the two directions are not outputs[-1]: a wrong head input shows
    convert.convert_any(tmp_path / "two.ckpt", emit_model=tmp_path / "s.keras", rnn="static",
                        forget_bias=1.0, head_input="state")
    got = keras.saving.load_model(tmp_path / "s.keras")(inputs)
    assert not np.allclose(keras.ops.convert_to_numpy(got), want1, rtol=1e-6, atol=1e-5)
    convert.convert_any(tmp_path / "two.ckpt", emit_model=tmp_path / "b.keras", rnn="other",
                        head_input="last")
    got = keras.saving.load_model(tmp_path / "b.keras")(inputs)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got), want2, rtol=1e-6, atol=1e-5)


@pytest.mark.backend_neutral  # usage errors: before any Keras
def test_cli_usage_errors(tmp_path):
    proc = parity_cmd("convert", str(tmp_path / "nope.ckpt"), "--emit-model", str(tmp_path / "m.keras"))
    assert proc.returncode == 2 and "not found" in error_lines(proc)[0]
    proc = parity_cmd("convert", str(tmp_path / "nope.ckpt"), "--emit-model", str(tmp_path / "m.h5"))
    assert proc.returncode == 2 and "must end in .keras" in error_lines(proc)[0]
    proc = parity_cmd("convert", str(tmp_path / "nope.ckpt"))
    assert proc.returncode == 2 and "--emit-model" in error_lines(proc)[0]
    proc = parity_cmd("convert", str(tmp_path / "nope.ckpt"), "--example", "series_predictor",
                      "--emit-model", str(tmp_path / "m.keras"), "--out", str(tmp_path / "w.weights.h5"))
    assert proc.returncode == 2 and "--example" in error_lines(proc)[0]


@pytest.mark.torch
@pytest.mark.backend_neutral  # its subprocess sets KERAS_BACKEND=torch itself
def test_emitted_model_runs_on_the_torch_backend(tmp_path, inputs):
    """The emitted file uses built-in layers and ops only: another Keras backend loads it."""
    pytest.importorskip("torch", reason="PyTorch not installed: pip install '.[torch]'")
    combo = ("GRUCell", 2, True, True)
    prefix = tmp_path / "model.ckpt"
    expected = tf1_outputs_of(combo, inputs, prefix)
    convert.convert_any(prefix, emit_model=tmp_path / "m.keras", **options_for(combo))
    np.savez(tmp_path / "io.npz", x=inputs, y=expected)
    code = ("import numpy as np, keras; d = np.load('io.npz'); "
            "m = keras.saving.load_model('m.keras'); "
            "got = keras.ops.convert_to_numpy(m(d['x'])); "
            "np.testing.assert_allclose(got, d['y'], rtol=1e-6, atol=1e-5); print(keras.backend.backend())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, KERAS_BACKEND="torch", TF_CPP_MIN_LOG_LEVEL="3"),
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("torch")

"""parity.testing against the captured graph itself: the TF1 reference of a capture folder is
the session's graph (graph.meta) with its checkpoint restored, not a rebuild from the
structure description; a carried state compared batch after batch; a difference located
layer by layer; the tolerance on a 2-layer character model's logits (~20); a
bidirectional_dynamic_rnn with sequence_length converted with a mask.

Each script of tests/tf1_scripts/ used here is captured once per module with
``parity legacy-run --capture`` and converted with ``--emit-model``; every comparison is
against what the script's own session computed (own.npz, written by the script).
"""

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import session_cache

pytestmark = [pytest.mark.legacy, pytest.mark.port]

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "tf1_scripts"


def captured(folder, script):
    """Capture ``script`` (its own outputs into ``folder``), convert session 1 with
    --emit-model: ``(session folder, model file, own.npz)``."""
    from tf1_migrate import convert

    # the capture: once per test session (tests/session_cache.py), copied here
    session_cache.capture(SCRIPTS / script, folder / "cap", folder, cwd=str(ROOT), timeout=600)
    session = folder / "cap" / "session_001"
    result = convert.convert_any(session, emit_model=folder / "m.keras")
    assert result.table.splitlines()[-1].rstrip().endswith("ok"), result.table  # the probe row
    return session, folder / "m.keras", dict(np.load(folder / "own.npz"))


def load(path):
    import keras

    import tf1_migrate.keras_layers  # noqa: F401  (registers LengthMask)

    return keras.saving.load_model(path)


@pytest.fixture(scope="module")
def char(tmp_path_factory):
    return captured(tmp_path_factory.mktemp("char"), "char_lm_two_layer.py")


@pytest.fixture(scope="module")
def carried(tmp_path_factory):
    return captured(tmp_path_factory.mktemp("carried"), "carried_state_lstm.py")


@pytest.fixture(scope="module")
def bidirectional(tmp_path_factory):
    return captured(tmp_path_factory.mktemp("bidirectional"), "bidirectional_lengths.py")


def failure(session, model, x, **kw):
    from tf1_migrate.testing import assert_same_outputs

    with pytest.raises(AssertionError) as caught:
        assert_same_outputs(str(session), model, x, **kw)
    return str(caught.value)


# ----------------------------------------------------------------------------- the captured graph
def test_the_capture_saves_its_graph_and_the_reference_runs_it(char, tmp_path):
    from tf1_migrate.testing import tf1_outputs

    session, _, own = char
    data = json.loads((session / "structure.json").read_text())
    assert data["graph"] == "graph.meta" and (session / "graph.meta").is_file()
    spec = data["tensors"][0]
    assert spec["form"] == "head_sequence" and spec["output"] and spec["inputs"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "rebuilt" warning: the graph runs
        got = tf1_outputs(str(session), own["inputs"])
    np.testing.assert_allclose(got, own["outputs"], rtol=1e-6, atol=1e-6)
    # an old capture (no graph.meta): the rebuild, said in a warning
    old = tmp_path / "session_001"
    shutil.copytree(session, old)
    (old / "graph.meta").unlink()
    with pytest.warns(UserWarning, match="rebuilt from structure.json"):
        rebuilt = tf1_outputs(str(old), own["inputs"])
    np.testing.assert_allclose(rebuilt, own["outputs"], rtol=1e-5, atol=1e-4)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="graph.meta"):
        tf1_outputs(str(old), own["inputs"], lengths=np.full(len(own["inputs"]), 3))


def test_the_reference_is_the_graph_not_the_description(char, tmp_path):
    """A description that says less than the graph (here: no head) does not change the
    reference: the captured graph still computes the head, and a Keras model without
    it fails."""
    import keras

    from tf1_migrate.testing import tf1_outputs

    session, model_file, own = char
    bare = tmp_path / "session_001"
    shutil.copytree(session, bare)
    data = json.loads((bare / "structure.json").read_text())
    data["models"][0]["head"] = None
    (bare / "structure.json").write_text(json.dumps(data))
    np.testing.assert_allclose(tf1_outputs(str(bare), own["inputs"]), own["outputs"],
                               rtol=1e-6, atol=1e-6)
    model = load(model_file)
    no_head = keras.Model(model.inputs[0], model.get_layer("lstm_1").output)
    assert "shape" in failure(bare, no_head, own["inputs"])


def test_a_static_rnn_with_lengths_and_a_gather_runs_in_the_captured_graph(tmp_path):
    """static_rnn (one input tensor per step) with sequence_length, the head on the last
    *valid* output picked with tf.gather: the captured graph computes it on the lengths
    given; the emitted model (lengths input, mask) matches it, and fails on other lengths."""
    from tf1_migrate.testing import assert_same_outputs, tf1_outputs

    session, model_file, own = captured(tmp_path, "variable_length_lstm.py")
    spec = json.loads((session / "structure.json").read_text())["tensors"][0]
    assert spec["static"] and len(spec["inputs"]) == own["inputs"].shape[1] and spec["lengths"]
    x, lengths = own["inputs"], own["lengths"]
    assert lengths.min() < x.shape[1]  # padded sequences in the batch
    np.testing.assert_allclose(tf1_outputs(str(session), x, lengths=lengths), own["outputs"],
                               rtol=1e-6, atol=1e-6)
    model = load(model_file)
    assert_same_outputs(str(session), model, x, lengths=lengths)
    import keras

    x_in, n_in = model.inputs  # a port that runs every step (no mask) fails
    unmasked = keras.Model([x_in, n_in], model([x_in, keras.ops.ones_like(n_in) * x.shape[1]]))
    assert "does not compute" in failure(session, unmasked, x, lengths=lengths)


# ----------------------------------------------------------------------------- tolerance
def test_two_layer_char_logits_of_magnitude_20_pass_with_the_defaults_and_wrong_mappings_fail(char):
    from tf1_migrate import convert, keras_rnn
    from tf1_migrate.testing import assert_same_outputs

    session, model_file, own = char
    x = own["inputs"]
    assert np.abs(own["outputs"]).max() > 15  # logits as large as a trained char model's
    assert_same_outputs(str(session), load(model_file), x)
    rnn_model, weights, _ = convert.recognise_checkpoint(session)
    for wrong in ({"fold_forget_bias": False}, {"reorder": False}):
        model = load(model_file)
        keras_rnn.fill(model, rnn_model, weights, **wrong)
        message = failure(session, model, x)
        assert "does not compute what the TF1 graph computes" in message, wrong
        assert "first difference at layer 1 of 2" in message, message


# ----------------------------------------------------------------------------- layer by layer
def test_a_difference_is_located_layer_by_layer(char):
    import keras

    session, model_file, own = char
    x = own["inputs"]
    model = load(model_file)  # the second layer's input and forget gates swapped
    kernel = model.get_layer("lstm_1").cell.kernel
    value = np.array(keras.ops.convert_to_numpy(kernel))
    u = value.shape[1] // 4
    value[:, :u], value[:, u:2 * u] = value[:, u:2 * u].copy(), value[:, :u].copy()
    kernel.assign(value)
    message = failure(session, model, x)
    assert "first difference at layer 2 of 2" in message and "cell_1" in message, message
    assert "layer 1 " not in message and "max abs error" in message.splitlines()[1]

    model = load(model_file)  # the head 1% off
    head = model.get_layer("head").kernel
    head.assign(keras.ops.convert_to_numpy(head) * 1.01)
    message = failure(session, model, x)
    assert "every RNN layer matches; the head (TF1 softmax/softmax_w" in message, message
    assert "layer 1 of" not in message and "layer 2 of" not in message


# ----------------------------------------------------------------------------- carried state
def test_a_carried_state_is_compared_batch_after_batch(carried):
    import keras

    from tf1_migrate.testing import assert_same_sequence, tf1_outputs

    session, model_file, own = carried
    batches = own["inputs"]
    assert len(batches) >= 3
    model = load(model_file)
    assert_same_sequence(str(session), model, batches)
    # the script's own predictions are the captured graph's, the state carried
    state = None
    for x, want in zip(batches, own["outputs"]):
        got, state = tf1_outputs(str(session), x, states=state, final_states=True)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    # a Keras side that starts every batch from a zero state fails, at the second batch
    x, h, c = model.inputs
    y, h_out, c_out = model([x, h * 0.0, c * 0.0])
    forgetful = keras.Model([x, h, c], [y, h_out, c_out])
    with pytest.raises(AssertionError, match=r"batch 2 of 3 .*output: max abs error"):
        assert_same_sequence(str(session), forgetful, batches)
    # a given first state is fed to both sides
    rng = np.random.RandomState(0)
    start = [rng.normal(scale=0.5, size=(batches.shape[1], 7)).astype(np.float32) for _ in range(2)]
    assert_same_sequence(str(session), model, batches, states=start)
    with pytest.raises(AssertionError, match="batch 1 of 3"):
        assert_same_sequence(str(session), forgetful, batches, states=start)


def test_sequence_needs_a_capture_that_takes_a_state(char):
    from tf1_migrate.testing import assert_same_sequence

    session, model_file, own = char
    with pytest.raises(ValueError, match="nothing to carry"):
        assert_same_sequence(str(session), load(model_file), [own["inputs"]])


# ----------------------------------------------------------------------------- bidirectional
def test_bidirectional_with_lengths_converts_with_a_mask_and_matches_tf1_on_padded_batches(bidirectional):
    import keras

    from tf1_migrate.testing import assert_same_outputs

    session, model_file, own = bidirectional
    x, lengths = own["inputs"], own["lengths"]
    assert len(set(lengths.tolist())) > 2 and lengths.min() < x.shape[1]
    model = load(model_file)
    assert [i.name for i in model.inputs] == ["inputs", "lengths"]
    got = keras.ops.convert_to_numpy(model([x, lengths]))
    np.testing.assert_allclose(got, own["outputs"], rtol=1e-5, atol=1e-5)
    assert_same_outputs(str(session), model, x, lengths=lengths)
    noisy = x.copy()  # the padding is never read, on either side
    for i, n in enumerate(lengths):
        noisy[i, n:] = 5.0
    assert_same_outputs(str(session), model, noisy, lengths=lengths)
    # the lengths matter: the backward direction reverses only the valid steps
    full = keras.ops.convert_to_numpy(model([x, np.full_like(lengths, x.shape[1])]))
    short = lengths < x.shape[1]
    assert np.abs(full[short] - own["outputs"][short]).max() > 1e-2
    assert np.allclose(full[~short], own["outputs"][~short], rtol=1e-5, atol=1e-5)
    x_in, n_in = model.inputs  # a port that ignores the lengths fails
    unmasked = keras.Model([x_in, n_in], model([x_in, keras.ops.ones_like(n_in) * x.shape[1]]))
    assert "does not compute what the TF1 graph computes" in failure(session, unmasked, x, lengths=lengths)
    bias = model.get_layer("bidirectional").backward_layer.cell.bias  # the diagnosis's layer
    bias.assign(keras.ops.convert_to_numpy(bias) + 0.1)
    message = failure(session, model, x, lengths=lengths)
    assert "first difference at layer 1 of 1" in message and "bw/basic_lstm_cell" in message, message


def test_bidirectional_initial_states_become_state_inputs_and_outputs(bidirectional):
    """The script's second session feeds initial_state_fw / initial_state_bw: the emitted model
    takes them (forward h, c then backward h, c) and returns both final states."""
    import keras

    from tf1_migrate import convert
    from tf1_migrate.testing import assert_same_outputs

    session = bidirectional[0].parent / "session_002"
    out = session.parent.parent / "m_state.keras"
    done = convert.convert_any(session, emit_model=out)
    assert done.table.splitlines()[-1].rstrip().endswith("ok"), done.table
    own = dict(np.load(session.parent.parent / "own_state.npz"))
    model = load(out)
    assert [i.name for i in model.inputs][2:] == ["state_h_0_fw", "state_c_0_fw",
                                                  "state_h_0_bw", "state_c_0_bw"]
    got = [keras.ops.convert_to_numpy(t) for t in model([own["inputs"], own["lengths"], *own["states"]])]
    np.testing.assert_allclose(got[0], own["outputs"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.stack(got[1:]), own["finals"], rtol=1e-5, atol=1e-5)
    states = list(own["states"])
    assert_same_outputs(str(session), model, own["inputs"], lengths=own["lengths"], states=states)
    x, n, h_fw, c_fw, h_bw, c_bw = model.inputs  # a port whose backward direction starts at zero
    zero_bw = keras.Model(model.inputs, model([x, n, h_fw, c_fw, h_bw * 0.0, c_bw * 0.0]))
    message = failure(session, zero_bw, own["inputs"], lengths=own["lengths"], states=states)
    assert "final state 2" in message and "final state 0" not in message, message

"""TF 0.x names that ``legacy-run`` runs as their TensorFlow 1.0 replacement: the data.

The tables below are TensorFlow 1.0's own upgrade script,
``tensorflow/tools/compatibility/tf_upgrade.py`` (the TF 1.0 release's standalone version;
its ``APIChangeSpec``: ``function_renames``, ``function_keyword_renames``,
``function_reorders`` and the special case ``tf.reverse``), kept as data. Where this
module goes beyond the script, the entry says so and why.

- :data:`RENAMES`: old name -> TF1 name. A name still present in ``tf.compat.v1``
  (``tf.initialize_all_variables``, ``tf.all_variables``, ...) is not aliased: it runs as
  it is. A name whose target is gone too stays an error (:data:`NOT_ALIASED`).
- :data:`KEYWORD_RENAMES`: old keyword -> new keyword, applied to an aliased or reordered
  call when the TF1 function no longer takes the old keyword (``tf.compat.v1`` still takes
  ``reduction_indices``, ``keep_dims``, ``dim``, ... so most need nothing).
- :data:`REORDERS`: the positional order of TF 0.x for the functions whose arguments TF 1.0
  reordered; :mod:`parity.tf1_shim.reorders` decides from the arguments' types whether
  a call uses the old order.
- :data:`NOT_ALIASED`: what the script changes that the runner does not alias, and why.

``parity migrate`` style tools can read these tables; the runner's own use is in
:mod:`parity.tf1_shim.reorders` and :class:`parity.tf1_shim.modules.Namespace`.
"""

from __future__ import annotations

# --- function_renames of tf_upgrade.py (TF 1.0), in its order --------------------------
RENAMES: dict[str, str] = {
    "tf.inv": "tf.reciprocal",
    "tf.contrib.deprecated.scalar_summary": "tf.summary.scalar",
    "tf.contrib.deprecated.histogram_summary": "tf.summary.histogram",
    "tf.listdiff": "tf.setdiff1d",
    "tf.list_diff": "tf.setdiff1d",
    "tf.mul": "tf.multiply",
    "tf.neg": "tf.negative",
    "tf.sub": "tf.subtract",
    "tf.train.SummaryWriter": "tf.summary.FileWriter",
    "tf.scalar_summary": "tf.summary.scalar",
    "tf.histogram_summary": "tf.summary.histogram",
    "tf.audio_summary": "tf.summary.audio",
    "tf.image_summary": "tf.summary.image",
    "tf.merge_summary": "tf.summary.merge",
    "tf.merge_all_summaries": "tf.summary.merge_all",
    "tf.image.per_image_whitening": "tf.image.per_image_standardization",
    "tf.all_variables": "tf.global_variables",
    "tf.VARIABLES": "tf.GLOBAL_VARIABLES",
    "tf.initialize_all_variables": "tf.global_variables_initializer",
    "tf.initialize_variables": "tf.variables_initializer",
    "tf.initialize_local_variables": "tf.local_variables_initializer",
    "tf.batch_matrix_diag": "tf.matrix_diag",
    "tf.batch_band_part": "tf.band_part",
    "tf.batch_set_diag": "tf.set_diag",
    "tf.batch_matrix_transpose": "tf.matrix_transpose",
    "tf.batch_matrix_determinant": "tf.matrix_determinant",
    "tf.batch_matrix_inverse": "tf.matrix_inverse",
    "tf.batch_cholesky": "tf.cholesky",
    "tf.batch_cholesky_solve": "tf.cholesky_solve",
    "tf.batch_matrix_solve": "tf.matrix_solve",
    "tf.batch_matrix_triangular_solve": "tf.matrix_triangular_solve",
    "tf.batch_matrix_solve_ls": "tf.matrix_solve_ls",
    "tf.batch_self_adjoint_eig": "tf.self_adjoint_eig",
    "tf.batch_self_adjoint_eigvals": "tf.self_adjoint_eigvals",
    "tf.batch_svd": "tf.svd",
    "tf.batch_fft": "tf.fft",
    "tf.batch_ifft": "tf.ifft",
    "tf.batch_fft2d": "tf.fft2d",
    "tf.batch_ifft2d": "tf.ifft2d",
    "tf.batch_fft3d": "tf.fft3d",
    "tf.batch_ifft3d": "tf.ifft3d",
    "tf.select": "tf.where",
    "tf.complex_abs": "tf.abs",
    "tf.batch_matmul": "tf.matmul",
    "tf.pack": "tf.stack",
    "tf.unpack": "tf.unstack",
}

# Two targets of the script that TensorFlow 1.0 itself spelled otherwise (there never was a
# tf.band_part or tf.set_diag): the functions the script meant.
TARGET_FIXES: dict[str, str] = {
    "tf.band_part": "tf.matrix_band_part",
    "tf.set_diag": "tf.matrix_set_diag",
}

# --- TF 1.0's moves of the RNN functions ------------------------------------------------
# Not in tf_upgrade.py (its table has no tf.nn.rnn): TF 1.0's release notes moved
# tf.nn.rnn & co. to tf.contrib.rnn as static_* (back in tf.nn from TF 1.2) and tf.nn.seq2seq
# to tf.contrib.legacy_seq2seq, with the same arguments. The same names on TensorFlow's own
# module (``from tensorflow.python.ops import rnn; rnn.rnn(...)``) are aliased as well.
RNN_MOVES: dict[str, str] = {
    "tf.nn.rnn": "tf.nn.static_rnn",
    "tf.nn.bidirectional_rnn": "tf.nn.static_bidirectional_rnn",
    "tf.nn.state_saving_rnn": "tf.nn.static_state_saving_rnn",
    "tf.nn.seq2seq": "tf.contrib.legacy_seq2seq",
}
OPS_RNN_MOVES: dict[str, str] = {
    "rnn": "static_rnn",
    "bidirectional_rnn": "static_bidirectional_rnn",
    "state_saving_rnn": "static_state_saving_rnn",
}

# --- function_keyword_renames of tf_upgrade.py, the ones tf.compat.v1 no longer takes ----
# (the others: reduction_indices, dim, dimension, squeeze_dims, seq_dim/batch_dim,
# reduction_axes, sparse concat_dim/split_dim are still accepted by tf.compat.v1).
# batch_matmul's adj_x/adj_y are from the later revision of the script. The last three
# entries are beyond the script: TF 0.12's keyword names of functions the script renames
# (image_summary's max_images, listdiff's out_idx, sigmoid_cross_entropy_with_logits's
# targets), which the renamed TF1 functions call otherwise.
KEYWORD_RENAMES: dict[str, dict[str, str]] = {
    "tf.concat": {"concat_dim": "axis"},
    "tf.split": {"split_dim": "axis", "num_split": "num_or_size_splits"},
    "tf.batch_matmul": {"adj_x": "adjoint_a", "adj_y": "adjoint_b"},
    "tf.image_summary": {"max_images": "max_outputs"},
    "tf.listdiff": {"out_idx": "index_dtype"},
    "tf.list_diff": {"out_idx": "index_dtype"},
    "tf.nn.sigmoid_cross_entropy_with_logits": {"targets": "labels"},
}

# --- function_reorders of tf_upgrade.py: the TF 0.x positional order ---------------------
# (the script lists the old order and turns positional arguments into these keywords).
REORDERS: dict[str, list[str]] = {
    "tf.split": ["axis", "num_or_size_splits", "value", "name"],
    "tf.sparse_split": ["axis", "num_or_size_splits", "value", "name"],
    "tf.concat": ["concat_dim", "values", "name"],
    "tf.svd": ["tensor", "compute_uv", "full_matrices", "name"],
    "tf.nn.softmax_cross_entropy_with_logits": ["logits", "labels", "dim", "name"],
    "tf.nn.sparse_softmax_cross_entropy_with_logits": ["logits", "labels", "name"],
    "tf.nn.sigmoid_cross_entropy_with_logits": ["logits", "labels", "name"],
    # from a later revision of the script; tf.compat.v1 still has tf.op_scope with its
    # TF 0.x order, so it runs as it is
    "tf.op_scope": ["values", "name", "default_name"],
}

# The TF 0.x and TF1 forms of each, as the notes and one-line errors spell them.
TF0_ORDER: dict[str, str] = {
    "tf.split": "tf.split(split_dim, num_split, value)",
    "tf.sparse_split": "tf.sparse_split(split_dim, num_split, sp_input)",
    "tf.concat": "tf.concat(concat_dim, values)",
    "tf.svd": "tf.svd(tensor, compute_uv, full_matrices)",
    "tf.nn.softmax_cross_entropy_with_logits":
        "tf.nn.softmax_cross_entropy_with_logits(logits, labels)",
    "tf.nn.sparse_softmax_cross_entropy_with_logits":
        "tf.nn.sparse_softmax_cross_entropy_with_logits(logits, labels)",
    "tf.nn.sigmoid_cross_entropy_with_logits":
        "tf.nn.sigmoid_cross_entropy_with_logits(logits, targets)",
    "tf.op_scope": "tf.op_scope(values, name, default_name)",
    "tf.reverse": "tf.reverse(tensor, dims) with one bool per dimension",
}

# The TF1 order of each, as the one-line errors name it.
TF1_ORDER: dict[str, str] = {
    "tf.split": "tf.split(value, num_or_size_splits, axis=0)",
    "tf.sparse_split": "tf.sparse_split(sp_input=..., num_split=..., axis=...)",
    "tf.concat": "tf.concat(values, axis)",
    "tf.svd": "tf.svd(tensor, full_matrices=False, compute_uv=True)",
    "tf.nn.softmax_cross_entropy_with_logits":
        "tf.nn.softmax_cross_entropy_with_logits(labels=..., logits=...)",
    "tf.nn.sparse_softmax_cross_entropy_with_logits":
        "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=..., logits=...)",
    "tf.nn.sigmoid_cross_entropy_with_logits":
        "tf.nn.sigmoid_cross_entropy_with_logits(labels=..., logits=...)",
    "tf.op_scope": "tf.name_scope(name, default_name=None, values=None)",
    "tf.reverse": "tf.reverse(tensor, axis) with axis a list of dimension indices",
}

# tf_upgrade.py's function_handle: tf.reverse(tensor, dims) took one bool per dimension in
# TF 0.x and takes the indices of the reversed axes in TF 1.0 (the script only flags it).
# The runner converts a list of Python bools (the old form, certain by its type).
REVERSE = "tf.reverse"

# --- what the script changes that the runner does not alias, and why -----------------
NOT_ALIASED: dict[str, str] = {
    "tf.VARIABLES": "tf.GraphKeys.VARIABLES (the script's tf.VARIABLES/tf.GLOBAL_VARIABLES "
    "never existed); tf.GraphKeys.VARIABLES still works in tf.compat.v1",
    "tf.ones_initializer": "the script's change_to_function: a class in TF 1.0; "
    "get_variable(initializer=tf.ones_initializer) still works (TF1 instantiates the class), "
    "tf.ones_initializer(shape) does not: write tf.ones_initializer()(shape)",
    "tf.zeros_initializer": "the script's change_to_function: a class in TF 1.0; "
    "get_variable(initializer=tf.zeros_initializer) still works (TF1 instantiates the class), "
    "tf.zeros_initializer(shape) does not: write tf.zeros_initializer()(shape)",
}

# Names of the tables above that TF 2's tf.compat.v1 still has: they are not aliases, they
# run as they are (with TensorFlow's deprecation warning, hidden unless --tf-warnings).
STILL_IN_V1 = (
    "tf.all_variables",
    "tf.initialize_all_variables",
    "tf.initialize_variables",
    "tf.initialize_local_variables",
    "tf.op_scope",
)


def renames() -> dict[str, str]:
    """Every aliased name -> its TF1 name (targets fixed), the script's and the RNN moves."""
    table = {
        old: TARGET_FIXES.get(new, new)
        for old, new in RENAMES.items()
        if old not in STILL_IN_V1 and old not in NOT_ALIASED
    }
    table.update(RNN_MOVES)
    return table


ALIASES: dict[str, str] = renames()

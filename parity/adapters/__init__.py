"""The harness's side of each example: what only the parity checks need.

An example module (``legacy_graph/<id>.py``, ``eager_port/<id>.py``,
``reference_programs/<id>.py``) reads like its article: data, model, training loop,
evaluation. The adapter of the same name here runs those pieces the way the harness needs
them and exposes the contract that the runner, the report, ``convert`` and the tests call:

    train(config, *, verbose=True, checkpoint_path=None) -> parity.result.RunResult
    predict(weights, inputs, config) -> np.ndarray          # outputs from given weights
    train_step(weights, batch, config) -> dict              # weights after ONE optimizer step
    build_model(config) -> keras.Model                      # ports only

(exact step budgets, weight dictionaries, result records, checkpoints). ``parity diff``
compares the example modules, never these.
"""

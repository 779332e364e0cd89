"""SeriesPredictor: a BasicLSTMCell + dynamic_rnn regressor saved and restored with a Saver.

Source: Nishant Shukla, *Machine Learning with TensorFlow*, the "Recurrent Neural
Networks" chapter (seeds/003). A ``SeriesPredictor`` class learns ``y_t = x_t + x_{t-1}``
on three toy sequences: ``BasicLSTMCell(10)`` + ``tf.nn.dynamic_rnn``, an output weight
``W_out`` tiled over the batch and ``matmul``ed with every step's output, plus ``b_out``,
squeezed; mean squared error; ``AdamOptimizer()``; 1,000 iterations on the whole training
set; ``train()`` saves a ``tf.train.Saver`` checkpoint, ``test()`` restores it in a new
session and predicts the two test sequences (expected ``[1, 3, 5, 7]`` and ``[4, 9, 11, 13]``).

Defects of the article's code:

1. ``test()`` calls ``model()`` again, which builds a second ``BasicLSTMCell`` in the same
   graph; its variables collide with the first cell's ("Variable rnn/basic_lstm_cell/kernel
   already exists"). The article papers over it with ``tf.get_variable_scope()
   .reuse_variables()`` in both ``train()`` and ``test()``, which flips the root scope to
   reuse for the rest of the graph's life (and does nothing useful in ``train()``).
   **Fixed here**: the cell takes its ``reuse`` flag from the enclosing scope and ``test()``
   enters an explicit ``reuse=True`` scope, so the graph holds exactly one set of LSTM
   variables and the restored values are the ones predicting.
2. ``saver.save(sess, 'model.ckpt')`` writes into the current directory and
   ``restore(sess, './model.ckpt')`` reads from it.
3. ``tf.squeeze(out)`` squeezes every size-1 axis: with a batch of one sequence the
   output loses its batch axis (the cost still broadcasts, so it runs).

Deviations:

- The checkpoint goes to ``config.checkpoint_dir`` (or ``checkpoint_path``; ``None``: a
  fresh temporary directory, removed when ``train`` returns), is written under a temporary
  name and then renamed, and a missing or corrupt checkpoint raises one clear line naming
  the path.
- The training data and step count come from ``datasets.series_toy`` and the config.
- ``predict()`` restores the batch axis that defect 3 can drop.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time

import numpy as np

from datasets.series_toy import TEST_X, TEST_Y, TRAIN_X, TRAIN_Y
from hyperparams import SeriesPredictorConfig
from parity import tf1_weights
from parity.result import RunResult
from parity.tf1_weights import variables_to_numpy
from tf1_compat.runtime import progress_bar, set_seed, tf1

tf = tf1()

CHECKPOINT_NAME = "model.ckpt"


class SeriesPredictor:
    def __init__(self, input_dim, seq_size, hidden_dim=10, seed=0):
        self.input_dim = input_dim
        self.seq_size = seq_size
        self.hidden_dim = hidden_dim
        # Deviation: a graph of its own (the article used the default graph).
        set_seed(seed)
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(seed)
            self.W_out = tf.Variable(tf.random_normal([hidden_dim, 1]), name="W_out")
            self.b_out = tf.Variable(tf.random_normal([1]), name="b_out")
            self.x = tf.placeholder(tf.float32, [None, seq_size, input_dim])
            self.y = tf.placeholder(tf.float32, [None, seq_size])
            self.output = self.model()
            self.cost = tf.reduce_mean(tf.square(self.output - self.y))
            self.train_op = tf.train.AdamOptimizer().minimize(self.cost)
            self.saver = tf.train.Saver()

    def model(self):
        # Defect 1, fixed: reuse the enclosing scope's variables when asked to.
        cell = tf.nn.rnn_cell.BasicLSTMCell(self.hidden_dim, reuse=tf.get_variable_scope().reuse)
        outputs, states = tf.nn.dynamic_rnn(cell, self.x, dtype=tf.float32)
        num_examples = tf.shape(self.x)[0]
        W_repeated = tf.tile(tf.expand_dims(self.W_out, 0), [num_examples, 1, 1])
        out = tf.matmul(outputs, W_repeated) + self.b_out
        out = tf.squeeze(out)  # defect 3: a batch of one loses its batch axis
        return out

    def train(self, train_x, train_y, steps=1000, checkpoint_path=None, log_every=100,
              verbose=True):
        """Train on the whole set ``steps`` times; save the checkpoint; return the loss history."""
        history = []
        bar = progress_bar(steps, verbose)
        with tf.Session(graph=self.graph) as sess:
            sess.run(tf.global_variables_initializer())
            # sess.run's fetches and feeds, parsed once instead of at every step (same graph)
            train_step = sess.make_callable([self.train_op, self.cost], [self.x, self.y])
            for i in range(steps):
                _, mse = train_step(train_x, train_y)
                if i % log_every == 0:
                    history.append((i, float(mse)))
                    if verbose:
                        print(i, mse)
                if bar is not None:
                    bar.update(i + 1, values=[("loss", float(mse))])
            if checkpoint_path is not None:
                save_path = save_checkpoint(self.saver, sess, checkpoint_path)
                if verbose:
                    print(f"Model saved to {save_path}")
        return history

    def test(self, test_x, checkpoint_path):
        """Restore the checkpoint in a new session and predict ``test_x``."""
        with tf.Session(graph=self.graph) as sess:
            restore_checkpoint(self.saver, sess, checkpoint_path)
            with self.graph.as_default(), tf.variable_scope(tf.get_variable_scope(), reuse=True):
                output = self.model()  # the article rebuilds the model here (defect 1)
            return sess.run(output, feed_dict={self.x: test_x})

    def weights(self, checkpoint_path):
        """The model's trainable variables, read from a checkpoint."""
        with tf.Session(graph=self.graph) as sess:
            restore_checkpoint(self.saver, sess, checkpoint_path)
            return variables_to_numpy(sess, self.graph.get_collection(
                tf.GraphKeys.TRAINABLE_VARIABLES))


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(saver, sess, path) -> str:
    """``saver.save`` into a temporary folder, then moved into place (index last)."""
    return tf1_weights.save_checkpoint(sess, path, saver, write_meta_graph=False)


def restore_checkpoint(saver, sess, path) -> None:
    """``saver.restore`` with one clear line for a missing or unreadable checkpoint."""
    path = os.fspath(path)
    if not os.path.exists(path + ".index"):
        raise FileNotFoundError(f"no TF1 checkpoint at {path} (expected {path}.index)")
    try:
        tf.train.load_checkpoint(path)  # reads the index: a clean message when it is damaged
        saver.restore(sess, path)
    except (tf.errors.OpError, ValueError) as e:
        lines = (getattr(e, "message", None) or str(e)).strip().splitlines()
        reason = next((ln for ln in lines if ln and "Graph execution error" not in ln), "")
        raise ValueError(f"cannot restore TF1 checkpoint {path}: {reason.strip()}") from None


@contextlib.contextmanager
def checkpoint_path_for(config: SeriesPredictorConfig, checkpoint_path=None):
    """Where ``train`` saves: ``checkpoint_path``, else ``config.checkpoint_dir``/model.ckpt,
    else a fresh temporary directory (never the current directory), removed afterwards."""
    if checkpoint_path is not None:
        yield os.fspath(checkpoint_path)
    elif config.checkpoint_dir:
        yield os.path.join(config.checkpoint_dir, CHECKPOINT_NAME)
    else:
        with tempfile.TemporaryDirectory(prefix="series_predictor_legacy_") as directory:
            yield os.path.join(directory, CHECKPOINT_NAME)


# ---------------------------------------------------------------- the contract

def train(config=SeriesPredictorConfig(), *, verbose=True, checkpoint_path=None) -> RunResult:
    """Train, save, restore in a new session, predict the test sequences (metric: test MSE)."""
    start = time.perf_counter()
    kept = checkpoint_path is not None or bool(config.checkpoint_dir)
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with checkpoint_path_for(config, checkpoint_path) as path:
        history = predictor.train(TRAIN_X, TRAIN_Y, config.steps, path, config.log_every, verbose)
        predictions = predictor.test(TEST_X, path).reshape(TEST_Y.shape)
        weights = predictor.weights(path)
    if verbose:
        print(predictions)
    seconds = time.perf_counter() - start
    return RunResult(
        example="series_predictor", impl="legacy", metric="test_mse",
        value=float(np.mean((predictions - TEST_Y) ** 2)), higher_is_better=False,
        steps=config.steps, seconds=seconds, loss_history=history, weights=weights,
        # the checkpoint's path when it outlives the run (a temporary one is gone by now)
        extras={"predictions": predictions, "checkpoint": path if kept else None},
    )


def _assign(predictor: SeriesPredictor, sess, weights: dict) -> None:
    variables = predictor.graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
    from parity.transplant import check_names

    check_names(weights, {v.name.split(":")[0]: v.shape.as_list() for v in variables},
                "series_predictor legacy weights")
    for v in variables:
        v.load(np.asarray(weights[v.name.split(":")[0]], dtype=np.float32), sess)


def predict(weights, inputs, config=SeriesPredictorConfig()) -> np.ndarray:
    """Model outputs [batch, seq_size] for ``inputs`` [batch, seq_size, input_dim]."""
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with tf.Session(graph=predictor.graph) as sess:
        sess.run(tf.global_variables_initializer())
        _assign(predictor, sess, weights)
        out = sess.run(predictor.output, feed_dict={predictor.x: inputs})
    return out.reshape(len(inputs), config.seq_size)


def train_step(weights, batch, config=SeriesPredictorConfig()) -> dict:
    """The trainable variables after one ``AdamOptimizer()`` step on ``batch = (x, y)``."""
    x, y = batch
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with tf.Session(graph=predictor.graph) as sess:
        sess.run(tf.global_variables_initializer())
        _assign(predictor, sess, weights)
        sess.run(predictor.train_op, feed_dict={predictor.x: x, predictor.y: y})
        return variables_to_numpy(sess, predictor.graph.get_collection(
            tf.GraphKeys.TRAINABLE_VARIABLES))


if __name__ == "__main__":
    train()

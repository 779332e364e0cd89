"""SeriesPredictor: a BasicLSTMCell + dynamic_rnn regressor saved and restored with a Saver.

Source: Nishant Shukla, *Machine Learning with TensorFlow*, the "Recurrent Neural
Networks" chapter (in Chinese translation on the Alibaba Cloud Yunqi community). A ``SeriesPredictor`` class learns ``y_t = x_t + x_{t-1}``
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

- The checkpoint goes to ``config.checkpoint_dir`` (``None``: a fresh temporary directory,
  removed when the program ends; never the current directory), is written under a
  temporary name and then renamed, and a missing or corrupt checkpoint raises one clear
  line naming the path.
- The training data and step count come from ``datasets.series_toy`` and the config.
- Run as a script, it prints the test MSE last (``test loss (MSE): ...``), the metric
  ``parity check`` and ``migrate --write``'s generated port compare; the article printed none.
- The program is cut into the article's parts (the ``SeriesPredictor`` class, its
  ``train`` and ``test``, the test MSE) so that the parity harness can run the same parts
  and read the restored weights (``parity/adapters/legacy/series_predictor.py``, which
  also restores the batch axis that defect 3 can drop when it predicts).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import numpy as np

from datasets.series_toy import TEST_X, TEST_Y, TRAIN_X, TRAIN_Y
from hyperparams import SeriesPredictorConfig
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
              verbose=True, announce_path=True):
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
                    print(f"Model saved to {save_path}" if announce_path else
                          "Model saved to a temporary folder, removed at the end "
                          "(set checkpoint_dir to keep it)")
        return history

    def test(self, test_x, checkpoint_path):
        """Restore the checkpoint in a new session and predict ``test_x``."""
        with tf.Session(graph=self.graph) as sess:
            restore_checkpoint(self.saver, sess, checkpoint_path)
            with self.graph.as_default(), tf.variable_scope(tf.get_variable_scope(), reuse=True):
                output = self.model()  # the article rebuilds the model here (defect 1)
            return sess.run(output, feed_dict={self.x: test_x})


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(saver, sess, path) -> str:
    """``saver.save(sess, path)``, written into a temporary folder next to ``path`` and then
    moved into place, data first and the index (which makes it loadable) last: an
    interrupted save never leaves a half-written checkpoint. Returns the absolute prefix."""
    prefix = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(prefix)
    os.makedirs(folder, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", dir=folder)
    try:
        saver.save(sess, os.path.join(tmp, name), write_meta_graph=False, write_state=False)
        for file in sorted(os.listdir(tmp), key=lambda f: f.endswith(".index")):
            os.replace(os.path.join(tmp, file), os.path.join(folder, file))
        tf.train.update_checkpoint_state(folder, name)  # relative: the folder can move
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return prefix


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
def checkpoint_path_for(config: SeriesPredictorConfig):
    """Where ``train`` saves: ``config.checkpoint_dir``/model.ckpt, else a fresh temporary
    directory (never the current directory, where the article saved), removed afterwards."""
    if config.checkpoint_dir:
        yield os.path.join(config.checkpoint_dir, CHECKPOINT_NAME)
    else:
        with tempfile.TemporaryDirectory(prefix="series_predictor_legacy_") as directory:
            yield os.path.join(directory, CHECKPOINT_NAME)


# ---------------------------------------------------------------- the program

def evaluate(predictions, *, verbose=True) -> float:
    """Print the predicted test sequences (the article's last line); their mean squared error."""
    if verbose:
        print(predictions)
    return float(np.mean((predictions - TEST_Y) ** 2))


def train(config=SeriesPredictorConfig(), *, verbose=True) -> float:
    """The article's program: train and save, restore in a new session and predict the test
    sequences; returns their mean squared error."""
    predictor = SeriesPredictor(config.input_dim, config.seq_size, config.hidden_dim, config.seed)
    with checkpoint_path_for(config) as path:
        predictor.train(TRAIN_X, TRAIN_Y, config.steps, path, config.log_every,
                        verbose, announce_path=bool(config.checkpoint_dir))
        predictions = predictor.test(TEST_X, path).reshape(TEST_Y.shape)
    return evaluate(predictions, verbose=verbose)


if __name__ == "__main__":
    import sys

    # python legacy_graph/series_predictor.py [STEPS]: another budget (parity check --steps N)
    mse = train(SeriesPredictorConfig(steps=int(sys.argv[1])) if len(sys.argv) > 1 else SeriesPredictorConfig())
    print(f"test loss (MSE): {mse:.6f}")  # deviation: the metric, for parity check

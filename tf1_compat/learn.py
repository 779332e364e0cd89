"""The two parts of ``tf.contrib.learn`` that text-RNN and MNIST tutorials use without its
Estimators: data loading and ``VocabularyProcessor``.

- ``tf.contrib.learn.datasets.load_dataset("mnist")``, ``datasets.mnist.load_mnist()`` /
  ``read_data_sets()`` (also as ``tensorflow.contrib.learn.python.learn.datasets.mnist``):
  MNIST read by :mod:`datasets.mnist` like ``input_data`` (:mod:`.input_data`): full MNIST
  when the folder or ``$PARITY_MNIST_DIR`` holds it, the shipped 10,000-digit sample
  otherwise, said on stderr; nothing is downloaded. The other datasets of ``load_dataset``
  (iris, boston, dbpedia) are not shipped: one line names where to get them.
- ``tf.contrib.learn.preprocessing.VocabularyProcessor`` and ``CategoricalVocabulary``
  with TF 1.x's behaviour: documents are split into words by the same rule, id 0 is the
  unknown word and the padding, the other ids follow the order in which words are first
  seen (by frequency, when ``min_frequency`` trims the rare ones), ``transform`` yields one
  ``int64`` array of ``max_document_length`` ids per document, ``save``/``restore`` pickle
  the processor. The classes carry TF 1.x's module, class and attribute names, so that a
  pickle names the same objects under TensorFlow 1.x and here.

Everything else of ``tf.contrib.learn`` (Estimators, ``SKCompat``, ``Experiment``, ...)
and ``tf.estimator`` stay refused with their one-line error.
"""

from __future__ import annotations

import collections
import pickle
import re

from tf1_compat.modules import LegacyCallError, ShimModule

TEXT_MODULE = "tensorflow.contrib.learn.python.learn.preprocessing.text"
VOCABULARY_MODULE = "tensorflow.contrib.learn.python.learn.preprocessing.categorical_vocabulary"

# TF 1.x's word rule: a run of capitals not followed by a lower-case letter ("NASA"), a
# capitalised word followed by another capital ("Camel" of "CamelCase"), or a run of word
# characters, apostrophes and hyphens.
TOKENIZER_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+(?=[A-Z])|[\'\w\-]+", re.UNICODE)


def tokenizer(iterator):
    """One list of words per document of ``iterator``."""
    for value in iterator:
        yield TOKENIZER_RE.findall(value)


class CategoricalVocabulary:
    """Words <-> ids; id 0 is ``unknown_token``. Not frozen, an unseen word gets the next id;
    frozen, it gets 0."""

    def __init__(self, unknown_token="<UNK>", support_reverse=True):
        self._unknown_token = unknown_token
        self._mapping = {unknown_token: 0}
        self._support_reverse = support_reverse
        if support_reverse:
            self._reverse_mapping = [unknown_token]
        self._freq = collections.defaultdict(int)
        self._freeze = False

    def __len__(self):
        return len(self._mapping)

    def freeze(self, freeze=True):
        self._freeze = freeze

    def get(self, category):
        """The id of ``category`` (adding it, unless frozen)."""
        if category in self._mapping:
            return self._mapping[category]
        if self._freeze:
            return 0
        self._mapping[category] = len(self._mapping)
        if self._support_reverse:
            self._reverse_mapping.append(category)
        return self._mapping[category]

    def add(self, category, count=1):
        """Count ``count`` more occurrences of ``category`` (added if new and not frozen)."""
        if self.get(category) > 0:
            self._freq[category] += count

    def trim(self, min_frequency, max_frequency=-1):
        """Keep the words seen more than ``min_frequency`` times (and fewer than
        ``max_frequency`` when it is > 0), renumbered by falling count, ties alphabetical."""
        ranked = sorted(sorted(self._freq.items(), key=lambda kv: (isinstance(kv[0], str), kv[0])),
                        key=lambda kv: kv[1], reverse=True)
        self._mapping = {self._unknown_token: 0}
        if self._support_reverse:
            self._reverse_mapping = [self._unknown_token]
        kept = []
        for category, count in ranked:
            if max_frequency > 0 and count >= max_frequency:
                continue
            if count <= min_frequency:
                break
            self._mapping[category] = len(self._mapping)
            if self._support_reverse:
                self._reverse_mapping.append(category)
            kept.append((category, count))
        self._freq = dict(kept)

    def reverse(self, class_id):
        if not self._support_reverse:
            raise ValueError("This vocabulary wasn't initialized with support_reverse to "
                             "support reverse() function.")
        return self._reverse_mapping[class_id]


class VocabularyProcessor:
    """Documents -> fixed-length arrays of word ids (``tf.contrib.learn.preprocessing``)."""

    def __init__(self, max_document_length, min_frequency=0, vocabulary=None,
                 tokenizer_fn=None):
        self.max_document_length = max_document_length
        self.min_frequency = min_frequency
        self.vocabulary_ = vocabulary if vocabulary else CategoricalVocabulary()
        self._tokenizer = tokenizer_fn if tokenizer_fn else tokenizer

    def fit(self, raw_documents, unused_y=None):
        for tokens in self._tokenizer(raw_documents):
            for token in tokens:
                self.vocabulary_.add(token)
        if self.min_frequency > 0:
            self.vocabulary_.trim(self.min_frequency)
        self.vocabulary_.freeze()
        return self

    def fit_transform(self, raw_documents, unused_y=None):
        raw_documents = list(raw_documents)  # read twice (TF 1.x needed a list too)
        self.fit(raw_documents)
        return self.transform(raw_documents)

    def transform(self, raw_documents):
        import numpy as np

        for tokens in self._tokenizer(raw_documents):
            word_ids = np.zeros(self.max_document_length, np.int64)
            for idx, token in enumerate(tokens[: self.max_document_length]):
                word_ids[idx] = self.vocabulary_.get(token)
            yield word_ids

    def reverse(self, documents):
        for item in documents:
            yield " ".join(self.vocabulary_.reverse(class_id) for class_id in item)

    def save(self, filename):
        """Pickle this processor to ``filename`` (via a temporary file, then renamed)."""
        _write_atomic(filename, pickle.dumps(self))

    @classmethod
    def restore(cls, filename):
        with open(filename, "rb") as f:
            return pickle.loads(f.read())


def _write_atomic(filename, data: bytes) -> None:
    """``data`` into ``filename`` through a temporary file in its folder, then renamed (an
    interrupted save leaves the old file as it was)."""
    import os
    import tempfile

    folder = os.path.dirname(os.path.abspath(filename))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(filename)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            mask = os.umask(0o022)
            os.umask(mask)
            os.fchmod(f.fileno(), 0o666 & ~mask)
        os.replace(tmp, filename)
    except BaseException:
        os.unlink(tmp)
        raise


# TF 1.x's module names, for pickles (see the module doc)
tokenizer.__module__ = TEXT_MODULE
VocabularyProcessor.__module__ = TEXT_MODULE
CategoricalVocabulary.__module__ = VOCABULARY_MODULE


# ---------------------------------------------------------------------------- datasets
MNIST_DEFAULT_DIR = "MNIST-data"  # load_mnist's folder in TF 1.x
NOT_SHIPPED = {
    "iris": "sklearn.datasets.load_iris",
    "boston": "keras.datasets.boston_housing.load_data",
    "dbpedia": "the DBpedia ontology dataset (dbpedia_csv) read with csv",
}


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=None, reshape=True,
                   validation_size=None, seed=None, source_url=None):
    """``datasets.mnist.read_data_sets``: as ``input_data.read_data_sets`` (the validation
    split: TF 1.x's 5,000 images of full MNIST, 1,000 of the shipped sample, unless given)."""
    from tf1_compat import input_data

    kwargs = {} if validation_size is None else {"validation_size": validation_size}
    return input_data.read_data_sets(train_dir, fake_data=fake_data, one_hot=one_hot,
                                     dtype=dtype, reshape=reshape, seed=seed, **kwargs)


def load_mnist(train_dir=MNIST_DEFAULT_DIR):
    return read_data_sets(train_dir)


def load_dataset(name, size="small", test_with_fake_data=False):
    """``tf.contrib.learn.datasets.load_dataset``: ``"mnist"`` is read (see the module doc)."""
    if name == "mnist":
        return load_mnist()
    if name in NOT_SHIPPED:
        raise LegacyCallError(
            "tf.contrib.learn.datasets.load_dataset",
            f"tf.contrib.learn.datasets.load_dataset({name!r}): `parity legacy-run` ships only "
            f"MNIST and downloads nothing; use instead: {NOT_SHIPPED[name]}",
        )
    raise ValueError("Name of dataset is not recognized: " + str(name))


def _datasets_tuple():
    from datasets.mnist import Datasets

    return Datasets


def build_modules() -> dict:
    """``{module name: ShimModule}`` for ``tensorflow.contrib.learn`` and the TF 1.x module
    paths of what it provides."""

    def mnist_attr(name):
        return lambda: getattr(__import__("datasets.mnist", fromlist=[name]), name)

    mnist = ShimModule(
        "tensorflow.contrib.learn.python.learn.datasets.mnist",
        "tf.contrib.learn's MNIST, read from the shipped data (parity legacy-run)",
        {
            "read_data_sets": lambda: read_data_sets,
            "load_mnist": lambda: load_mnist,
            "DataSet": mnist_attr("DataSet"),
            "dense_to_one_hot": mnist_attr("dense_to_one_hot"),
        },
    )
    base = ShimModule(
        "tensorflow.contrib.learn.python.learn.datasets.base",
        "tf.contrib.learn's datasets.base: Datasets (parity legacy-run)",
        {"Datasets": _datasets_tuple},
    )
    datasets = ShimModule(
        "tensorflow.contrib.learn.python.learn.datasets",
        "tf.contrib.learn.datasets: load_dataset('mnist') (parity legacy-run)",
        {"load_dataset": lambda: load_dataset, "mnist": lambda: mnist, "base": lambda: base},
        package=True,
    )
    text = ShimModule(
        TEXT_MODULE,
        "VocabularyProcessor of tf.contrib.learn (parity legacy-run)",
        {
            "VocabularyProcessor": lambda: VocabularyProcessor,
            "tokenizer": lambda: tokenizer,
            "TOKENIZER_RE": lambda: TOKENIZER_RE,
            "CategoricalVocabulary": lambda: CategoricalVocabulary,
        },
    )
    vocabulary = ShimModule(
        VOCABULARY_MODULE,
        "CategoricalVocabulary of tf.contrib.learn (parity legacy-run)",
        {"CategoricalVocabulary": lambda: CategoricalVocabulary},
    )
    preprocessing = ShimModule(
        "tensorflow.contrib.learn.python.learn.preprocessing",
        "tf.contrib.learn.preprocessing: VocabularyProcessor (parity legacy-run)",
        {
            "VocabularyProcessor": lambda: VocabularyProcessor,
            "CategoricalVocabulary": lambda: CategoricalVocabulary,
            "tokenizer": lambda: tokenizer,
            "text": lambda: text,
            "categorical_vocabulary": lambda: vocabulary,
        },
        package=True,
    )
    learn_inner = ShimModule(
        "tensorflow.contrib.learn.python.learn",
        "tf.contrib.learn: datasets and preprocessing only (parity legacy-run)",
        {"datasets": lambda: datasets, "preprocessing": lambda: preprocessing},
        package=True,
    )
    python = ShimModule(
        "tensorflow.contrib.learn.python",
        "tf.contrib.learn: datasets and preprocessing only (parity legacy-run)",
        {"learn": lambda: learn_inner},
        package=True,
    )
    learn = ShimModule(
        "tensorflow.contrib.learn",
        "tf.contrib.learn: datasets and preprocessing only; Estimators are refused "
        "(parity legacy-run)",
        {"datasets": lambda: datasets, "preprocessing": lambda: preprocessing,
         "python": lambda: python},
        package=True,
    )
    modules = {m.__name__: m for m in (learn, python, learn_inner, datasets, mnist, base,
                                       preprocessing, text, vocabulary)}
    # the short spellings of the same modules
    modules["tensorflow.contrib.learn.datasets"] = datasets
    modules["tensorflow.contrib.learn.datasets.mnist"] = mnist
    modules["tensorflow.contrib.learn.datasets.base"] = base
    modules["tensorflow.contrib.learn.preprocessing"] = preprocessing
    return modules

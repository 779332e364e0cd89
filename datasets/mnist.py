"""MNIST for the suite: the shipped 10,000-digit sample by default, full MNIST when the user has it.

``read_data_sets`` mimics TF1's ``tensorflow.examples.tutorials.mnist.input_data``
(``DataSet`` objects with ``images``, ``labels``, ``num_examples``, ``epochs_completed``
and ``next_batch``); ``load_data`` is the Keras-style view of the same splits.

Where the data comes from (``describe_source`` says which is used):

1. ``train_dir`` (the argument), if it holds MNIST: the four standard IDX files
   (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
   ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``; uncompressed names are
   accepted too) or Keras's ``mnist.npz`` (keys ``x_train, y_train, x_test, y_test``).
   ``train_dir`` may also name an ``.npz`` file directly.
2. else ``$PARITY_MNIST_DIR``, the same way; if the variable is set but holds no MNIST,
   that is an error (the user asked for full MNIST explicitly).
3. else the shipped sample, ``datasets/mnist_sample_10k.npz``. A ``train_dir`` that does
   not hold MNIST (TF1 scripts pass ``"MNIST_data/"``) falls back to the sample.

A folder with some but not all four IDX files (a broken download) is an error, not a
silent fallback. Nothing is downloaded unless :func:`download` is called.

The sample's split (fixed, the same on every machine and NumPy version):
10,000 real MNIST digits (class counts 1001, 1127, 991, 1032, 980, 863, 1014, 1070,
944, 978), split stratified by class into train 7,000 / validation 1,000 / test 2,000.
Per class, ``np.random.RandomState(SAMPLE_SPLIT_SEED)`` permutes that class's indices
(classes in order 0..9); the class gets ``count * 2000 / 10000`` test and
``count * 1000 / 10000`` validation images, rounded by largest remainder (ties to the
lower class) so the totals are exact; its first images in the permutation go to test,
the next to validation, the rest to train. Each split is then put in one fixed shuffled
order by the same generator (test, then validation, then train), so the unshuffled
order is not sorted by label.

``validation_size`` moves images between train and validation only; the test split
never changes. The pool is the validation split followed by the train split
(8,000 images for the sample): validation is its first ``validation_size`` images,
train the rest (default 1,000: exactly the split above). For full MNIST, as TF did,
validation is the first ``validation_size`` (default 5,000) training images.

Images are float32 in [0, 1] (``[n, 784]``, or ``[n, 28, 28, 1]`` with ``reshape=False``);
labels are uint8 class ids, or float32 one-hot ``[n, 10]`` with ``one_hot=True``.
"""

from __future__ import annotations

import collections
import dataclasses
import gzip
import hashlib
import os
import urllib.error
import urllib.request
import zipfile
import zlib
from pathlib import Path

import numpy as np

from datasets.errors import DataError

# --- constants ---------------------------------------------------------------------------

SAMPLE_PATH = Path(__file__).resolve().parent / "mnist_sample_10k.npz"
SAMPLE_SHA256 = "0217e13bd0668deb198aa7d305edbf0331eb89f8a6e7dd226e03d1aa3a9bd4ef"
SAMPLE_SPLIT_SEED = 20170521
SAMPLE_SPLIT_SIZES = (7000, 1000, 2000)  # train, validation, test
SAMPLE_VALIDATION_SIZE = 1000
FULL_VALIDATION_SIZE = 5000  # TF1's read_data_sets default
ENV_VAR = "PARITY_MNIST_DIR"
NUM_CLASSES = 10
IMAGE_SIZE = 28

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
IDX_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
KERAS_NPZ = "mnist.npz"

MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"
# Published sizes and SHA-256 of the four archives on the mirror (the same values that
# torchvision-style loaders and TensorFlow Datasets' checksum list use).
IDX_SIZES = {
    TRAIN_IMAGES: 9_912_422,
    TRAIN_LABELS: 28_881,
    TEST_IMAGES: 1_648_877,
    TEST_LABELS: 4_542,
}
IDX_SHA256 = {
    TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


# --- checksums ---------------------------------------------------------------------------

_VERIFIED: set = set()  # (path, size, mtime_ns, sha256) already checked in this process


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: str | os.PathLike, expected: str) -> None:
    """Raise :class:`DataError` unless the file exists and has this SHA-256 (checked once per process)."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, expected)
    if key in _VERIFIED:
        return
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(
            f"{path}: wrong checksum: sha256 is {actual}, expected {expected} "
            "(the file is corrupt or not the one the suite ships)"
        )
    _VERIFIED.add(key)


# --- the shipped sample ------------------------------------------------------------------

_SAMPLE_CACHE: dict = {}


def load_sample(path: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The shipped sample: ``images`` uint8 [10000, 28, 28], ``labels`` uint8 [10000] (read-only).

    The file's SHA-256 is verified against :data:`SAMPLE_SHA256` (once per process).
    """
    path = Path(SAMPLE_PATH if path is None else path)
    verify_sha256(path, SAMPLE_SHA256)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _SAMPLE_CACHE:
        try:
            with np.load(path) as data:
                images, labels = data["images"], data["labels"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise DataError(f"{path}: cannot read the MNIST sample ({exc})") from None
        _check_pair(path, images, labels)
        images.setflags(write=False)
        labels.setflags(write=False)
        _SAMPLE_CACHE[key] = (images, labels)
    return _SAMPLE_CACHE[key]


def _largest_remainder(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` across classes in proportion to ``counts``; exact sum, ties to the lower class."""
    quotas = counts * total / counts.sum()
    result = np.floor(quotas).astype(np.int64)
    left = total - int(result.sum())
    order = sorted(range(len(counts)), key=lambda c: (-(quotas[c] - result[c]), c))
    for c in order[:left]:
        result[c] += 1
    return result


def sample_split_indices(
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices into the sample of the fixed train (7,000), validation (1,000) and test (2,000) splits."""
    if labels is None:
        labels = load_sample()[1]
    labels = np.asarray(labels)
    n_train, n_val, n_test = SAMPLE_SPLIT_SIZES
    if len(labels) != n_train + n_val + n_test:
        raise DataError(
            f"the MNIST sample must have {sum(SAMPLE_SPLIT_SIZES)} labels, got {len(labels)}"
        )
    rng = np.random.RandomState(SAMPLE_SPLIT_SEED)
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    test_counts = _largest_remainder(counts, n_test)
    val_counts = _largest_remainder(counts, n_val)
    parts: dict = {"train": [], "validation": [], "test": []}
    for c in range(NUM_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == c))
        t, v = test_counts[c], val_counts[c]
        parts["test"].append(members[:t])
        parts["validation"].append(members[t : t + v])
        parts["train"].append(members[t + v :])
    test = rng.permutation(np.concatenate(parts["test"]))
    validation = rng.permutation(np.concatenate(parts["validation"]))
    train = rng.permutation(np.concatenate(parts["train"]))
    return train, validation, test


# --- IDX and npz readers -----------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: truncated or corrupt gzip file ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc})") from None


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file of unsigned bytes (``.gz`` or uncompressed) into a uint8 array.

    Checks the magic number (2051 for images, 2049 for labels when ``expected_magic`` is
    given), the dimensions and that the payload has exactly the size the header states.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataError(f"{path}: too short for an IDX header ({len(data)} bytes)")
    magic = int.from_bytes(data[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        kind = {IDX_IMAGES_MAGIC: "images", IDX_LABELS_MAGIC: "labels"}.get(expected_magic, "IDX")
        raise DataError(
            f"{path}: wrong IDX magic number {magic} (0x{magic:08x}), expected {expected_magic} "
            f"for an MNIST {kind} file"
        )
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(
            f"{path}: wrong IDX magic number {magic} (0x{magic:08x}): not an IDX file of unsigned bytes"
        )
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if ndim == 0 or len(data) < header_size:
        raise DataError(
            f"{path}: IDX header truncated or invalid ({ndim} dimensions, {len(data)} bytes)"
        )
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(dims, dtype=np.int64))
    payload = len(data) - header_size
    if payload != expected:
        raise DataError(
            f"{path}: wrong size: the header says {' x '.join(map(str, dims))} = {expected} bytes of "
            f"data, the file has {payload}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(dims).copy()


def read_idx_images(path: str | os.PathLike) -> np.ndarray:
    images = read_idx(path, IDX_IMAGES_MAGIC)
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError(
            f"{path}: images are {images.shape[1]} x {images.shape[2]}, expected 28 x 28"
        )
    return images


def read_idx_labels(path: str | os.PathLike) -> np.ndarray:
    labels = read_idx(path, IDX_LABELS_MAGIC)
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DataError(f"{path}: label {labels.max()} out of range 0-9")
    return labels


def _check_pair(path, images: np.ndarray, labels: np.ndarray) -> None:
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or images.dtype != np.uint8:
        raise DataError(
            f"{path}: images must be uint8 [n, 28, 28], got {images.dtype} {list(images.shape)}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{path}: {len(images)} images but labels of shape {list(labels.shape)}")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise DataError(f"{path}: labels out of range 0-9 (min {labels.min()}, max {labels.max()})")


def _idx_path(directory: Path, name: str) -> Path | None:
    """The file for one of the four standard names: ``.gz``, uncompressed, or with a dot before ``idx``."""
    plain = name[: -len(".gz")]
    dotted = plain.replace("-idx", ".idx")
    for candidate in (name, plain, dotted + ".gz", dotted):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def load_idx_dir(directory: str | os.PathLike):
    """``((x_train, y_train), (x_test, y_test))`` uint8 from the four IDX files in ``directory``."""
    directory = Path(directory)
    paths = {name: _idx_path(directory, name) for name in IDX_FILES}
    missing = [name for name, p in paths.items() if p is None]
    if missing:
        raise DataError(f"{directory}: missing MNIST IDX file(s): {', '.join(missing)}")
    x_train = read_idx_images(paths[TRAIN_IMAGES])
    y_train = read_idx_labels(paths[TRAIN_LABELS])
    x_test = read_idx_images(paths[TEST_IMAGES])
    y_test = read_idx_labels(paths[TEST_LABELS])
    for images, labels, name in ((x_train, y_train, TRAIN_LABELS), (x_test, y_test, TEST_LABELS)):
        if len(images) != len(labels):
            raise DataError(f"{paths[name]}: {len(labels)} labels for {len(images)} images")
    return (x_train, y_train), (x_test, y_test)


def load_keras_npz(path: str | os.PathLike):
    """``((x_train, y_train), (x_test, y_test))`` uint8 from Keras's ``mnist.npz``."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except KeyError as exc:
        raise DataError(f"{path}: not a Keras mnist.npz (missing array {exc})") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: cannot read the npz file ({exc})") from None
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if np.issubdtype(labels.dtype, np.integer):
            labels = labels.astype(np.uint8) if labels.size == 0 or labels.max() < 256 else labels
        _check_pair(path, images, labels)
        arrays[f"y_{split}"] = labels
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


# --- finding the data --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Source:
    kind: str  # "sample", "idx" or "npz"
    path: Path

    def describe(self) -> str:
        if self.kind == "sample":
            return "shipped 10,000-digit MNIST sample (7,000/1,000/2,000)"
        if self.kind == "idx":
            return f"full MNIST from the IDX files in {self.path}"
        return f"full MNIST from the Keras npz file {self.path}"


def _probe(location: str | os.PathLike) -> Source | None:
    path = Path(location).expanduser()
    if path.is_file() and path.suffix == ".npz":
        return Source("npz", path)
    if not path.is_dir():
        return None
    found = [name for name in IDX_FILES if _idx_path(path, name) is not None]
    if len(found) == len(IDX_FILES):
        return Source("idx", path)
    if (path / KERAS_NPZ).is_file():
        return Source("npz", path / KERAS_NPZ)
    if found:
        missing = [name for name in IDX_FILES if name not in found]
        raise DataError(f"{path}: incomplete MNIST download, missing {', '.join(missing)}")
    return None


def find_source(train_dir: str | os.PathLike | None = None) -> Source:
    """Which MNIST to use: ``train_dir`` if it holds MNIST, else ``$PARITY_MNIST_DIR``, else the sample."""
    if train_dir is not None and str(train_dir) != "":
        source = _probe(train_dir)
        if source is not None:
            return source
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        source = _probe(env)
        if source is None:
            raise DataError(
                f"${ENV_VAR}={env}: holds neither the four MNIST IDX files ({', '.join(IDX_FILES)}) "
                f"nor {KERAS_NPZ}"
            )
        return source
    return Source("sample", SAMPLE_PATH)


def describe_source(train_dir: str | os.PathLike | None = None) -> str:
    """One line saying which MNIST ``read_data_sets(train_dir)`` would use."""
    return find_source(train_dir).describe()


# --- splits ------------------------------------------------------------------------------


def _check_validation_size(validation_size, available: int) -> int:
    try:
        size = int(validation_size)
    except (TypeError, ValueError):
        raise DataError(f"validation_size must be an integer, got {validation_size!r}") from None
    if size != validation_size or not 0 <= size <= available:
        raise DataError(
            f"validation_size must be between 0 and {available} (the images available for "
            f"train + validation), got {validation_size}"
        )
    return size


def _uint8_splits(train_dir=None, validation_size=None):
    """``(source, {"train"|"validation"|"test": (images uint8 [n,28,28], labels uint8 [n])})``."""
    source = find_source(train_dir)
    if source.kind == "sample":
        images, labels = load_sample()
        train_idx, val_idx, test_idx = sample_split_indices(labels)
        pool = np.concatenate([val_idx, train_idx])
        size = _check_validation_size(
            SAMPLE_VALIDATION_SIZE if validation_size is None else validation_size, len(pool)
        )
        val_idx, train_idx = pool[:size], pool[size:]
        splits = {
            "train": (images[train_idx], labels[train_idx]),
            "validation": (images[val_idx], labels[val_idx]),
            "test": (images[test_idx], labels[test_idx]),
        }
        return source, splits
    if source.kind == "idx":
        (x_train, y_train), (x_test, y_test) = load_idx_dir(source.path)
    else:
        (x_train, y_train), (x_test, y_test) = load_keras_npz(source.path)
    size = _check_validation_size(
        FULL_VALIDATION_SIZE if validation_size is None else validation_size, len(x_train)
    )
    splits = {
        "train": (x_train[size:], y_train[size:]),
        "validation": (x_train[:size], y_train[:size]),
        "test": (x_test, y_test),
    }
    return source, splits


# --- TF1-style DataSet -------------------------------------------------------------------


def dense_to_one_hot(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    labels = np.asarray(labels)
    one_hot = np.zeros((len(labels), num_classes), dtype=np.float32)
    one_hot[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
    return one_hot


class DataSet:
    """One split, as TF1's ``input_data`` gave it, with ``next_batch`` that reshuffles each epoch.

    ``seed=None`` shuffles with NumPy's global generator (as TF1 did, so ``np.random.seed``
    in a script governs the batches); an int seeds a private ``RandomState``, so the same
    seed gives the same batches whatever else draws random numbers.
    """

    def __init__(
        self, images: np.ndarray, labels: np.ndarray, *, one_hot=False, reshape=True, seed=None
    ):
        images = np.asarray(images)
        labels = np.asarray(labels)
        if len(images) != len(labels):
            raise DataError(f"DataSet: {len(images)} images but {len(labels)} labels")
        images = images.astype(np.float32) / np.float32(255.0)
        if reshape:
            images = images.reshape(len(images), IMAGE_SIZE * IMAGE_SIZE)
        else:
            images = images.reshape(len(images), IMAGE_SIZE, IMAGE_SIZE, 1)
        self._images = images
        self._labels = dense_to_one_hot(labels) if one_hot else labels.astype(np.uint8)
        self._num_examples = len(images)
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random if seed is None else np.random.RandomState(seed)

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def _shuffle(self) -> None:
        perm = np.arange(self._num_examples)
        self._rng.shuffle(perm)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(self, batch_size: int, shuffle: bool = True):
        """The next ``batch_size`` examples; at an epoch's end, its rest plus the next epoch's start."""
        batch_size = int(batch_size)
        if not 1 <= batch_size <= self._num_examples:
            raise DataError(
                f"next_batch: batch_size must be between 1 and the {self._num_examples} examples, got {batch_size}"
            )
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            images_rest = self._images[start:]
            labels_rest = self._labels[start:]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = batch_size - len(images_rest)
            end = self._index_in_epoch
            return (
                np.concatenate([images_rest, self._images[:end]], axis=0),
                np.concatenate([labels_rest, self._labels[:end]], axis=0),
            )
        self._index_in_epoch += batch_size
        return self._images[start : self._index_in_epoch], self._labels[
            start : self._index_in_epoch
        ]


Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def read_data_sets(
    train_dir=None, one_hot=False, reshape=True, validation_size=None, seed=None
) -> Datasets:
    """TF1's ``input_data.read_data_sets``: ``Datasets(train, validation, test)`` of :class:`DataSet`.

    Default data: the shipped sample (7,000 / 1,000 / 2,000); full MNIST when ``train_dir``
    or ``$PARITY_MNIST_DIR`` holds it (see the module docstring). ``seed`` seeds
    ``next_batch``'s shuffling (each split gets its own generator derived from it).
    """
    _, splits = _uint8_splits(train_dir, validation_size)
    seeds = [None] * 3 if seed is None else [seed, seed + 1, seed + 2]
    sets = [
        DataSet(images, labels, one_hot=one_hot, reshape=reshape, seed=s)
        for (images, labels), s in zip(
            (splits["train"], splits["validation"], splits["test"]), seeds, strict=True
        )
    ]
    return Datasets(*sets)


def load_data(path=None, validation_size=None):
    """Keras-style ``((x_train, y_train), (x_test, y_test))``, uint8 images [n, 28, 28].

    ``x_train``/``y_train`` are exactly ``read_data_sets(path, validation_size=...).train``
    (the same images in the same order, before any shuffling) and the test pair is its test split.
    """
    _, splits = _uint8_splits(path, validation_size)
    (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


# --- download (only on request) ----------------------------------------------------------


def _fetch(url: str) -> bytes:
    """Download one URL (the only network access in this package; tests replace it)."""
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def download(directory: str | os.PathLike, base_url: str = MIRROR) -> Path:
    """Download the four MNIST IDX archives into ``directory`` (only when called) and return it.

    Each file is checked against its published size and SHA-256 (:data:`IDX_SIZES`,
    :data:`IDX_SHA256`), written to a temporary name and then renamed, so an interrupted
    or corrupt download never leaves a half-written file under the real name. Files that
    are already there with the right checksum are kept.
    """
    directory = Path(directory).expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    for name in IDX_FILES:
        target = directory / name
        if target.is_file() and sha256_file(target) == IDX_SHA256[name]:
            continue
        url = base_url + name
        try:
            data = _fetch(url)
        except (urllib.error.URLError, OSError) as exc:
            raise DataError(f"{url}: download failed ({exc})") from None
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != IDX_SIZES[name] or digest != IDX_SHA256[name]:
            raise DataError(
                f"{url}: downloaded file has {len(data)} bytes and sha256 {digest}, expected "
                f"{IDX_SIZES[name]} bytes and sha256 {IDX_SHA256[name]}; nothing was written"
            )
        temporary = directory / f".{name}.{os.getpid()}.part"
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    return directory

"""datasets.mnist: the shipped sample and its split, TF1-style read_data_sets, Keras-style
load_data, the IDX/npz readers, source selection, download, and every bad-data message."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from datasets import mnist
from datasets.errors import DataError

# class counts of the shipped sample, from shared/data/README.md
SAMPLE_CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist


@pytest.fixture(autouse=True)
def _no_env_mnist(monkeypatch):
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)


def _row_keys(images: np.ndarray) -> list[bytes]:
    flat = np.ascontiguousarray(images.reshape(len(images), int(np.prod(images.shape[1:]))))
    return [row.tobytes() for row in flat]


def _digest(indices) -> str:
    return hashlib.sha256(np.asarray(indices, dtype="<i8").tobytes()).hexdigest()[:16]


# --- the sample and its split ------------------------------------------------------------


def test_sample_matches_the_published_facts():
    images, labels = mnist.load_sample()
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == SAMPLE_CLASS_COUNTS
    assert len(set(_row_keys(images))) == 10000  # all distinct


def test_sample_split_is_exact_stratified_disjoint_and_fixed():
    _, labels = mnist.load_sample()
    train, validation, test = mnist.sample_split_indices()
    assert (len(train), len(validation), len(test)) == (7000, 1000, 2000)
    everything = np.concatenate([train, validation, test])
    np.testing.assert_array_equal(np.sort(everything), np.arange(10000))  # disjoint, complete
    counts = np.array(SAMPLE_CLASS_COUNTS)
    for indices, share in ((test, 0.2), (validation, 0.1), (train, 0.7)):
        per_class = np.bincount(labels[indices], minlength=10)
        assert np.all(np.abs(per_class - share * counts) < 1.0 + 1e-9), per_class
    # not sorted by label (the file is): the unshuffled order mixes classes
    assert len(set(labels[train[:20]].tolist())) > 3
    # the split is fixed: a changed split would silently change every result in the suite
    again = mnist.sample_split_indices()
    for a, b in zip((train, validation, test), again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert [_digest(i) for i in (train, validation, test)] == [
        "595e741d5683a1fc",
        "9030bed178e8dcac",
        "62723368c0bbdb1f",
    ]


# --- read_data_sets (issue 2's done-when) ------------------------------------------------


def test_read_data_sets_one_hot_sizes_and_batch_shapes():
    data = mnist.read_data_sets(one_hot=True, seed=0)
    sizes = (data.train.num_examples, data.validation.num_examples, data.test.num_examples)
    assert sizes == (7000, 1000, 2000) and sum(sizes) == 10000
    x, y = data.train.next_batch(128)
    assert x.shape == (128, 784) and x.dtype == np.float32
    assert y.shape == (128, 10) and y.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0 and x.max() == 1.0
    np.testing.assert_array_equal(y.sum(axis=1), np.ones(128))
    # images are the sample's bytes / 255, labels its labels
    images, labels = mnist.load_sample()
    train_idx, _, test_idx = mnist.sample_split_indices()
    np.testing.assert_array_equal(
        data.test.images, images[test_idx].reshape(2000, 784).astype(np.float32) / np.float32(255)
    )
    np.testing.assert_array_equal(data.test.labels.argmax(axis=1), labels[test_idx])


def test_read_data_sets_plain_labels_and_unreshaped_images():
    data = mnist.read_data_sets(reshape=False)
    assert data.train.images.shape == (7000, 28, 28, 1)
    assert data.train.labels.shape == (7000,) and data.train.labels.dtype == np.uint8
    x, y = data.test.next_batch(5, shuffle=False)
    assert x.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(y, data.test.labels[:5])


def test_next_batch_epoch_boundary_and_epochs_completed():
    train = mnist.read_data_sets(seed=3).train
    n = train.num_examples
    all_before = sorted(_row_keys(train.images))
    seen = []
    for step in range(n // 128):  # 54 full batches: still inside the first epoch
        x, y = train.next_batch(128)
        assert train.epochs_completed == 0, step
        seen.extend(_row_keys(x))
    rest = n - len(seen)  # 88 images left in epoch 1
    x, y = train.next_batch(128)  # crosses the boundary: the rest of epoch 1 + the start of epoch 2
    assert train.epochs_completed == 1
    assert x.shape == (128, 784) and y.shape == (128,)
    seen.extend(_row_keys(x[:rest]))
    assert sorted(seen) == all_before  # epoch 1 showed every image exactly once
    # the batch's tail is the start of the reshuffled epoch 2
    assert _row_keys(x[rest:]) == _row_keys(train.images[: 128 - rest])
    # epoch 2 started 128 - rest images in: 54 more batches stay inside it, the 55th crosses
    for _ in range(n // 128):
        train.next_batch(128)
    assert train.epochs_completed == 1
    train.next_batch(128)
    assert train.epochs_completed == 2


def test_same_seed_same_batches_other_seed_other_batches():
    def batches(seed, count=60):
        train = mnist.read_data_sets(one_hot=True, seed=seed).train
        return [train.next_batch(128) for _ in range(count)]  # crosses an epoch boundary

    first, second, other = batches(11), batches(11), batches(12)
    for (x1, y1), (x2, y2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(first[0][0], other[0][0])
    assert not np.array_equal(first[-1][0], other[-1][0])


def test_seed_none_follows_numpys_global_generator_like_tf1():
    np.random.seed(1)
    x1, _ = mnist.read_data_sets().train.next_batch(64)
    np.random.seed(1)
    x2, _ = mnist.read_data_sets().train.next_batch(64)
    np.random.seed(2)
    x3, _ = mnist.read_data_sets().train.next_batch(64)
    np.testing.assert_array_equal(x1, x2)
    assert not np.array_equal(x1, x3)


def test_next_batch_rejects_a_batch_larger_than_the_split():
    with pytest.raises(DataError, match="batch_size must be between 1 and the 1000 examples"):
        mnist.read_data_sets().validation.next_batch(1001)


def test_validation_size_moves_images_between_train_and_validation_only():
    base = mnist.read_data_sets()
    pool = set(_row_keys(base.train.images)) | set(_row_keys(base.validation.images))
    for size in (0, 1, 3000, 8000):
        data = mnist.read_data_sets(validation_size=size)
        assert data.validation.num_examples == size
        assert data.train.num_examples == 8000 - size
        np.testing.assert_array_equal(data.test.images, base.test.images)
        np.testing.assert_array_equal(data.test.labels, base.test.labels)
        keys = _row_keys(data.train.images) + _row_keys(data.validation.images)
        assert len(keys) == 8000 and set(keys) == pool
    default = mnist.read_data_sets(validation_size=1000)
    np.testing.assert_array_equal(default.train.images, base.train.images)
    np.testing.assert_array_equal(default.validation.images, base.validation.images)


@pytest.mark.parametrize("size", [8001, -1, 2.5])
def test_validation_size_out_of_range_is_a_clear_error(size):
    with pytest.raises(DataError, match=r"validation_size must be between 0 and 8000") as info:
        mnist.read_data_sets(validation_size=size)
    assert isinstance(info.value, ValueError)


def test_load_data_is_exactly_the_train_and_test_splits():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (7000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.dtype == np.uint8 and x_test.shape == (2000, 28, 28)
    data = mnist.read_data_sets()
    np.testing.assert_array_equal(
        x_train.reshape(7000, 784).astype(np.float32) / np.float32(255), data.train.images
    )
    np.testing.assert_array_equal(y_train, data.train.labels)
    np.testing.assert_array_equal(
        x_test.reshape(2000, 784).astype(np.float32) / np.float32(255), data.test.images
    )
    np.testing.assert_array_equal(y_test, data.test.labels)
    (x_small, _), _ = mnist.load_data(validation_size=2000)
    assert len(x_small) == 6000


# --- bad sample file ---------------------------------------------------------------------


def test_missing_sample_file_names_the_file(tmp_path, monkeypatch):
    missing = tmp_path / "mnist_sample_10k.npz"
    with pytest.raises(DataError, match="file not found") as info:
        mnist.load_sample(missing)
    assert str(missing) in str(info.value)
    monkeypatch.setattr(mnist, "SAMPLE_PATH", missing)
    with pytest.raises(DataError, match="file not found"):
        mnist.read_data_sets()


def test_wrong_checksum_names_the_file(tmp_path, monkeypatch):
    corrupt = tmp_path / "mnist_sample_10k.npz"
    data = bytearray(mnist.SAMPLE_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(DataError, match="wrong checksum") as info:
        mnist.load_sample(corrupt)
    assert str(corrupt) in str(info.value) and mnist.SAMPLE_SHA256 in str(info.value)
    monkeypatch.setattr(mnist, "SAMPLE_PATH", corrupt)
    with pytest.raises(DataError, match="wrong checksum"):
        mnist.load_data()


def test_sample_checksum_is_computed_once_per_process(monkeypatch):
    calls = []
    real = mnist.sha256_file

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(mnist, "_VERIFIED", set())
    monkeypatch.setattr(mnist, "sha256_file", counting)
    mnist.load_sample()
    mnist.read_data_sets()
    mnist.load_data()
    assert len(calls) == 1


# --- IDX and npz readers on small files --------------------------------------------------


def _idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def _write(path: Path, payload: bytes) -> Path:
    if path.name.endswith(".gz"):
        with gzip.open(path, "wb") as handle:
            handle.write(payload)
    else:
        path.write_bytes(payload)
    return path


def _fake_mnist(rng, n_train=20, n_test=10):
    return (
        (
            rng.randint(0, 256, size=(n_train, 28, 28)).astype(np.uint8),
            rng.randint(0, 10, n_train).astype(np.uint8),
        ),
        (
            rng.randint(0, 256, size=(n_test, 28, 28)).astype(np.uint8),
            rng.randint(0, 10, n_test).astype(np.uint8),
        ),
    )


def _write_idx_dir(directory: Path, arrays, gz=True) -> Path:
    (x_train, y_train), (x_test, y_test) = arrays
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in zip(mnist.IDX_FILES, (x_train, y_train, x_test, y_test), strict=True):
        _write(directory / (name if gz else name[:-3]), _idx_bytes(array))
    return directory


def test_idx_reader_round_trips_gz_and_uncompressed(tmp_path):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(7, 28, 28)).astype(np.uint8)
    labels = rng.randint(0, 10, size=7).astype(np.uint8)
    for suffix in (".gz", ""):
        np.testing.assert_array_equal(
            mnist.read_idx_images(_write(tmp_path / f"img-idx3-ubyte{suffix}", _idx_bytes(images))),
            images,
        )
        np.testing.assert_array_equal(
            mnist.read_idx_labels(_write(tmp_path / f"lab-idx1-ubyte{suffix}", _idx_bytes(labels))),
            labels,
        )


def test_truncated_gz_is_a_clear_error(tmp_path):
    good = _write(tmp_path / "good.gz", _idx_bytes(np.zeros((50, 28, 28))))
    truncated = tmp_path / "train-images-idx3-ubyte.gz"
    truncated.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(DataError, match="truncated or corrupt gzip file") as info:
        mnist.read_idx_images(truncated)
    assert str(truncated) in str(info.value)


def test_wrong_idx_magic_is_a_clear_error(tmp_path):
    labels_file = _write(tmp_path / "train-images-idx3-ubyte.gz", _idx_bytes(np.zeros(10)))
    with pytest.raises(
        DataError, match=r"wrong IDX magic number 2049 .*expected 2051 for an MNIST images file"
    ) as info:
        mnist.read_idx_images(labels_file)
    assert str(labels_file) in str(info.value)
    junk = _write(tmp_path / "t10k-labels-idx1-ubyte", b"PK\x03\x04" + bytes(20))
    with pytest.raises(
        DataError, match=r"wrong IDX magic number .*expected 2049 for an MNIST labels file"
    ) as info:
        mnist.read_idx_labels(junk)
    assert str(junk) in str(info.value)


def test_wrong_idx_size_is_a_clear_error(tmp_path):
    payload = _idx_bytes(np.zeros((3, 28, 28)))
    short = _write(tmp_path / "short-idx3-ubyte.gz", payload[:-5])
    with pytest.raises(
        DataError,
        match=r"wrong size: the header says 3 x 28 x 28 = 2352 bytes of data, the file has 2347",
    ) as info:
        mnist.read_idx_images(short)
    assert str(short) in str(info.value)
    long = _write(tmp_path / "long-idx1-ubyte", _idx_bytes(np.zeros(4)) + b"\x00")
    with pytest.raises(DataError, match="wrong size"):
        mnist.read_idx_labels(long)
    wrong_dims = _write(tmp_path / "small-idx3-ubyte", _idx_bytes(np.zeros((2, 14, 14))))
    with pytest.raises(DataError, match="expected 28 x 28"):
        mnist.read_idx_images(wrong_dims)


def test_full_mnist_from_an_idx_folder(tmp_path):
    arrays = _fake_mnist(np.random.RandomState(1))
    (x_train, y_train), (x_test, y_test) = arrays
    folder = _write_idx_dir(tmp_path / "MNIST_data", arrays)
    assert "IDX files" in mnist.describe_source(folder) and str(folder) in mnist.describe_source(
        folder
    )
    data = mnist.read_data_sets(folder, one_hot=True, validation_size=5, seed=0)
    assert (data.train.num_examples, data.validation.num_examples, data.test.num_examples) == (
        15,
        5,
        10,
    )
    # as TF did: validation is the first validation_size training images
    np.testing.assert_array_equal(
        data.validation.images, x_train[:5].reshape(5, 784) / np.float32(255)
    )
    np.testing.assert_array_equal(data.train.labels.argmax(axis=1), y_train[5:])
    (lx, ly), (tx, ty) = mnist.load_data(folder, validation_size=5)
    np.testing.assert_array_equal(lx, x_train[5:])
    np.testing.assert_array_equal(ly, y_train[5:])
    np.testing.assert_array_equal(tx, x_test)
    np.testing.assert_array_equal(ty, y_test)
    # the default validation_size for full MNIST is TF's 5,000: too many for 20 images
    with pytest.raises(DataError, match="validation_size must be between 0 and 20"):
        mnist.read_data_sets(folder)


def test_uncompressed_idx_folder(tmp_path):
    arrays = _fake_mnist(np.random.RandomState(2))
    folder = _write_idx_dir(tmp_path / "raw", arrays, gz=False)
    (x_train, _), (x_test, _) = mnist.load_data(folder, validation_size=0)
    np.testing.assert_array_equal(x_train, arrays[0][0])
    np.testing.assert_array_equal(x_test, arrays[1][0])


def test_keras_npz_folder_and_file(tmp_path):
    (x_train, y_train), (x_test, y_test) = _fake_mnist(np.random.RandomState(3))
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    for location in (tmp_path, path):
        assert "npz" in mnist.describe_source(location)
        (lx, ly), (tx, ty) = mnist.load_data(location, validation_size=4)
        np.testing.assert_array_equal(lx, x_train[4:])
        np.testing.assert_array_equal(ly, y_train[4:])
        np.testing.assert_array_equal(tx, x_test)
        np.testing.assert_array_equal(ty, y_test)
    bad = tmp_path / "other" / "mnist.npz"
    bad.parent.mkdir()
    np.savez(bad, images=x_train)
    with pytest.raises(DataError, match="not a Keras mnist.npz") as info:
        mnist.load_data(bad.parent)
    assert str(bad) in str(info.value)


# --- where the data comes from -----------------------------------------------------------


def test_a_folder_without_mnist_falls_back_to_the_sample(tmp_path):
    sample = "shipped 10,000-digit MNIST sample (7,000/1,000/2,000)"
    assert mnist.describe_source() == sample
    assert mnist.describe_source("MNIST_data/") == sample
    assert mnist.describe_source(tmp_path) == sample  # exists, holds no MNIST
    data = mnist.read_data_sets(str(tmp_path / "MNIST_data"), one_hot=True)
    assert data.train.num_examples + data.validation.num_examples + data.test.num_examples == 10000


def test_environment_variable_and_argument_precedence(tmp_path, monkeypatch):
    env_dir = _write_idx_dir(tmp_path / "env", _fake_mnist(np.random.RandomState(4)))
    arg_dir = _write_idx_dir(tmp_path / "arg", _fake_mnist(np.random.RandomState(5), n_train=30))
    monkeypatch.setenv(mnist.ENV_VAR, str(env_dir))
    assert str(env_dir) in mnist.describe_source()
    # a folder without MNIST: the env var is used
    assert str(env_dir) in mnist.describe_source("MNIST_data/")
    assert str(arg_dir) in mnist.describe_source(arg_dir)  # the argument wins
    assert mnist.read_data_sets(validation_size=0).train.num_examples == 20
    assert mnist.read_data_sets(arg_dir, validation_size=0).train.num_examples == 30


def test_environment_variable_without_mnist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path))
    with pytest.raises(
        DataError, match=r"\$PARITY_MNIST_DIR=.*holds neither the four MNIST IDX files"
    ):
        mnist.read_data_sets()


def test_incomplete_idx_folder_is_an_error_not_a_fallback(tmp_path):
    folder = _write_idx_dir(tmp_path / "partial", _fake_mnist(np.random.RandomState(6)))
    (folder / mnist.TEST_LABELS).unlink()
    with pytest.raises(
        DataError, match=r"incomplete MNIST download, missing t10k-labels-idx1-ubyte.gz"
    ) as info:
        mnist.read_data_sets(folder)
    assert str(folder) in str(info.value)


def test_corrupt_file_in_an_idx_folder_names_it(tmp_path):
    folder = _write_idx_dir(tmp_path / "corrupt", _fake_mnist(np.random.RandomState(7)))
    target = folder / mnist.TRAIN_IMAGES
    target.write_bytes(target.read_bytes()[:-20])
    with pytest.raises(DataError, match="truncated or corrupt gzip file") as info:
        mnist.load_data(folder)
    assert str(target) in str(info.value)


# --- download (no network: the fetch function is replaced) -------------------------------


def _fake_archives():
    arrays = _fake_mnist(np.random.RandomState(8))
    contents = {}
    for name, array in zip(mnist.IDX_FILES, (*arrays[0], *arrays[1]), strict=True):
        contents[name] = gzip.compress(_idx_bytes(array), mtime=0)
    return arrays, contents


def _patch_published(monkeypatch, contents):
    monkeypatch.setattr(mnist, "IDX_SIZES", {k: len(v) for k, v in contents.items()})
    monkeypatch.setattr(
        mnist, "IDX_SHA256", {k: hashlib.sha256(v).hexdigest() for k, v in contents.items()}
    )


def test_download_verifies_and_writes_the_four_files(tmp_path, monkeypatch):
    arrays, contents = _fake_archives()
    _patch_published(monkeypatch, contents)
    fetched = []

    def fake_fetch(url):
        fetched.append(url)
        return contents[url.rsplit("/", 1)[1]]

    monkeypatch.setattr(mnist, "_fetch", fake_fetch)
    target = tmp_path / "MNIST_data"
    assert mnist.download(target) == target
    assert fetched == [mnist.MIRROR + name for name in mnist.IDX_FILES]
    assert sorted(p.name for p in target.iterdir()) == sorted(mnist.IDX_FILES)  # no temporary left
    (x_train, y_train), (x_test, y_test) = mnist.load_data(target, validation_size=0)
    np.testing.assert_array_equal(x_train, arrays[0][0])
    np.testing.assert_array_equal(y_test, arrays[1][1])
    mnist.download(target)  # files with the right checksum are kept, not fetched again
    assert len(fetched) == 4


def test_download_with_a_wrong_checksum_writes_nothing(tmp_path, monkeypatch):
    _, contents = _fake_archives()
    _patch_published(monkeypatch, contents)
    monkeypatch.setattr(mnist, "_fetch", lambda url: contents[url.rsplit("/", 1)[1]] + b"\x00")
    target = tmp_path / "dl"
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte.gz: downloaded file has .* expected .* nothing was written",
    ):
        mnist.download(target)
    assert list(target.iterdir()) == []


def test_download_network_failure_is_a_clear_error(tmp_path, monkeypatch):
    def offline(url):
        raise OSError("network unreachable")

    monkeypatch.setattr(mnist, "_fetch", offline)
    with pytest.raises(
        DataError, match=r"cvdf-datasets/mnist/train-images-idx3-ubyte.gz: download failed"
    ):
        mnist.download(tmp_path / "dl")


def test_published_checksums_are_well_formed():
    assert set(mnist.IDX_SHA256) == set(mnist.IDX_SIZES) == set(mnist.IDX_FILES)
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in mnist.IDX_SHA256.values())


# --- a real full-size MNIST-format set (Debian's Fashion-MNIST), when installed ----------


@pytest.mark.skipif(
    not all((FASHION_DIR / name).is_file() for name in mnist.IDX_FILES),
    reason="Debian package dataset-fashion-mnist not installed (apt-get install -y dataset-fashion-mnist)",
)
def test_real_idx_files_from_debian_fashion_mnist(tmp_path):
    assert "IDX files" in mnist.describe_source(FASHION_DIR)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(FASHION_DIR, validation_size=0)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    # Fashion-MNIST's published class balance: 6,000 per class in train, 1,000 in test
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    data = mnist.read_data_sets(FASHION_DIR, one_hot=True, seed=0)
    assert (data.train.num_examples, data.validation.num_examples, data.test.num_examples) == (
        55000,
        5000,
        10000,
    )
    np.testing.assert_array_equal(data.validation.labels.argmax(axis=1), y_train[:5000])
    x, y = data.train.next_batch(128)
    assert x.shape == (128, 784) and y.shape == (128, 10)
    # the same files uncompressed read the same
    for name in (mnist.TEST_IMAGES, mnist.TEST_LABELS):
        with gzip.open(FASHION_DIR / name) as src, open(tmp_path / name[:-3], "wb") as dst:
            shutil.copyfileobj(src, dst)
    np.testing.assert_array_equal(mnist.read_idx_images(tmp_path / mnist.TEST_IMAGES[:-3]), x_test)
    np.testing.assert_array_equal(mnist.read_idx_labels(tmp_path / mnist.TEST_LABELS[:-3]), y_test)

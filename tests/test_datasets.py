"""Data sets: the digits split, IDX files, MNIST's location rules, download and preprocessing."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from wann import WannError
from wann.datasets import load_dataset
from wann.datasets.digits import load_digits
from wann.datasets.idx import read_idx, write_idx
from wann.datasets.mnist import FILES, deskew, download, load_mnist, preprocess, resize


def test_digits_split_is_stratified_seeded_and_recorded():
    d = load_digits()
    assert d.x_train.shape[1] == d.x_test.shape[1] == 64
    assert d.x_train.shape[0] + d.x_test.shape[0] == 1797
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0 and d.x_train.max() == 1.0
    # Every class gives a quarter of its images to the test set (to rounding).
    full = np.bincount(np.concatenate([d.y_train, d.y_test]))
    assert np.all(np.abs(np.bincount(d.y_test) - full * 0.25) <= 0.5)
    again = load_digits(**{k: d.split[k] for k in ("test_fraction", "split_seed")})
    assert np.array_equal(again.x_test, d.x_test) and again.split == d.split
    other = load_digits(split_seed=1)
    assert other.split["test_digest"] != d.split["test_digest"]
    assert load_dataset("digits").split == d.split


def test_bad_dataset_options():
    with pytest.raises(WannError, match="test_fraction"):
        load_digits(test_fraction=1.5)
    with pytest.raises(WannError, match="unknown data set"):
        load_dataset("cifar")


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_idx_round_trip(tmp_path, name):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / name, a)
    assert np.array_equal(read_idx(tmp_path / name), a)


def test_idx_errors(tmp_path):
    p = tmp_path / "x-idx1-ubyte"
    write_idx(p, np.arange(10, dtype=np.uint8))
    p.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(WannError, match="truncated: 7 data bytes, 10 expected"):
        read_idx(p)
    p.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(WannError, match="truncated in its header"):
        read_idx(p)
    p.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(WannError, match="no IDX header"):
        read_idx(p)
    with pytest.raises(WannError, match="does not exist"):
        read_idx(tmp_path / "absent")
    (tmp_path / "bad.gz").write_bytes(b"not gzip")
    with pytest.raises(WannError, match="gzip"):
        read_idx(tmp_path / "bad.gz")


def test_idx_header_that_disagrees_with_its_data_is_refused(tmp_path):
    p = tmp_path / "x-idx3-ubyte"
    data = bytes(range(24))
    # A negative item count: numpy would read "as many as there are" and reshape around it.
    p.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3i", -1, 3, 4) + data)
    with pytest.raises(WannError, match=r"negative size in its header: shape \(-1, 3, 4\)"):
        read_idx(p)
    # Fewer items in the header than in the file: the rest would be dropped silently.
    p.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3i", 1, 3, 4) + data)
    with pytest.raises(WannError, match="holds 24 data bytes, more than the 12"):
        read_idx(p)
    p.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">3i", 2, 3, 4) + data)
    assert read_idx(p).shape == (2, 3, 4)


def test_mnist_images_of_another_size_are_refused_not_resized(tmp_path):
    folder = tmp_path / "small"
    fake_mnist(folder)
    write_idx(folder / FILES[2], np.zeros((20, 20, 20), np.uint8))  # 20x20 test images
    with pytest.raises(WannError, match="MNIST test images are 20x20; MNIST's are 28x28"):
        load_mnist(folder)
    write_idx(folder / FILES[2], np.zeros((0, 28, 28), np.uint8))
    write_idx(folder / FILES[3], np.zeros(0, np.uint8))
    with pytest.raises(WannError, match="MNIST test files hold no images"):
        load_mnist(folder)


def fake_mnist(folder, n_train=40, n_test=20, gz=False, seed=0):
    """Small IDX files with MNIST's names: random strokes on 28x28, labels 0..9."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = []
    for n in (n_train, n_test):
        img = np.zeros((n, 28, 28), np.uint8)
        for i in range(n):
            r0, c0 = rng.integers(4, 14, size=2)
            img[i, r0 : r0 + 10, c0 : c0 + 3] = 255
        arrays += [img, (np.arange(n) % 10).astype(np.uint8)]
    for name, a in zip(FILES, arrays):
        write_idx(folder / (name + (".gz" if gz else "")), a)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_a_small_idx_set(tmp_path, gz):
    tr_x, tr_y, te_x, te_y = fake_mnist(tmp_path / "data", gz=gz)
    d = load_mnist(tmp_path / "data")
    assert d.x_train.shape == (40, 256) and d.x_test.shape == (20, 256)
    assert np.array_equal(d.y_train, tr_y) and np.array_equal(d.y_test, te_y)
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0
    assert np.allclose(d.x_test, preprocess(te_x))
    assert d.split["n_train"] == 40 and d.split["dataset"] == "mnist"


def test_wann_data_names_the_folder(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "env")
    monkeypatch.setenv("WANN_DATA", str(tmp_path / "env"))
    assert load_dataset("mnist").x_train.shape == (40, 256)


def test_mnist_missing_and_partial_files(tmp_path, monkeypatch):
    monkeypatch.setenv("WANN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(WannError) as exc:
        load_mnist(tmp_path / "empty", mirrors=(f"file://{tmp_path}/nowhere/",))
    msg = str(exc.value)
    assert all(name in msg for name in FILES) and "--data" in msg and "WANN_DATA" not in msg
    fake_mnist(tmp_path / "part")
    (tmp_path / "part" / FILES[3]).unlink()
    with pytest.raises(WannError, match=f"lacks {FILES[3]}"):
        load_mnist(tmp_path / "part")
    bad = tmp_path / "trunc"
    fake_mnist(bad)
    (bad / FILES[0]).write_bytes((bad / FILES[0]).read_bytes()[:1000])
    with pytest.raises(WannError, match="truncated"):
        load_mnist(bad)


def test_download_checks_checksums(tmp_path, monkeypatch):
    """A mirror (here a local folder) fills the cache once; a wrong checksum is an error and
    leaves no file behind."""
    mirror = tmp_path / "mirror"
    fake_mnist(mirror, gz=True)
    sums = {f"{n}.gz": hashlib.md5((mirror / f"{n}.gz").read_bytes()).hexdigest() for n in FILES}
    monkeypatch.setenv("WANN_CACHE", str(tmp_path / "cache"))
    d = load_mnist(None, mirrors=(f"file://{mirror}/",), checksums=sums)
    assert d.x_train.shape == (40, 256)
    cached = sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir())
    assert cached == sorted(f"{n}.gz" for n in FILES)
    # Once cached, no mirror is needed.
    assert load_mnist(None, mirrors=()).x_test.shape == (20, 256)
    wrong = {**sums, f"{FILES[0]}.gz": "0" * 32}
    with pytest.raises(WannError, match="checksum mismatch"):
        download(tmp_path / "other", (f"file://{mirror}/",), wrong)
    assert not any((tmp_path / "other").iterdir())


def test_gzip_files_decompress_like_plain(tmp_path):
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    write_idx(tmp_path / "p", a)
    (tmp_path / "p.gz").write_bytes(gzip.compress((tmp_path / "p").read_bytes()))
    assert np.array_equal(read_idx(tmp_path / "p.gz"), read_idx(tmp_path / "p"))


def test_resize_and_deskew():
    flat = np.full((1, 28, 28), 0.5)
    assert np.allclose(resize(flat), 0.5)
    assert resize(flat).shape == (1, 16, 16)
    img = np.zeros((1, 16, 16))
    for y in range(16):
        img[0, y, 4 + y // 2] = 1.0  # a stroke leaning right
    out = deskew(img)

    def mu11(a):
        ys, xs = np.mgrid[:16, :16]
        m = a.sum()
        yc, xc = (a * ys).sum() / m, (a * xs).sum() / m
        return ((ys - yc) * (xs - xc) * a).sum()

    assert abs(mu11(out[0])) < 0.05 * abs(mu11(img[0]))
    assert np.isclose(out.sum(), img.sum())
    blank = np.zeros((1, 16, 16))
    assert np.array_equal(deskew(blank), blank)

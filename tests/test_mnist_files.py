"""MNIST from the real files (../shared/data/mnist; skipped where absent): the files are the
standard ones, the 16x16 deskewed set equals an independent resize and deskew (scipy.ndimage,
not the package's numpy), the 28x28 set is the pixels / 255; the 16x16 set is built once per
process; `wann compare --task mnist28` runs LeNet-300-100."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage as ndi
from test_datasets import fake_mnist

import wann.datasets.mnist as mnist_module
from wann import WannError
from wann.cli import main
from wann.datasets import load_dataset, memo
from wann.datasets.idx import read_idx, write_idx
from wann.datasets.mnist import FILES

# From ../shared/data/mnist/README.md: SHA-256 of the decompressed files, label counts.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def raw(mnist_dir: Path) -> dict[str, np.ndarray]:
    return {n: read_idx(mnist_dir / f"{n}.gz") for n in FILES}


@pytest.fixture(scope="module")
def mnist16(mnist_dir: Path):
    return load_dataset("mnist", mnist_dir)


def test_the_files_are_the_standard_mnist(mnist_dir: Path, raw) -> None:
    for name, digest in SHA256.items():
        data = gzip.decompress((mnist_dir / f"{name}.gz").read_bytes())
        assert hashlib.sha256(data).hexdigest() == digest, name
    assert raw[FILES[0]].shape == (60000, 28, 28) and raw[FILES[2]].shape == (10000, 28, 28)
    assert np.bincount(raw[FILES[1]]).tolist() == TRAIN_COUNTS
    assert np.bincount(raw[FILES[3]]).tolist() == TEST_COUNTS
    assert round(float(raw[FILES[0]].mean(dtype=np.float64)), 3) == 33.318


def scipy_16x16(images: np.ndarray) -> np.ndarray:
    """Resize 28 -> 16 (bilinear, half-pixel centres: zoom's grid mode) and shear each image by
    its moments (mu11 / mu02 about the middle row), by scipy.ndimage over the whole stack."""
    small = ndi.zoom(images.astype(np.float64) / 255.0, (1, 16 / 28, 16 / 28), order=1,
                     mode="nearest", grid_mode=True)
    n, h, w = small.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    mass = small.sum(axis=(1, 2))
    yc = np.einsum("nij,ij->n", small, yy) / mass
    xc = np.einsum("nij,ij->n", small, xx) / mass
    dy = yy[None] - yc[:, None, None]
    mu11 = (small * dy * (xx[None] - xc[:, None, None])).sum(axis=(1, 2))
    mu02 = (small * dy * dy).sum(axis=(1, 2))
    flat = np.abs(mu02) < 1e-2
    skew = np.where(flat, 0.0, mu11 / np.where(flat, 1.0, mu02))
    cn = np.broadcast_to(np.arange(n, dtype=np.float64)[:, None, None], small.shape)
    cy = np.broadcast_to(yy[None], small.shape)
    cx = xx[None] + skew[:, None, None] * (yy[None] - h / 2)
    out = ndi.map_coordinates(small, [cn, cy, cx], order=1, mode="grid-constant", cval=0.0)
    out[flat] = small[flat]
    return np.clip(out, 0.0, 1.0).reshape(n, h * w)


def one_image_16x16(image: np.ndarray) -> np.ndarray:
    """The same for one image by another route: zoom, then an affine transform."""
    small = ndi.zoom(image.astype(np.float64) / 255.0, 16 / 28, order=1, mode="nearest",
                     grid_mode=True)
    h, w = small.shape
    cy, cx = ndi.center_of_mass(small)
    yy, xx = np.mgrid[0:h, 0:w]
    mu11 = float((small * (yy - cy) * (xx - cx)).sum())
    mu02 = float((small * (yy - cy) ** 2).sum())
    if abs(mu02) >= 1e-2:
        skew = mu11 / mu02
        small = ndi.affine_transform(small, np.array([[1.0, 0.0], [skew, 1.0]]),
                                     offset=(0.0, -skew * h / 2), order=1,
                                     mode="grid-constant", cval=0.0)
    return np.clip(small, 0.0, 1.0).reshape(-1)


def test_the_16x16_set_equals_an_independent_resize_and_deskew(mnist16, raw) -> None:
    d = mnist16
    assert d.name == "mnist" and d.n_in == 256
    assert d.x_train.shape == (60000, 256) and d.x_test.shape == (10000, 256)
    assert d.x_train.dtype == np.float64
    assert np.array_equal(d.y_train, raw[FILES[1]]) and np.array_equal(d.y_test, raw[FILES[3]])
    for x, images in ((d.x_train, raw[FILES[0]]), (d.x_test, raw[FILES[2]])):
        expected = scipy_16x16(images)
        np.testing.assert_allclose(x, expected, rtol=0, atol=1e-12)
        # The statistics follow: mean, spread and the share of blank pixels.
        assert abs(x.mean() - expected.mean()) < 1e-12
        assert abs(x.std() - expected.std()) < 1e-12
        assert np.mean(x == 0.0) == pytest.approx(np.mean(expected == 0.0), abs=1e-4)
    assert 0.0 == d.x_train.min() and d.x_train.max() == 1.0
    # A handful of images by the one-image route: the first, the last and a seeded sample.
    rng = np.random.default_rng(22)
    for x, images in ((d.x_train, raw[FILES[0]]), (d.x_test, raw[FILES[2]])):
        n = len(images)
        for i in [0, n - 1, *rng.choice(n, 30, replace=False)]:
            np.testing.assert_allclose(x[i], one_image_16x16(images[i]), rtol=0, atol=1e-12)
    # Deskewing stands the digits upright: the mean |mu11 / mu02| drops.
    assert mean_abs_skew(d.x_train[:2000]) < 0.25 * mean_abs_skew(
        ndi.zoom(raw[FILES[0]][:2000] / 255.0, (1, 16 / 28, 16 / 28), order=1,
                 mode="nearest", grid_mode=True).reshape(2000, 256))


def mean_abs_skew(x: np.ndarray) -> float:
    img = x.reshape(len(x), 16, 16)
    yy, xx = np.mgrid[0:16, 0:16].astype(np.float64)
    m = img.sum(axis=(1, 2))
    yc, xc = (img * yy).sum(axis=(1, 2)) / m, (img * xx).sum(axis=(1, 2)) / m
    dy, dx = yy - yc[:, None, None], xx - xc[:, None, None]
    return float(np.mean(np.abs((img * dy * dx).sum(axis=(1, 2)) / (img * dy * dy).sum(axis=(1, 2)))))


def test_the_28x28_set_is_the_pixels_over_255(mnist_dir: Path, raw) -> None:
    d = load_dataset("mnist28", mnist_dir)
    assert d.name == "mnist28" and d.n_in == 784 and d.n_classes == 10
    assert d.x_train.shape == (60000, 784) and d.x_test.shape == (10000, 784)
    assert np.array_equal(np.rint(d.x_train * 255).astype(np.uint8),
                          raw[FILES[0]].reshape(60000, 784))
    assert np.array_equal(np.rint(d.x_test * 255).astype(np.uint8),
                          raw[FILES[2]].reshape(10000, 784))
    assert np.array_equal(d.y_train, raw[FILES[1]]) and np.array_equal(d.y_test, raw[FILES[3]])
    assert round(float(d.x_train.mean()) * 255, 3) == 33.318
    assert d.split["dataset"] == "mnist28" and d.split["n_test"] == 10000


def test_the_16x16_set_is_built_once_per_process(tmp_path: Path, monkeypatch) -> None:
    """A second load copies the kept arrays (the build is not repeated); a file whose bytes
    changed is read again."""
    memo.forget()
    fake_mnist(tmp_path / "d")
    first = load_dataset("mnist", tmp_path / "d")

    def no_rebuild(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("rebuilt")

    monkeypatch.setattr(mnist_module, "preprocess", no_rebuild)
    second = load_dataset("mnist", tmp_path / "d")
    assert np.array_equal(first.x_train, second.x_train) and first.split == second.split
    second.x_train[:] = 0.0  # a caller's change stays its own
    assert load_dataset("mnist", tmp_path / "d").x_train.max() == 1.0
    labels = read_idx(tmp_path / "d" / FILES[1])
    write_idx(tmp_path / "d" / FILES[1], labels[::-1])  # same size, other bytes
    with pytest.raises(AssertionError, match="rebuilt"):
        load_dataset("mnist", tmp_path / "d")
    memo.forget()


def test_mnist28_refuses_images_of_another_size(tmp_path: Path) -> None:
    fake_mnist(tmp_path / "d")
    write_idx(tmp_path / "d" / FILES[2], np.zeros((20, 16, 16), np.uint8))
    with pytest.raises(WannError, match="16x16.*28x28"):
        load_dataset("mnist28", tmp_path / "d")


def small_idx_set(folder: Path, n_train: int = 300, n_test: int = 100) -> None:
    """The first images of the real files (random strokes where they are absent)."""
    real = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    if not (real / f"{FILES[0]}.gz").is_file():
        fake_mnist(folder, n_train, n_test)
        return
    folder.mkdir(parents=True)
    for name, n in zip(FILES, (n_train, n_train, n_test, n_test)):
        write_idx(folder / name, read_idx(real / f"{name}.gz")[:n])


def test_compare_on_mnist28_trains_lenet_300_100(tmp_path: Path, capsys) -> None:
    data = tmp_path / "mnist"
    small_idx_set(data)
    out = tmp_path / "cmp"
    assert main(["compare", "--task", "mnist28", "--data", str(data), "--epochs", "1",
                 "--methods", "dense", "pruned", "--sparsities", "0.9", "--search-preset",
                 "digits", "--search-generations", "1", "--search-pop-size", "8", "--grid", "3",
                 "--episodes", "2", "--out", str(out)]) == 0
    table = (out / "table.md").read_text()
    for row in ("| WANN (fresh search)", "| dense 784-300-100-10", "| pruned 90%"):
        assert row in table
    assert "784-300-100-10" in capsys.readouterr().err
    rows = json.loads((out / "compare.json").read_text())
    assert "mnist28" in json.dumps(rows)

"""The paper's 16x16 MNIST: the four standard IDX files, resized and deskewed as the reference.

The reference release scales pixels to [0, 1], resizes each 28x28 image to 16x16 by bilinear
interpolation (OpenCV's INTER_LINEAR: half-pixel centres), then deskews the small image by
its moments: a horizontal shear by mu11 / mu02 about the image's middle row, sampled
bilinearly with zeros outside. Both steps are done here in numpy, vectorised over images.

Where the files come from: `data_dir` (the CLI's --data, or $WANN_DATA), else the download
cache ($WANN_CACHE or ~/.cache/wann, folder mnist), filled once from the usual mirrors with
each file's MD5 checked.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wann import WannError
from wann.datasets import Dataset
from wann.datasets.idx import read_idx

FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
# MD5 of the distributed .gz files.
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
SIZE = 16
RAW_SIZE = 28  # MNIST's own image size


def mirrors_from_env() -> tuple[str, ...]:
    """$WANN_MNIST_MIRRORS (URLs separated by spaces or commas, each ending in '/'; file:// works,
    for a site without internet), else the public mirrors."""
    env = os.environ.get("WANN_MNIST_MIRRORS", "").replace(",", " ").split()
    return tuple(env) or MIRRORS


def cache_dir() -> Path:
    """Where downloaded files are kept: $WANN_CACHE/mnist, else ~/.cache/wann/mnist."""
    base = os.environ.get("WANN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "wann"
    )
    return Path(base) / "mnist"


def find_files(folder: Path) -> dict[str, Path]:
    """The four files present in a folder, each plain or .gz (plain preferred)."""
    found = {}
    for name in FILES:
        for cand in (folder / name, folder / f"{name}.gz"):
            if cand.is_file():
                found[name] = cand
                break
    return found


def md5(path: Path) -> str:
    h = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(
    dest: Path,
    mirrors: Sequence[str] = MIRRORS,
    checksums: dict[str, str] = MD5,
    timeout: float = 30.0,
) -> None:
    """Fetch the four .gz files into dest, checking each MD5; OSError when none can be had.

    A file is written under a temporary name and renamed only once its checksum matches, so an
    interrupted download leaves nothing that looks complete. A checksum mismatch is a WannError.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        gz = f"{name}.gz"
        target = dest / gz
        if target.is_file():
            continue
        last: Exception | None = None
        for base in mirrors:
            tmp = dest / f".{gz}.part"
            try:
                with urllib.request.urlopen(base + gz, timeout=timeout) as r, tmp.open("wb") as f:
                    while block := r.read(1 << 20):
                        f.write(block)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last = exc
                tmp.unlink(missing_ok=True)
                continue
            got = md5(tmp)
            if got != checksums[gz]:
                tmp.unlink(missing_ok=True)
                raise WannError(
                    f"checksum mismatch for {gz} from {base}: MD5 {got}, expected {checksums[gz]}"
                )
            tmp.replace(target)
            break
        else:
            raise OSError(f"could not download {gz}: {last}")


def missing_error(data_dir: Path | None, detail: str) -> WannError:
    where = f"{data_dir} (--data)" if data_dir is not None else "a folder given by --data DIR or WANN_DATA"
    return WannError(
        f"MNIST files not found and could not be downloaded ({detail}): put "
        f"{', '.join(FILES)} (plain or .gz) in {where}, or let them download into {cache_dir()}"
    )


def locate(
    data_dir: str | Path | None, mirrors: Sequence[str] = MIRRORS, checksums: dict[str, str] = MD5
) -> dict[str, Path]:
    """The four files: from data_dir, else the cache, else downloaded into the cache."""
    given = Path(data_dir) if data_dir is not None else None
    if given is not None:
        if given.exists() and not given.is_dir():
            raise WannError(f"--data {str(given)!r} is not a folder")
        found = find_files(given) if given.is_dir() else {}
        if len(found) == len(FILES):
            return found
        if found:
            missing = [n for n in FILES if n not in found]
            raise WannError(f"MNIST folder {str(given)!r} lacks {', '.join(missing)} (plain or .gz)")
    cache = cache_dir()
    found = find_files(cache)
    if len(found) == len(FILES):
        return found
    try:
        download(cache, mirrors, checksums)
    except OSError as exc:
        raise missing_error(given, str(exc)) from None
    return find_files(cache)


def resize_matrix(n_src: int, n_dst: int) -> np.ndarray:
    """Bilinear resampling [n_dst, n_src] with half-pixel centres and clamped edges."""
    scale = n_src / n_dst
    fx = (np.arange(n_dst) + 0.5) * scale - 0.5
    fx = np.clip(fx, 0.0, n_src - 1)
    x0 = np.minimum(np.floor(fx).astype(np.int64), n_src - 1)
    x1 = np.minimum(x0 + 1, n_src - 1)
    a = fx - x0
    m = np.zeros((n_dst, n_src))
    np.add.at(m, (np.arange(n_dst), x0), 1.0 - a)
    np.add.at(m, (np.arange(n_dst), x1), a)
    return m


def resize(images: np.ndarray, size: int = SIZE) -> np.ndarray:
    """[n, h, w] -> [n, size, size] by separable bilinear interpolation."""
    ry = resize_matrix(images.shape[1], size)
    rx = resize_matrix(images.shape[2], size)
    return np.einsum("yh,nhw,xw->nyx", ry, images, rx, optimize=True)


def deskew(images: np.ndarray) -> np.ndarray:
    """Shear each image so its main axis stands upright (moments: skew = mu11 / mu02).

    Output pixel (y, x) samples the input at (y, x + skew (y - h/2)), bilinearly, zero outside;
    an image with mu02 below 1e-2 (blank) is left as it is.
    """
    n, h, w = images.shape
    ys = np.arange(h, dtype=np.float64)[None, :, None]
    xs = np.arange(w, dtype=np.float64)[None, None, :]
    mass = images.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    yc = (images * ys).sum(axis=(1, 2)) / safe
    xc = (images * xs).sum(axis=(1, 2)) / safe
    dy = ys - yc[:, None, None]
    mu11 = (images * dy * (xs - xc[:, None, None])).sum(axis=(1, 2))
    mu02 = (images * dy * dy).sum(axis=(1, 2))
    flat = np.abs(mu02) < 1e-2
    skew = np.where(flat, 0.0, mu11 / np.where(flat, 1.0, mu02))
    src_x = xs + skew[:, None, None] * (ys - 0.5 * h)  # [n, h, w]
    x0 = np.floor(src_x).astype(np.int64)
    a = src_x - x0
    padded = np.zeros((n, h, w + 2))
    padded[:, :, 1:-1] = images

    def at(col: np.ndarray) -> np.ndarray:
        inside = (col >= 0) & (col < w)
        c = np.where(inside, col + 1, 0)  # padded column 0 is zero
        return np.take_along_axis(padded, c, axis=2)

    out = (1.0 - a) * at(x0) + a * at(x0 + 1)
    out[flat] = images[flat]
    return out


def preprocess(images: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Raw uint8 [n, 28, 28] -> float64 [n, size * size] in [0, 1]: scale, resize, deskew."""
    x = deskew(resize(np.asarray(images, np.float64) / 255.0, size))
    return np.clip(x, 0.0, 1.0).reshape(len(x), size * size)


def _check(images: np.ndarray, labels: np.ndarray, what: str) -> None:
    if images.ndim != 3 or labels.ndim != 1:
        raise WannError(
            f"MNIST {what} files have the wrong shape: images {images.shape}, labels {labels.shape}"
        )
    if images.shape[1:] != (RAW_SIZE, RAW_SIZE):
        h, w = images.shape[1:]
        raise WannError(
            f"MNIST {what} images are {h}x{w}; MNIST's are {RAW_SIZE}x{RAW_SIZE}, which the "
            f"reference's preprocessing (resize to {SIZE}x{SIZE}, deskew) is defined for"
        )
    if images.shape[0] == 0:
        raise WannError(f"MNIST {what} files hold no images")
    if images.shape[0] != labels.shape[0]:
        raise WannError(f"MNIST {what} files disagree: {images.shape[0]} images, {labels.shape[0]} labels")
    if labels.size and labels.max() > 9:
        raise WannError(f"MNIST {what} labels must lie in 0..9, found {int(labels.max())}")


def load_mnist(
    data_dir: str | Path | None = None,
    size: int = SIZE,
    mirrors: Sequence[str] | None = None,
    checksums: dict[str, str] = MD5,
) -> Dataset:
    """16x16 MNIST (size x size inputs), the standard 60,000 / 10,000 split (mirrors: default
    $WANN_MNIST_MIRRORS, else the public ones)."""
    files = locate(data_dir, mirrors_from_env() if mirrors is None else mirrors, checksums)
    tr_x, tr_y = read_idx(files[FILES[0]]), read_idx(files[FILES[1]])
    te_x, te_y = read_idx(files[FILES[2]]), read_idx(files[FILES[3]])
    _check(tr_x, tr_y, "training")
    _check(te_x, te_y, "test")
    split = {
        "dataset": "mnist",
        "size": int(size),
        "n_train": int(tr_y.size),
        "n_test": int(te_y.size),
        "files": {n: p.name for n, p in files.items()},
    }
    return Dataset(
        "mnist",
        preprocess(tr_x, size),
        tr_y.astype(np.int64),
        preprocess(te_x, size),
        te_y.astype(np.int64),
        10,
        split,
    )

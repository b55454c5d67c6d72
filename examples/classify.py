"""Search for a weight agnostic classifier of handwritten digits; MNIST where its files are.

    python examples/classify.py [generations] [MNIST_DIR]
    python examples/classify.py 32 ../shared/data/mnist

digits is scikit-learn's 8x8 set (no download); MNIST is read from the four IDX files in
MNIST_DIR (or $WANN_DATA; ../shared/data/mnist beside this checkout), resized to the paper's
16x16 and deskewed.
"""

import sys
from pathlib import Path

import wann


def search(task: str, generations: int, pop_size: int, data: str | Path | None = None) -> dict:
    settings = wann.preset("digits").replace(pop_size=pop_size, generations=generations)
    result = wann.evolve(task, settings, seed=0, data=data)
    scores = wann.score(result.champion, result.task)
    ens = scores["ensemble"]  # softmax outputs averaged over the shared weights
    print(f"{task}: {result.champion.n_enabled} connections, ensemble test accuracy "
          f"{100 * ens['accuracy']:.1f}%, cross-entropy {ens['cross_entropy']:.3f}")
    return scores


def main(generations: int = 32, mnist: str | Path | None = None, pop_size: int = 128) -> dict:
    out = {"digits": search("digits", generations, pop_size)}
    if mnist is not None:
        out["mnist"] = search("mnist", generations, pop_size, data=mnist)
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 32, sys.argv[2] if len(sys.argv) > 2 else None)

"""kWTA's winners at test time: the training k against Ahmad & Scheinkman's 1.5 k.

They let round(1.5 k) units win at test time (kInferenceFactor), with k a tenth to a third of
a layer. `wann compare`'s kwta nets keep k at test; this measures why, on the nets `wann
compare` trains (`wann.baselines.classifier.kwta_net`): each net is trained once, boosted or
not, then scored with k and with 1.5 k winners, clean and with Ahmad & Scheinkman's pixel
noise (its noise score over the 11 levels, `wann.methods.classification.noise_curves`).

    python benchmarks/kwta_test_k.py --data ../shared/data/mnist --out results/kwta-test-k.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, table  # noqa: E402

from wann.baselines.classifier import KWTA_BOOST, kwta_net  # noqa: E402
from wann.classify import get_classify_task  # noqa: E402
from wann.classify.mlp import TrainSettings  # noqa: E402
from wann.methods.classification import PIXEL_LEVELS, noise_curves  # noqa: E402

# (task, layers, k, epochs): the digits study's 64-100-50-10 at kwta's default k, and
# LeNet-300-100 on MNIST at k = 30 (10% and 30% active, Ahmad & Scheinkman's range).
CASES = (("digits", [64, 100, 50, 10], 25, 30), ("mnist28", [784, 300, 100, 10], 30, 5))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder of the four MNIST IDX files")
    ap.add_argument("--sparsities", default="0.5,0.7")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sparsities = [float(s) for s in args.sparsities.split(",")]
    rows = []
    t0 = time.perf_counter()
    for name, layers, k, epochs in CASES:
        task = get_classify_task(name, args.data if name != "digits" else None)
        settings = TrainSettings(epochs=epochs)
        for sparsity in sparsities:
            for strength in (KWTA_BOOST["strength"], 0.0):
                row = kwta_net(layers, task.x_train, task.y_train, k, sparsity, settings,
                               seed=args.seed, boost={**KWTA_BOOST, "strength": strength})
                for factor in (1.0, 1.5):
                    row.net.kwta.k_factor = factor
                    curve = noise_curves(task, [row], PIXEL_LEVELS, seed=args.seed)[0]
                    rows.append([name, "-".join(map(str, layers)), k, f"{sparsity:.0%}",
                                 "yes" if strength else "no",
                                 f"{factor:g} k ({min(round(k * factor), min(layers[1:-1]))})",
                                 f"{100 * curve.returns[0].mean():.1f}",
                                 f"{int(curve.returns.sum()):,}",
                                 f"{curve.returns.size:,}"])
                    print(" | ".join(map(str, rows[-1])), flush=True)
    text = [f"## kWTA's winners at test time: k or 1.5 k: {machine()}", "",
            f"_Seed {args.seed}; each net trained once by Adam (digits 30 epochs, MNIST 5) with a "
            "uniform random weight mask, boosted (strength 1.5, times 0.85 an epoch) or not, "
            "then scored with k and with round(1.5 k) winners (at most the narrowest layer's "
            "width, shown for it). Noise score: correct answers over Ahmad & Scheinkman's 11 "
            "pixel-noise levels (0-50% of the pixels set to the training mean + 2 sd), out of "
            f"the count in the last column. {time.perf_counter() - t0:.0f} s._", "",
            table(["task", "net", "k", "weights removed", "boosted", "winners at test",
                   "clean accuracy (%)", "noise score", "of"], rows)]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()

"""Named random streams: every purpose that draws random numbers from a run seed has its tag here.

A stream is (seed, tag[, index]) fed to numpy's SeedSequence, so training, checking and test
episodes never share episodes by construction, and two places that must draw the same numbers
(`wann eval --random` and `wann compare`'s random columns) name the same stream. The search's
per-generation episode seeds are (run seed, generation), without a tag
(wann.evaluation.episode_seeds).
"""

from __future__ import annotations

import numpy as np

SEARCH = 0x5EA2C4  # the search's generator: initial population, selection, mutation
TEST = 0x7E57  # test episodes (wann.scoring.test_seeds), for every row of every table
RANDOM_WEIGHTS = 0xB0B  # random (shared) weights drawn for `wann eval --random` and `wann compare`
SWEEP = 0x5EE9  # training episodes of the shared-weight sweep
CMA = 0xC3A  # CMA-ES training episodes, and its own seed (sub_seed)
CHECK = 0xC4EC  # CMA-ES check episodes (the mean is scored on these, never on test episodes)
CMA_RNG = 0x7A9  # CMA-ES's normal draws
DENSE_INIT = 0xDE45E  # a dense baseline's initial weights
RANDOM_MASK = 0x3A5C  # the random-mask baseline's masks
OBD = 0x0BD  # Optimal Brain Damage: the common episodes of the finite-difference Hessian
STRUCTURED_INIT = 0x5C2A7C  # structured pruning: the fresh initial weights of training from scratch
TICKET_REINIT = 0x2E1A1  # lottery masks with random re-initialization instead of rewinding
LAYER_REINIT = 0x1A7E2  # layer re-initialization: the fresh random values of a layer
OBS_NOISE = 0xA015E  # observation noise, keyed by episode seed (identical for every row)
KWTA = 0x4B7A  # k-winners-take-all nets: their sparse masks and initial weights
RETEST = 0xBE57  # re-test episodes of each generation's best (best_reps per weight; index: generation)
# Classification (gradient-trained nets and data), each seeded from a run seed like the above.
ADAM_BATCHES = 0xADA5  # the minibatch order of one Adam training (seeded per training, below)
PRUNE_FINETUNE = 0xF1E7  # magnitude pruning's fine-tuning (index: sparsity)
LOTTERY_ROUND = 0x1077  # each lottery round's retraining (index: round)
RANDOM_MASK_TRAIN = 0x3A5D  # a random mask's training (index: sparsity)
OBD_RETRAIN = 0x0BE  # OBD's retraining after each deletion (index: level)
STRUCTURED_TRAIN = 0x5C2A7D  # structured pruning's fine-tuning / training (index: sparsity)
TICKET_REINIT_TRAIN = 0x2E1A2  # a re-initialized ticket's training (index: ticket)
KWTA_TRAIN = 0x4B7B  # a kWTA net's training (index: sparsity)
SUPERMASK = 0x5A9E  # the learned supermask's Bernoulli draws and minibatches
WANN_ADAM = 0xF17E  # the WANN's own weights trained by Adam from its tuned shared weight
CLASSIFY_RANDOM = 0xC1A5  # random (shared) weights of classification's random columns
MINIBATCH = 0xBA7C  # the training images of one fitness evaluation (keyed by episode seed)
DIGITS_SPLIT = 0xD161  # the digits data set's train/test split
PIXEL_NOISE = OBS_NOISE  # pixel noise of the classification noise report (same tag)

# The seeds of each training of a control comparison: sub_seed(run seed, tag[, index]).
FIXED_TOPOLOGY_TRAIN = 1  # the paper's fixed-topology net
PRUNED_TRAIN = 2  # magnitude pruning's fine-tuning (index: sparsity)
LOTTERY_TRAIN = 3  # the lottery tickets (each round: sub_seed(that seed, round))
RANDOM_MASK_CMA = 4  # a random mask's draw and training (index: sparsity)
DENSE_TRAIN = 5  # the dense start
WANN_TUNE = 7  # the WANN's own weights, tuned by CMA-ES
OBD_TRAIN = 11  # OBD's retraining (each level: sub_seed(that seed, level))
STRUCTURED_TUNE = 12  # structured pruning, fine-tuned (index: sparsity)
STRUCTURED_SCRATCH = 13  # structured pruning, trained from scratch (index: sparsity)
TICKET_REINIT_CMA = 14  # a re-initialized ticket's training (index: ticket)
KWTA_CMA = 15  # a kWTA net's draw and training (index: sparsity)


def method_tag(name: str) -> int:
    """The stream of a method added through the registry (wann.methods), named by the method:
    a new method needs no tag here, and two methods never share one by accident."""
    import zlib

    return 0x3E7_0000_0000 + zlib.crc32(name.encode())


def generator(seed: int, tag: int) -> np.random.Generator:
    """The numpy Generator of one named stream of a seeded run."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(tag)]))


def stream_seeds(seed: int, tag: int, n: int, index: int = 0) -> np.ndarray:
    """n episode seeds for one purpose (tag) and step (index) of a seeded run."""
    ss = np.random.SeedSequence([int(seed), int(tag), int(index)])
    return ss.generate_state(n, dtype=np.uint32).astype(np.int64)


def sub_seed(seed: int, *path: int) -> int:
    """A positive integer seed derived from a run seed (cma treats 0 as 'use the clock')."""
    ss = np.random.SeedSequence([int(seed), *map(int, path)])
    return int(ss.generate_state(1, dtype=np.uint32)[0] % (2**31 - 2)) + 1

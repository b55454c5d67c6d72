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
SUPERMASK = 0x5A9E  # the learned supermask's Bernoulli draws and minibatches
SET_REGROW = 0x5E7  # sparse evolutionary training: where weights regrow and their values
WANN_ADAM = 0xF17E  # the WANN's own weights trained by Adam from its tuned shared weight
CLASSIFY_RANDOM = 0xC1A5  # random (shared) weights of classification's random columns
MINIBATCH = 0xBA7C  # the training images of one fitness evaluation (keyed by episode seed)
DIGITS_SPLIT = 0xD161  # the digits data set's train/test split
PIXEL_NOISE = OBS_NOISE  # pixel noise of the classification noise report (same tag)

# The trainings of a comparison's methods: sub_seed(run seed, the method's tag[, index]),
# the same on every task family (wann.methods.registry.Context.sub).
METHOD_TAGS = {
    "fixed_topology": 1,  # the paper's fixed-topology net
    "pruned": 2,  # magnitude pruning's fine-tuning (index: sparsity)
    "lottery": 3,  # the lottery tickets (each round: sub_seed(that seed, round))
    "random_mask": 4,  # a random mask's draw and training (index: sparsity)
    "dense": 5,  # the dense start
    "wann_tune": 7,  # the WANN's own weights, tuned by CMA-ES
    "obd": 11,  # OBD's retraining (each level: sub_seed(that seed, level))
    "structured_finetune": 12,  # structured pruning, fine-tuned (index: sparsity)
    "structured_scratch": 13,  # structured pruning, trained from scratch (index: sparsity)
    "lottery_reinit": 14,  # a re-initialized ticket's training (index: ticket)
    "kwta": 15,  # a kWTA net's draw and training (index: sparsity)
    "snip": 16,  # SNIP's trainings (index: sparsity)
    "set": 17,  # sparse evolutionary training: its mask, regrowth and training (index: sparsity)
    "linear": 18,  # the linear net (inputs wired to outputs only) and its training
}


def method_tag(name: str) -> int:
    """The stream of a comparison method: its tag above, or one named by the method (a
    method added through the registry needs no tag here, and two never share one by
    accident)."""
    import zlib

    return METHOD_TAGS.get(name, 0x3E7_0000_0000 + zlib.crc32(name.encode()))


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

"""Baselines for the WANN comparison: dense, pruned, lottery-ticket, signed-constant and random
networks. Every one is an ordinary genome (a mask is a set of disabled connections), trained
and scored through the same evaluators as a WANN.

Examples:
    The families `wann compare` runs; a new baseline is one more `Baseline` object there.

    >>> from wann.baselines.families import STANDARD
    >>> [family.name for family in STANDARD][:4]
    ['fixed_topology', 'dense', 'pruned', 'lottery']
"""

from wann.baselines.common import Net

__all__ = ["Net"]

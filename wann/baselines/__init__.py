"""Baselines for the WANN comparison: dense, pruned, lottery-ticket, signed-constant and random
networks. Every one is an ordinary genome (a mask is a set of disabled connections), trained
and scored through the same evaluators as a WANN.
"""

from wann.baselines.common import Net

__all__ = ["Net"]

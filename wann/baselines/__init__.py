"""Baselines for the WANN comparison: dense, pruned, lottery-ticket, signed-constant and random
networks. Every one is an ordinary genome (a mask is a set of disabled connections), trained
and scored through the same evaluators as a WANN.

Examples:
    The paper's dense net for swing-up, as layer sizes (inputs and bias, hidden, output):

    >>> import wann
    >>> from wann.baselines.dense import dense_layers
    >>> dense_layers(wann.get_task("swingup"), [10])
    [5, 10, 1]
"""

from wann.baselines.common import Net

__all__ = ["Net"]

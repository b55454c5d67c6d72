"""What every baseline produces: a named network with its own weights and its cost."""

from __future__ import annotations

from dataclasses import dataclass

from wann.genome import Genome


@dataclass
class Net:
    """A network of one comparison row.

    `genome` holds the topology (disabled connections are pruned ones) and the network's own
    weights; `env_steps` counts the episode steps spent making it (rollouts x episode length,
    an upper bound since failing episodes stop early), including the steps of whatever it was
    derived from (None: unknown, as for a given champion); `trained` says whether its own
    weights came from training; `family` names the sparsity curve it belongs to (set by
    the comparison to its method's name when left empty).
    """

    name: str
    genome: Genome
    env_steps: int | None
    trained: bool = True
    sparsity: float | None = None
    note: str = ""
    family: str = ""
    in_table: bool = True  # False: reported beside the table only (kWTA nets on control tasks)

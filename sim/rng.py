"""Named random-number streams: one ``SeedSequence`` per (seed, replication), one child
stream per component name.

A component's stream is keyed by a stable hash of its *name*, not by its position, so
adding a component (or a site, or a channel) never shifts another component's draws.
That is what makes two scenarios that differ in one place share common random numbers
everywhere else, and what makes the same seed give bit-identical results.
"""

from __future__ import annotations

import zlib

import numpy as np


def _name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The random streams of one replication.

    >>> s = Streams(seed=7, replication=0)
    >>> a = s.get("demand.web").random()
    >>> a == Streams(7, 0).get("demand.web").random()
    True
    """

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError(f"seed and replication must be >= 0, got {seed}, {replication}")
        self.seed = seed
        self.replication = replication
        self._made: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """The generator for component ``name`` (the same object on every call)."""
        gen = self._made.get(name)
        if gen is None:
            seq = np.random.SeedSequence(
                self.seed, spawn_key=(self.replication, _name_key(name))
            )
            gen = np.random.Generator(np.random.PCG64(seq))
            self._made[name] = gen
        return gen

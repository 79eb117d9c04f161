"""Shipping: labelled parcels wait at the dock for the carrier's next pick-up.

One SimPy process per site's dock wakes at each pick-up time and hands over every parcel
labelled at least ``cutoff_min`` before it; the rest wait for the next pick-up. The
hand-over is a batch, so delivery outcomes are computed for the batch at once (see
:mod:`sim.model.delivery`). A carrier with no pick-up times collects continuously.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from sim.records import Recorder

OnShip = Callable[[np.ndarray, float], None]  # (order ids, pick-up time h)


class Dock:
    """The staging lane of one site."""

    def __init__(self, env: simpy.Environment, rec: Recorder, pickups_h: np.ndarray,
                 cutoff_h: float, on_ship: OnShip) -> None:
        self.env = env
        self.rec = rec
        self.pickups_h = pickups_h
        self.cutoff_h = cutoff_h
        self.on_ship = on_ship
        self.continuous = len(pickups_h) == 0
        self.staged: list[int] = []  # in labelling order
        if not self.continuous:
            env.process(self._collections())

    def stage(self, order: int) -> None:
        if self.continuous:
            self.on_ship(np.array([order]), self.env.now)
        else:
            self.staged.append(order)

    def _collections(self) -> Generator:
        env, labelled = self.env, self.rec.labelled_h
        for t in self.pickups_h:
            if t > env.now:
                yield env.timeout(t - env.now)
            ready_by = t - self.cutoff_h
            # Parcels are staged in labelling order: the ready ones are a prefix.
            k = 0
            while k < len(self.staged) and labelled[self.staged[k]] <= ready_by:
                k += 1
            if k:
                batch, self.staged = self.staged[:k], self.staged[k:]
                self.on_ship(np.asarray(batch, dtype=np.int64), t)

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

from sim.model.shipments import Shipments

OnShip = Callable[[np.ndarray, float], None]  # (parcels, pick-up time h)


class Dock:
    """The staging lane of one site."""

    def __init__(self, env: simpy.Environment, table: Shipments, pickups_h: np.ndarray,
                 cutoff_h: float, on_ship: OnShip) -> None:
        self.env = env
        self.table = table
        self.pickups_h = pickups_h
        self.cutoff_h = cutoff_h
        self.on_ship = on_ship
        self.continuous = len(pickups_h) == 0
        self.staged: list[int] = []  # in labelling order
        if not self.continuous:
            env.process(self._collections())

    def stage(self, parcel: int) -> None:
        if self.continuous:
            self.on_ship(np.array([parcel]), self.env.now)
        else:
            self.staged.append(parcel)

    def _collections(self) -> Generator:
        env = self.env
        for t in self.pickups_h:
            if t > env.now:
                yield env.timeout(t - env.now)
            labelled = self.table.labelled_h  # (read after the wait: the table may grow)
            ready_by = t - self.cutoff_h
            # Parcels are staged in labelling order: the ready ones are a prefix.
            k = 0
            while k < len(self.staged) and labelled[self.staged[k]] <= ready_by:
                k += 1
            if k:
                batch, self.staged = self.staged[:k], self.staged[k:]
                self.on_ship(np.asarray(batch, dtype=np.int64), t)


class Docks:
    """A site's docks, one per carrier service it ships with: a labelled parcel goes to
    the dock of its service."""

    def __init__(self, table: Shipments, docks: dict[int, Dock]) -> None:
        self.table, self.docks = table, docks

    def stage(self, parcel: int) -> None:
        self.docks[int(self.table.service[parcel])].stage(parcel)

"""Shipping: labelled parcels wait at the dock for the carrier's next pick-up.

Each dock wakes at each pick-up time (an event of rank ``PICKUP``: after every job that
ends at that instant) and hands over every parcel labelled at least ``cutoff_min``
before it; the rest wait for the next pick-up. The
hand-over is a batch, so delivery outcomes are computed for the batch at once (see
:mod:`sim.model.delivery`). A carrier with no pick-up times collects continuously.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.clock import PICKUP, call_at
from sim.model.shipments import Shipments

OnShip = Callable[[np.ndarray, float], None]  # (parcels, pick-up time h)


class Dock:
    """The staging lane of one site."""

    def __init__(self, env: simpy.Environment, table: Shipments, pickups_h: np.ndarray,
                 cutoff_h: float, on_ship: OnShip, continuous: bool = False) -> None:
        """``continuous``: the carrier collects every parcel as soon as it is labelled
        (``pickup_times_h: []``). Otherwise it collects at ``pickups_h`` only: none in
        the run, and nothing ships (the run warns: sim.model.warnings)."""
        self.env = env
        self.table = table
        self.pickups_h = pickups_h
        self.cutoff_h = cutoff_h
        self.on_ship = on_ship
        self.continuous = continuous
        self.staged: list[int] = []  # in labelling order
        if not continuous and len(pickups_h):
            call_at(env, float(pickups_h[0]), PICKUP, lambda _e: self._collect(0))

    def stage(self, parcel: int) -> None:
        if self.continuous:
            self.on_ship(np.array([parcel]), self.env.now)
        else:
            self.staged.append(parcel)

    def _collect(self, k: int) -> None:
        """The ``k``-th pick-up: hand over every parcel labelled by its cut-off."""
        t = float(self.pickups_h[k])
        if k + 1 < len(self.pickups_h):
            call_at(self.env, float(self.pickups_h[k + 1]), PICKUP, lambda _e: self._collect(k + 1))
        if not self.staged:
            return
        staged = np.asarray(self.staged, dtype=np.int64)
        # Parcels are staged in labelling order: the ready ones are a prefix.
        ready = self.table.labelled_h[staged] <= t - self.cutoff_h
        n = len(staged) if ready.all() else int(ready.argmin())
        if n:
            self.staged = self.staged[n:]
            self.on_ship(staged[:n], t)


class Docks:
    """A site's docks, one per carrier service it ships with: a labelled parcel goes to
    the dock of its service."""

    def __init__(self, table: Shipments, docks: dict[int, Dock]) -> None:
        self.table, self.docks = table, docks

    def stage(self, parcel: int) -> None:
        self.docks[self.table.service.item(parcel)].stage(parcel)

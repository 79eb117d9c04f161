"""Packing: a packer packs the order (time per order + per unit), prints and applies the
label, and stages the parcel at the dock for the carrier."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.records import Recorder
from sim.scenario.schema import Packing, Shipping

if TYPE_CHECKING:
    from sim.model.shipping import Dock

SECONDS_PER_HOUR = 3600.0


def sample_pack_times_h(cfg: Packing, units: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pack time in hours: one draw per order plus one per unit."""
    n = len(units)
    per_unit = cfg.time_per_unit_s.sample(rng, int(units.sum()))
    starts = np.concatenate(([0], np.cumsum(units)[:-1])) if n else np.zeros(0, dtype=np.int64)
    unit_total = np.add.reduceat(per_unit, starts) if n else np.zeros(0)
    return (cfg.time_per_order_s.sample(rng, n) + unit_total) / SECONDS_PER_HOUR


def sample_label_times_h(cfg: Shipping, n: int, rng: np.random.Generator) -> np.ndarray:
    return cfg.label_time_s.sample(rng, n) / SECONDS_PER_HOUR


class PackStation:
    """What a packer does with one order."""

    def __init__(self, env: simpy.Environment, rec: Recorder, pack_time_h: np.ndarray,
                 label_time_h: np.ndarray, dock: Dock) -> None:
        self.env = env
        self.rec = rec
        self.pack_time_h = pack_time_h
        self.label_time_h = label_time_h
        self.dock = dock

    def serve(self, order: int, worker_id: int) -> Generator:
        rec, now = self.rec, self.env.now
        rec.pack_start_h[order] = now
        pack = self.pack_time_h[order]
        # One event for pack + label: the packer does both without a break.
        yield self.env.timeout(pack + self.label_time_h[order])
        rec.packed_h[order] = now + pack
        rec.labelled_h[order] = self.env.now
        rec.packer[order] = worker_id
        self.dock.stage(order)

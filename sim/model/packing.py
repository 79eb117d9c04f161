"""Packing: a packer packs the order (time per order + per unit), prints and applies the
label, and stages the parcel at the dock for the carrier."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.records import Recorder
from sim.scenario.schema import BulkLabels, Packing, Shipping
from sim.units import MINUTES_PER_HOUR, SECONDS_PER_HOUR

if TYPE_CHECKING:
    from sim.model.shipping import Dock



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
    """What a packer does with one order: pack it (dunnage included), then label it one
    by one, or leave it for the next bulk print (:class:`BulkLabeller`). ``docks[i]``
    is the dock of carrier service ``i``; ``service[order]`` says which."""

    def __init__(self, env: simpy.Environment, rec: Recorder, pack_time_h: np.ndarray,
                 label_time_h: np.ndarray, docks: dict[int, Dock], service: np.ndarray,
                 labeller: BulkLabeller | None = None) -> None:
        self.env = env
        self.rec = rec
        self.pack_time_h = pack_time_h
        self.label_time_h = label_time_h
        self.docks = docks
        self.service = service
        self.labeller = labeller

    def serve(self, item: int, worker_id: int) -> Generator:
        if item < 0:  # a bulk print job
            yield from self.labeller.print_job(-item - 1, worker_id)
            return
        rec, now, order = self.rec, self.env.now, item
        rec.pack_start_h[order] = now
        pack = float(self.pack_time_h[order])
        rec.packer[order] = worker_id
        if self.labeller is not None:
            yield self.env.timeout(pack)
            rec.packed_h[order] = self.env.now
            rec.packer_done_h[order] = self.env.now
            self.labeller.add(order)
            return
        # One event for pack + label: the packer does both without a break.
        yield self.env.timeout(pack + float(self.label_time_h[order]))
        rec.packed_h[order] = now + pack
        rec.labelled_h[order] = rec.packer_done_h[order] = self.env.now
        self.stage(order)

    def stage(self, order: int) -> None:
        self.docks[int(self.service[order])].stage(order)


class BulkLabeller:
    """Packed parcels wait for a bulk label print. When ``every_orders`` are waiting, or
    the oldest has waited ``every_min``, a print job joins the packers' queue; the
    packer who takes it prints and applies every label of the job
    (``print_time_s`` + ``time_per_label_s`` each), and the parcels go to the dock."""

    def __init__(self, env: simpy.Environment, rec: Recorder, cfg: BulkLabels,
                 pack_queue, rng: np.random.Generator) -> None:
        self.env, self.rec, self.cfg = env, rec, cfg
        self.pack_queue = pack_queue
        self.rng = rng
        self.waiting: list[int] = []
        self.jobs: dict[int, list[int]] = {}
        self.station: PackStation | None = None
        self.log: list[tuple[float, float, int, int]] = []  # (start h, end h, labels, packer)
        self._next_job = 0
        self._timer_for = -1  # job number the pending timer would close

    def add(self, order: int) -> None:
        self.waiting.append(order)
        if len(self.waiting) >= self.cfg.every_orders:
            self._submit()
        elif len(self.waiting) == 1:
            self._timer_for = self._next_job
            timer = self.env.timeout(self.cfg.every_min / MINUTES_PER_HOUR)
            timer.callbacks.append(lambda _t, job=self._timer_for: self._due(job))

    def _due(self, job: int) -> None:
        # Only if the parcels this timer was set for have not been printed yet.
        if self._timer_for == job and self.waiting:
            self._submit()

    def _submit(self) -> None:
        job, self._next_job = self._next_job, self._next_job + 1
        self.jobs[job], self.waiting = self.waiting, []
        self._timer_for = -1
        self.pack_queue.put(-job - 1)

    def print_job(self, job: int, worker_id: int) -> Generator:
        orders = self.jobs.pop(job)
        start = self.env.now
        t_s = self.cfg.print_time_s.sample(self.rng, 1)[0] + self.cfg.time_per_label_s.sample(
            self.rng, len(orders)).sum()
        yield self.env.timeout(t_s / SECONDS_PER_HOUR)
        self.log.append((start, self.env.now, len(orders), worker_id))
        self.rec.labelled_h[orders] = self.env.now
        for o in orders:
            self.station.stage(o)

"""Packing: a packer packs the parcel (its ``pack_h``, dunnage, scans and sorting
included), prints and applies the label, and stages the parcel at the dock of its
carrier service; or, with bulk labels, leaves it for the next print job."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from sim.model.clock import RELEASE, call_after
from sim.model.shipments import Shipments
from sim.rng import Streams
from sim.scenario.schema import BulkLabels
from sim.units import MINUTES_PER_HOUR, SECONDS_PER_HOUR

Stage = Callable[[int], None]  # a labelled parcel goes to its dock


class BulkLabeller:
    """Packed parcels wait for a bulk label print. When ``every_orders`` are waiting, or
    the oldest has waited ``every_min``, a print job joins the packers' queue (as item
    ``-job - 1``); the packer who takes it prints and applies every label of the job
    (``print_time_s``, keyed by the job's first parcel, + ``time_per_label_s`` per
    parcel, keyed by the parcel), and the parcels go to the dock."""

    def __init__(self, env: simpy.Environment, table: Shipments, cfg: BulkLabels, pack_queue,
                 stage: Stage, streams: Streams) -> None:
        self.env, self.table, self.cfg = env, table, cfg
        self.pack_queue = pack_queue
        self.stage = stage
        self.print_draw = streams.keyed("labels.print_time")
        self.label_draw = streams.keyed("labels.bulk_label_time")
        self.waiting: list[int] = []
        self.jobs: dict[int, list[int]] = {}
        self.log: list[tuple[float, float, int, int]] = []  # (start h, end h, labels, packer)
        self._next_job = 0
        self._timer_for = -1  # job number the pending timer would close

    def add(self, parcel: int) -> None:
        self.waiting.append(parcel)
        if len(self.waiting) >= self.cfg.every_orders:
            self._submit()
        elif len(self.waiting) == 1:
            self._timer_for = self._next_job
            call_after(self.env, self.cfg.every_min / MINUTES_PER_HOUR, RELEASE,
                       lambda _t, job=self._timer_for: self._due(job))

    def _due(self, job: int) -> None:
        # Only if the parcels this timer was set for have not been printed yet.
        if self._timer_for == job and self.waiting:
            self._submit()

    def _submit(self) -> None:
        job, self._next_job = self._next_job, self._next_job + 1
        self.jobs[job], self.waiting = self.waiting, []
        self._timer_for = -1
        self.pack_queue.put(-job - 1)

    def print_time_h(self, job: int) -> float:
        """How long printing and applying job ``job``'s labels takes."""
        keys = self.table.key[self.jobs[job]]
        t_s = (self.cfg.print_time_s.ppf(self.print_draw.uniform(keys[:1]))[0]
               + self.cfg.time_per_label_s.ppf(self.label_draw.uniform(keys)).sum())
        return float(t_s) / SECONDS_PER_HOUR

    def printed(self, job: int, start: float, worker_id: int) -> None:
        parcels = self.jobs.pop(job)
        now = self.env.now
        self.log.append((start, now, len(parcels), worker_id))
        self.table.labelled_h[parcels] = now
        for p in parcels:
            self.stage(p)


class PackStation:
    """What a packer does with one parcel: pack it, then label it one by one, or leave
    it for the next bulk print (``labeller``)."""

    def __init__(self, env: simpy.Environment, table: Shipments, stage: Stage,
                 labeller: BulkLabeller | None = None) -> None:
        self.env, self.table, self.stage, self.labeller = env, table, stage, labeller

    def start(self, item: int, worker_id: int, now: float) -> float:
        """A packer begins ``item``: a parcel (pack, and label unless in bulk), or a
        bulk print job (``-job - 1``)."""
        if item < 0:
            return self.labeller.print_time_h(-item - 1)
        t = self.table
        t.pack_start_h[item] = now
        t.packer[item] = worker_id
        if self.labeller is not None:
            return t.pack_h.item(item)
        # One job for pack + label: the packer does both without a break.
        return t.pack_h.item(item) + t.label_h.item(item)

    def finish(self, item: int, start: float, worker_id: int, now: float) -> None:
        if item < 0:
            self.labeller.printed(-item - 1, start, worker_id)
            return
        t = self.table
        if self.labeller is not None:
            t.packed_h[item] = t.packer_done_h[item] = now
            self.labeller.add(item)
            return
        t.packed_h[item] = start + t.pack_h.item(item)
        t.labelled_h[item] = t.packer_done_h[item] = now
        self.stage(item)


def label_jobs_frame(labellers: list, sites: list[str], replication: int):
    """One row per bulk label print job: site, start_h, end_h, labels, packer."""
    import pandas as pd

    rows = [(sites[s], *job) for s, lab in enumerate(labellers) if lab is not None for job in lab.log]
    df = pd.DataFrame(rows, columns=["site", "start_h", "end_h", "labels", "packer"])
    df.insert(0, "replication", np.int32(replication))
    return df

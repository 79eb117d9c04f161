"""Picking methods as strategies. A method turns the site's pick queue into tours.

A method provides ``serve(order, worker_id)``, the SimPy generator a picker runs for the
order at the head of the queue (see :mod:`sim.model.staff`). New methods (batch, zone,
wave) plug in here by name through :data:`METHODS`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Protocol

import numpy as np
import simpy

from sim.model.queues import WorkQueue
from sim.records import Recorder
from sim.scenario.schema import Picking

SECONDS_PER_HOUR = 3600.0


def sample_tour_times_h(cfg: Picking, lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Single-order tour time in hours: setup + travel + one draw per line."""
    n = len(lines)
    per_line = cfg.time_per_line_s.sample(rng, int(lines.sum()))
    starts = np.concatenate(([0], np.cumsum(lines)[:-1])) if n else np.zeros(0, dtype=np.int64)
    line_total = np.add.reduceat(per_line, starts) if n else np.zeros(0)
    total_s = cfg.setup_time_s.sample(rng, n) + cfg.travel_time_s.sample(rng, n) + line_total
    return total_s / SECONDS_PER_HOUR


def sample_pick_errors(cfg: Picking, lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """True where at least one of the order's lines is picked wrong."""
    return rng.binomial(lines, cfg.error_prob_per_line) > 0


class PickingMethod(Protocol):
    def serve(self, order: int, worker_id: int) -> Generator: ...


class SingleOrderPicking:
    """One picker, one order, one tour; the order then goes to the pack queue."""

    def __init__(self, env: simpy.Environment, rec: Recorder, tour_time_h: np.ndarray,
                 pack_queue: WorkQueue) -> None:
        self.env = env
        self.rec = rec
        self.tour_time_h = tour_time_h
        self.pack_queue = pack_queue

    def serve(self, order: int, worker_id: int) -> Generator:
        rec = self.rec
        rec.pick_start_h[order] = self.env.now
        yield self.env.timeout(self.tour_time_h[order])
        rec.picked_h[order] = self.env.now
        rec.picker[order] = worker_id
        self.pack_queue.put(order)


METHODS = {"single": SingleOrderPicking}

"""Staff pools: workers who pull work from a queue while on duty.

Each worker is one SimPy process that walks through its duty intervals (its shifts with
breaks removed, see :func:`sim.calendar.shift_duty_intervals`). On duty it takes the next
item and serves it; a job started before the end of a shift is finished (overtime), but
no job is started off duty. A stage supplies the ``serve`` generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import simpy

from sim.calendar import shift_duty_intervals
from sim.model.queues import WorkQueue
from sim.scenario.schema import Staff

Serve = Callable[[int, int], Generator]  # (item, worker id) -> SimPy generator


@dataclass
class Pool:
    """The workers of one staff pool at one site (e.g. the pickers in the west)."""

    site: str
    role: str  # "pickers" | "packers"
    zone: int = -1  # picking zone (-1: the whole site)
    duty: list[list[tuple[float, float]]] = field(default_factory=list)  # per worker

    @property
    def size(self) -> int:
        return len(self.duty)


def build_pool(site: str, role: str, staff: Staff, start_weekday: str, until_h: float,
               per_shift: dict[str, int] | None = None, zone: int = -1) -> Pool:
    """One duty calendar per worker from the head-counts per shift (the pool's own
    ``per_shift`` counts if given, else the site's count for ``role``)."""
    pool = Pool(site=site, role=role, zone=zone)
    counts = staff.head_count(role) if per_shift is None else per_shift
    for shift_name, count in counts.items():
        if shift_name == "always":
            intervals = [(0.0, math.inf)]
        else:
            intervals = shift_duty_intervals(staff.shifts[shift_name], start_weekday, until_h)
        pool.duty.extend([intervals] * count)
    return pool


def worker(env: simpy.Environment, duty: list[tuple[float, float]], queue: WorkQueue,
           serve: Serve, worker_id: int) -> Generator:
    """The life of one worker: serve items from ``queue`` during each duty interval."""
    for start, end in duty:
        if env.now < start:
            yield env.timeout(start - env.now)
        while env.now < end:
            item = queue.pop()
            if item is None:
                item = yield queue.wait(end)
                if item is None:
                    break  # the shift ended while idle
            yield from serve(item, worker_id)


def start_pool(env: simpy.Environment, pool: Pool, queue: WorkQueue, serve: Serve) -> None:
    for worker_id, duty in enumerate(pool.duty):
        env.process(worker(env, duty, queue, serve, worker_id))

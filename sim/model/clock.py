"""The model's own events on SimPy's calendar, and the rule for simultaneous ones.

SimPy processes events in time order, then by priority, then in creation order. The
model does not leave ties to creation order: each of its events has a *rank*, and
events due at the same instant are processed rank by rank:

1. ``JOB_DONE``: a worker finishes a job (a parcel is picked, packed, labelled); two
   at once in the order of their crews, then of their workers' numbers;
2. ``RELEASE``: work becomes available (an order is released to picking, a batch's
   oldest order has waited long enough);
3. ``WAVE``: a wave is released (so an order released at the instant of a wave joins
   it);
4. ``DUTY_START``: a worker's shift (or the end of a break) starts; two at once in
   the order of their crews, then of their workers' numbers (so of the workers coming
   on duty together, the lowest-numbered takes the work waiting first);
5. ``PICKUP``: a carrier collects at a dock;
6. ``LATER``: everything that follows a delivery (a reship placed, units restocked).

So a parcel labelled at 18:00 leaves with an 18:00 pick-up (a 0-minute cut-off), work
released at 10:00 goes to a worker whose shift starts at 10:00 exactly as if the
worker had been waiting, and nobody begins a job at the instant their shift ends or
their break starts: a job is begun only while ``start <= now < end`` of a duty
interval, whatever the order of events (``sim.model.staff``). SimPy's own urgent events (a
process starting, the end of ``env.run(until=...)``) keep priority 0 and come first.

:func:`call_at` schedules a callback with its rank. It builds a plain SimPy event the
way ``simpy.Timeout`` does (``_ok``, ``_value``), and puts it on the calendar as
``Environment.schedule`` does, written out (``_queue``, ``_now``, ``_eid``: one Python
call less per event, two or three events an order): that uses private attributes of
SimPy's ``Event`` and ``Environment``, so ``tests/test_clock.py`` pins the SimPy
behaviour it relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush

import simpy
from simpy.events import Event

JOB_DONE, RELEASE, WAVE, DUTY_START, PICKUP, LATER = 1, 2, 3, 4, 5, 6


def job_done_rank(crew: int, worker: int) -> float:
    """The rank of a job's end: ``JOB_DONE``, then crew by crew, worker by worker."""
    return JOB_DONE + (crew * 100_000 + worker) * 1e-10


def duty_start_rank(crew: int, worker: int) -> float:
    """The rank of a worker's duty starting: ``DUTY_START``, then crew by crew, worker
    by worker."""
    return DUTY_START + (crew * 100_000 + worker) * 1e-10


class Call(Event):
    """An event that calls one function when it is processed, at time ``at_h`` of the
    clock, exactly: given as a delay, ``now + (at_h - now)`` can be one unit in the last
    place off ``at_h`` (a shift starting at 6.0 would begin just after 6.0, an order
    released at its payment time at another time than it was paid). A job that takes
    ``hours`` from ``now`` ends at ``now + hours``, as SimPy's delay would put it."""

    __slots__ = ()

    def __init__(self, env: simpy.Environment, at_h: float, rank: int,
                 callback: Callable[[Event], None]) -> None:
        # As simpy.Timeout.__init__, but with the model's rank as the priority.
        self.env = env
        self.callbacks = [callback]
        self._value = None
        self._ok = True
        # As env.schedule(self, rank, at_h - now), written out at at_h itself (pinned in
        # tests/test_clock.py).
        heappush(env._queue, (at_h, rank, next(env._eid), self))  # noqa: SLF001


def call_at(env: simpy.Environment, at_h: float, rank: int, callback: Callable[[Event], None]) -> Event:
    """Call ``callback(event)`` at time ``at_h`` exactly (not before now) with ``rank``."""
    now = env.now
    return Call(env, at_h if at_h > now else now, rank, callback)


def call_after(env: simpy.Environment, delay_h: float, rank: int,
               callback: Callable[[Event], None]) -> Event:
    """Call ``callback(event)`` after ``delay_h`` hours with ``rank``."""
    return Call(env, env.now + delay_h, rank, callback)

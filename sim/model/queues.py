"""A light FIFO work queue between stages, pulled by workers.

Unlike ``simpy.Store`` it costs no event when work is waiting: a worker takes an item
with :meth:`pop` and only asks for an event (:meth:`wait`) when the queue is empty.
A wait can carry a deadline (the end of the worker's shift): the event then fires with
``None`` if nothing came in time. Queue lengths over time are not tracked here; they
follow exactly from the per-order timestamps (see :mod:`sim.stats`).
"""

from __future__ import annotations

import math
from collections import deque

import simpy


class WorkQueue:
    """Orders (int ids) waiting for the next free worker, first come first served."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.items: deque[int] = deque()
        self._waiters: deque[simpy.Event] = deque()

    def __len__(self) -> int:
        return len(self.items)

    def put(self, item: int) -> None:
        """Add work; an idle worker, if any, gets it at once."""
        if self._waiters:
            self._waiters.popleft().succeed(item)
        else:
            self.items.append(item)

    def pop(self) -> int | None:
        """The next item, or None if the queue is empty."""
        return self.items.popleft() if self.items else None

    def wait(self, deadline_h: float = math.inf) -> simpy.Event:
        """An event that fires with the next item put, or with None at ``deadline_h``."""
        ev = self.env.event()
        self._waiters.append(ev)
        if deadline_h < math.inf:
            timer = self.env.timeout(deadline_h - self.env.now)
            timer.callbacks.append(lambda _t, ev=ev: self._expire(ev))
        return ev

    def _expire(self, ev: simpy.Event) -> None:
        if not ev.triggered:
            self._waiters.remove(ev)
            ev.succeed(None)


class BatchQueue:
    """Orders waiting to be batched. A picker gets a batch (a list of order ids) when
    ``max_orders`` are waiting, or when the oldest has waited ``max_wait_h`` (then
    whatever is there, up to ``max_orders``). ``choose`` picks the batch from the
    waiting orders (first come first served, or by proximity to the oldest).

    Same protocol as :class:`WorkQueue`: ``put``, ``pop`` (None if no batch is ready),
    ``wait(deadline_h)`` (an event firing with a batch, or None at the deadline).
    """

    def __init__(self, env: simpy.Environment, max_orders: int, max_wait_h: float,
                 queued_h, choose) -> None:
        self.env = env
        self.max_orders = max_orders
        self.max_wait_h = max_wait_h
        self.queued_h = queued_h  # per-order time it entered this queue (array)
        self.choose = choose  # (items deque, max_orders) -> list, removing them
        self.items: deque[int] = deque()
        self._waiters: deque[simpy.Event] = deque()
        self._armed_for = math.inf  # time of the pending release timer, if any

    def __len__(self) -> int:
        return len(self.items)

    def _ready(self) -> bool:
        if len(self.items) >= self.max_orders:
            return True
        return bool(self.items) and (
            self.env.now - self.queued_h[self.items[0]] >= self.max_wait_h - 1e-12)

    def put(self, item: int) -> None:
        self.items.append(item)
        self._serve()

    def pop(self) -> list[int] | None:
        return self.choose(self.items, self.max_orders) if self._ready() else None

    def wait(self, deadline_h: float = math.inf) -> simpy.Event:
        ev = self.env.event()
        self._waiters.append(ev)
        if deadline_h < math.inf:
            timer = self.env.timeout(deadline_h - self.env.now)
            timer.callbacks.append(lambda _t, ev=ev: self._expire(ev))
        self._arm()
        return ev

    def _expire(self, ev: simpy.Event) -> None:
        if not ev.triggered:
            self._waiters.remove(ev)
            ev.succeed(None)

    def _serve(self) -> None:
        while self._waiters and self._ready():
            self._waiters.popleft().succeed(self.choose(self.items, self.max_orders))
        self._arm()

    def _arm(self) -> None:
        """Make sure someone wakes up when the oldest waiting order times out."""
        if not (self._waiters and self.items):
            return
        due = self.queued_h[self.items[0]] + self.max_wait_h
        if due < self._armed_for - 1e-12 or self._armed_for < self.env.now:
            self._armed_for = due
            timer = self.env.timeout(max(0.0, due - self.env.now))
            timer.callbacks.append(lambda _t: self._fire())

    def _fire(self) -> None:
        self._armed_for = math.inf
        self._serve()

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

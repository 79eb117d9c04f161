"""A light FIFO work queue between stages, pulled by workers.

Unlike ``simpy.Store`` it costs no event when work is waiting: a worker takes an item
with :meth:`pop` and only asks for an event (:meth:`wait`) when the queue is empty.
A wait can carry a deadline (the end of the worker's shift): the event then fires with
``None`` if nothing came in time. Queue lengths over time are not tracked here; they
follow exactly from the per-order timestamps (see :mod:`sim.stats`).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable

import simpy


class _IdleWorkers:
    """Workers waiting for work, each with an event and maybe a deadline."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._waiters: deque[simpy.Event] = deque()

    def wait(self, deadline_h: float = math.inf) -> simpy.Event:
        """An event that fires with the next work handed out, or with None at
        ``deadline_h``."""
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


class WorkQueue(_IdleWorkers):
    """Orders (int ids) waiting for the next free worker, first come first served."""

    def __init__(self, env: simpy.Environment) -> None:
        super().__init__(env)
        self.items: deque[int] = deque()

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


class PriorityWorkQueue(WorkQueue):
    """Like :class:`WorkQueue`, but the waiting item with the highest
    ``priority_of(item)`` goes first (first come first served among equals)."""

    def __init__(self, env: simpy.Environment, priority_of: Callable[[int], int]) -> None:
        super().__init__(env)
        self.priority_of = priority_of
        self._heap: list[tuple[int, int, int]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def put(self, item: int) -> None:
        if self._waiters:
            self._waiters.popleft().succeed(item)
        else:
            self._seq += 1
            heapq.heappush(self._heap, (-self.priority_of(item), self._seq, item))

    def pop(self) -> int | None:
        return heapq.heappop(self._heap)[2] if self._heap else None


def make_queue(env: simpy.Environment, priority_of: Callable[[int], int] | None) -> WorkQueue:
    """A priority queue if items can differ in priority (``priority_of`` given), else
    the cheaper FIFO one."""
    if priority_of is not None:
        return PriorityWorkQueue(env, priority_of)
    return WorkQueue(env)


class BatchQueue(_IdleWorkers):
    """Orders waiting to be batched. Each takes ``size_of(item)`` of a cart's
    ``capacity`` (1 per parcel, or its number of totes). A picker gets a batch (a list
    of parcels) when the waiting ones fill a cart, or when the oldest has waited
    ``max_wait_h`` (then whatever is there, up to a cart). ``choose`` picks the batch
    from the waiting items (first come first served, or by proximity to the oldest).

    Same protocol as :class:`WorkQueue`: ``put``, ``pop`` (None if no batch is ready),
    ``wait(deadline_h)`` (an event firing with a batch, or None at the deadline).
    """

    def __init__(self, env: simpy.Environment, capacity: int, max_wait_h: float,
                 choose, size_of: Callable[[int], int] | None = None) -> None:
        super().__init__(env)
        self.capacity = capacity
        self.size_of = size_of  # share of the cart (None: 1 each)
        self.max_wait_h = max_wait_h
        self.choose = choose  # (items deque, capacity) -> list, removing them
        self.items: deque[int] = deque()
        self.queued_h: dict[int, float] = {}  # when each waiting item came in
        self._armed_for = math.inf  # time of the pending release timer, if any
        self._load = 0  # cart units the waiting items would take

    def __len__(self) -> int:
        return len(self.items)

    def _ready(self) -> bool:
        if self._load >= self.capacity:
            return True
        return bool(self.items) and (
            self.env.now - self.queued_h[self.items[0]] >= self.max_wait_h - 1e-12)

    def _size(self, item: int) -> int:
        return 1 if self.size_of is None else self.size_of(item)

    def put(self, item: int) -> None:
        self.put_many([item])

    def put_many(self, items: list[int]) -> None:
        """Add several items at once (a wave): carts are filled only after all are in,
        so an idle picker does not leave with the first item of a wave alone."""
        now = self.env.now
        for item in items:
            self.items.append(item)
            self.queued_h[item] = now
            self._load += self._size(item)
        self._serve()

    def _take(self) -> list[int]:
        batch = self.choose(self.items, self.capacity)
        for item in batch:
            self._load -= self._size(item)
            del self.queued_h[item]
        return batch

    def pop(self) -> list[int] | None:
        return self._take() if self._ready() else None

    def wait(self, deadline_h: float = math.inf) -> simpy.Event:
        ev = super().wait(deadline_h)
        self._arm()
        return ev

    def _serve(self) -> None:
        while self._waiters and self._ready():
            self._waiters.popleft().succeed(self._take())
        self._arm()

    def _arm(self) -> None:
        """Make sure someone wakes up when the oldest waiting item times out."""
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

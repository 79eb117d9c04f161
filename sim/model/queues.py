"""Queues of work between stages, served by a :class:`sim.model.staff.Crew`.

A queue holds items (parcel ids; for zone picking, parcel x zones + zone; for the pack
queue, negative ids for bulk label print jobs). It tells its crew when work is put in
(``subscribe``), hands out the next item if one is ready now (``next_item``) and says
when it will next become ready on its own (``next_ready_h``), so the crew can set one
timer instead of waiting on an event per item. Items released at known times
(:class:`Arrivals`) are taken in, with their release times, when the queue is asked.

Order (:class:`WorkQueue`): the highest ``priority_of(item)`` first; among equals, the
earliest released; among those, the releases the model scheduled (orders whose payment
cleared) before the items it put in at that instant, then in the order they came.

Queue lengths over time are not tracked here: they follow exactly from the parcels'
timestamps (:mod:`sim.kpis.pools`).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable

import numpy as np
import simpy

Listener = Callable[[], None]
Direct = Callable[[int, float], bool]  # (item, now h) -> taken by a free worker


class TimedItems:
    """Items due at known times, in time order (ties: in the order given), read a chunk
    at a time: Python lists of a million items would cost more memory than the rest of
    the run."""

    CHUNK = 65536

    def __init__(self, times_h: np.ndarray, items: np.ndarray) -> None:
        order = np.argsort(times_h, kind="stable")
        self._order = order
        self._times, self._items = np.asarray(times_h)[order], np.asarray(items)[order]
        self._start = 0
        self._load()

    def _load(self) -> None:
        end = self._start + self.CHUNK
        self.times = self._times[self._start:end].tolist()
        self.items = self._items[self._start:end].tolist()
        self.i = 0
        self.peek = self.times[0] if self.times else math.inf  # when the next is due

    def next_h(self) -> float:
        """When the next item is due (inf: none left)."""
        if self.i == len(self.times):
            if self._start + self.CHUNK >= len(self._times):
                self.peek = math.inf
                return math.inf
            self._start += self.CHUNK
            self._load()
        self.peek = self.times[self.i]
        return self.peek

    def take(self, now: float, inclusive: bool) -> list[tuple[int, float]]:
        """Remove and return (item, time) of every item due before ``now`` (at ``now``
        too if ``inclusive``). (A plain loop, not a generator: it runs once per order.)"""
        taken = []
        times, items, i = self.times, self.items, self.i
        n = len(times)
        while True:
            if i == n:  # this chunk is used up: the next one, if any
                self.i = i
                if self.next_h() == math.inf:
                    return taken
                times, items, i = self.times, self.items, self.i
                n = len(times)
            t = times[i]
            if not (t < now or (inclusive and t == now)):
                break
            taken.append((items[i], t))
            i += 1
        self.i = i
        self.peek = t  # (the next item, not due yet)
        return taken


class Arrivals(TimedItems):
    """Parcels released at known times (orders whose payment clears then): a queue takes
    them in when it is looked at, with their own release times, so an order released
    while every worker is busy costs no event. ``on_release(item, t)`` records the
    release when it is taken in (None: nothing to do then, see :meth:`due_before`)."""

    def __init__(self, times_h: np.ndarray, items: np.ndarray,
                 on_release: Callable[[int, float], None] | None) -> None:
        super().__init__(times_h, items)
        self.on_release = on_release

    def all(self) -> tuple[np.ndarray, np.ndarray]:
        """Every item's time and the item, in the order given to :meth:`__init__`."""
        times, items = np.empty(len(self._times)), np.empty_like(self._items)
        times[self._order], items[self._order] = self._times, self._items
        return times, items

    def split(self, parts: list[tuple[np.ndarray, np.ndarray]],
              on_release: Callable[[int, float], None]) -> list[Arrivals]:
        """Streams of other items released at the same times, before any is taken:
        ``parts`` gives for each the positions (in :meth:`__init__`'s order) of the
        items it follows and the item each becomes (zone picking: a parcel's part in one
        zone). ``on_release(item, t)`` of the new streams records the release."""
        times, _items = self.all()
        return [Arrivals(times[pos], items, on_release) for pos, items in parts]

    def take(self, now: float, inclusive: bool) -> list[tuple[int, float]]:
        taken = super().take(now, inclusive)
        on_release = self.on_release
        if on_release is not None:
            for item, t in taken:
                on_release(item, t)
        return taken

    def due_before(self, end_h: float) -> tuple[np.ndarray, np.ndarray]:
        """(items, times) of every item due before ``end_h``, taken or not: for a stream
        whose releases are recorded all at once after the run (``on_release`` None)."""
        n = int(np.searchsorted(self._times, end_h, side="left"))
        return self._items[:n], self._times[:n]


class WorkQueue:
    """Items waiting for the next free worker (order: module docstring)."""

    def __init__(self, env: simpy.Environment, priority_of: Callable[[int], int] | None = None,
                 arrivals: Arrivals | None = None) -> None:
        self.env = env
        self.priority_of = priority_of
        self.arrivals = arrivals
        self._heap: list[tuple] = []
        self._seq = 0
        self._listeners: list[Listener] = []
        self._direct: Direct | None = None

    def subscribe(self, listener: Listener, direct: Direct | None = None) -> None:
        """Call ``listener()`` whenever work is put in. ``direct(item, now_h) -> bool``:
        offer work put into an empty queue straight to a free worker (True: taken), so
        it is not pushed to be popped at once (one crew per queue)."""
        self._listeners.append(listener)
        self._direct = direct if len(self._listeners) == 1 else None

    def __len__(self) -> int:
        return len(self._heap)

    def _push(self, item: int, release_h: float, scheduled: int) -> None:
        self._seq += 1
        prio = 0 if self.priority_of is None or item < 0 else -self.priority_of(item)
        heapq.heappush(self._heap, (prio, release_h, scheduled, self._seq, item))

    def put(self, item: int) -> None:
        """Add work now and tell the crew. Into an empty queue with nothing released
        by now, the item would be the head: it is offered to the crew directly."""
        now = self.env.now
        if not self._heap and self._direct is not None:
            arrivals = self.arrivals
            if (arrivals is None or arrivals.peek > now) and self._direct(item, now):
                return
        self._seq += 1  # (as _push(item, now, 1), written out: once per parcel and stage)
        prio = 0 if self.priority_of is None or item < 0 else -self.priority_of(item)
        heapq.heappush(self._heap, (prio, now, 1, self._seq, item))
        for listener in self._listeners:
            listener()

    def next_item(self, now: float, inclusive: bool = True) -> int | None:
        """The next item if one can be handed out now, else None (arrivals at ``now``
        itself count only if ``inclusive``: see :mod:`sim.model.staff`)."""
        arrivals = self.arrivals
        if arrivals is not None and (arrivals.peek < now or (inclusive and arrivals.peek == now)):
            taken = arrivals.take(now, inclusive)
            if len(taken) == 1 and not self._heap:  # (the one item would be pushed and popped)
                return taken[0][0]
            for item, t in taken:
                self._push(item, t, 0)
        return heapq.heappop(self._heap)[-1] if self._heap else None

    def next_ready_h(self, now: float) -> float:
        return math.inf if self.arrivals is None else self.arrivals.peek


def make_queue(env: simpy.Environment, priority_of: Callable[[int], int] | None,
               arrivals: Arrivals | None = None) -> WorkQueue:
    """A work queue (by priority if ``priority_of`` is given)."""
    return WorkQueue(env, priority_of, arrivals)


class BatchQueue:
    """Parcels waiting to be batched. Each takes ``size_of(item)`` of a cart's
    ``capacity`` (1 per parcel, or its number of totes). A batch (a list of parcels) is
    ready when the waiting ones fill a cart, or when the oldest has waited
    ``max_wait_h`` (then whatever is there, up to a cart). ``choose`` picks the batch
    from the waiting parcels (first come first served, or by proximity to the oldest).
    Same protocol as :class:`WorkQueue`, ``arrivals`` included: parcels released at
    known times are taken in, with their release times, whenever the queue is asked
    whether it is ready, and the queue may become ready at each of those times (the
    crew's timer then wakes at the next one, as the release would have woken it)."""

    def __init__(self, env: simpy.Environment, capacity: int, max_wait_h: float,
                 choose, size_of: Callable[[int], int] | None = None,
                 arrivals: Arrivals | None = None) -> None:
        self.env = env
        self.arrivals = arrivals
        self.capacity = capacity
        self.size_of = size_of  # share of the cart (None: 1 each)
        self.max_wait_h = max_wait_h
        self.choose = choose  # (items deque, capacity) -> list, removing them
        self.items: deque[int] = deque()
        self.queued_h: dict[int, float] = {}  # when each waiting item came in
        self._load = 0  # cart units the waiting items would take
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener, direct: Direct | None = None) -> None:
        """As :meth:`WorkQueue.subscribe`; a batch is never handed over directly."""
        del direct
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self.items)

    def _size(self, item: int) -> int:
        return 1 if self.size_of is None else self.size_of(item)

    def put(self, item: int) -> None:
        self.put_many([item])

    def put_many(self, items: list[int]) -> None:
        """Add several items at once (a wave): carts are filled only after all are in,
        so a free picker does not leave with the first item of a wave alone. (Parcels
        released by now come first: the queue is in order of release.)"""
        now = self.env.now
        self._take_arrivals(now, True)
        for item in items:
            self.items.append(item)
            self.queued_h[item] = now
            self._load += self._size(item)
        for listener in self._listeners:
            listener()

    def _take_arrivals(self, now: float, inclusive: bool) -> None:
        arrivals = self.arrivals
        if arrivals is not None and (arrivals.peek < now or (inclusive and arrivals.peek == now)):
            for item, t in arrivals.take(now, inclusive):
                self.items.append(item)
                self.queued_h[item] = t
                self._load += self._size(item)

    def ready(self, now: float, inclusive: bool = True) -> bool:
        self._take_arrivals(now, inclusive)
        if self._load >= self.capacity:
            return True
        if not self.items:
            return False
        waited = now - self.queued_h[self.items[0]]
        limit = self.max_wait_h - 1e-12
        return waited >= limit if inclusive else waited > limit

    def pop(self) -> list[int]:
        batch = self.choose(self.items, self.capacity)
        for item in batch:
            self._load -= self._size(item)
            del self.queued_h[item]
        return batch

    def next_item(self, now: float, inclusive: bool = True) -> list[int] | None:
        """The next batch if one is ready now, else None."""
        return self.pop() if self.ready(now, inclusive) else None

    def next_ready_h(self, now: float) -> float:
        """When the oldest waiting item reaches its wait limit (if it has not yet), or
        the next parcel is released, whichever is first."""
        due = math.inf if not self.items else max(now, self.queued_h[self.items[0]] + self.max_wait_h)
        return due if self.arrivals is None else min(due, self.arrivals.peek)

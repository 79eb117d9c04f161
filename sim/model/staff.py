"""Staff pools: workers who take work from a queue while on duty.

A worker walks through its duty intervals (its shifts with breaks removed, see
:func:`sim.calendar.shift_duty_intervals`). It begins a job only while on duty
(``start <= now < end`` of an interval); a job begun is finished, overtime included.

A :class:`Crew` hands the pool's work out by callbacks rather than by one SimPy process
per worker waiting on events: a worker busy with a job is one scheduled event (the job's
end); a free worker costs nothing until work comes (the queue tells the crew) or its
next duty interval starts (one event per interval). When work and free on-duty workers
meet, the lowest-numbered free worker takes the queue's head. A worker finishing a job
takes the next one itself if it is still on duty. If the queue will become ready at a
known time (an order whose payment clears then; a batch's oldest order reaching its
wait limit) and an on-duty worker is free, the crew sets one timer for then. Duty ends
need no event: whether a worker is on duty is checked when it would take work.

A stage supplies ``start(item, worker, now_h) -> hours`` (the job begins: how long it
takes) and ``finish(item, start_h, worker, now_h)`` (the job has ended: record it, hand
the item on); ``now_h`` is the clock, read once by the crew.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import simpy

from sim.calendar import shift_duty_intervals
from sim.model.clock import RELEASE, Call, call_at, duty_start_rank, job_done_rank
from sim.scenario.schema import Staff

Start = Callable[[object, int, float], float]  # (item, worker id, now h) -> hours the job takes
Finish = Callable[[object, float, int, float], None]  # (item, job start h, worker id, now h)


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


class Crew:
    """The workers of one pool serving one queue (see the module docstring). ``order``:
    the crew's place among all crews, for the order of simultaneous job ends.
    ``direct``: work put into an empty queue goes straight to a free worker
    (:meth:`offer`) instead of being pushed and popped (False: the reference path)."""

    def __init__(self, env: simpy.Environment, pool: Pool, queue, start: Start, finish: Finish,
                 order: int, direct: bool = True) -> None:
        self.env, self.pool, self.queue, self.order = env, pool, queue, order
        self.start, self.finish = start, finish
        n = pool.size
        self.busy = [False] * n
        # Each worker's current (or next) duty interval: [duty_start, duty_end).
        self.duty_start = [math.inf] * n
        self.duty_end = [-math.inf] * n
        self.free: list[int] = []  # heap of free workers (some perhaps off duty)
        self.in_free = [False] * n
        self.ranks = [job_done_rank(order, w) for w in range(n)]
        self.duty_ranks = [duty_start_rank(order, w) for w in range(n)]
        self._timer_h = math.inf  # when the pending wake-up timer fires, if any
        queue.subscribe(self.dispatch, self.offer if direct else None)
        for w, duty in enumerate(pool.duty):
            if duty:
                call_at(env, duty[0][0], self.duty_ranks[w], lambda _e, w=w: self._duty_starts(w, 0))

    # --- duty -----------------------------------------------------------------------

    def on_duty(self, w: int) -> bool:
        return self.duty_start[w] <= self.env.now < self.duty_end[w]

    def _duty_starts(self, w: int, k: int) -> None:
        duty = self.pool.duty[w]
        self.duty_start[w], self.duty_end[w] = duty[k]
        if k + 1 < len(duty):
            call_at(self.env, duty[k + 1][0], self.duty_ranks[w],
                    lambda _e, w=w, k=k + 1: self._duty_starts(w, k))
        if not self.busy[w]:
            self._make_free(w)
            self.dispatch()

    def _make_free(self, w: int) -> None:
        if not self.in_free[w]:
            self.in_free[w] = True
            heapq.heappush(self.free, w)

    # --- work -----------------------------------------------------------------------

    def dispatch(self) -> None:
        """Hand out ready work to free on-duty workers, lowest number first (dropping
        the free workers that are off duty: they come back when their next duty
        interval starts); set a timer for when the queue will next become ready if a
        worker is left waiting. (The model's hottest loop, written out.)"""
        free = self.free
        if not free:
            return
        queue, now = self.queue, self.env.now
        start, end, in_free = self.duty_start, self.duty_end, self.in_free
        while free:
            w = free[0]
            if not start[w] <= now < end[w]:
                heapq.heappop(free)
                in_free[w] = False
                continue
            item = queue.next_item(now, True)
            if item is None:
                due = queue.next_ready_h(now)
                if due < self._timer_h:
                    self._wake_at(due)
                return
            heapq.heappop(free)
            in_free[w] = False
            self._begin(w, item, now)

    def offer(self, item, now: float) -> bool:
        """Work put into an empty queue: the lowest-numbered free on-duty worker
        begins it at once (True), as :meth:`dispatch` would hand it out as the queue's
        head; False (and every free worker dropped as off duty) if there is none."""
        free = self.free
        start, end, in_free = self.duty_start, self.duty_end, self.in_free
        while free:
            w = heapq.heappop(free)
            in_free[w] = False
            if start[w] <= now < end[w]:
                self._begin(w, item, now)
                if self.queue.arrivals is not None:
                    self.dispatch()  # (the timer for the next release, if a worker is left)
                return True
        return False

    def _wake_at(self, due: float) -> None:
        """Set the crew's one timer for ``due`` (before the pending one, if any)."""
        self._timer_h = due
        call_at(self.env, due, RELEASE, self._wake)

    def _wake(self, _event) -> None:
        if self._timer_h <= self.env.now:
            self._timer_h = math.inf
        self.dispatch()

    def _begin(self, w: int, item, now: float) -> None:
        self.busy[w] = True
        hours = self.start(item, w, now)
        Call(self.env, now + hours, self.ranks[w], partial(self._end, w, item, now))  # (call_after, inlined)

    def _end(self, w: int, item, start_h: float, _event=None) -> None:
        self.busy[w] = False
        now = self.env.now
        self.finish(item, start_h, w, now)
        # (Work released at this very instant is not the finishing worker's to take
        # first: it goes to the lowest-numbered free worker, as any release does.)
        if self.duty_start[w] <= now < self.duty_end[w]:
            queue = self.queue
            item = queue.next_item(now, False)
            if item is not None:  # (as _begin(w, item, now), written out: the hot path)
                self.busy[w] = True
                Call(self.env, now + self.start(item, w, now), self.ranks[w], partial(self._end, w, item, now))
                return
            if not self.in_free[w]:  # (as _make_free(w))
                self.in_free[w] = True
                heapq.heappush(self.free, w)
            due = queue.next_ready_h(now)
            if due <= now:  # ready at this very instant: the lowest free worker's
                self.dispatch()
            elif due < self._timer_h:  # (what dispatch() would find: only a timer to set)
                self._wake_at(due)
            return
        self._make_free(w)
        self.dispatch()

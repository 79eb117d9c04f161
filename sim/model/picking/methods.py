"""Picking methods as strategies: single-order, batch, zone and wave picking.

A method owns the site's pick queue(s). Parcels come in with ``enqueue(parcel)`` when
they are released to picking (or, for parcels released at known times, through the
queue's :class:`~sim.model.queues.Arrivals`); the method tells the world which queues
its pickers take work from (``stations()``: one per zone, or one for the whole site)
and what a picker does with it: ``start(item, worker, now_h) -> hours`` when the job
begins and ``finish(item, start_h, worker, now_h)`` when it ends (the crew protocol of
:mod:`sim.model.staff`). When a parcel's picking is complete the method calls
:meth:`PickContext.done`, which moves it to packing. Everything a
method needs about a parcel (its lines, their locations and times) is in the
:class:`~sim.model.shipments.Shipments` table, read when the parcel comes in.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
import simpy

from sim.model.clock import WAVE, call_at
from sim.model.picking.work import PickWork, build_layout
from sim.model.picking.zone_tours import HOURS, LINES, METRES, ZoneTours, plan_zone_tours
from sim.model.queues import Arrivals, BatchQueue, WorkQueue, make_queue
from sim.model.shipments import Shipments
from sim.records import TourLog
from sim.units import HOURS_PER_DAY, MINUTES_PER_HOUR


@dataclass
class Station:
    """Pickers of one zone (or the whole site, ``zone = -1``), their queue and their
    job (``start``, ``finish``: the crew protocol)."""

    zone: int
    queue: WorkQueue | BatchQueue
    start: Callable[[object, int, float], float]
    finish: Callable[[object, float, int, float], None]


@dataclass
class PickContext:
    """What every method shares: the clock, the parcels, the tour log, the site's work
    and the way out to packing. ``priority_of``: a parcel's priority, or None when all
    parcels are equal (first come first served)."""

    env: simpy.Environment
    table: Shipments
    tours: TourLog
    site: int
    work: PickWork
    pack_queue: WorkQueue
    priority_of: Callable[[int], int] | None = None
    on_picked: list[Callable[[int], None]] = field(default_factory=list)
    # Draws the parcels made during the run that are not drawn yet (see
    # :mod:`sim.model.factory`): a method calls it before it reads the drawn facts
    # (pick times, locations) of a parcel made during the run.
    draw_made: Callable[[], None] = field(default=lambda: None)

    def hand_over(self, parcel: int, worker: int) -> None:
        """``parcel`` picked now, its last part by ``worker``, on to packing: for a
        method that recorded the pick's start, tour and walk itself as its parts were
        picked (zone picking)."""
        t = self.table
        t.picked_h[parcel] = self.env.now
        t.picker[parcel] = worker
        t.batch_size[parcel] = 1
        self.pack_queue.put(parcel)
        for callback in self.on_picked:
            callback(parcel)

    def done_together(self, parcels: list[int], start_h: float, worker: int, tour: int,
                      travel_m: list[float]) -> None:
        """The parcels of one tour (a batch), picked now by ``worker``, on to packing:
        their pick's start (unless a part started earlier), tour, batch size and share
        of the walk (``travel_m``) recorded column by column."""
        t, now = self.table, self.env.now
        ids = np.array(parcels)
        started = t.pick_start_h[ids]
        t.pick_start_h[ids] = np.where(np.isnan(started), start_h, started)
        t.picked_h[ids] = now
        t.picker[ids] = worker
        t.tour_id[ids] = np.where(t.tour_id[ids] < 0, tour, t.tour_id[ids])
        t.batch_size[ids] = len(parcels)
        before = t.pick_travel_m[ids]  # (float32)
        t.pick_travel_m[ids] = np.where(np.isnan(before), np.float32(0.0), before) + np.array(
            travel_m, dtype=np.float32)
        for parcel in parcels:
            self.pack_queue.put(parcel)
            for callback in self.on_picked:
                callback(parcel)


class SingleOrderPicking:
    """One picker, one parcel, one tour. Tours of the parcels drawn before the run are
    computed all at once; a parcel made during the run gets its tour when it comes in.
    ``arrivals``: parcels released at known times (see :class:`~sim.model.queues.Arrivals`)."""

    sorts = False

    def __init__(self, ctx: PickContext, bulk: np.ndarray, arrivals: Arrivals | None = None) -> None:
        self.ctx = ctx
        self.queue = make_queue(ctx.env, ctx.priority_of, arrivals)
        ctx.work.single_tours(bulk)

    def enqueue(self, parcel: int) -> None:
        self.ctx.table.released_h[parcel] = self.ctx.env.now
        self.queue.put(parcel)

    def stations(self) -> list[Station]:
        return [Station(-1, self.queue, self.start, self.finish)]

    def prepare(self, parcels: np.ndarray) -> None:
        """Tours of parcels drawn during the run (made ones and reships), as they are
        drawn (the factory's ``on_drawn``, see :mod:`sim.model.factory`)."""
        self.ctx.work.single_tours(parcels)

    def start(self, parcel: int, worker: int, now: float) -> float:
        t = self.ctx.table
        hours = t.tour_h.item(parcel)
        if hours != hours:  # NaN: a parcel made during the run, not drawn yet
            self.ctx.draw_made()  # (which computes its tour: prepare)
            hours = t.tour_h.item(parcel)
        t.pick_start_h[parcel] = now
        t.picker[parcel] = worker
        return hours

    def finish(self, parcel: int, start: float, worker: int, now: float) -> None:
        ctx = self.ctx
        t = ctx.table
        dist = t.tour_m.item(parcel)
        # The hot path of the whole model: recorded here, column by column.
        t.picked_h[parcel] = now
        t.tour_id[parcel] = ctx.tours.add(ctx.site, -1, worker, start, now, 1, t.lines.item(parcel), dist, parcel)
        t.batch_size[parcel] = 1
        t.pick_travel_m[parcel] = dist
        ctx.pack_queue.put(parcel)
        for callback in ctx.on_picked:
            callback(parcel)


class _Cart:
    """Which waiting parcels go on one cart: first come first served, or the oldest plus
    its nearest neighbours, while they fit (always at least the oldest)."""

    def __init__(self, size_of: Callable[[int], int] | None, table: Shipments, window: int) -> None:
        self.size_of, self.table, self.window = size_of, table, window

    def _s(self, parcel: int) -> int:
        return 1 if self.size_of is None else self.size_of(parcel)

    def fcfs(self, items: deque, capacity: int) -> list[int]:
        batch = [items.popleft()]
        used = self._s(batch[0])
        while items and used + self._s(items[0]) <= capacity:
            used += self._s(items[0])
            batch.append(items.popleft())
        return batch

    def nearest(self, items: deque, capacity: int) -> list[int]:
        seed = items.popleft()
        batch, used = [seed], self._s(seed)
        if not items or used >= capacity:
            return batch
        t = self.table
        window = np.fromiter(islice(items, self.window), dtype=np.int64)
        d = np.hypot(t.centroid_x[window] - t.centroid_x[seed], t.centroid_y[window] - t.centroid_y[seed])
        for p in window[np.argsort(d, kind="stable")].tolist():
            if used + self._s(p) <= capacity:
                used += self._s(p)
                batch.append(p)
                items.remove(p)
                if used >= capacity:
                    break
        return batch


class BatchPicking:
    """A picker takes up to ``max_orders`` parcels on one tour, first come first served
    or the oldest parcel plus its nearest neighbours in the queue (by the centroid of
    their pick locations). With ``sort: while_pick`` the picker sorts units into the
    parcels' totes on the tour; with ``after_pick`` the packer sorts them."""

    sorts = True

    def __init__(self, ctx: PickContext, bulk: np.ndarray, release_immediately: bool = False,
                 arrivals: Arrivals | None = None) -> None:
        cfg = ctx.work.cfg.batch
        self.ctx, self.cfg = ctx, cfg
        table = ctx.table
        if cfg.capacity == "totes":
            per_tote = cfg.units_per_tote

            def size_of(p: int) -> int:
                return max(1, -(-int(table.units[p]) // per_tote))
            capacity = cfg.max_totes
        else:
            size_of, capacity = None, cfg.max_orders
        cart = _Cart(size_of, table, cfg.proximity_window)
        rule = cart.fcfs if cfg.rule == "fcfs" or ctx.work.layout is None else cart.nearest
        draw_made = ctx.draw_made

        def choose(items: deque, capacity: int) -> list[int]:
            draw_made()  # (before anything drawn is read: proximity, then the tour)
            return rule(items, capacity)
        max_wait_h = 0.0 if release_immediately else cfg.max_wait_min / MINUTES_PER_HOUR
        self.queue = BatchQueue(ctx.env, capacity, max_wait_h, choose, size_of, arrivals)
        ctx.work.lead_setups(bulk)
        self._tours: dict[int, object] = {}  # the tour each busy picker is on

    def enqueue(self, parcel: int) -> None:
        self.ctx.table.released_h[parcel] = self.ctx.env.now
        self.queue.put(parcel)

    def enqueue_many(self, parcels: list[int]) -> None:
        self.ctx.table.released_h[parcels] = self.ctx.env.now
        self.queue.put_many(parcels)

    def stations(self) -> list[Station]:
        return [Station(-1, self.queue, self.start, self.finish)]

    def start(self, batch: list[int], worker: int, now: float) -> float:
        self.ctx.table.pick_start_h[batch] = now
        tour = self.ctx.work.tour(batch, sort=self.cfg.sort == "while_pick")
        self._tours[worker] = tour
        return tour.time_h

    def finish(self, batch: list[int], start: float, worker: int, now: float) -> None:
        ctx, t = self.ctx, self.ctx.table
        tour = self._tours.pop(worker)
        lines = [int(t.lines[p]) for p in batch]
        total = sum(lines)
        tid = ctx.tours.add(ctx.site, -1, worker, start, now, len(batch), total, tour.distance_m)
        ctx.done_together(batch, start, worker, tid, [tour.distance_m * n / total for n in lines])


class ZonePicking:
    """The aisles split into equal zones, each with its own pickers and depot. In
    ``parallel`` mode each zone a parcel touches picks its lines at the same time as
    the others, and the parcel is complete when the last part is (it is then
    consolidated at the pack station); in ``pick_and_pass`` mode the parcel's tote
    visits its zones one after the other. What each part takes is planned when the
    parcel is known (:mod:`~sim.model.picking.zone_tours`): for the parcels drawn before
    the run all at once, for parcels made during the run as they are drawn (reships in
    a batch at their parents' pick-up: :meth:`prepare`)."""

    sorts = False

    def __init__(self, ctx: PickContext, bulk: np.ndarray, arrivals: Arrivals | None = None) -> None:
        work = ctx.work
        cfg = work.cfg.zone
        self.ctx, self.cfg = ctx, cfg
        self.n_zones = cfg.zones
        self.aisles_per_zone = work.cfg.layout.aisles // cfg.zones
        self.zone_layout = build_layout(work.cfg.layout, n_aisles=self.aisles_per_zone)
        # Zone queue items are parcel * zones + zone: priority looked up by parcel.
        zones, by_parcel = cfg.zones, ctx.priority_of
        priority_of = None if by_parcel is None else (lambda item: by_parcel(item // zones))
        self.pass_draw = work.streams.keyed("picking.pass")
        # The parts of the parcels drawn before the run (by slot: -1 for the others).
        bulk = np.asarray(bulk, dtype=np.int64)
        self.planned = self._plan(bulk)
        self.index_of = np.full(ctx.table.n_orders, -1, dtype=np.int64)
        self.index_of[bulk] = np.arange(len(bulk))
        # Parcels in picking: [their parts by zone (rows of ZoneTours), parts left, started].
        self.picking: dict[int, list] = {}
        # The parts of parcels made during the run, planned when drawn, until taken in.
        self.made: dict[int, dict[int, list[float]]] = {}
        self.arrivals = self._zone_arrivals(arrivals) if arrivals is not None else [None] * zones
        self.queues = [make_queue(ctx.env, priority_of, self.arrivals[z]) for z in range(zones)]

    def _zone_arrivals(self, arrivals: Arrivals) -> list[Arrivals]:
        """The site's parcels released at known times, as one stream per zone of the
        parts that go straight to it (every part in ``parallel`` mode, the first in
        ``pick_and_pass``): each zone's pickers take theirs in without an event."""
        _times, parcels = arrivals.all()
        pos = self.index_of[parcels]
        if (pos < 0).any():
            raise ValueError("zone picking: a parcel released at a known time was not planned")
        plan = self.planned
        owner = np.repeat(np.arange(len(plan.first) - 1), np.diff(plan.first))
        at_once = np.ones(len(owner), dtype=bool)
        if self.cfg.mode == "pick_and_pass":
            at_once[:] = False
            at_once[plan.first[:-1][np.diff(plan.first) > 0]] = True
        arrival_of = np.full(len(plan.first) - 1, -1, dtype=np.int64)  # planned parcel -> arrival
        arrival_of[pos] = np.arange(len(parcels))
        parts, zone_of_part = [], plan.zone
        for z in range(self.n_zones):
            o = owner[at_once & (zone_of_part == z) & (arrival_of[owner] >= 0)]
            parts.append((arrival_of[o], parcels[arrival_of[o]] * self.n_zones + z))

        def on_release(item: int, _t: float) -> None:
            parcel = item // self.n_zones
            if parcel not in self.picking:
                self._take_in(parcel)

        return arrivals.split(parts, on_release)

    def _plan(self, parcels: np.ndarray) -> ZoneTours:
        return plan_zone_tours(self.ctx.work, self.zone_layout, self.aisles_per_zone, self.pass_draw,
                               parcels)

    def prepare(self, parcels: np.ndarray) -> None:
        """Plan the parts of parcels drawn during the run (made ones and reships), as
        they are drawn (the factory's ``on_drawn``, see :mod:`sim.model.factory`): a
        batch costs about what one parcel does, and a parcel's parts are the same
        planned alone or with others."""
        plan = self._plan(parcels)
        for i, parcel in enumerate(parcels.tolist()):
            self.made[parcel] = plan.parts_of(i)

    def _take_in(self, parcel: int) -> list[int]:
        """Start keeping track of ``parcel``'s parts; return its zones."""
        i = self.index_of.item(parcel) if parcel < self.ctx.table.n_orders else -1
        if i < 0:  # made during the run: planned when drawn
            self.ctx.draw_made()  # (which plans it, if not drawn yet: prepare)
            parts = self.made.pop(parcel)
        else:
            parts = self.planned.parts_of(i)
        count = len(parts)
        # [its parts, parts left, a part has started, its tour_id is the first part's]
        self.picking[parcel] = [parts, count, False, False]
        self.ctx.table.zones_touched[parcel] = count
        return list(parts)

    def enqueue(self, parcel: int) -> None:
        self.ctx.table.released_h[parcel] = self.ctx.env.now
        zones = self._take_in(parcel)
        first = zones if self.cfg.mode == "parallel" else zones[:1]
        for z in first:
            self.queues[z].put(parcel * self.n_zones + z)

    def stations(self) -> list[Station]:
        return [Station(z, self.queues[z], self.start, self.finish) for z in range(self.n_zones)]

    def start(self, item: int, worker: int, now: float) -> float:
        parcel = item // self.n_zones  # (not divmod: a call per part, on the hot path)
        zone = item - parcel * self.n_zones
        state = self.picking[parcel]
        if not state[2]:  # its first part to start
            state[2] = True
            self.ctx.table.pick_start_h[parcel] = now
        return state[0][zone][HOURS]

    def finish(self, item: int, start: float, worker: int, now: float) -> None:
        ctx, t = self.ctx, self.ctx.table
        parcel = item // self.n_zones
        zone = item - parcel * self.n_zones
        state = self.picking[parcel]
        parts = state[0]
        metres = parts[zone][METRES]
        tid = ctx.tours.add(ctx.site, zone, worker, start, now, 1, int(parts[zone][LINES]), metres, parcel)
        # Its tour_id: the tour of the part that started first (when its pick began),
        # though another part may finish before it.
        if not state[3]:
            state[3] = start == t.pick_start_h.item(parcel)
            if state[3] or t.tour_id.item(parcel) < 0:
                t.tour_id[parcel] = tid
        before = t.pick_travel_m.item(parcel)
        t.pick_travel_m[parcel] = (0.0 if before != before else before) + metres
        state[1] -= 1
        if self.cfg.mode == "pick_and_pass" and state[1]:
            zones = list(parts)
            nxt = zones[zones.index(zone) + 1]
            self.queues[nxt].put(parcel * self.n_zones + nxt)
        elif state[1] == 0:
            del self.picking[parcel]
            ctx.hand_over(parcel, worker)


class WavePicking:
    """Released parcels wait in a holding area and are released together in waves;
    within a wave they are picked by the ``within`` method. With ``wait_for_previous``
    a wave is held back until the previous one is fully picked, at most ``timeout_min``
    past its own slot; a later wave whose slot came meanwhile comes due when it is
    released (and is held in turn, to at most ``timeout_min`` past its own slot). ``arrivals``: parcels
    released at known times, which a wave takes in when it is released. A wave hands
    its parcels on in the order they were released (those released at known times
    before those put in at the same instant, as a queue orders them): the first is the
    one a batch's tour is keyed by."""

    def __init__(self, ctx: PickContext, bulk: np.ndarray, release_times_h: np.ndarray,
                 arrivals: Arrivals | None = None) -> None:
        cfg = ctx.work.cfg.wave
        self.ctx, self.cfg, self.arrivals = ctx, cfg, arrivals
        if cfg.within == "batch":
            self.inner = BatchPicking(ctx, bulk, release_immediately=True)
        elif cfg.within == "zone":
            self.inner = ZonePicking(ctx, bulk)
        else:
            self.inner = SingleOrderPicking(ctx, bulk)
        self.sorts = self.inner.sorts
        self.times = release_times_h.tolist()
        self.held: list[tuple[int, float]] = []  # (parcel, when it was put in)
        self.outstanding = 0
        self.waiting: int | None = None  # a wave due, held back for the previous one
        ctx.on_picked.append(self._picked)
        if self.times:
            call_at(ctx.env, self.times[0], WAVE, lambda _e: self._due(0))

    def enqueue(self, parcel: int) -> None:
        self.held.append((parcel, self.ctx.env.now))

    def prepare(self, parcels: np.ndarray) -> None:
        prepare = getattr(self.inner, "prepare", None)
        if prepare is not None:
            prepare(parcels)

    def stations(self) -> list[Station]:
        return self.inner.stations()

    def _picked(self, parcel: int) -> None:
        self.outstanding -= 1
        if self.outstanding == 0 and self.waiting is not None:
            self._release(self.waiting)

    def _due(self, wave: int) -> None:
        """The wave's slot has come (or, held back, the previous wave was released after
        it): release it, or hold it for the previous one until at most ``timeout_min``
        past its slot, not past the moment it came due (a late wave's lateness would
        otherwise carry on to every wave after it)."""
        cfg, env = self.cfg, self.ctx.env
        if cfg.wait_for_previous and self.outstanding > 0:
            if cfg.timeout_min is None:
                self.waiting = wave
                return
            deadline_h = self.times[wave] + cfg.timeout_min / MINUTES_PER_HOUR
            if env.now < deadline_h:
                self.waiting = wave
                call_at(env, deadline_h, WAVE,
                        lambda _e: self._release(wave) if self.waiting == wave else None)
                return
        self._release(wave)

    def _release(self, wave: int) -> None:
        env = self.ctx.env
        self.waiting = None
        # In the order released: by time, those released at known times first among
        # equals (sorted is stable: each kind keeps its own order).
        held = [(t, 1, parcel) for parcel, t in self.held]
        if self.arrivals is not None:
            held += [(t, 0, parcel) for parcel, t in self.arrivals.take(env.now, True)]
        self.held = []
        if held:
            released = [parcel for _t, _kind, parcel in sorted(held, key=lambda h: h[:2])]
            self.outstanding += len(released)
            self.ctx.table.wave_id[released] = wave
            if isinstance(self.inner, BatchPicking):
                self.inner.enqueue_many(released)
            else:
                for p in released:
                    self.inner.enqueue(p)
        if wave + 1 < len(self.times):
            call_at(env, max(self.times[wave + 1], env.now), WAVE, lambda _e: self._due(wave + 1))


def wave_release_times(cfg, cutoffs_h: np.ndarray, end_h: float) -> np.ndarray:
    """When waves are released (hours), from the wave schedule in ``cfg.wave``.
    ``cutoffs_h``: the cut-off instants of every carrier service the site ships with
    (for ``align_to_cutoffs``: a wave ``cutoff_lead_min`` before each, one per instant
    where services share it)."""
    wave = cfg.wave
    if wave.times_h:
        days = np.arange(int(math.ceil(end_h / HOURS_PER_DAY)) + 1)
        t = (days[:, None] * HOURS_PER_DAY + np.asarray(wave.times_h)[None, :]).ravel()
    elif wave.every_min is not None:
        t = np.arange(0.0, end_h, wave.every_min / MINUTES_PER_HOUR)
    else:
        t = np.asarray(cutoffs_h, dtype=np.float64) - wave.cutoff_lead_min / MINUTES_PER_HOUR
    return np.unique(t[(t >= 0) & (t <= end_h)])


def streams_to_drain(method) -> list[Arrivals]:
    """The streams through which ``method`` takes in released parcels with bookkeeping
    of its own (zone picking: a parcel's parts), which the world drains at the end so
    the parcels released that nobody looked at are kept track of as if handed over."""
    if isinstance(method, ZonePicking):
        return [stream for stream in method.arrivals if stream is not None]
    return []


def build_method(ctx: PickContext, bulk: np.ndarray, cutoffs_h: np.ndarray, end_h: float,
                 arrivals: Arrivals | None = None):
    """The picking strategy named in the site's ``picking.method``. ``bulk``: the parcels
    drawn before the run at this site (their single-order tours are computed at once);
    ``cutoffs_h``: the cut-off instants of the site's carrier services (waves aligned
    to them: :func:`wave_release_times`);
    ``arrivals``: the parcels released at known times (every method takes them in
    without an event each)."""
    cfg = ctx.work.cfg
    if cfg.method == "single":
        return SingleOrderPicking(ctx, bulk, arrivals)
    if cfg.method == "batch":
        return BatchPicking(ctx, bulk, arrivals=arrivals)
    if cfg.method == "zone":
        return ZonePicking(ctx, bulk, arrivals)
    return WavePicking(ctx, bulk, wave_release_times(cfg, cutoffs_h, end_h), arrivals)

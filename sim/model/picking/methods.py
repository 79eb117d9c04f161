"""Picking methods as strategies: single-order, batch, zone and wave picking.

A method owns the site's pick queue(s). The release process hands it paid orders with
``enqueue(order)`` (after ``refresh(order)`` if the order's lines changed since the
method was built: a part of an order shipped in parts); it tells the world which
queues its pickers pull from (``stations()``: one per zone, or one for the whole site)
and what a picker does with what it pulls (``serve``, a SimPy generator). When an order's picking is complete the
method calls ``done(order)`` (from :class:`PickContext`), which moves it to packing.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
import simpy

from sim.calendar import HOURS_PER_DAY
from sim.model.picking.work import SECONDS_PER_HOUR, PickWork, build_layout
from sim.model.queues import BatchQueue, WorkQueue, make_queue
from sim.records import Recorder
from sim.scenario.picking import Picking
from sim.units import MINUTES_PER_HOUR


@dataclass
class Station:
    """Pickers of one zone (or the whole site, ``zone = -1``) and their queue."""

    zone: int
    queue: WorkQueue | BatchQueue
    serve: Callable[[object, int], Generator]


@dataclass
class PickContext:
    """What every method shares: the clock, the records, the site's work and the way
    out to packing."""

    env: simpy.Environment
    rec: Recorder
    site: int
    work: PickWork
    pack_queue: WorkQueue
    units: np.ndarray  # per order
    priority: np.ndarray | None = None  # per order: higher is picked first
    on_picked: list[Callable[[int], None]] = field(default_factory=list)

    def done(self, order: int, start_h: float, worker: int, tour: int, batch: int,
             travel_m: float) -> None:
        rec = self.rec
        if math.isnan(rec.pick_start_h[order]):
            rec.pick_start_h[order] = start_h
        rec.picked_h[order] = self.env.now
        rec.picker[order] = worker
        if rec.tour_id[order] < 0:
            rec.tour_id[order] = tour
        rec.batch_size[order] = batch
        rec.pick_travel_m[order] = (0.0 if math.isnan(rec.pick_travel_m[order])
                                    else rec.pick_travel_m[order]) + travel_m
        self.pack_queue.put(order)
        for callback in self.on_picked:
            callback(order)


class SingleOrderPicking:
    """One picker, one order, one tour (tour times computed for all orders at once)."""

    sorts = False

    def __init__(self, ctx: PickContext, orders_of_site: np.ndarray) -> None:
        self.ctx = ctx
        self.queue = make_queue(ctx.env, ctx.priority)
        n = len(ctx.rec.placed_h)
        self.tour_h = np.zeros(n)
        self.dist_m = np.zeros(n)
        self.tour_h[orders_of_site], self.dist_m[orders_of_site] = (
            ctx.work.single_order_tours(orders_of_site))
        self.lines = (ctx.work.line_end - ctx.work.line_start[:-1]).astype(np.int32)

    def refresh(self, order: int) -> None:
        """Recompute the order's tour after its lines changed."""
        o = np.array([order])
        self.tour_h[o], self.dist_m[o] = self.ctx.work.single_order_tours(o)
        self.lines[order] = self.ctx.work.n_lines(order)

    def enqueue(self, order: int) -> None:
        self.ctx.rec.released_h[order] = self.ctx.env.now
        self.queue.put(order)

    def stations(self) -> list[Station]:
        return [Station(-1, self.queue, self.serve)]

    def serve(self, order: int, worker: int) -> Generator:
        ctx = self.ctx
        env, rec = ctx.env, ctx.rec
        start = env.now
        yield env.timeout(float(self.tour_h[order]))
        dist = float(self.dist_m[order])
        # The hot path of the whole model: record without the general done().
        rec.pick_start_h[order] = start
        rec.picked_h[order] = env.now
        rec.picker[order] = worker
        rec.tour_id[order] = rec.tours.add(ctx.site, -1, worker, start, env.now, 1,
                                           int(self.lines[order]), dist)
        rec.batch_size[order] = 1
        rec.pick_travel_m[order] = dist
        ctx.pack_queue.put(order)
        for callback in ctx.on_picked:
            callback(order)


class _Cart:
    """Which waiting orders go on one cart: first come first served, or the oldest plus
    its nearest neighbours, while they fit (always at least the oldest)."""

    def __init__(self, size: np.ndarray | None, work: PickWork, window: int) -> None:
        self.size, self.work, self.window = size, work, window

    def _fits(self, order: int, used: int, capacity: int) -> bool:
        return used + (1 if self.size is None else int(self.size[order])) <= capacity

    def _s(self, order: int) -> int:
        return 1 if self.size is None else int(self.size[order])

    def fcfs(self, items: deque, capacity: int) -> list[int]:
        batch = [items.popleft()]
        used = self._s(batch[0])
        while items and self._fits(items[0], used, capacity):
            used += self._s(items[0])
            batch.append(items.popleft())
        return batch

    def nearest(self, items: deque, capacity: int) -> list[int]:
        seed = items.popleft()
        batch, used = [seed], self._s(seed)
        if not items or used >= capacity:
            return batch
        w = self.work
        window = np.fromiter(islice(items, self.window), dtype=np.int64)
        d = np.hypot(w.centroid_x[window] - w.centroid_x[seed], w.centroid_y[window] - w.centroid_y[seed])
        for o in window[np.argsort(d, kind="stable")].tolist():
            if self._fits(o, used, capacity):
                used += self._s(o)
                batch.append(o)
                items.remove(o)
                if used >= capacity:
                    break
        return batch


class BatchPicking:
    """A picker takes up to ``max_orders`` orders on one tour, first come first served
    or the oldest order plus its nearest neighbours in the queue (by the centroid of
    their pick locations). With ``sort: while_pick`` the picker sorts units into the
    orders' totes on the tour; with ``after_pick`` the packer sorts them."""

    sorts = True

    def __init__(self, ctx: PickContext, orders_of_site: np.ndarray,
                 release_immediately: bool = False) -> None:
        cfg = ctx.work.cfg.batch
        self.ctx, self.cfg = ctx, cfg
        if cfg.capacity == "totes":
            units = np.asarray(ctx.units)
            size, capacity = np.maximum(1, -(-units // cfg.units_per_tote)), cfg.max_totes
        else:
            size, capacity = None, cfg.max_orders
        self.size = size
        cart = _Cart(size, ctx.work, cfg.proximity_window)
        choose = cart.fcfs if cfg.rule == "fcfs" or ctx.work.layout is None else cart.nearest
        max_wait_h = 0.0 if release_immediately else cfg.max_wait_min / MINUTES_PER_HOUR
        self.queue = BatchQueue(ctx.env, capacity, max_wait_h, ctx.rec.released_h, choose, size)

    def enqueue(self, order: int) -> None:
        self.ctx.rec.released_h[order] = self.ctx.env.now
        self.queue.put(order)

    def refresh(self, order: int) -> None:
        """Re-size the order's totes after its units changed (the queue and the cart
        read the same array)."""
        if self.size is not None:
            self.size[order] = max(1, -(-int(self.ctx.units[order]) // self.cfg.units_per_tote))

    def enqueue_many(self, orders: list[int]) -> None:
        self.ctx.rec.released_h[orders] = self.ctx.env.now
        self.queue.put_many(orders)

    def stations(self) -> list[Station]:
        return [Station(-1, self.queue, self.serve)]

    def serve(self, batch: list[int], worker: int) -> Generator:
        ctx, work = self.ctx, self.ctx.work
        start = ctx.env.now
        tour = work.tour(batch, sort=self.cfg.sort == "while_pick")
        yield ctx.env.timeout(tour.time_h)
        lines = [work.n_lines(o) for o in batch]
        total = sum(lines)
        tid = ctx.rec.tours.add(ctx.site, -1, worker, start, ctx.env.now, len(batch), total,
                                tour.distance_m)
        for o, n in zip(batch, lines, strict=True):
            ctx.done(o, start, worker, tid, len(batch), tour.distance_m * n / total)


class ZonePicking:
    """The aisles split into equal zones, each with its own pickers and depot. In
    ``parallel`` mode each zone an order touches picks its lines at the same time as
    the others, and the order is complete when the last part is (it is then
    consolidated at the pack station); in ``pick_and_pass`` mode the order's tote
    visits its zones one after the other."""

    sorts = False

    def __init__(self, ctx: PickContext, orders_of_site: np.ndarray) -> None:
        work = ctx.work
        cfg = work.cfg.zone
        self.ctx, self.cfg = ctx, cfg
        self.n_zones = cfg.zones
        self.aisles_per_zone = work.cfg.layout.aisles // cfg.zones
        self.zone_layout = build_layout(work.cfg.layout, n_aisles=self.aisles_per_zone)
        # Zone queue items are order * zones + zone: priority looked up by order.
        zone_priority = None if ctx.priority is None else np.repeat(ctx.priority, cfg.zones)
        self.queues = [make_queue(ctx.env, zone_priority) for _ in range(self.n_zones)]
        self.parts_left: dict[int, int] = {}
        self.zones_of: dict[int, list[int]] = {}
        self.line_zone = work.line_aisle // self.aisles_per_zone
        ls, le = work.line_start, work.line_end
        for o in orders_of_site.tolist():
            self.zones_of[o] = sorted(set(self.line_zone[ls[o]:le[o]].tolist()))
        self.pass_h = cfg.pass_time_s.sample(work.rng, len(orders_of_site)) / SECONDS_PER_HOUR
        self.pass_index = {o: i for i, o in enumerate(orders_of_site.tolist())}

    def refresh(self, order: int) -> None:
        """The zones the order's lines are in (again, after its lines changed)."""
        w = self.ctx.work
        sl = slice(w.line_start[order], w.line_end[order])
        self.line_zone[sl] = w.line_aisle[sl] // self.aisles_per_zone
        self.zones_of[order] = sorted(set(self.line_zone[sl].tolist()))

    def enqueue(self, order: int) -> None:
        self.ctx.rec.released_h[order] = self.ctx.env.now
        zones = self.zones_of[order]
        self.ctx.rec.zones_touched[order] = len(zones)
        if self.cfg.mode == "parallel":
            self.parts_left[order] = len(zones)
            for z in zones:
                self.queues[z].put(order * self.n_zones + z)
        else:
            self.parts_left[order] = len(zones)
            self.queues[zones[0]].put(order * self.n_zones + zones[0])

    def stations(self) -> list[Station]:
        return [Station(z, self.queues[z], self.serve) for z in range(self.n_zones)]

    def serve(self, item: int, worker: int) -> Generator:
        ctx, work = self.ctx, self.ctx.work
        order, zone = divmod(item, self.n_zones)
        start = ctx.env.now
        if math.isnan(ctx.rec.pick_start_h[order]):
            ctx.rec.pick_start_h[order] = start
        sl = slice(work.line_start[order], work.line_end[order])
        mine = self.line_zone[sl] == zone
        aisle = work.line_aisle[sl][mine] - zone * self.aisles_per_zone
        travel = work.travel(aisle, work.line_y[sl][mine], self.zone_layout)
        time_h = (work.cfg.setup_time_s.sample(work.rng, 1)[0] / SECONDS_PER_HOUR
                  + travel.time_h + work.line_time_h[sl][mine].sum())
        zones = self.zones_of[order]
        if zone == zones[0]:
            time_h += work.repick_at_pick_h[order]
        passing = self.cfg.mode == "pick_and_pass" and zone != zones[-1]
        if passing:
            time_h += self.pass_h[self.pass_index[order]]
        yield ctx.env.timeout(time_h)
        tid = ctx.rec.tours.add(ctx.site, zone, worker, start, ctx.env.now, 1, int(mine.sum()),
                                travel.distance_m)
        if ctx.rec.tour_id[order] < 0:
            ctx.rec.tour_id[order] = tid
        ctx.rec.pick_travel_m[order] = np.nan_to_num(ctx.rec.pick_travel_m[order]) + travel.distance_m
        self.parts_left[order] -= 1
        if passing:
            nxt = zones[zones.index(zone) + 1]
            self.queues[nxt].put(order * self.n_zones + nxt)
        elif self.parts_left[order] == 0:
            del self.parts_left[order]
            ctx.done(order, start, worker, tid, 1, 0.0)


class WavePicking:
    """Paid orders wait in a holding area and are released together in waves; within a
    wave they are picked by the ``within`` method. With ``wait_for_previous`` a wave is
    held back until the previous one is fully picked (or ``timeout_min`` has passed)."""

    def __init__(self, ctx: PickContext, orders_of_site: np.ndarray, release_times_h: np.ndarray) -> None:
        cfg = ctx.work.cfg.wave
        self.ctx, self.cfg = ctx, cfg
        if cfg.within == "batch":
            self.inner = BatchPicking(ctx, orders_of_site, release_immediately=True)
        elif cfg.within == "zone":
            self.inner = ZonePicking(ctx, orders_of_site)
        else:
            self.inner = SingleOrderPicking(ctx, orders_of_site)
        self.sorts = self.inner.sorts
        self.held: list[int] = []
        self.outstanding = 0
        self.all_picked = ctx.env.event()
        ctx.on_picked.append(self._picked)
        ctx.env.process(self._release(release_times_h))

    def enqueue(self, order: int) -> None:
        self.held.append(order)

    def stations(self) -> list[Station]:
        return self.inner.stations()

    def refresh(self, order: int) -> None:
        self.inner.refresh(order)

    def _picked(self, order: int) -> None:
        self.outstanding -= 1
        if self.outstanding == 0 and not self.all_picked.triggered:
            self.all_picked.succeed()

    def _release(self, times_h: np.ndarray) -> Generator:
        env, cfg = self.ctx.env, self.cfg
        for wave, t in enumerate(times_h.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            if cfg.wait_for_previous and self.outstanding > 0:
                limit = math.inf if cfg.timeout_min is None else cfg.timeout_min / MINUTES_PER_HOUR
                if limit < math.inf:
                    yield self.all_picked | env.timeout(limit)
                else:
                    yield self.all_picked
            if not self.held:
                continue
            released, self.held = self.held, []
            if self.outstanding == 0 or self.all_picked.triggered:
                self.all_picked = env.event()
            self.outstanding += len(released)
            self.ctx.rec.wave_id[released] = wave
            if hasattr(self.inner, "enqueue_many"):
                self.inner.enqueue_many(released)
            else:
                for o in released:
                    self.inner.enqueue(o)


def wave_release_times(cfg: Picking, pickups_h: np.ndarray, cutoff_h: float, end_h: float) -> np.ndarray:
    """When waves are released (hours), from the wave schedule in ``cfg.wave``."""
    wave = cfg.wave
    if wave.times_h:
        days = np.arange(int(math.ceil(end_h / HOURS_PER_DAY)) + 1)
        t = (days[:, None] * HOURS_PER_DAY + np.asarray(wave.times_h)[None, :]).ravel()
    elif wave.every_min is not None:
        t = np.arange(0.0, end_h, wave.every_min / MINUTES_PER_HOUR)
    else:
        t = np.asarray(pickups_h) - cutoff_h - wave.cutoff_lead_min / MINUTES_PER_HOUR
    t = np.sort(t[(t >= 0) & (t <= end_h)])
    return t


def build_method(ctx: PickContext, orders_of_site: np.ndarray, pickups_h: np.ndarray,
                 cutoff_h: float, end_h: float):
    """The picking strategy named in the site's ``picking.method``."""
    cfg = ctx.work.cfg
    if cfg.method == "single":
        return SingleOrderPicking(ctx, orders_of_site)
    if cfg.method == "batch":
        return BatchPicking(ctx, orders_of_site)
    if cfg.method == "zone":
        return ZonePicking(ctx, orders_of_site)
    return WavePicking(ctx, orders_of_site, wave_release_times(cfg, pickups_h, cutoff_h, end_h))


def method_sorts(cfg: Picking) -> bool:
    """Whether the site's method sorts units into orders (batch picking)."""
    return cfg.method == "batch" or (cfg.method == "wave" and cfg.wave is not None
                                     and cfg.wave.within == "batch")

"""One replication's world: built in steps, run, and collected (no I/O).

How one order flows (the functions in order):

1. :func:`sim.model.draws.draw_replication` draws, before the run, the catalogue, the
   orders (:mod:`~sim.model.demand`), their payment (:mod:`~sim.model.payment`), their
   nearest site (:mod:`~sim.model.routing`) and each paid order's parcel as if shipped
   whole from there (:mod:`~sim.model.parcel_draws`).
2. :meth:`World._release` hands each paid order over the moment its payment clears:
   straight to its site's picking (:meth:`~sim.model.factory.ParcelFactory.whole`), or,
   with stock, through :class:`~sim.model.allocation.Allocator`, which may make other
   parcels (another site, parts) or wait for the supplier.
3. Pickers (:mod:`~sim.model.staff`, pulling from :mod:`~sim.model.queues`) pick the
   parcel by the site's method (:mod:`~sim.model.picking.methods`), then it waits for a
   packer, who packs and labels it (:class:`~sim.model.packing.PackStation`).
4. The dock (:mod:`~sim.model.shipping`) hands it to the carrier at the next pick-up;
   :class:`~sim.model.delivery.Delivery` times its arrival and its return, and
   schedules a reship if it goes wrong (:class:`Reships`) and a restock of what comes
   back.
5. :func:`sim.model.collect.frames` turns the records into the orders and shipments
   tables, as they stood at the end of the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from sim import memory
from sim.calendar import pickup_times
from sim.model import collect, routing
from sim.model.allocation import Allocator
from sim.model.clock import LATER, RELEASE, call_at
from sim.model.delivery import Delivery
from sim.model.draws import Draws, draw_replication
from sim.model.factory import ParcelFactory
from sim.model.inventory import expected_daily_units, stock_from_config
from sim.model.packing import BulkLabeller, PackStation, label_jobs_frame
from sim.model.picking.methods import PickContext, ZonePicking, build_method, streams_to_drain
from sim.model.picking.work import PickWork
from sim.model.queues import Arrivals, TimedItems, make_queue
from sim.model.shipments import ORIGINAL
from sim.model.shipping import Dock, Docks
from sim.model.staff import Crew, Pool, build_pool
from sim.model.stock_outputs import inventory_outputs, mark_stockouts
from sim.model.warnings import no_box_warnings, returns_in_transit_warnings, unfit_warnings
from sim.records import OrderRecord, TourLog
from sim.rng import Streams
from sim.scenario.loader import ScenarioError
from sim.scenario.schema import Scenario, Warehouse
from sim.units import HOURS_PER_DAY, MINUTES_PER_HOUR

Progress = Callable[[float], None]  # called with the fraction of simulated time done


@dataclass
class RunResult:
    """What one replication produced: the orders and shipments tables and the staff
    pools (with their duty calendars), from which every KPI and time series is derived."""

    replication: int
    seed: int
    orders: pd.DataFrame
    shipments: pd.DataFrame
    pools: list[Pool] = field(default_factory=list)
    end_h: float = 0.0
    tours: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per picking tour
    label_jobs: pd.DataFrame = field(default_factory=pd.DataFrame)  # bulk label prints
    warnings: list[str] = field(default_factory=list)  # for the user, e.g. SKUs fitting no box
    inventory: pd.DataFrame = field(default_factory=pd.DataFrame)  # statement per site
    stock_levels: pd.DataFrame = field(default_factory=pd.DataFrame)  # units on hand over time
    extra_kpis: dict[str, float] = field(default_factory=dict)  # computed in the run
    shipment_lines: pd.DataFrame = field(default_factory=pd.DataFrame)  # the lines of each parcel
    supplier_orders: pd.DataFrame = field(default_factory=pd.DataFrame)  # with inventory: replenishment


class Reships:
    """Reships of troubled parcels: drawn in a batch when the parcels ship (their draws
    are keyed by their parents), created and released the moment the trouble comes to
    light."""

    def __init__(self, env: simpy.Environment, factory: ParcelFactory,
                 release: Callable[[int], None]) -> None:
        self.env, self.factory, self.release = env, factory, release

    def schedule(self, parents: np.ndarray, at_h: np.ndarray) -> None:
        slots = self.factory.prepare_reships(parents)
        for slot, t in zip(slots.tolist(), at_h.tolist(), strict=True):
            call_at(self.env, t, LATER, lambda _e, slot=slot: self._place(slot))

    def _place(self, slot: int) -> None:
        self.release(self.factory.reship(slot))


@dataclass(frozen=True)
class SitePicking:
    """A site's picking method and the pack queue it hands picked parcels to."""

    index: int
    name: str
    config: Warehouse
    method: object
    pack_queue: object


@dataclass(frozen=True)
class SitePacking:
    """A site's pack station and, with bulk labels, its labeller."""

    station: PackStation
    labeller: BulkLabeller | None


def zone_head_count(wh: Warehouse, zone: int) -> dict[str, int]:
    """People per shift in one picking zone: as configured, or the site's pickers
    shared out evenly (the first zones get the remainder)."""
    cfg = wh.picking.zone
    if cfg.pickers_per_zone is not None:
        return wh.staff.per_shift(cfg.pickers_per_zone[zone])
    return {shift: count // cfg.zones + (1 if zone < count % cfg.zones else 0)
            for shift, count in wh.staff.head_count("pickers").items()}


def _priorities_differ(scenario: Scenario) -> bool:
    """Whether parcels can differ in priority: channels of several priorities, or
    reships (which go first)."""
    channel = {c.priority for c in scenario.demand.channels.values()}
    rem = scenario.remedies
    reships = rem.max_reships > 0 and "reship" in (rem.lost, rem.damaged, rem.wrong_item)
    return len(channel) > 1 or reships


class World:
    """Builds one replication (:meth:`__init__` reads as the steps), runs it
    (:meth:`run`) and collects its records (:meth:`collect`)."""

    def __init__(self, scenario: Scenario, replication: int, seed: int,
                 lazy_release: bool = True) -> None:
        self.scenario, self.replication, self.seed = scenario, replication, seed
        # Orders whose payment clears while every picker is busy are taken in when a
        # picker looks (without stock): no event each.
        # ``lazy_release=False`` hands every order over with an event of its own, puts
        # all work through its queue (no direct hand-over to a free worker) and draws
        # each parcel made during the run at once (not with the next ones): the
        # straightforward reference the tests compare with, bit for bit.
        self.lazy_release = lazy_release and scenario.inventory is None
        self.hand_over_directly = lazy_release
        hz = scenario.horizon
        self.end_h = (hz.days + hz.drain_days) * HOURS_PER_DAY
        self.streams = Streams(seed, replication)
        self.env = simpy.Environment()
        self.draws = self._draw()
        # Each site's stream of orders released without an event, and whether their
        # release to picking is their payment (not with waves: with the wave).
        self.arrivals: list[tuple[Arrivals, bool]] = []
        self._to_drain: list[Arrivals] = []  # streams whose taking-in does bookkeeping
        self.record = OrderRecord(self.draws.book.cancel_code)
        self.tours = TourLog(capacity=len(self.draws.book) + 1024)
        self.factory = ParcelFactory(self.env, self.draws.table, self.draws.book, self.draws.maker,
                                     scenario.remedies, draw_together=lazy_release)
        self.sites = [self._build_picking(s, name) for s, name in enumerate(scenario.sites)]
        self.stocks = self._build_stocks()
        self.allocator = self._build_allocator()
        self.delivery = self._build_delivery()
        self.packing = [self._build_packing(site) for site in self.sites]
        self.crews: list[Crew] = []
        self.pools = [pool for site, packing in zip(self.sites, self.packing, strict=True)
                      for pool in self._build_staff(site, packing)]
        self._release_chain()

    # --- steps ----------------------------------------------------------------------

    def _draw(self) -> Draws:
        return draw_replication(self.scenario, self.streams)

    def _build_picking(self, s: int, name: str) -> SitePicking:
        """The site's pack queue and picking method (which hands picked parcels to it)."""
        wh, table = self.scenario.warehouses[name], self.draws.table
        priority_of = (lambda p: table.priority.item(p)) if _priorities_differ(self.scenario) else None
        pack_queue = make_queue(self.env, priority_of)
        ctx = PickContext(self.env, table, self.tours, s, PickWork(wh.picking, table, self.streams),
                          pack_queue, priority_of, draw_made=self.factory.draw_made)
        n = self.draws.table.n_orders
        bulk = np.flatnonzero((table.site[:n] == s) & (table.kind[:n] == ORIGINAL))
        arrivals = self._arrivals(s)
        method = build_method(ctx, bulk, self._cutoffs(wh), self.end_h, arrivals)
        prepare = getattr(method, "prepare", None)
        if prepare is not None:
            self.factory.on_drawn[s] = prepare
        if arrivals is not None:
            self.arrivals.append((arrivals, wh.picking.method != "wave"))
            self._to_drain.extend(streams_to_drain(method))
        return SitePicking(s, name, wh, method, pack_queue)

    def _arrivals(self, s: int) -> Arrivals | None:
        """The site's orders, released at their payment times without an event each
        (see ``lazy_release``). Nothing in the run reads when they were created and
        released: :meth:`collect` records it for all of them at once."""
        if not self.lazy_release:
            return None
        book = self.draws.book
        ids = np.flatnonzero((book.site == s) & ~np.isnan(book.paid_h))
        return Arrivals(book.paid_h[ids], ids, None)

    def _cutoffs(self, wh) -> np.ndarray:
        """The cut-off instants (hours) of every carrier service the site ships with: its
        carrier and its ``services``, each pick-up less that carrier's ``cutoff_min``."""
        names = dict.fromkeys([wh.shipping.carrier, *wh.shipping.services])
        carriers = [self.scenario.carriers[name] for name in names]
        return np.concatenate([self._pickups(c) - c.cutoff_min / MINUTES_PER_HOUR for c in carriers])

    def _pickups(self, carrier) -> np.ndarray:
        return pickup_times(carrier.pickup_times_h, carrier.pickup_days,
                            self.scenario.horizon.start_weekday, self.end_h)

    def _build_stocks(self) -> list:
        """One stock per site (none without ``inventory``), sized from each site's
        expected daily demand per SKU."""
        cfg = self.scenario.inventory
        if cfg is None:
            return []
        mean, sd = expected_daily_units(self.scenario, self.draws.skus.popularity)
        stocks = []
        for s, name in enumerate(self.scenario.sites):
            try:
                stocks.append(stock_from_config(self.env, self.streams.keyed(f"inventory.{name}.lead_time"),
                                                cfg.for_site(name), mean[s], sd[s], name))
            except ValueError as exc:
                raise ScenarioError([str(exc)]) from None
        hz = self.scenario.horizon
        self.stockout_marks = mark_stockouts(self.env, stocks, [hz.warmup_days * HOURS_PER_DAY,
                                                                hz.days * HOURS_PER_DAY])
        return stocks

    def _build_allocator(self) -> Allocator | None:
        if not self.stocks:
            return None
        enqueue = [site.method.enqueue for site in self.sites]
        return Allocator(self.env, self.scenario.inventory, self.stocks, self.draws.book,
                         self.factory, self.record, enqueue, routing.other_sites_by_region(self.scenario))

    def _release_reship(self, slot: int) -> None:
        if self.allocator is not None:
            self.allocator.release_reship(slot)
        else:
            self.sites[int(self.draws.table.site[slot])].method.enqueue(slot)

    def _build_delivery(self) -> Delivery:
        book, scenario = self.draws.book, self.scenario
        reships = Reships(self.env, self.factory, self._release_reship)
        return Delivery(self.env, self.draws.table, book.due_h, scenario.horizon.start_weekday,
                        scenario.returns, book.returns, self.streams, scenario.remedies,
                        reships.schedule, self.allocator.restock if self.allocator else None,
                        self.factory.draw_shipping_made)

    def _build_packing(self, site: SitePicking) -> SitePacking:
        """The site's docks (one per carrier service), bulk labeller and pack station."""
        table, wh = self.draws.table, site.config
        names = list(self.scenario.carriers)
        docks = {}
        for c in sorted({names.index(x) for x in [wh.shipping.carrier, *wh.shipping.services]}):
            carrier = self.scenario.carriers[names[c]]
            docks[c] = Dock(self.env, table, self._pickups(carrier), carrier.cutoff_min / MINUTES_PER_HOUR,
                            self.delivery.ship, continuous=not carrier.pickup_times_h)
        # (one dock: every parcel of the site ships with it, no look-up of its service)
        stage = next(iter(docks.values())).stage if len(docks) == 1 else Docks(table, docks).stage
        labeller = None
        if wh.shipping.labels == "bulk":
            labeller = BulkLabeller(self.env, table, wh.shipping.bulk, site.pack_queue, stage, self.streams)
        return SitePacking(PackStation(self.env, table, stage, labeller), labeller)

    def _build_staff(self, site: SitePicking, packing: SitePacking) -> list[Pool]:
        """Pickers per zone (or for the site) and packers, each on their shifts."""
        wh, start_weekday = site.config, self.scenario.horizon.start_weekday
        pools = []
        for st in site.method.stations():
            per_shift = zone_head_count(wh, st.zone) if st.zone >= 0 else None
            pickers = build_pool(site.name, "pickers", wh.staff, start_weekday, self.end_h, per_shift, st.zone)
            self.crews.append(Crew(self.env, pickers, st.queue, st.start, st.finish, len(self.crews),
                                   self.hand_over_directly))
            pools.append(pickers)
        packers = build_pool(site.name, "packers", wh.staff, start_weekday, self.end_h)
        station = packing.station
        self.crews.append(Crew(self.env, packers, site.pack_queue, station.start, station.finish,
                               len(self.crews), self.hand_over_directly))
        return [*pools, packers]

    def _release_chain(self) -> None:
        """Without arrivals (with stock, or the reference path), hand over each paid
        order at its payment time: to its site's picking, or through the allocator with
        stock. One event per instant with orders due (rank ``RELEASE``)."""
        if self.lazy_release:  # every site takes its orders in as arrivals
            return
        book = self.draws.book
        ids = np.flatnonzero(~np.isnan(book.paid_h))
        if not len(ids):
            return
        due = TimedItems(book.paid_h[ids], ids)
        enqueue = [site.method.enqueue for site in self.sites]
        site_of, whole = book.site, self.factory.whole
        allocate = self.allocator.release if self.allocator is not None else None

        def step(_event) -> None:
            for order, _t in due.take(self.env.now, True):
                if allocate is None:
                    enqueue[site_of[order]](whole(order))
                else:
                    allocate(order)
            if due.next_h() < math.inf:
                call_at(self.env, due.next_h(), RELEASE, step)

        call_at(self.env, due.next_h(), RELEASE, step)

    def _zone_widths(self) -> dict[int, int]:
        """Aisles per picking zone, of each site that picks by zone (alone or in waves)."""
        widths = {}
        for site in self.sites:
            method = getattr(site.method, "inner", site.method)
            if isinstance(method, ZonePicking):
                widths[site.index] = method.aisles_per_zone
        return widths

    # --- run and collect ------------------------------------------------------------

    def run(self, progress: Progress | None = None) -> None:
        """Simulate to the end of the horizon (``progress`` called after each day with
        the share done), with the world as built out of the cycle collector's scans
        (:func:`sim.memory.built_objects_frozen`)."""
        with memory.built_objects_frozen():
            if progress is None:
                self.env.run(until=self.end_h)
                return
            t = 0.0
            while t < self.end_h:
                t = min(t + HOURS_PER_DAY, self.end_h)
                self.env.run(until=t)
                progress(t / self.end_h)

    def collect(self) -> RunResult:
        scenario, draws = self.scenario, self.draws
        # When every order released by the end was created and released (nothing in
        # the run reads it: recorded for all of them at once, taken in or not).
        for arrivals, released_when_paid in self.arrivals:
            ids, times = arrivals.due_before(self.end_h)
            draws.table.created_h[ids] = times
            if released_when_paid:
                draws.table.released_h[ids] = times
        for stream in self._to_drain:
            stream.take(self.end_h, False)
        self.factory.draw_made()  # (parcels made that no picker took up)
        self.factory.draw_shipping_made()  # (and those that have not shipped)
        # (before the frames: they drop the working columns these read and renumber the
        # parcels)
        returns = returns_in_transit_warnings(scenario, draws.table, draws.book.orders.placed_h, self.end_h)
        slots = draws.table.created()  # (the tours name parcels by slot)
        line_zones = collect.line_zones(draws.table, self._zone_widths())
        orders, shipments = collect.frames(scenario, self.replication, draws.book, self.record,
                                           draws.table, self.end_h, draws.skus)
        result = RunResult(
            replication=self.replication, seed=self.seed, orders=orders, shipments=shipments,
            pools=self.pools, end_h=self.end_h, tours=self.tours.frame(scenario.sites, self.replication, slots),
            label_jobs=label_jobs_frame([p.labeller for p in self.packing], scenario.sites, self.replication),
            warnings=unfit_warnings(scenario, draws.skus) + no_box_warnings(scenario, shipments) + returns,
            shipment_lines=collect.shipment_lines(draws.table, self.replication, line_zones))
        if self.stocks:
            inventory_outputs(result, scenario, self.stocks, draws.skus, self.stockout_marks)
        return result


def run_replication(scenario: Scenario, replication: int = 0, seed: int | None = None,
                    progress: Progress | None = None) -> RunResult:
    """Simulate one replication (no I/O, no global state: any process can run it).
    ``seed`` defaults to the scenario's seed."""
    world = World(scenario, replication, scenario.seed if seed is None else seed)
    world.run(progress)
    result = world.collect()
    big = world.draws.table.capacity >= memory.GIVE_BACK_FROM_SLOTS
    del world  # (the result's tables keep what they show of it)
    if big:
        memory.give_back()  # not when the cycle collector next runs (sim.memory)
    return result

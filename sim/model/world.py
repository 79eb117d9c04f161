"""Builds one replication's SimPy world, runs it and returns its records (no I/O).

This is the only module that knows every stage. The flow of an order:

    demand ─▶ payment ─▶ routing ─▶ [release at paid time] ─▶ site pick queue
      ─▶ pickers (picking method) ─▶ pack queue ─▶ packers (pack + label) ─▶ dock
      ─▶ carrier pick-up ─▶ delivery ─▶ return

Demand, payment and routing involve no shared resource, so they are sampled for the
whole horizon up front (exact: the orders do not interact before a warehouse); one
release process then feeds each order to its site at the moment its payment clears.
Pickers and packers are worker processes pulling from queues; each dock is a process
waking at the carrier's pick-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from sim.calendar import HOURS_PER_DAY, add_business_days, pickup_times
from sim.geo import us_states
from sim.model import demand, packaging, payment, routing
from sim.model.aftersales import DISSATISFACTION_REASONS, REMEDIES, aftersales
from sim.model.allocation import Allocator
from sim.model.catalogue import draw_catalogue
from sim.model.delivery import Delivery, wrong_units
from sim.model.draws import draw_orders, with_alternatives, with_reships, with_rests
from sim.model.inventory import expected_daily_units, stock_from_config
from sim.model.packing import BulkLabeller, PackStation
from sim.model.parts import Parts
from sim.model.picking.methods import PickContext, build_method
from sim.model.picking.work import site_storage, site_work
from sim.model.queues import make_queue
from sim.model.shipping import Dock
from sim.model.staff import Pool, build_pool, start_pool
from sim.records import CANCEL_REASONS, Recorder
from sim.rng import Streams
from sim.scenario.loader import ScenarioError
from sim.scenario.schema import Scenario, Warehouse
from sim.units import MINUTES_PER_HOUR

Progress = Callable[[float], None]
REMEDY_PRIORITY = 10  # reships jump every queue (channel priorities are 0..9)  # called with the fraction of simulated time done


@dataclass
class RunResult:
    """What one replication produced: the per-order table and the staff pools (with
    their duty calendars), from which every KPI and time series is derived."""

    replication: int
    seed: int
    orders: pd.DataFrame
    pools: list[Pool] = field(default_factory=list)
    end_h: float = 0.0
    tours: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per picking tour
    label_jobs: pd.DataFrame = field(default_factory=pd.DataFrame)  # bulk label prints
    warnings: list[str] = field(default_factory=list)  # for the user, e.g. SKUs fitting no box
    inventory: pd.DataFrame = field(default_factory=pd.DataFrame)  # statement per site
    stock_levels: pd.DataFrame = field(default_factory=pd.DataFrame)  # units on hand over time
    extra_kpis: dict[str, float] = field(default_factory=dict)  # computed in the run


def _release(env: simpy.Environment, order_ids: np.ndarray, paid_h: np.ndarray,
             site: np.ndarray, enqueue: list[Callable[[int], None]]) -> Generator:
    """Feed paid orders (sorted by paid time) to their site's picking at the moment
    payment clears. Works through the arrays in chunks: Python lists of a million
    orders would cost more memory than the rest of the run."""
    chunk = 65536
    for lo in range(0, len(order_ids), chunk):
        hi = lo + chunk
        for o, t, s in zip(order_ids[lo:hi].tolist(), paid_h[lo:hi].tolist(),
                           site[lo:hi].tolist(), strict=True):
            if t > env.now:
                yield env.timeout(t - env.now)
            enqueue[s](o)


def _zone_head_count(wh: Warehouse, zone: int) -> dict[str, int]:
    """People per shift in one picking zone: as configured, or the site's pickers
    shared out evenly (the first zones get the remainder)."""
    cfg = wh.picking.zone
    if cfg.pickers_per_zone is not None:
        return wh.staff.per_shift(cfg.pickers_per_zone[zone])
    return {shift: count // cfg.zones + (1 if zone < count % cfg.zones else 0)
            for shift, count in wh.staff.head_count("pickers").items()}


def _due_h(scenario: Scenario, placed_h: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Promised delivery: end of the day ``promised_business_days`` after placement."""
    promised = np.array([c.promised_business_days for c in scenario.demand.channels.values()])
    day = (np.asarray(placed_h) // HOURS_PER_DAY).astype(np.int64)
    due_day = add_business_days(day, promised[channel], scenario.horizon.start_weekday)
    return (due_day + 1) * HOURS_PER_DAY


def run_replication(scenario: Scenario, replication: int = 0, seed: int | None = None,
                    progress: Progress | None = None) -> RunResult:
    """Simulate one replication. ``seed`` defaults to the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    streams = Streams(seed, replication)
    hz = scenario.horizon
    end_h = (hz.days + hz.drain_days) * HOURS_PER_DAY

    originals = demand.generate_orders(scenario, streams)
    n0 = len(originals)
    pay = payment.authorise(scenario.payment, n0, streams.get("payment"))
    site0, distance0 = routing.route(scenario, originals.region)
    sites = scenario.sites
    skus = draw_catalogue(scenario.catalogue, streams)
    warnings = _unfit_warnings(scenario, skus)
    storages = [site_storage(scenario.warehouses[name].picking, scenario.catalogue.skus,
                             skus.popularity, streams.get(f"picking.{name}.storage"))
                for name in sites]
    draws = draw_orders(scenario, originals, site0, distance0, skus, storages, streams,
                        np.full(n0, -1, dtype=np.int64))
    if scenario.inventory is not None and scenario.inventory.fallback != "backorder" and len(sites) > 1:
        region0 = originals.region  # (the draws grow ``originals`` in place)
        for rank in range(1, len(sites)):  # every other site, nearest first
            alt_site, alt_km = routing.next_nearest(scenario, region0, site0, rank)
            draws = with_alternatives(scenario, draws, skus, storages, streams, alt_site, alt_km,
                                      n0, rank)
    if scenario.inventory is not None and scenario.inventory.backorder == "ship_available":
        draws = with_rests(scenario, draws, skus, storages, streams, n0)
    draws = with_reships(scenario, draws, skus, storages, streams)
    orders, site, distance_km, parcels = draws.orders, draws.site, draws.distance_km, draws.parcels
    n = len(orders)
    pick_error = draws.pick_error
    warnings += _no_box_warnings(scenario, site, parcels.no_box, orders)
    errors_made, errors_found = draws.pick.errors_made, draws.pick.errors_found

    rec = Recorder(n, int(orders.line_start[-1]))
    # (``orders`` grew in place: its first n0 rows are the customers' orders.)
    placed0, below_moq = orders.placed_h[:n0], orders.below_moq[:n0]
    rec.customer_order[:n0] = True
    rec.placed_h[:n0] = placed0
    rec.due_h[:n0] = _due_h(scenario, placed0, orders.channel[:n0])
    cancel = rec.cancel_code
    cancel[:n0][pay.failed] = CANCEL_REASONS.index("payment_declined")
    cancel[:n0][below_moq] = CANCEL_REASONS.index("below_moq")
    paid = np.zeros(n, dtype=bool)
    paid[:n0] = cancel[:n0] == 0
    # An order rejected for its quantity never reaches payment; a reship is not paid for.
    attempts = np.zeros(n, dtype=np.int16)
    attempts[:n0] = np.where(below_moq, 0, pay.attempts)
    rec.paid_h[:n0][paid[:n0]] = placed0[paid[:n0]] + pay.delay_h[paid[:n0]]

    env = simpy.Environment()
    priority = np.array([c.priority for c in scenario.demand.channels.values()])[orders.channel]
    priority[draws.reship_of >= 0] = REMEDY_PRIORITY
    pack_h, label_h = draws.pack_h, draws.label_h
    # Where each row's lines to pick end: a part of an order picks fewer (sim.model.parts).
    inv = scenario.inventory
    may_split = inv is not None and (inv.fallback == "split" or inv.backorder == "ship_available")
    line_end = orders.line_start[1:].copy() if may_split else orders.line_start[1:]
    works = [site_work(scenario.warehouses[name].picking, draws.pick, orders.line_start,
                       streams.get(f"picking.{name}.tours"), line_end) for name in sites]
    site_orders = [np.flatnonzero(site == s) for s in range(len(sites))]
    delivery = Delivery(rec, parcels.delivery, draws.returns, hz.start_weekday)
    delivery.units = orders.units
    delivery.wrong_units = wrong_units(orders.units, orders.lines, errors_made, errors_found)
    stocks = _build_stocks(scenario, env, site, skus, streams)

    methods, pools, labellers = [], [], []
    carrier_names = list(scenario.carriers)
    for s, name in enumerate(sites):
        wh = scenario.warehouses[name]
        docks = {}
        for c in sorted({carrier_names.index(x) for x in [wh.shipping.carrier, *wh.shipping.services]}):
            carrier = scenario.carriers[carrier_names[c]]
            pickups = pickup_times(carrier.pickup_times_h, carrier.pickup_days, hz.start_weekday, end_h)
            docks[c] = Dock(env, rec, pickups, carrier.cutoff_min / MINUTES_PER_HOUR, delivery.ship)
        pack_queue = make_queue(env, priority)
        labeller = None
        if wh.shipping.labels == "bulk":
            labeller = BulkLabeller(env, rec, wh.shipping.bulk, pack_queue, streams.get(f"labels.{name}"))
        station = PackStation(env, rec, pack_h, label_h, docks, parcels.service, labeller)
        if labeller is not None:
            labeller.station = station
        labellers.append(labeller)
        default = scenario.carriers[wh.shipping.carrier]
        ctx = PickContext(env, rec, s, works[s], pack_queue, orders.units, priority)
        method = build_method(ctx, site_orders[s],
                              pickup_times(default.pickup_times_h, default.pickup_days,
                                           hz.start_weekday, end_h),
                              default.cutoff_min / MINUTES_PER_HOUR, end_h)
        for st in method.stations():
            per_shift = _zone_head_count(wh, st.zone) if st.zone >= 0 else None
            pickers = build_pool(name, "pickers", wh.staff, hz.start_weekday, end_h, per_shift, st.zone)
            start_pool(env, pickers, st.queue, st.serve)
            pools.append(pickers)
        packers = build_pool(name, "packers", wh.staff, hz.start_weekday, end_h)
        start_pool(env, packers, pack_queue, station.serve)
        methods.append(method)
        pools.append(packers)

    enqueue = [m.enqueue for m in methods]
    release = enqueue
    if stocks:
        # Per order, its alternative rows at the other sites, nearest first (-1: none).
        alt_rows = np.flatnonzero(draws.alt_of >= 0)
        alternative = np.full((n, max(len(sites) - 1, 1)), -1, dtype=np.int64)
        if len(alt_rows):
            alternative[:n0] = alt_rows.reshape(len(sites) - 1, n0).T
        rest = np.full(n, -1, dtype=np.int64)
        rest_rows = np.flatnonzero(draws.rest_of >= 0)
        rest[draws.rest_of[rest_rows]] = rest_rows
        parts = None
        if scenario.inventory.fallback == "split" or len(rest_rows):
            child = np.full(n, -1, dtype=np.int64)
            child[draws.reship_of[draws.reship_of >= 0]] = np.flatnonzero(draws.reship_of >= 0)
            parts = Parts(scenario, draws, skus, storages, streams, line_end, child)
            parts.refresh = [m.refresh for m in methods]
            parts.wrong_units = delivery.wrong_units
        allocator = Allocator(env, rec, scenario.inventory, stocks, site, orders.line_start,
                              orders.line_sku, orders.line_units, enqueue, alternative,
                              rest, parts)
        release = [allocator.release] * len(sites)
        delivery.restock = allocator.restock
        window = [h * HOURS_PER_DAY for h in (hz.warmup_days, hz.days)]
        stockout_marks = _mark_stockouts(env, stocks, window)
    if n > n0:
        _wire_reships(env, scenario, rec, delivery, draws.reship_of, orders.channel, site, release)
    paid_ids = np.flatnonzero(paid)
    paid_ids = paid_ids[np.argsort(rec.paid_h[paid_ids], kind="stable")]
    env.process(_release(env, paid_ids, rec.paid_h[paid_ids], site[paid_ids], release))

    _run(env, end_h, progress)

    value = np.add.reduceat(skus.unit_price[orders.line_sku] * orders.line_units,
                            orders.line_start[:-1]) if n else np.zeros(0)
    child = delivery.child if delivery.child is not None else np.full(n, -1, dtype=np.int64)
    # Lateness is the customer's: an order shipped in parts by its last part, not each part.
    late_h = np.where(rec.part_of >= 0, np.nan, rec.order_delivered_h())
    after = aftersales(scenario.remedies, scenario.satisfaction, value, rec.delivered_h, rec.due_h,
                       rec.exception, pick_error, streams.get("aftersales"),
                       _reship_cost(rec, orders, parcels, skus, child) if n > n0 else None, late_h)
    channels = list(scenario.demand.channels)
    pick_methods = [scenario.warehouses[name].picking.method for name in sites]
    attrs = {
        "channel": pd.Categorical.from_codes(orders.channel.astype(np.int64), channels),
        "region": pd.Categorical.from_codes(orders.region.astype(np.int64), us_states().codes),
        "site": pd.Categorical.from_codes(site.astype(np.int64), sites),
        "distance_km": distance_km.astype(np.float32),
        "lines": orders.lines,
        "units": orders.units,
        "payment_attempts": attempts.astype(np.int16),
        "pick_method": pd.Categorical.from_codes(
            np.array([sorted(set(pick_methods)).index(m) for m in pick_methods])[site],
            sorted(set(pick_methods))),
        "service": pd.Categorical.from_codes(parcels.service.astype(np.int64), carrier_names),
        "box": _box_names(scenario, site, parcels.box),
        "no_box": parcels.no_box,
        "box_fill": parcels.fill,
        "weight_kg": parcels.weight_kg,
        "fragile_units": parcels.fragile_units,
        "billable_kg": parcels.billable_kg,
        "packaging_cost": parcels.packaging_cost,
        "shipping_cost": parcels.shipping_cost,
        "pick_errors_made": errors_made,
        "pick_errors_found": errors_found,
        "pick_error": pick_error,
        "order_value": value.astype(np.float32),
        "remedy": pd.Categorical.from_codes(after.remedy, REMEDIES),
        "remedy_cost": after.remedy_cost.astype(np.float32),
        "csat": after.csat.astype(np.float32),
        "dissatisfied_reason": pd.Categorical.from_codes(after.dissatisfied_reason,
                                                         DISSATISFACTION_REASONS),
        "reship_of": draws.reship_of,
        "reship_id": child,
        "alternative_of": draws.alt_of,
        "rest_of": draws.rest_of,
    }
    frame = rec.frame(attrs, replication, list(scenario.returns.reasons))
    result = RunResult(replication=replication, seed=seed, orders=frame, pools=pools, end_h=end_h,
                       tours=rec.tours.frame(sites, replication),
                       label_jobs=_label_jobs(labellers, sites, replication), warnings=warnings)
    if stocks:
        _inventory_outputs(result, scenario, stocks, skus, stockout_marks)
    return result


def _reship_cost(rec: Recorder, orders: demand.Orders, parcels, skus, child: np.ndarray) -> np.ndarray:
    """Per order, what its reship cost: goods at unit cost + box + carrier charge; NaN if
    its reship row was never placed; +inf if it has no reship row (none was needed, or
    the chain was already ``max_reships`` deep)."""
    goods = np.add.reduceat(skus.unit_cost[orders.line_sku] * orders.line_units,
                            orders.line_start[:-1])
    cost = np.full(len(child), np.inf)
    has = child >= 0
    c = child[has]
    spent = goods[c] + np.nan_to_num(parcels.packaging_cost[c]) + np.nan_to_num(parcels.shipping_cost[c])
    cost[has] = np.where(np.isnan(rec.placed_h[c]), np.nan, spent)
    return cost


def _wire_reships(env: simpy.Environment, scenario: Scenario, rec: Recorder, delivery: Delivery,
                  reship_of: np.ndarray, channel: np.ndarray, site: np.ndarray,
                  release: list[Callable[[int], None]]) -> None:
    """Let deliveries release their reships: placed and paid the moment the trouble comes
    to light, promised like any order of the channel, sent to the original's site."""
    rows = np.flatnonzero(reship_of >= 0)
    child = np.full(len(reship_of), -1, dtype=np.int64)
    child[reship_of[rows]] = rows

    def place(row: int) -> None:
        now = env.now
        rec.placed_h[row] = rec.paid_h[row] = now
        rec.due_h[row] = _due_h(scenario, [now], channel[[row]])[0]
        release[int(site[row])](row)

    def on_reship(rows_due: np.ndarray, at_h: np.ndarray) -> None:
        for row, t in zip(rows_due.tolist(), at_h.tolist(), strict=True):
            timer = env.timeout(max(0.0, t - env.now))
            timer.callbacks.append(lambda _e, row=row: place(row))

    delivery.child = child
    delivery.on_reship = on_reship
    delivery.lost_after_h = scenario.remedies.lost_declared_after_days * HOURS_PER_DAY


def _build_stocks(scenario: Scenario, env: simpy.Environment, site: np.ndarray, skus,
                  streams: Streams) -> list:
    """One :class:`Stock` per site (none without ``inventory``), sized from each site's
    expected daily demand per SKU."""
    cfg = scenario.inventory
    if cfg is None:
        return []
    mean, sd = expected_daily_units(scenario, skus.popularity)
    out = []
    for s, name in enumerate(scenario.sites):
        try:
            out.append(stock_from_config(env, streams.get(f"inventory.{name}"), cfg.for_site(name),
                                         mean[s], sd[s], name))
        except ValueError as exc:
            raise ScenarioError([str(exc)]) from None
    return out


def _mark_stockouts(env: simpy.Environment, stocks: list, window_h: list[float]) -> dict:
    """Snapshot every site's cumulative stock-out hours at the window's start and end."""
    marks: dict = {}
    for t in window_h:
        timer = env.timeout(t)
        timer.callbacks.append(lambda _e, t=t: marks.__setitem__(t, [st.stockout_hours() for st in stocks]))
    return marks


def _inventory_outputs(result: RunResult, scenario: Scenario, stocks: list, skus, marks: dict) -> None:
    """Statement, stock levels and stock-out days per ABC class into the result."""
    from sim.model.catalogue import abc_labels

    rows, levels = [], []
    lo, hi = (h * HOURS_PER_DAY for h in (scenario.horizon.warmup_days, scenario.horizon.days))
    classes = abc_labels(scenario.catalogue)
    n_class = np.bincount(skus.abc, minlength=len(classes))
    for s, (name, stock) in enumerate(zip(scenario.sites, stocks, strict=True)):
        rows.append({"replication": result.replication, "site": name, **stock.statement(skus.unit_cost)})
        t, units = stock.level_series()
        levels.append(pd.DataFrame({"replication": result.replication, "site": name,
                                    "t_h": t, "units_on_hand": units}))
        # Stock-out hours inside the window (a mark the run did not reach is "now").
        at_end = marks.get(hi) or [st.stockout_hours() for st in stocks]
        at_start = marks.get(lo) or [np.zeros(len(skus.abc))] * len(stocks)
        out_h = at_end[s] - at_start[s]
        days = np.bincount(skus.abc, weights=out_h / HOURS_PER_DAY, minlength=len(classes))
        for c, label in enumerate(classes):
            key = f"stockout_days_per_sku_{label}"
            result.extra_kpis[key] = result.extra_kpis.get(key, 0.0) + days[c] / max(n_class[c], 1) / len(stocks)
    result.inventory = pd.DataFrame(rows)
    result.stock_levels = pd.concat(levels, ignore_index=True)


def _unfit_warnings(scenario: Scenario, skus, shown: int = 3) -> list[str]:
    """SKUs whose single unit fits no box of a site's catalogue (their orders become
    packing exceptions, ``no_box``): one line for the first few, then a count."""
    out = []
    for name in scenario.sites:
        cfg = scenario.warehouses[name].packing.packaging
        if cfg is None:
            continue
        unfit = packaging.unfit_skus(cfg, skus.volume_cm3, skus.weight_kg, skus.longest_cm, skus.fragile)
        out += [packaging.format_unfit_warning(cfg, f"SKU-{sku}", reason, name)
                for sku, reason in unfit[:shown]]
        if len(unfit) > shown:
            out.append(f"... and {len(unfit) - shown} more SKUs that fit no box at site {name!r}")
    return out


def _no_box_warnings(scenario: Scenario, site: np.ndarray, no_box: np.ndarray, orders) -> list[str]:
    """Orders too big as a whole for every box of their site (packed by hand)."""
    out = []
    for s, name in enumerate(scenario.sites):
        mine = no_box & (site == s)
        if mine.any():
            cfg = scenario.warehouses[name].packing.packaging
            big = cfg.boxes[max(range(len(cfg.boxes)), key=lambda b: cfg.boxes[b].volume_cm3)]
            out.append(f"{int(mine.sum())} order(s) at site {name!r} fit no box as a whole (largest "
                       f"box {big.name!r}: {big.length_cm:g} x {big.width_cm:g} x {big.height_cm:g} cm, "
                       f"max {big.max_weight_kg:g} kg; biggest such order {int(orders.units[mine].max())} "
                       "units); they are packed by hand and flagged no_box")
    return out


def _box_names(scenario: Scenario, site: np.ndarray, box: np.ndarray) -> pd.Categorical:
    """The chosen box's name per order ("" where no box is modelled or fits)."""
    names = [""]
    code = np.zeros(len(box), dtype=np.int64)
    for s, name in enumerate(scenario.sites):
        cfg = scenario.warehouses[name].packing.packaging
        if cfg is None:
            continue
        for b, spec in enumerate(cfg.boxes):
            if spec.name not in names:
                names.append(spec.name)
            code[(site == s) & (box == b)] = names.index(spec.name)
    return pd.Categorical.from_codes(code, names)


def _label_jobs(labellers: list, sites: list[str], replication: int) -> pd.DataFrame:
    """One row per bulk label print job: site, start_h, end_h, labels, packer."""
    rows = [(sites[s], *job) for s, lab in enumerate(labellers) if lab is not None for job in lab.log]
    df = pd.DataFrame(rows, columns=["site", "start_h", "end_h", "labels", "packer"])
    df.insert(0, "replication", replication)
    return df


def _run(env: simpy.Environment, end_h: float, progress: Progress | None) -> None:
    if progress is None:
        env.run(until=end_h)
        return
    step = HOURS_PER_DAY
    t = 0.0
    while t < end_h:
        t = min(t + step, end_h)
        env.run(until=t)
        progress(t / end_h)

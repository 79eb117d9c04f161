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
from sim.model.delivery import DAMAGED, Delivery, draw_returns
from sim.model.inventory import stock_from_config
from sim.model.packing import BulkLabeller, PackStation, sample_label_times_h, sample_pack_times_h
from sim.model.parcel import build_parcels
from sim.model.picking.methods import PickContext, build_method, method_sorts
from sim.model.picking.work import PickArrays, PickWork, build_pick_work
from sim.model.queues import make_queue
from sim.model.shipping import Dock
from sim.model.staff import Pool, build_pool, start_pool
from sim.records import CANCEL_REASONS, Recorder
from sim.rng import Streams
from sim.scenario.loader import ScenarioError
from sim.scenario.picking import Picking
from sim.scenario.schema import Scenario, Warehouse

Progress = Callable[[float], None]  # called with the fraction of simulated time done


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


def _pack_station_extra_h(cfg: Picking, work: PickWork, idx: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
    """Work the picking method leaves for the pack station: sorting a batch picked
    with ``sort: after_pick``, consolidating a zone-picked order."""
    extra = np.zeros(len(idx))
    if method_sorts(cfg) and cfg.batch.sort == "after_pick":
        extra += work.order_sort_time_h[idx]
    zoned = cfg.method == "zone" or (cfg.method == "wave" and cfg.wave.within == "zone")
    if zoned and cfg.zone.mode == "parallel":
        extra += cfg.zone.consolidation_time_s.sample(rng, len(idx)) / 3600.0
    return extra


def _due_h(scenario: Scenario, orders: demand.Orders) -> np.ndarray:
    """Promised delivery: end of the day ``promised_business_days`` after placement."""
    promised = np.array([c.promised_business_days for c in scenario.demand.channels.values()])
    day = (orders.placed_h // HOURS_PER_DAY).astype(np.int64)
    due_day = add_business_days(day, promised[orders.channel], scenario.horizon.start_weekday)
    return (due_day + 1) * HOURS_PER_DAY


def run_replication(scenario: Scenario, replication: int = 0, seed: int | None = None,
                    progress: Progress | None = None) -> RunResult:
    """Simulate one replication. ``seed`` defaults to the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    streams = Streams(seed, replication)
    hz = scenario.horizon
    end_h = (hz.days + hz.drain_days) * HOURS_PER_DAY

    orders = demand.generate_orders(scenario, streams)
    n = len(orders)
    rec = Recorder(n, int(orders.line_start[-1]))
    rec.placed_h[:] = orders.placed_h
    rec.due_h[:] = _due_h(scenario, orders)

    pay = payment.authorise(scenario.payment, n, streams.get("payment"))
    cancel = rec.cancel_code
    cancel[pay.failed] = CANCEL_REASONS.index("payment_declined")
    cancel[orders.below_moq] = CANCEL_REASONS.index("below_moq")
    paid = cancel == 0
    # An order rejected for its quantity never reaches payment.
    attempts = np.where(orders.below_moq, 0, pay.attempts)
    rec.paid_h[paid] = orders.placed_h[paid] + pay.delay_h[paid]
    site, distance_km = routing.route(scenario, orders.region)

    env = simpy.Environment()
    sites = scenario.sites
    skus = draw_catalogue(scenario.catalogue, streams)
    parcels = build_parcels(scenario, orders, site, distance_km, skus, streams)
    warnings = _unfit_warnings(scenario, skus)
    priority = np.array([c.priority for c in scenario.demand.channels.values()])[orders.channel]
    pack_h, label_h = np.zeros(n), np.zeros(n)
    works, site_orders = [], []
    pick_arrays = PickArrays.empty(n, int(orders.line_start[-1]))
    for s, name in enumerate(sites):
        wh = scenario.warehouses[name]
        idx = np.flatnonzero(site == s)
        site_orders.append(idx)
        work = build_pick_work(wh.picking, idx, orders.line_start, orders.line_sku, orders.units,
                               scenario.catalogue.skus, skus.popularity, streams.get(f"picking.{name}"),
                               method_sorts(wh.picking), pick_arrays)
        works.append(work)
        rng_pack = streams.get(f"packing.{name}")
        pack_h[idx] = (sample_pack_times_h(wh.packing, orders.units[idx], rng_pack)
                       + work.pack_extra_h[idx] + _pack_station_extra_h(wh.picking, work, idx, rng_pack)
                       + parcels.dunnage_h[idx])
        label_h[idx] = sample_label_times_h(wh.shipping, len(idx), rng_pack)
    errors_made, errors_found = pick_arrays.errors_made, pick_arrays.errors_found
    pick_error = errors_made > errors_found  # an error no scan caught ships
    exception = parcels.delivery.exception
    returns = draw_returns(scenario.returns, pick_error, exception == DAMAGED,
                           _return_prob(scenario, orders, skus), streams.get("returns"))
    delivery = Delivery(rec, parcels.delivery, returns, hz.start_weekday)
    stocks = _build_stocks(scenario, env, site, skus, streams)

    methods, pools, labellers = [], [], []
    carrier_names = list(scenario.carriers)
    for s, name in enumerate(sites):
        wh = scenario.warehouses[name]
        docks = {}
        for c in sorted({carrier_names.index(x) for x in [wh.shipping.carrier, *wh.shipping.services]}):
            carrier = scenario.carriers[carrier_names[c]]
            pickups = pickup_times(carrier.pickup_times_h, carrier.pickup_days, hz.start_weekday, end_h)
            docks[c] = Dock(env, rec, pickups, carrier.cutoff_min / 60.0, delivery.ship)
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
                              default.cutoff_min / 60.0, end_h)
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
        allocator = Allocator(env, rec, scenario.inventory, stocks, site, orders.line_start,
                              orders.line_sku, orders.line_units, enqueue)
        release = [allocator.release] * len(sites)
        delivery.restock = allocator.restock
        window = [h * HOURS_PER_DAY for h in (hz.warmup_days, hz.days)]
        stockout_marks = _mark_stockouts(env, stocks, window)
    paid_ids = np.flatnonzero(paid)
    paid_ids = paid_ids[np.argsort(rec.paid_h[paid_ids], kind="stable")]
    env.process(_release(env, paid_ids, rec.paid_h[paid_ids], site[paid_ids], release))

    _run(env, end_h, progress)

    value = np.add.reduceat(skus.unit_price[orders.line_sku] * orders.line_units,
                            orders.line_start[:-1]) if n else np.zeros(0)
    after = aftersales(scenario.remedies, scenario.satisfaction, value, rec.delivered_h, rec.due_h,
                       rec.exception, pick_error, streams.get("aftersales"))
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
        "pick_method": pd.Categorical(np.array(pick_methods)[site.astype(np.int64)],
                                      categories=sorted(set(pick_methods))),
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
    }
    frame = rec.frame(attrs, replication, list(scenario.returns.reasons))
    result = RunResult(replication=replication, seed=seed, orders=frame, pools=pools, end_h=end_h,
                       tours=rec.tours.frame(sites, replication),
                       label_jobs=_label_jobs(labellers, sites, replication), warnings=warnings)
    if stocks:
        _inventory_outputs(result, scenario, stocks, skus, stockout_marks)
    return result


def _return_prob(scenario: Scenario, orders: demand.Orders, skus) -> np.ndarray:
    """Each order's chance of an ordinary return: its channel's ``return_prob`` times the
    units-weighted mean of its categories' ``returns.category_multiplier``."""
    base = np.array([c.return_prob for c in scenario.demand.channels.values()])[orders.channel]
    multipliers = scenario.returns.category_multiplier
    if not multipliers or not len(orders):
        return base
    m = np.array([multipliers.get(c, 1.0) for c in scenario.catalogue.categories])
    per_line = m[skus.category[orders.line_sku]] * orders.line_units
    mean = np.add.reduceat(per_line, orders.line_start[:-1]) / orders.units
    return np.clip(base * mean, 0.0, 1.0)


def _build_stocks(scenario: Scenario, env: simpy.Environment, site: np.ndarray, skus,
                  streams: Streams) -> list:
    """One :class:`Stock` per site (none without ``inventory``), sized from each site's
    expected daily demand per SKU."""
    cfg = scenario.inventory
    if cfg is None:
        return []
    mean, sd = _expected_daily_units(scenario, skus.popularity)
    out = []
    for s, name in enumerate(scenario.sites):
        try:
            out.append(stock_from_config(env, streams.get(f"inventory.{name}"), cfg, mean[s], sd[s], name))
        except ValueError as exc:
            raise ScenarioError([str(exc)]) from None
    return out


def _expected_daily_units(scenario: Scenario, popularity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of daily units demanded per (site, SKU): compound Poisson over the
    channels' lines (units per line moments estimated from 20,000 draws)."""
    per_region = routing.site_per_region(scenario)
    n_sites = len(scenario.sites)
    mean = np.zeros((n_sites, len(popularity)))
    second = np.zeros_like(mean)
    rng = np.random.default_rng(0)  # for the moments only: not part of the run's draws
    for ch in scenario.demand.channels.values():
        share = np.bincount(per_region, weights=demand.region_weights(ch), minlength=n_sites)
        units = ch.units_per_line.sample(rng, 20_000).astype(float)
        lines_per_day = ch.orders_per_day * ch.lines_per_order.mean * share
        mean += np.outer(lines_per_day * units.mean(), popularity)
        second += np.outer(lines_per_day * (units**2).mean(), popularity)
    return mean, np.sqrt(second)


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

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
from sim.model import demand, payment, routing
from sim.model.delivery import Delivery, draw_delivery, draw_returns
from sim.model.packing import PackStation, sample_label_times_h, sample_pack_times_h
from sim.model.picking.methods import METHODS, sample_pick_errors, sample_tour_times_h
from sim.model.queues import WorkQueue
from sim.model.shipping import Dock
from sim.model.staff import Pool, build_pool, start_pool
from sim.records import CANCEL_REASONS, Recorder
from sim.rng import Streams
from sim.scenario.schema import Scenario

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


def _release(env: simpy.Environment, order_ids: list[int], paid_h: list[float],
             site: list[int], queues: list[WorkQueue]) -> Generator:
    """Feed paid orders (sorted by paid time) to their site's pick queue at the moment
    payment clears."""
    for o, t, s in zip(order_ids, paid_h, site, strict=True):
        if t > env.now:
            yield env.timeout(t - env.now)
        queues[s].put(o)


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
    rec = Recorder(n)
    rec.placed_h[:] = orders.placed_h
    rec.due_h[:] = _due_h(scenario, orders)

    pay = payment.authorise(scenario.payment, n, streams.get("payment"))
    cancel = np.zeros(n, dtype=np.int8)
    cancel[pay.failed] = CANCEL_REASONS.index("payment_declined")
    cancel[orders.below_moq] = CANCEL_REASONS.index("below_moq")
    paid = cancel == 0
    # An order rejected for its quantity never reaches payment.
    attempts = np.where(orders.below_moq, 0, pay.attempts)
    rec.paid_h[paid] = orders.placed_h[paid] + pay.delay_h[paid]
    site, distance_km = routing.route(scenario, orders.region)

    env = simpy.Environment()
    sites = scenario.sites
    tour_h, pack_h, label_h = np.zeros(n), np.zeros(n), np.zeros(n)
    pick_error = np.zeros(n, dtype=bool)
    transit = np.zeros(n, dtype=np.int64)
    late, hour = np.zeros(n, dtype=bool), np.zeros(n)
    exception = np.zeros(n, dtype=np.int8)
    for s, name in enumerate(sites):
        wh = scenario.warehouses[name]
        idx = np.flatnonzero(site == s)
        rng_pick = streams.get(f"picking.{name}")
        tour_h[idx] = sample_tour_times_h(wh.picking, orders.lines[idx], rng_pick)
        pick_error[idx] = sample_pick_errors(wh.picking, orders.lines[idx], rng_pick)
        rng_pack = streams.get(f"packing.{name}")
        pack_h[idx] = sample_pack_times_h(wh.packing, orders.units[idx], rng_pack)
        label_h[idx] = sample_label_times_h(wh.shipping, len(idx), rng_pack)
        d = draw_delivery(scenario.carriers[wh.shipping.carrier], distance_km[idx],
                          streams.get(f"delivery.{name}"))
        transit[idx], late[idx], exception[idx], hour[idx] = (
            d.transit_days, d.late_by_carrier, d.exception, d.hour)
    return_prob = np.array([c.return_prob for c in scenario.demand.channels.values()])
    returns = draw_returns(scenario.returns, pick_error, exception == 2,
                           return_prob[orders.channel], streams.get("returns"))
    delivery = Delivery(rec, type(d)(transit, late, exception, hour), returns, hz.start_weekday)

    pick_queues, pools = [], []
    for name in sites:
        wh = scenario.warehouses[name]
        carrier = scenario.carriers[wh.shipping.carrier]
        pickups = pickup_times(carrier.pickup_times_h, carrier.pickup_days, hz.start_weekday, end_h)
        dock = Dock(env, rec, pickups, carrier.cutoff_min / 60.0, delivery.ship)
        pack_queue, pick_queue = WorkQueue(env), WorkQueue(env)
        station = PackStation(env, rec, pack_h, label_h, dock)
        method = METHODS[wh.picking.method](env, rec, tour_h, pack_queue)
        pickers = build_pool(name, "pickers", wh.staff, hz.start_weekday, end_h)
        packers = build_pool(name, "packers", wh.staff, hz.start_weekday, end_h)
        start_pool(env, pickers, pick_queue, method.serve)
        start_pool(env, packers, pack_queue, station.serve)
        pick_queues.append(pick_queue)
        pools += [pickers, packers]

    paid_ids = np.flatnonzero(paid)
    paid_ids = paid_ids[np.argsort(rec.paid_h[paid_ids], kind="stable")]
    env.process(_release(env, paid_ids.tolist(), rec.paid_h[paid_ids].tolist(),
                         site[paid_ids].tolist(), pick_queues))

    _run(env, end_h, progress)

    channels = list(scenario.demand.channels)
    attrs = {
        "channel": pd.Categorical.from_codes(orders.channel.astype(np.int64), channels),
        "region": pd.Categorical.from_codes(orders.region.astype(np.int64), us_states().codes),
        "site": pd.Categorical.from_codes(site.astype(np.int64), sites),
        "distance_km": distance_km,
        "lines": orders.lines,
        "units": orders.units,
        "payment_attempts": attempts.astype(np.int16),
        "pick_error": pick_error,
        "cancel_reason_code": cancel,
    }
    frame = rec.frame(attrs, replication, list(scenario.returns.reasons))
    return RunResult(replication=replication, seed=seed, orders=frame, pools=pools, end_h=end_h)


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
